//! How a domain enters the application: one [`Stage`] that brings its routes and state, its
//! part of the OpenAPI document, the resources it describes and its hooks. `app.rs` lists the
//! stages once; nothing else names a domain.
//!
//! The stage is generic over the resource description `R` and the hook `H` so that this layer
//! knows nothing of them: the application fixes them (`content::Resource`, `content::Hook`),
//! and a domain without resources writes `resources: &[]`.

use rocket::{Build, Rocket};
use utoipa::openapi::OpenApi;

pub struct Stage<R: 'static, H: 'static> {
    pub name: &'static str,
    /// Mounts the domain's routes and manages its state. It is given every resource of the
    /// application, for routes derived from them (the validation of moderated resources).
    pub mount: fn(Rocket<Build>, &[&'static R]) -> Rocket<Build>,
    /// The domain's part of the OpenAPI document, given every resource too.
    pub openapi: fn(&[&'static R]) -> OpenApi,
    pub resources: &'static [&'static R],
    /// What the domain does when content elsewhere changes.
    pub hooks: &'static [H],
}

/// An empty OpenAPI part, for stages without REST routes.
pub fn no_openapi<R>(_: &[&'static R]) -> OpenApi {
    utoipa::openapi::OpenApiBuilder::new().build()
}
