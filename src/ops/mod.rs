//! Operations: health, the admin dashboard's figures, login attempts and bans, backups.

pub mod backup;
pub mod rest;

use rocket::{Build, Rocket};

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/", rocket::routes![rest::health])
        .mount("/api/v1", rest::routes())
}
