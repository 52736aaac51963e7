//! The REST face of every resource: `GET` list, `GET` one, `POST`, `PATCH`, `DELETE`, at
//! `/api/v1/{path}` or, for a nested resource, `/api/v1/{parent}/{id}/{path}`. One Rocket
//! handler serves them all, parameterised by the description.

use rocket::http::{ContentType, Method, Status};
use rocket::outcome::Outcome as O;
use rocket::route::{Handler, Outcome, Route};
use rocket::serde::json::Json;
use rocket::{Data, Request};
use rusqlite::Connection;
use rusqlite::types::Value as Sql;
use serde_json::{Map, Value};

use crate::accounts::App;
use crate::accounts::auth::{self, AuthUser, BearerToken, Checked, Proof};
use crate::content::store::{self, Viewer};
use crate::content::{Kind, Registry, Resource};
use crate::http::body::{read_json, unknown_field};
use crate::http::error::{ApiError, stashed_or};
use crate::http::pagination::PageRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    List,
    Get,
    Create,
    Update,
    Delete,
}

#[derive(Clone)]
pub struct Endpoint {
    res: &'static Resource,
    op: Op,
    /// The rank Rocket gives the route's path, which [`ITEM_RANK`] replaces for a view (it is
    /// what [`Endpoint::yields`] compares with; unused by the other operations).
    default_rank: isize,
}

/// The rank of a resource's `GET` item route: ahead of every rank Rocket gives by default
/// (-12 to -1). Rocket tries a method's routes one by one in rank order, every route with a
/// static path first, so a row's view, most of what the member app asks for, came after some
/// eighty `GET` routes (the forum post's view, 79th: 0.7 µs of its 30 µs of CPU, perf). A word
/// where the id goes is handed on to the routes it outranks ([`Endpoint::yields`]).
const ITEM_RANK: isize = -13;

/// The collection path and the item path of a resource (Rocket syntax).
pub fn paths(res: &Resource) -> (String, String) {
    let collection = match res.parent {
        Some(p) => format!("/{}/<parent>/{}", p.path, res.path),
        None => format!("/{}", res.path),
    };
    let item = format!("{collection}/<id>");
    (collection, item)
}

pub fn routes(res: &'static Resource) -> Vec<Route> {
    let (collection, item) = paths(res);
    [
        (Method::Get, &collection, Op::List),
        (Method::Post, &collection, Op::Create),
        (Method::Get, &item, Op::Get),
        (Method::Patch, &item, Op::Update),
        (Method::Delete, &item, Op::Delete),
    ]
    .into_iter()
    .map(|(method, path, op)| {
        let endpoint = |default_rank| Endpoint {
            res,
            op,
            default_rank,
        };
        let route = Route::new(method, path, endpoint(0));
        if op != Op::Get {
            return route;
        }
        // The view: its default rank is kept for the requests it hands on.
        Route::ranked(ITEM_RANK, method, path, endpoint(route.rank))
    })
    .collect()
}

impl Endpoint {
    /// Whether a request this route took only because of [`ITEM_RANK`] belongs to another
    /// route: a `GET` route that the default rank would have tried first and whose path
    /// matches (`GET /api/v1/courses/mine` on a static `/courses/mine`). The item routes
    /// themselves had the default rank.
    fn yields(&self, req: &Request<'_>) -> bool {
        crate::http::error::routes_on_path(req)
            .any(|r| r.method == Method::Get && r.rank != ITEM_RANK && r.rank < self.default_rank)
    }
}

fn segments(path: &str) -> usize {
    path.split('/').filter(|s| !s.is_empty()).count()
}

/// The id in the `index`th segment after the mount point (`courses/<1>/comments/<3>`).
fn path_id(req: &Request<'_>, index: usize, name: &str) -> Result<i64, ApiError> {
    match req.param::<i64>(index) {
        Some(Ok(id)) if id > 0 => Ok(id),
        _ => Err(ApiError::invalid(name, "must be a positive integer id")),
    }
}

fn query_int(req: &Request<'_>, name: &str) -> Result<Option<i64>, ApiError> {
    match req.query_value::<i64>(name) {
        None => Ok(None),
        Some(Ok(v)) => Ok(Some(v)),
        Some(Err(_)) => Err(ApiError::invalid(name, "must be an integer")),
    }
}

/// The list filters present in the query, as (column, value).
fn filters(req: &Request<'_>, res: &Resource) -> Result<Vec<(&'static str, Sql)>, ApiError> {
    let mut out = Vec::new();
    for (param, column) in res.filters {
        if *column == "status" {
            if let Some(Ok(status)) = req.query_value::<&str>(param) {
                if !["pending", "approved", "rejected"].contains(&status) {
                    return Err(ApiError::invalid(
                        param,
                        "must be pending, approved or rejected",
                    ));
                }
                out.push((*column, Sql::Text(status.to_owned())));
            }
        } else if let Some(v) = query_int(req, param)? {
            out.push((*column, Sql::Integer(v)));
        }
    }
    Ok(out)
}

