//! The application: the shared layer's fairings and catchers, then every domain's stage,
//! listed once. Adding a domain is one folder and one line in [`stages`].

use figment::Figment;
use rocket::{Build, Rocket};

use crate::accounts::App;
use crate::content::{Hook, Registry, Resource};
use crate::http::client::TrustedProxies;
use crate::http::stage::Stage;
use crate::http::{cors, error, logging, openapi};

/// Every domain, in the order their routes and OpenAPI parts are added.
pub fn stages() -> Vec<Stage<Resource, Hook>> {
    vec![
        crate::accounts::stage(),
        crate::ops::stage(),
        crate::content::stage(),
        crate::learning::stage(),
        crate::grading::stage(),
        crate::community::stage(),
        crate::teaching::stage(),
        crate::moderation::stage(),
        crate::admin_ui::stage(),
        crate::webapp::stage(),
    ]
}

/// The shared state for `config`, and what the stages need done once before serving (the
/// avatar images of an older version moved into the database).
pub fn open(config: crate::config::Config) -> Result<App, String> {
    let app = App::new(config)?;
    if !app.config.read_only {
        crate::community::avatars::import_folder(&app.db, &app.config)?;
    }
    Ok(app)
}

/// Rocket's own settings, with Préau's choices on top: no IP header trusted by default (the
/// client address rule is ours), Rocket's own log off (it prints raw paths and queries, which
/// can hold passwords and tokens: Préau writes its own lines), body limits.
pub fn rocket_figment() -> Figment {
    Figment::from(rocket::Config::figment())
        .join(("limits.json", "1 MiB"))
        .join(("limits.form", "1 MiB"))
        .join(("limits.data-form", "4 MiB"))
        .merge(("ip_header", false))
        .merge(("log_level", "off"))
        .merge(("cli_colors", false))
}

/// The whole application on a given Rocket figment.
pub fn build_with(app: App, figment: Figment) -> Rocket<Build> {
    let rocket = routes(&app.config, figment);
    with_state(rocket, app)
}

/// The application without its shared state: every stage's routes, the fairings and catchers,
/// and what the routes need besides the [`App`]. Mounting 300-odd routes takes a couple of
/// milliseconds, which `preau serve` spends while the database opens ([`with_state`] then
/// adds the state).
pub fn routes(config: &crate::config::Config, figment: Figment) -> Rocket<Build> {
    let stages = stages();
    let registry = Registry::new(
        stages.iter().flat_map(|s| s.resources.iter().copied()),
        stages.iter().flat_map(|s| s.hooks.iter()),
    );
    let log = logging::RequestLog {
        enabled: config.log_requests,
    };
    let cors = cors::Cors {
        origins: config.cors_origins.clone(),
    };
    let rocket = rocket::custom(figment)
        .attach(log)
        .attach(cors)
        .register("/", rocket::catchers![error::default_catcher])
        .mount("/", rocket::routes![cors::preflight])
        .mount("/api/v1", rocket::routes![openapi::openapi]);
    let all = registry.resources();
    let parts: Vec<_> = stages.iter().map(|s| s.openapi).collect();
    let resources = all.to_vec();
    let document = openapi::Document::lazy(move || {
        openapi::document(parts.iter().map(|part| part(&resources)))
    });
    let rocket = stages
        .iter()
        .fold(rocket, |rocket, s| (s.mount)(rocket, all));
    rocket
        .manage(document)
        .manage(TrustedProxies(config.trusted_proxies.clone()))
        .manage(registry)
}

/// Adds the shared state to what [`routes`] built.
pub fn with_state(rocket: Rocket<Build>, app: App) -> Rocket<Build> {
    rocket.manage(app)
}
