//! The seed 000 `POST /…/modify` routes of every resource that has one: a JSON body with the
//! `token`, an optional `id`, and the fields under the seed's names. An `id` of an existing
//! row updates it (204, no body); no `id` (or 0) creates one (201 `{timestamp, status, path,
//! id}`).

use rocket::http::{Method, Status};
use rocket::route::{Handler, Outcome, Route};
use rocket::serde::json::Json;
use rocket::{Data, Request};
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::content::Resource;
use crate::content::store;
use crate::db::now_ms;
use crate::http::body::read_json;
use crate::http::error::ApiError;
use crate::http::guards::{AuthUser, BearerToken};

#[derive(Clone)]
struct Modify(&'static Resource);

pub fn routes(res: &'static Resource) -> Vec<Route> {
    res.seed
        .map(|path| Route::new(Method::Post, path, Modify(res)))
        .into_iter()
        .collect()
}

/// The caller of a seed 000 route: `Authorization: Bearer` or `?token=` (`bearer`), or the
/// body's `token`.
pub async fn seed_caller(
    app: &App,
    bearer: Option<String>,
    body: &Map<String, Value>,
) -> Result<AuthUser, ApiError> {
    let token = bearer.or_else(|| {
        body.get("token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    });
    app.authenticate(&token.ok_or_else(ApiError::no_token)?)
        .await
}

/// The target's id: the body's `id`, else the `id` query parameter; 0 or absent means none.
pub fn target_id(body: &Map<String, Value>, query: Option<&str>) -> Result<Option<i64>, ApiError> {
    let id = match body.get("id").filter(|v| !v.is_null()) {
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| ApiError::invalid("id", "must be an integer"))?,
        ),
        None => query
            .map(|q| {
                q.trim()
                    .parse::<i64>()
                    .map_err(|_| ApiError::invalid("id", "must be an integer"))
            })
            .transpose()?,
    };
    match id {
        Some(id) if id < 0 => Err(ApiError::invalid(
            "id",
            "must be a positive id, or 0 to create",
        )),
        Some(0) | None => Ok(None),
        Some(id) => Ok(Some(id)),
    }
}

async fn modify(
    app: &App,
    req: &Request<'_>,
    data: Data<'_>,
    res: &'static Resource,
) -> Result<Option<i64>, ApiError> {
    let body: Map<String, Value> = read_json(req, data).await?;
    let bearer = match req.guard::<BearerToken>().await {
        rocket::outcome::Outcome::Success(BearerToken(t)) => t,
        _ => None,
    };
    let user = seed_caller(app, bearer, &body).await?;
    let id = target_id(&body, req.query_value::<&str>("id").and_then(Result::ok))?;
    app.db
        .write(move |tx| match id {
            Some(id) => store::update(tx, res, &user, id, &body).map(|()| None),
            None => store::create(tx, res, &user, &body).map(Some),
        })
        .await
}

#[rocket::async_trait]
impl Handler for Modify {
    async fn handle<'r>(&self, req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        let Some(app) = req.rocket().state::<App>() else {
            return Outcome::from(req, ApiError::internal("application state missing"));
        };
        match modify(app, req, data, self.0).await {
            Ok(Some(id)) => {
                let body = json!({"timestamp": now_ms(), "status": 201, "path": req.uri().path().as_str(), "id": id});
                Outcome::from(req, (Status::Created, Json(body)))
            }
            Ok(None) => Outcome::from(req, Status::NoContent),
            Err(e) => Outcome::from(req, e),
        }
    }
}