/// The parent a nested resource's path names (`blog/posts/<pid>/comments`): its field, its
/// id and its description. Read from the path only; [`ParentRef::check`] looks it up.
#[derive(Clone, Copy)]
struct ParentRef {
    field: &'static str,
    id: i64,
    res: &'static Resource,
}

impl ParentRef {
    fn of(req: &Request<'_>, res: &'static Resource) -> Result<Option<ParentRef>, ApiError> {
        let Some(parent) = res.parent else {
            return Ok(None);
        };
        let id = path_id(req, segments(parent.path), parent.field)?;
        let Some(Kind::Ref { to: parent_res, .. }) = res.field(parent.field).map(|f| f.kind) else {
            return Err(ApiError::internal(format!(
                "{}: parent field is not a reference",
                res.name
            )));
        };
        Ok(Some(ParentRef {
            field: parent.field,
            id,
            res: parent_res,
        }))
    }

    /// The parent, when the path names one, exists and the viewer may see it (404 otherwise).
    fn check(parent: Option<ParentRef>, conn: &Connection, viewer: Viewer) -> Result<(), ApiError> {
        match parent {
            Some(p) => store::get(conn, p.res, viewer, p.id).map(|_| ()),
            None => Ok(()),
        }
    }
}

/// Who calls: loaded by the `AuthUser` guard (writes), seen by a read from the caller
/// `auth::Callers` kept (only its viewpoint: the caller is not copied), or a checked token
/// whose account is loaded by the read itself (lists and single rows: one trip to the
/// database).
enum Caller {
    Loaded(AuthUser),
    Kept(Viewer),
    Token(Checked),
}

impl Caller {
    /// What a read sees: the caller's viewpoint, once the caller and the parent are checked.
    fn reader(&self, conn: &Connection, parent: Option<ParentRef>) -> Result<Viewer, ApiError> {
        let viewer = match self {
            Caller::Loaded(user) => Viewer::of(Some(user)),
            Caller::Kept(viewer) => *viewer,
            Caller::Token(checked) => Viewer::of(Some(&checked.caller(conn)?)),
        };
        ParentRef::check(parent, conn, viewer)?;
        Ok(viewer)
    }

    fn loaded(self) -> Result<AuthUser, ApiError> {
        match self {
            Caller::Loaded(user) => Ok(user),
            Caller::Kept(..) | Caller::Token(..) => {
                Err(ApiError::internal("a write without a loaded caller"))
            }
        }
    }
}

async fn run(
    app: &App,
    registry: Registry,
    req: &Request<'_>,
    data: Data<'_>,
    res: &'static Resource,
    op: Op,
    caller: Caller,
) -> Result<(Status, Option<Body>), ApiError> {
    let parent = ParentRef::of(req, res)?;
    // Segments after the mount point: `forum/posts/<id>`, `blog/posts/<pid>/comments/<id>`.
    let id_index = match res.parent {
        Some(p) => segments(p.path) + 1 + segments(res.path),
        None => segments(res.path),
    };
    match op {
        Op::List => {
            let page = match req.guard::<PageRequest>().await {
                O::Success(page) => page,
                _ => return Err(stashed_or(req, ApiError::invalid("limit", "is not valid"))),
            };
            let mut filters = filters(req, res)?;
            if let Some(p) = parent {
                filters.push((p.field, Sql::Integer(p.id)));
            }
            let body = app
                .db
                .read(move |c| {
                    let viewer = caller.reader(c, parent)?;
                    store::list_json(c, res, viewer, &filters, page)
                })
                .await?;
            Ok((Status::Ok, Some(Body::Json(body))))
        }
        Op::Get => {
            let id = path_id(req, id_index, "id")?;
            // Written where it was read: the row's values are freed by the thread that made
            // them (a free on another thread waits for the allocating thread's arena lock).
            // A row, its parent and its caller are found by key: a lookup, on this thread.
            // What another stage adds to a view may search (an exercise's latest check): a
            // read, on a reading thread.
            let body = if registry.adds_to_views(res) {
                app.db
                    .read(move |c| {
                        let viewer = caller.reader(c, parent)?;
                        let mut row = store::get(c, res, viewer, id)?;
                        registry.viewed(c, res, viewer, &mut row)?;
                        check_parent(&row, parent)?;
                        serde_json::to_vec(&row)
                            .map_err(|e| ApiError::internal(format!("writing a JSON body: {e}")))
                    })
                    .await?
            } else {
                app.db
                    .lookup(move |c| {
                        let viewer = caller.reader(c, parent)?;
                        store::get_json(c, res, viewer, id, parent.map(|p| (p.field, p.id)))
                    })
                    .await?
            };
            Ok((Status::Ok, Some(Body::Json(body))))
        }
        Op::Create => {
            let user = caller.loaded()?;
            let viewer = Viewer::of(Some(&user));
            let mut body = body(req, data).await?;
            if let Some(p) = parent {
                body.insert(p.field.to_owned(), Value::from(p.id));
            }
            let app2 = app.clone();
            let row = app
                .db
                .write(move |tx| {
                    ParentRef::check(parent, tx, viewer)?;
                    let id = store::create(tx, &app2.config, &registry, res, &user, &body)?;
                    only_known_fields(&body, res)?;
                    store::get(tx, res, viewer, id)
                })
                .await?;
            Ok((Status::Created, Some(Body::Row(row))))
        }
        Op::Update => {
            let user = caller.loaded()?;
            let viewer = Viewer::of(Some(&user));
            let id = path_id(req, id_index, "id")?;
            let body = body(req, data).await?;
            let app2 = app.clone();
            let row = app
                .db
                .write(move |tx| {
                    ParentRef::check(parent, tx, viewer)?;
                    check_parent(&store::get(tx, res, viewer, id)?, parent)?;
                    store::update(tx, &app2.config, &registry, res, &user, id, &body)?;
                    only_known_fields(&body, res)?;
                    store::get(tx, res, viewer, id)
                })
                .await?;
            Ok((Status::Ok, Some(Body::Row(row))))
        }
        Op::Delete => {
            let user = caller.loaded()?;
            let viewer = Viewer::of(Some(&user));
            let id = path_id(req, id_index, "id")?;
            app.db
                .write(move |tx| {
                    ParentRef::check(parent, tx, viewer)?;
                    check_parent(&store::get(tx, res, viewer, id)?, parent)?;
                    store::delete(tx, &registry, res, &user, id)
                })
                .await?;
            Ok((Status::NoContent, None))
        }
    }
}

