//! `GET /api/v1/me/export`: everything the account wrote or received, as one JSON document
//! (the GDPR's rights of access and portability). Every table with an `account_id` column is
//! exported whole for the account's rows — so a table added later is exported without a
//! change here — except the ones that hold secrets (token hashes, the outbox's links); grades
//! given by the account and reports it filed come too.

use rocket::http::{ContentType, Header};
use rocket::serde::json::Json;
use rocket::{State, get, routes};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde_json::{Map, Value, json};

use crate::accounts::App;
use crate::accounts::auth::AuthUser;
use crate::db::now_ms;
use crate::http::error::ApiError;

/// Tables with an `account_id` that hold secrets or machinery, not the member's data.
const NOT_EXPORTED: &[&str] = &[
    "refresh_tokens",
    "email_confirmations",
    "password_links",
    "email_changes",
    "mail_outbox",
];
/// Columns never exported, whatever the table.
const SECRET_COLUMNS: &[&str] = &["password_hash", "token_version", "token_hash"];

fn value_of(v: ValueRef<'_>) -> Value {
    use base64::Engine;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => json!(i),
        ValueRef::Real(f) => json!(f),
        ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => json!(base64::engine::general_purpose::STANDARD.encode(b)),
    }
}

fn rows(conn: &Connection, sql: &str, id: i64) -> Result<Vec<Value>, ApiError> {
    let mut stmt = conn.prepare(sql)?;
    let names: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let mut out = Vec::new();
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        let mut obj = Map::new();
        for (i, name) in names.iter().enumerate() {
            if !SECRET_COLUMNS.contains(&name.as_str()) {
                obj.insert(name.clone(), value_of(r.get_ref(i)?));
            }
        }
        out.push(Value::Object(obj));
    }
    Ok(out)
}

/// The whole document for `account_id`.
pub fn document(conn: &Connection, account_id: i64) -> Result<Value, ApiError> {
    let account = rows(conn, "SELECT * FROM accounts WHERE id = ?1", account_id)?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found(&format!("Account {account_id}")))?;
    let mut tables: Vec<String> = {
        let mut stmt = conn.prepare(
            "SELECT m.name FROM sqlite_schema m, pragma_table_info(m.name) c
             WHERE m.type = 'table' AND c.name = 'account_id' ORDER BY m.name",
        )?;
        let names = stmt.query_map([], |r| r.get(0))?;
        names.collect::<rusqlite::Result<Vec<_>>>()?
    };
    tables.retain(|t| !NOT_EXPORTED.contains(&t.as_str()) && !t.starts_with("sqlite_"));
    let mut data = Map::new();
    for t in &tables {
        // The names come from the schema itself, not from the request.
        let found = rows(
            conn,
            &format!("SELECT * FROM \"{t}\" WHERE account_id = ?1"),
            account_id,
        )?;
        data.insert(t.clone(), Value::Array(found));
    }
    data.insert(
        "grades_given".into(),
        Value::Array(rows(
            conn,
            "SELECT * FROM grades WHERE grader_id = ?1",
            account_id,
        )?),
    );
    data.insert(
        "reports_filed".into(),
        Value::Array(rows(
            conn,
            "SELECT * FROM reports WHERE reporter_id = ?1",
            account_id,
        )?),
    );
    Ok(json!({
        "format": "preau-export/1",
        "exported_at": now_ms(),
        "account": account,
        "data": data,
    }))
}

pub struct Download(Value, String);

impl<'r> rocket::response::Responder<'r, 'static> for Download {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build_from(Json(self.0).respond_to(req)?)
            .header(ContentType::JSON)
            .header(Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", self.1),
            ))
            .header(Header::new("Cache-Control", "no-store"))
            .ok()
    }
}

/// Everything the caller's account wrote or received, as one JSON file to download: the
/// profile (no password hash), every row it owns, grades it got and gave, notifications,
/// reports it filed.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "The export, as an attachment.", body = Object), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/me/export")]
async fn export_me(app: &State<App>, user: AuthUser) -> Result<Download, ApiError> {
    let id = user.id;
    let doc = app.db.read(move |c| document(c, id)).await?;
    let name = format!("preau-export-{}.json", user.username);
    Ok(Download(doc, name))
}

pub fn routes() -> Vec<rocket::Route> {
    routes![export_me]
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(export_me))]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
}
