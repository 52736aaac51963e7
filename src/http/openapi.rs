//! The OpenAPI 3 document at `/api/v1/openapi.json`, generated from the code: each stage
//! contributes its part (the route annotations of its `rest` module, or the parts generated
//! from resource descriptions), merged here once at build.

use rocket::serde::json::Json;
use rocket::{State, get};
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

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

/// The document is built once, at launch.
pub struct Document(pub OpenApi);

#[get("/openapi.json")]
pub fn openapi(doc: &State<Document>) -> Json<&OpenApi> {
    Json(&doc.0)
}