/// What a request answers: JSON already written (reads), or a row to write (writes).
enum Body {
    Json(Vec<u8>),
    Row(Map<String, Value>),
}

/// A nested row must belong to the parent named in the path.
fn check_parent(row: &Map<String, Value>, parent: Option<ParentRef>) -> Result<(), ApiError> {
    match parent {
        Some(p) if row.get(p.field).and_then(Value::as_i64) != Some(p.id) => {
            Err(ApiError::not_found("This row under this parent"))
        }
        _ => Ok(()),
    }
}

async fn body(req: &Request<'_>, data: Data<'_>) -> Result<Map<String, Value>, ApiError> {
    read_json(req, data).await
}

/// The REST face takes only fields of the resource (under their name or a seed's alias), its
/// author (which must be the caller: checked with the fields) and, for a nested resource, its
/// parent (which the path sets). Checked after the fields themselves, inside the write, so that
/// a wrong value of a known field is what a body with both answers.
fn only_known_fields(body: &Map<String, Value>, res: &Resource) -> Result<(), ApiError> {
    let known = |key: &str| {
        res.fields
            .iter()
            .any(|f| f.name == key || f.aliases.contains(&key))
            || res.owner == Some(key)
    };
    match body.keys().find(|k| !known(k)) {
        Some(key) => Err(unknown_field(key)),
        None => Ok(()),
    }
}

#[rocket::async_trait]
impl Handler for Endpoint {
    async fn handle<'r>(&self, req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        // An item path whose id is a word may be another route's own path.
        let id_is_word = || {
            req.uri()
                .path()
                .segments()
                .last()
                .is_some_and(|s| s.parse::<i64>().is_err())
        };
        if matches!(self.op, Op::Get | Op::Update | Op::Delete) && id_is_word() {
            if self.op == Op::Get && self.yields(req) {
                return Outcome::Forward((data, Status::NotFound));
            }
            if let Some(not_allowed) = crate::http::error::static_path_elsewhere(req) {
                return Outcome::from(req, not_allowed);
            }
        }
        let (Some(app), Some(registry)) = (
            req.rocket().state::<App>(),
            req.rocket().state::<Registry>(),
        ) else {
            return Outcome::from(req, ApiError::internal("application state missing"));
        };
        let caller = if matches!(self.op, Op::List | Op::Get) {
            // The token is checked here; its account, by the read itself.
            let proof = BearerToken::of(req)
                .ok_or_else(ApiError::no_token)
                .and_then(|token| auth::prove(app, &token, |user| Viewer::of(Some(user))));
            match proof {
                Ok(Proof::Known(viewer)) => Caller::Kept(viewer),
                Ok(Proof::Checked(checked)) => Caller::Token(checked),
                Err(e) => return Outcome::from(req, e),
            }
        } else {
            match req.guard::<AuthUser>().await {
                O::Success(user) => Caller::Loaded(user),
                O::Error((status, ())) => return Outcome::Error(status),
                O::Forward(status) => return Outcome::Forward((data, status)),
            }
        };
        match run(app, registry.clone(), req, data, self.res, self.op, caller).await {
            Ok((status, Some(Body::Json(bytes)))) => {
                Outcome::from(req, (status, (ContentType::JSON, bytes)))
            }
            Ok((status, Some(Body::Row(row)))) => Outcome::from(req, (status, Json(row))),
            Ok((status, None)) => Outcome::from(req, status),
            Err(e) => Outcome::from(req, e),
        }
    }
}
