//! Validation of moderated content (SPEC 4.5): `PUT /api/v1/{collection}/{id}/validation` for
//! every resource whose description says `moderated`, derived from the registry rather than
//! written per resource. The seeds' own paths for it belong to the domain that has them
//! (`learning::seed_validation`) and call [`decide`].

use rocket::http::{Method, Status};
use rocket::route::{Handler, Outcome, Route};
use rocket::serde::json::Json;
use rocket::{Data, Request};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder};

use crate::accounts::App;
use crate::accounts::auth::AuthUser;
use crate::audit;
use crate::content::Resource;
use crate::content::store::{self, Viewer};
use crate::db::now_ms;
use crate::http::body::read_json;
use crate::http::error::ApiError;
use crate::moderation::notifications::{self, Notice, Text};

pub const REASON_MAX: usize = 1000;

/// Approves or rejects a pending row. A rejection carries a reason for the author.
pub async fn decide(
    app: &App,
    user: &AuthUser,
    res: &'static Resource,
    id: i64,
    approved: bool,
    reason: Option<String>,
) -> Result<Map<String, Value>, ApiError> {
    if !user.is_moderator() {
        return Err(ApiError::forbidden(
            "Only a moderator or an admin may validate content.",
        ));
    }
    let reason = crate::moderation::optional_message("reason", reason.as_deref(), REASON_MAX)?;
    // The moderator's own words, for the author's notification (written in their language).
    let given = reason.clone();
    let fallback = crate::accounts::letters::Locale::default_of(&app.config);
    let reason = match (approved, reason) {
        (false, None) => Some(format!(
            "This {} was not accepted by a moderator.",
            res.name
        )),
        (_, reason) => reason,
    };
    let viewer = Viewer::of(Some(user));
    let moderator = user.id;
    app.db
        .write(move |tx| {
            let row = store::get(tx, res, viewer, id)?;
            tx.execute(
                &format!("UPDATE {} SET status = ?2, status_reason = ?3, moderated_by = ?4, moderated_at = ?5 WHERE id = ?1", res.table),
                rusqlite::params![id, if approved { "approved" } else { "rejected" }, reason, moderator, now_ms()],
            )?;
            let (kind, text) = if approved {
                ("content_approved", Text::Published { noun: res.name })
            } else {
                ("content_rejected", Text::NotAccepted { noun: res.name, reason: given.as_deref() })
            };
            if let Some(author) = res.owner.and_then(|o| row.get(o)).and_then(Value::as_i64) {
                notifications::send(tx, fallback, author, &Notice { kind, text, report_id: None, target: Some((&res.kind(), id)) })?;
            }
            audit::record(tx, moderator, if approved { "approve" } else { "reject" }, &res.kind(), id, reason.as_deref())?;
            store::get(tx, res, viewer, id)
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidationBody {
    /// true to publish, false to reject.
    pub approved: bool,
    /// Why, for the author (up to 1000 characters).
    pub reason: Option<String>,
}

#[derive(Clone)]
struct Validate(&'static Resource);

/// The validation route of every moderated resource among `all`.
pub fn routes(all: &[&'static Resource]) -> Vec<Route> {
    all.iter()
        .filter(|r| r.moderated)
        .map(|res| {
            Route::new(
                Method::Put,
                &format!("/{}/<id>/validation", res.path),
                Validate(res),
            )
        })
        .collect()
}

async fn validate(
    req: &Request<'_>,
    data: Data<'_>,
    res: &'static Resource,
) -> Result<Map<String, Value>, ApiError> {
    let app = req
        .rocket()
        .state::<App>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let user = match req.guard::<AuthUser>().await {
        rocket::outcome::Outcome::Success(user) => user,
        _ => return Err(crate::http::error::stashed_or(req, ApiError::no_token())),
    };
    if !user.is_moderator() {
        return Err(ApiError::forbidden("This needs a moderator or an admin."));
    }
    let id = match req.param::<i64>(res.path.split('/').count()) {
        Some(Ok(id)) if id > 0 => id,
        _ => return Err(ApiError::invalid("id", "must be a positive integer id")),
    };
    let body: ValidationBody = read_json(req, data).await?;
    decide(app, &user, res, id, body.approved, body.reason).await
}

#[rocket::async_trait]
impl Handler for Validate {
    async fn handle<'r>(&self, req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        match validate(req, data, self.0).await {
            Ok(row) => Outcome::from(req, (Status::Ok, Json(row))),
            Err(e) => Outcome::from(req, e),
        }
    }
}

/// The OpenAPI operations of the validation routes.
pub fn openapi(all: &[&'static Resource]) -> OpenApi {
    let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert(
        "ValidationBody".into(),
        <ValidationBody as utoipa::PartialSchema>::schema(),
    );
    for res in all.iter().filter(|r| r.moderated) {
        let op = OperationBuilder::new()
            .tag(res.tag)
            .summary(Some(format!(
                "Approve or reject a {} (moderators)",
                res.name
            )))
            .operation_id(Some(format!("validate_{}", res.table)))
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
            .parameter(
                ParameterBuilder::new()
                    .name("id")
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::Integer)
                            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                                utoipa::openapi::KnownFormat::Int64,
                            )))
                            .minimum(Some(1.0)),
                    )),
            )
            .request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(RefOr::Ref(Ref::from_schema_name("ValidationBody"))))
                            .build(),
                    )
                    .build(),
            ))
            .response(
                "200",
                ResponseBuilder::new()
                    .description(format!("The {}", res.name))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(RefOr::Ref(Ref::from_schema_name(
                                crate::content::openapi::type_name(res),
                            ))))
                            .build(),
                    )
                    .build(),
            )
            .response(
                "4XX",
                ResponseBuilder::new()
                    .description("The error envelope")
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody"))))
                            .build(),
                    )
                    .build(),
            );
        doc.paths.add_path_operation(
            format!("/api/v1/{}/{{id}}/validation", res.path),
            vec![HttpMethod::Put],
            op.build(),
        );
    }
    doc
}
