//! The seed 000 `POST /…/modify` routes of every resource that has one: a JSON body with the
//! `token`, an optional `id`, and the fields under the seed's names. An `id` of an existing
//! row updates it (204, no body); no `id` (or 0) creates one (201 `{timestamp, status, path,
//! id}`).

use rocket::http::{Method, Status};
use rocket::route::{Handler, Outcome, Route};
use rocket::serde::json::Json;
use rocket::{Data, Request};
use serde_json::{Map, Value, json};

use crate::accounts::App;
use crate::accounts::auth::SeedCaller;
use crate::content::store;
use crate::content::{Registry, Resource};
use crate::db::now_ms;
use crate::http::body::target_id;
use crate::http::error::{ApiError, stashed_or};

#[derive(Clone)]
struct Modify(&'static Resource);

pub fn routes(res: &'static Resource) -> Vec<Route> {
    res.seed
        .map(|path| Route::new(Method::Post, path, Modify(res)))
        .into_iter()
        .collect()
}

async fn modify<'r>(
    app: &App,
    registry: Registry,
    req: &'r Request<'_>,
    data: Data<'r>,
    res: &'static Resource,
) -> Result<Option<i64>, ApiError> {
    let SeedCaller { user, body } =
        match <SeedCaller<Map<String, Value>> as rocket::data::FromData>::from_data(req, data).await
        {
            rocket::outcome::Outcome::Success(caller) => caller,
            // The guard stashed its error for the envelope; hand it back.
            _ => return Err(stashed_or(req, ApiError::no_token())),
        };
    let id = target_id(&body, req.query_value::<&str>("id").and_then(Result::ok))?;
    let app2 = app.clone();
    app.db
        .write(move |tx| match id {
            Some(id) => {
                store::update(tx, &app2.config, &registry, res, &user, id, &body).map(|()| None)
            }
            None => store::create(tx, &app2.config, &registry, res, &user, &body).map(Some),
        })
        .await
}

#[rocket::async_trait]
impl Handler for Modify {
    async fn handle<'r>(&self, req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        let (Some(app), Some(registry)) = (
            req.rocket().state::<App>(),
            req.rocket().state::<Registry>(),
        ) else {
            return Outcome::from(req, ApiError::internal("application state missing"));
        };
        match modify(app, registry.clone(), req, data, self.0).await {
            Ok(Some(id)) => {
                let body = json!({"timestamp": now_ms(), "status": 201, "path": req.uri().path().as_str(), "id": id});
                Outcome::from(req, (Status::Created, Json(body)))
            }
            Ok(None) => Outcome::from(req, Status::NoContent),
            Err(e) => Outcome::from(req, e),
        }
    }
}
