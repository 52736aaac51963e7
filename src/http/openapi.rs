//! The OpenAPI 3 document at `/api/v1/openapi.json`, generated from the code: each stage
//! contributes its part (the route annotations of its `rest` module, or the parts generated
//! from resource descriptions), merged here once at build.

use std::sync::OnceLock;

use rocket::http::ContentType;
use rocket::{State, get};
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::http::error::ApiError;

/// The document made of `parts`, in their order.
pub fn document(parts: impl IntoIterator<Item = OpenApi>) -> OpenApi {
    let mut doc = utoipa::openapi::OpenApiBuilder::new()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title("Préau API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("The REST face of Préau. Errors share one envelope: see ErrorBody and the README's code table."))
                .build(),
        )
        .build();
    for part in parts {
        doc.merge(part);
    }
    closed_request_bodies(&mut doc);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    doc
}

/// The REST face refuses a body field the resource does not have: every schema a request
/// body names says so (`additionalProperties: false`).
fn closed_request_bodies(doc: &mut OpenApi) {
    use utoipa::openapi::schema::{AdditionalProperties, Schema};
    use utoipa::openapi::{HttpMethod, RefOr};
    let mut names = Vec::new();
    for item in doc.paths.paths.values() {
        for method in [
            HttpMethod::Post,
            HttpMethod::Put,
            HttpMethod::Patch,
            HttpMethod::Delete,
        ] {
            let op = match method {
                HttpMethod::Post => item.post.as_ref(),
                HttpMethod::Put => item.put.as_ref(),
                HttpMethod::Patch => item.patch.as_ref(),
                _ => item.delete.as_ref(),
            };
            let bodies = op.and_then(|op| op.request_body.as_ref());
            for content in bodies.into_iter().flat_map(|b| b.content.values()) {
                if let Some(RefOr::Ref(r)) = &content.schema {
                    names.push(
                        r.ref_location
                            .rsplit('/')
                            .next()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                }
            }
        }
    }
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for name in names {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) {
            object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        }
    }
}

/// Raw bytes in the OpenAPI document (`type: string, format: binary`): an image, a database
/// file. (`Vec<u8>` would be documented as an array of integers.)
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}

/// The document, built and written once, when it is first asked for: a server that is never
/// asked for it does not build it (about a megabyte of small allocations on the heap for the
/// life of the server, and time at start), and one that is keeps only its JSON.
pub struct Document {
    build: Box<dyn Fn() -> OpenApi + Send + Sync>,
    json: OnceLock<Result<Vec<u8>, String>>,
}

impl Document {
    pub fn lazy(build: impl Fn() -> OpenApi + Send + Sync + 'static) -> Document {
        Document {
            build: Box::new(build),
            json: OnceLock::new(),
        }
    }

    pub fn json(&self) -> Result<&[u8], ApiError> {
        self.json
            .get_or_init(|| serde_json::to_vec(&(self.build)()).map_err(|e| e.to_string()))
            .as_deref()
            .map_err(|e| ApiError::internal(format!("writing the OpenAPI document: {e}")))
    }
}

#[get("/openapi.json")]
pub fn openapi(doc: &State<Document>) -> Result<(ContentType, &[u8]), ApiError> {
    Ok((ContentType::JSON, doc.json()?))
}
