//! Operations: health, the admin dashboard's figures, login attempts and bans, backups.

pub mod backup;
pub mod rest;

use crate::http::stage::Stage;

/// Operations enter the application here.
pub fn stage<R, H>() -> Stage<R, H> {
    Stage {
        name: "operations",
        mount: |rocket, _| {
            rocket
                .mount("/", rocket::routes![rest::health])
                .mount("/api/v1", rest::routes())
        },
        openapi: |_| rest::openapi(),
        resources: &[],
        hooks: &[],
    }
}
