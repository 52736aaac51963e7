//! Moderation: reports and hidden content, notifications, and the audit log of moderators'
//! and admins' actions. The validation of pending courses and exercises is in
//! `learning::moderation`.

pub mod audit;
pub mod notifications;
pub mod reports;
pub mod rest;
pub mod seed;

pub fn mount(rocket: rocket::Rocket<rocket::Build>) -> rocket::Rocket<rocket::Build> {
    rocket
        .mount("/api/v1", rest::routes())
        .mount("/", seed::routes())
}
