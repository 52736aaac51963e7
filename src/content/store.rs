//! The SQL behind every resource: one generic implementation of get, list, create, update and
//! delete, driven by the [`Resource`] descriptions.

use std::borrow::Cow;

use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::{Connection, OptionalExtension, Statement, ToSql};
use serde_json::{Map, Value};

use crate::accounts::auth::AuthUser;
use crate::config::Config;
use crate::content::registry::{ByTable, kept_by_table};
use crate::content::{Kind, Registry, Resource};
use crate::db::now_ms;
use crate::http::error::{ApiError, Violation, code};
use crate::http::pagination::PageRequest;
use crate::validate;

/// Who is asking: the account id (0 when anonymous) and whether they are staff.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub me: i64,
    pub staff: bool,
}

impl Viewer {
    pub fn of(user: Option<&AuthUser>) -> Viewer {
        user.map_or(
            Viewer {
                me: 0,
                staff: false,
            },
            |u| Viewer {
                me: u.id,
                staff: u.is_moderator(),
            },
        )
    }
}

/// Binds the named parameters that `stmt` uses, ignoring the others.
fn bind(stmt: &mut Statement<'_>, params: &[(&str, &dyn ToSql)]) -> rusqlite::Result<()> {
    for (name, value) in params {
        if let Some(i) = stmt.parameter_index(name)? {
            stmt.raw_bind_parameter(i, value)?;
        }
    }
    Ok(())
}

fn json_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::from(text_of(t).into_owned()),
        ValueRef::Blob(_) => Value::Null,
    }
}

/// Runs a `SELECT *` and turns each row into a JSON object keyed by column.
fn select(
    conn: &Connection,
    sql: &str,
    params: &[(&str, &dyn ToSql)],
) -> Result<Vec<Map<String, Value>>, ApiError> {
    let mut stmt = conn.prepare_cached(sql)?;
    bind(&mut stmt, params)?;
    let names: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut map = Map::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            map.insert(name.clone(), json_of(row.get_ref(i)?));
        }
        out.push(map);
    }
    Ok(out)
}

/// One row the viewer may see, or 404.
pub fn get(
    conn: &Connection,
    res: &'static Resource,
    viewer: Viewer,
    id: i64,
) -> Result<Map<String, Value>, ApiError> {
    find(conn, res, viewer, id)?
        .ok_or_else(|| ApiError::not_found(&format!("The {} {id}", res.name)))
}

pub fn find(
    conn: &Connection,
    res: &'static Resource,
    viewer: Viewer,
    id: i64,
) -> Result<Option<Map<String, Value>>, ApiError> {
    with_row(conn, res, viewer, id, |columns, row| {
        columns.row_map(viewer, row)
    })
}

/// One row the viewer may see as its JSON object (what [`get`] makes, written from the row
/// without a map: a single view is most of what a member's app asks for). `under` is the
/// parent a nested path names, as (field, id): a row of another parent answers 404.
pub fn get_json(
    conn: &Connection,
    res: &'static Resource,
    viewer: Viewer,
    id: i64,
    under: Option<(&'static str, i64)>,
) -> Result<Vec<u8>, ApiError> {
    let written = with_row(conn, res, viewer, id, |columns, row| {
        if let Some((field, parent)) = under
            && columns.integer(row, columns.position(field))? != Some(parent)
        {
            return Err(ApiError::not_found("This row under this parent"));
        }
        let mut out = Vec::with_capacity(512);
        columns.write_row(&mut out, viewer, row)?;
        Ok(out)
    })?;
    written.ok_or_else(|| ApiError::not_found(&format!("The {} {id}", res.name)))
}

/// Runs `f` on the row `id` of `res` if `viewer` may see it.
fn with_row<T>(
    conn: &Connection,
    res: &'static Resource,
    viewer: Viewer,
    id: i64,
    f: impl FnOnce(&Columns, &rusqlite::Row<'_>) -> Result<T, ApiError>,
) -> Result<Option<T>, ApiError> {
    let mut stmt = conn.prepare_cached(res.select_one())?;
    bind(
        &mut stmt,
        &[(":id", &id), (":me", &viewer.me), (":staff", &viewer.staff)],
    )?;
    let columns = Columns::of(res, &stmt);
    let mut rows = stmt.raw_query();
    rows.next()?.map(|row| f(&columns, row)).transpose()
}

/// A page of rows the viewer may see, newest first, matching `filters` (column, value), as the
/// JSON body of a list: `{"items": [...], "next_cursor": ...}`.
///
/// Written from the statement's rows as they are stepped, each row as [`get`] shows it (both go
/// through [`Columns::visit`]): no row becomes a map of JSON values on the way. The maps cost a third of a list's CPU (a key and a value allocated per column per row,
/// and freed on another thread), measured on the forum list.
pub fn list_json(
    conn: &Connection,
    res: &'static Resource,
    viewer: Viewer,
    filters: &[(&str, Sql)],
    page: PageRequest,
) -> Result<Vec<u8>, ApiError> {
    let mut sql = format!(
        "SELECT * FROM {} WHERE id < :before AND {}",
        res.table,
        res.visibility()
    );
    let names: Vec<String> = (0..filters.len()).map(|i| format!(":f{i}")).collect();
    for ((column, _), name) in filters.iter().zip(&names) {
        match column.strip_suffix(crate::content::SUBGROUPS) {
            Some(column) => sql.push_str(&format!(
                " AND {column} IN {}",
                crate::content::subgroups_sql(name)
            )),
            None => sql.push_str(&format!(" AND {column} = {name}")),
        }
    }
    sql.push_str(" ORDER BY id DESC LIMIT :limit");
    let fetch = page.fetch();
    let mut params: Vec<(&str, &dyn ToSql)> = vec![
        (":before", &page.before),
        (":me", &viewer.me),
        (":staff", &viewer.staff),
        (":limit", &fetch),
    ];
    for ((_, value), name) in filters.iter().zip(&names) {
        params.push((name.as_str(), value));
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    bind(&mut stmt, &params)?;
    let columns = Columns::of(res, &stmt);
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"{\"items\":[");
    let mut rows = stmt.raw_query();
    let (mut written, mut last_id, mut more) = (0, None, false);
    while let Some(row) = rows.next()? {
        if written == page.limit {
            more = true;
            break;
        }
        if written > 0 {
            out.push(b',');
        }
        last_id = columns.write_row(&mut out, viewer, row)?;
        written += 1;
    }
    out.extend_from_slice(b"],\"next_cursor\":");
    serde_json::to_writer(&mut out, &page.next_cursor(more, last_id)).map_err(json_error)?;
    out.push(b'}');
    Ok(out)
}

fn json_error(e: serde_json::Error) -> ApiError {
    ApiError::internal(format!("writing a JSON body: {e}"))
}

/// The columns of a `SELECT *` of a resource, and how a viewer reads each: a text field with an
/// `others_see` view shows that view to readers other than the row's author and staff, and a
/// Markdown field has a `<name>_html` companion, rendered from what the reader sees. Made once
/// per table (a `SELECT *` of a table has the same columns for the life of the server): not a
/// dozen allocations for every request.
struct Columns {
    names: Vec<String>,
    fields: Vec<Option<&'static crate::content::Field>>,
    /// `<name>_html` for a Markdown field's column.
    html_names: Vec<Option<String>>,
    id: Option<usize>,
    owner: Option<usize>,
}

impl Columns {
    fn of(res: &'static Resource, stmt: &Statement<'_>) -> std::sync::Arc<Columns> {
        use std::sync::{Arc, OnceLock};
        static KNOWN: ByTable<Arc<Columns>> = OnceLock::new();
        kept_by_table(
            &KNOWN,
            res.table,
            |columns| columns.names.len() == stmt.column_count(),
            || {
                let names: Vec<String> = stmt
                    .column_names()
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect();
                let position = |column: &str| names.iter().position(|n| n == column);
                let fields: Vec<_> = names.iter().map(|n| res.field(n)).collect();
                Arc::new(Columns {
                    html_names: (names.iter().zip(&fields))
                        .map(|(n, f)| f.is_some_and(|f| f.markdown).then(|| format!("{n}_html")))
                        .collect(),
                    fields,
                    id: position("id"),
                    owner: res.owner.and_then(position),
                    names,
                })
            },
        )
    }

    fn position(&self, column: &str) -> Option<usize> {
        self.names.iter().position(|n| n == column)
    }

    /// Each column of `row` as `viewer` reads it, then the `<name>_html` companions.
    fn visit(
        &self,
        viewer: Viewer,
        row: &rusqlite::Row<'_>,
        mut f: impl FnMut(&str, Seen<'_>) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let author = self.integer(row, self.owner)?;
        let sees_all = viewer.staff || (author.is_some() && author == Some(viewer.me));
        let mut html = Vec::new();
        for (i, (name, field)) in self.names.iter().zip(&self.fields).enumerate() {
            let value = row.get_ref(i)?;
            let ValueRef::Text(bytes) = value else {
                f(name, Seen::Cell(value))?;
                continue;
            };
            let text = text_of(bytes);
            let seen = match field.and_then(|f| f.others_see) {
                Some(view) if !sees_all => Cow::Owned(view(&text)),
                _ => text,
            };
            if let Some(html_name) = &self.html_names[i] {
                html.push((html_name, crate::markdown::shared_html(&seen)));
            }
            f(name, Seen::Text(seen))?;
        }
        for (name, rendered) in &html {
            f(name, Seen::Text(Cow::Borrowed(rendered)))?;
        }
        Ok(())
    }

    fn integer(&self, row: &rusqlite::Row<'_>, i: Option<usize>) -> rusqlite::Result<Option<i64>> {
        Ok(match i.map(|i| row.get_ref(i)).transpose()? {
            Some(ValueRef::Integer(n)) => Some(n),
            _ => None,
        })
    }

    /// One row as a JSON object, written to `out`; returns its id.
    fn write_row(
        &self,
        out: &mut Vec<u8>,
        viewer: Viewer,
        row: &rusqlite::Row<'_>,
    ) -> Result<Option<i64>, ApiError> {
        use serde::ser::{SerializeMap, Serializer};
        let mut ser = serde_json::Serializer::new(&mut *out);
        let mut map = ser.serialize_map(None).map_err(json_error)?;
        self.visit(viewer, row, |name, seen| {
            match seen {
                Seen::Cell(value) => map.serialize_entry(name, &Cell(value)),
                Seen::Text(text) => map.serialize_entry(name, text.as_ref()),
            }
            .map_err(json_error)
        })?;
        SerializeMap::end(map).map_err(json_error)?;
        Ok(self.integer(row, self.id)?)
    }

    /// One row as a map, for what adds to it before it is written (a view's hooks).
    fn row_map(
        &self,
        viewer: Viewer,
        row: &rusqlite::Row<'_>,
    ) -> Result<Map<String, Value>, ApiError> {
        let mut map = Map::with_capacity(self.names.len() + 1);
        self.visit(viewer, row, |name, seen| {
            let value = match seen {
                Seen::Cell(value) => json_of(value),
                Seen::Text(text) => Value::String(text.into_owned()),
            };
            map.insert(name.to_owned(), value);
            Ok(())
        })?;
        Ok(map)
    }
}

/// A column's value as a reader sees it: as stored, or a text after its `others_see` view.
enum Seen<'a> {
    Cell(ValueRef<'a>),
    Text(Cow<'a, str>),
}

/// A column's value as JSON, as [`json_of`] makes it.
struct Cell<'a>(ValueRef<'a>);

impl serde::Serialize for Cell<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            ValueRef::Null | ValueRef::Blob(_) => s.serialize_unit(),
            ValueRef::Integer(i) => s.serialize_i64(i),
            ValueRef::Real(f) => s.serialize_f64(f),
            ValueRef::Text(t) => s.serialize_str(&text_of(t)),
        }
    }
}

/// A text column as UTF-8: borrowed when it is valid (checked at the speed of
/// `str::from_utf8`), with U+FFFD for the invalid bytes otherwise.
fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// The owner of a row of `to`, when it exists and `viewer` may see it (`Some(None)` for rows
/// without an owner column).
fn visible_owner(
    conn: &Connection,
    to: &'static Resource,
    id: i64,
    viewer: Viewer,
) -> Result<Option<Option<i64>>, ApiError> {
    Ok(find(conn, to, viewer, id)?
        .map(|row| to.owner.and_then(|o| row.get(o)).and_then(Value::as_i64)))
}

/// Whether `value` says "none" for an optional field: null, an empty text (the seeds' templates
/// send `""`), or the id 0. The field then takes its default, or NULL.
fn clears(kind: Kind, value: &Value) -> bool {
    match (kind, value) {
        (_, Value::Null) => true,
        (Kind::Text { .. }, Value::String(s)) => s.trim().is_empty(),
        (Kind::Ref { .. } | Kind::Account | Kind::Group, v) => v.as_i64() == Some(0),
        _ => false,
    }
}

/// Reads `field` from the body under its name or one of its aliases.
fn input<'a>(body: &'a Map<String, Value>, name: &str, aliases: &[&str]) -> Option<&'a Value> {
    std::iter::once(name)
        .chain(aliases.iter().copied())
        .find_map(|n| body.get(n))
}

/// Checks a body against the description and returns the columns to write. On create
/// (`existing` is `None`) required fields must be present; on update absent fields stay.
pub fn validate(
    conn: &Connection,
    config: &Config,
    res: &'static Resource,
    user: &AuthUser,
    body: &Map<String, Value>,
    existing: Option<&Map<String, Value>>,
) -> Result<Vec<(&'static str, Sql)>, ApiError> {
    let viewer = Viewer::of(Some(user));
    // The author is the caller, never the body: a body may repeat it, not change it.
    if res.owner == Some("account_id")
        && let Some(claimed) = body.get("account_id").filter(|v| !v.is_null())
    {
        let current = existing
            .and_then(|row| row.get("account_id"))
            .and_then(Value::as_i64)
            .unwrap_or(user.id);
        if claimed.as_i64() != Some(current) {
            return Err(ApiError::forbidden(
                "`account_id` is the author and cannot be chosen: leave it out.",
            ));
        }
    }
    let mut out = Vec::new();
    for field in res.fields {
        let mut raw = input(body, field.name, field.aliases);
        if field.staff_only
            && !user.is_moderator()
            && let Some(v) = raw
        {
            // A body may repeat the current value (the seed's template carries `likes`), not
            // change it.
            let current = existing
                .and_then(|row| row.get(field.name))
                .cloned()
                .unwrap_or_else(|| field.default.map_or(Value::Null, Value::from));
            if *v != current {
                return Err(ApiError::forbidden(format!(
                    "Only a moderator or an admin may set `{}`.",
                    field.name
                )));
            }
            raw = None;
        }
        let value = raw.filter(|v| !v.is_null());
        if !field.required && raw.is_some_and(|v| clears(field.kind, v)) {
            out.push((field.name, field.default.map_or(Sql::Null, Sql::Integer)));
            continue;
        }
        let Some(value) = value else {
            if existing.is_none() {
                if let Some(default) = field.default {
                    out.push((field.name, Sql::Integer(default)));
                } else if field.required {
                    return Err(ApiError::missing(field.name));
                }
            }
            continue;
        };
        let sql = match field.kind {
            Kind::Text { max, multiline } => {
                let text = value
                    .as_str()
                    .ok_or_else(|| ApiError::invalid(field.name, "must be a string"))?;
                Sql::Text(validate::text(field.name, text, max, multiline)?)
            }
            Kind::Int { min, max } => {
                let n = value
                    .as_i64()
                    .ok_or_else(|| ApiError::invalid(field.name, "must be an integer"))?;
                if !(min..=max).contains(&n) {
                    return Err(ApiError::invalid(
                        field.name,
                        format!("must be between {min} and {max}"),
                    ));
                }
                Sql::Integer(n)
            }
            Kind::Ref { to, owned } => {
                let id = value
                    .as_i64()
                    .ok_or_else(|| ApiError::invalid(field.name, "must be an integer id"))?;
                let owner = visible_owner(conn, to, id, viewer)?.ok_or_else(|| {
                    ApiError::invalid(field.name, format!("no {} with id {id} exists", to.name))
                })?;
                if owned && !viewer.staff && owner.is_some_and(|o| o != user.id) {
                    return Err(ApiError::forbidden(format!(
                        "`{}` must name one of your own {}s.",
                        field.name, to.name
                    )));
                }
                Sql::Integer(id)
            }
            Kind::Account => {
                let id = value
                    .as_i64()
                    .ok_or_else(|| ApiError::invalid(field.name, "must be an integer id"))?;
                if crate::accounts::model::find(conn, id)?.is_none() {
                    return Err(ApiError::invalid(
                        field.name,
                        format!("no account with id {id} exists"),
                    ));
                }
                Sql::Integer(id)
            }
            Kind::Group => {
                let id = value
                    .as_i64()
                    .ok_or_else(|| ApiError::invalid(field.name, "must be an integer id"))?;
                let found: Option<i64> = conn
                    .query_row("SELECT id FROM groups WHERE id = ?1", [id], |r| r.get(0))
                    .optional()?;
                if found.is_none() {
                    return Err(ApiError::invalid(
                        field.name,
                        format!("no group with id {id} exists"),
                    ));
                }
                Sql::Integer(id)
            }
        };
        out.push((field.name, sql));
    }
    if let Some(check) = res.check {
        let mut merged = existing.cloned().unwrap_or_default();
        for (name, value) in &out {
            merged.insert((*name).to_owned(), json_of(ValueRef::from(value)));
        }
        check(conn, user, &merged, config)?;
    }
    Ok(out)
}

/// Maps constraint failures to clear answers instead of 500s.
fn constraint(res: &Resource, e: rusqlite::Error) -> ApiError {
    match Violation::of(&e) {
        Some(Violation::Unique(columns)) => {
            let field = columns.join(", ");
            ApiError::conflict(
                code::CONFLICT,
                "Conflict",
                format!("Another {} already has this {field}.", res.name),
            )
            .with("field", field)
        }
        Some(Violation::ForeignKey) => ApiError::conflict(
            code::CONFLICT,
            "Conflict",
            format!(
                "This {} is still used by other rows: remove them first.",
                res.name
            ),
        ),
        Some(Violation::NotNull(field)) => ApiError::invalid(&field, "must not be empty"),
        Some(Violation::Check) => ApiError::bad_request(format!(
            "Validation failed for the {}: a value is out of its allowed range.",
            res.name
        )),
        None => ApiError::from(e),
    }
}

/// Inserts a row; returns its id.
pub fn create(
    conn: &Connection,
    config: &Config,
    registry: &Registry,
    res: &'static Resource,
    user: &AuthUser,
    body: &Map<String, Value>,
) -> Result<i64, ApiError> {
    if user.level < res.create {
        return Err(ApiError::forbidden(format!(
            "Creating a {} needs a higher level.",
            res.name
        )));
    }
    let mut columns = validate(conn, config, res, user, body, None)?;
    if let Some(owner) = res.owner {
        columns.push((owner, Sql::Integer(user.id)));
    }
    if res.moderated {
        columns.push((
            "status",
            Sql::Text(
                if user.is_moderator() {
                    "approved"
                } else {
                    "pending"
                }
                .into(),
            ),
        ));
    }
    let now = now_ms();
    columns.push(("created_at", Sql::Integer(now)));
    columns.push(("updated_at", Sql::Integer(now)));
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) RETURNING id",
        res.table,
        names.join(", "),
        marks.join(", ")
    );
    let values: Vec<&dyn ToSql> = columns.iter().map(|(_, v)| v as &dyn ToSql).collect();
    let id = conn
        .query_row(&sql, &values[..], |r| r.get(0))
        .map_err(|e| constraint(res, e))?;
    registry.saved(conn, config, res, id, user)?;
    Ok(id)
}

/// Loads a row for a write by `user`: 404 when they cannot see it, 403 when they may not
/// change it.
pub fn for_write(
    conn: &Connection,
    res: &'static Resource,
    user: &AuthUser,
    id: i64,
    deleting: bool,
) -> Result<Map<String, Value>, ApiError> {
    let row = get(conn, res, Viewer::of(Some(user)), id)?;
    let owner = res.owner.and_then(|o| row.get(o)).and_then(Value::as_i64);
    if !res.may_write(user, owner, deleting) && !is_editor(conn, res, user, id)? {
        return Err(ApiError::forbidden(format!(
            "This {} is not yours.",
            res.name
        )));
    }
    Ok(row)
}

/// Whether `user` is one of the row's other editors ([`Resource::editors`]).
fn is_editor(
    conn: &Connection,
    res: &Resource,
    user: &AuthUser,
    id: i64,
) -> Result<bool, ApiError> {
    let Some(rule) = res.editors else {
        return Ok(false);
    };
    let sql = format!("SELECT 1 FROM {} WHERE id = :id AND {rule}", res.table);
    let viewer = Viewer::of(Some(user));
    let rows = select(
        conn,
        &sql,
        &[(":id", &id), (":me", &viewer.me), (":staff", &viewer.staff)],
    )?;
    Ok(!rows.is_empty())
}

/// Whether `body` changes at least one field and only staff-only ones.
fn only_staff_fields(res: &Resource, body: &Map<String, Value>) -> bool {
    let mut present = res
        .fields
        .iter()
        .filter(|f| input(body, f.name, f.aliases).is_some_and(|v| !v.is_null()))
        .peekable();
    present.peek().is_some() && present.all(|f| f.staff_only)
}

/// Changes the fields present in `body`. A member's edit sends moderated content back to
/// `pending`.
pub fn update(
    conn: &Connection,
    config: &Config,
    registry: &Registry,
    res: &'static Resource,
    user: &AuthUser,
    id: i64,
    body: &Map<String, Value>,
) -> Result<(), ApiError> {
    // Moderators set staff-only fields (a post's like count) on anyone's row, and nothing else.
    let existing = if user.is_moderator() && only_staff_fields(res, body) {
        get(conn, res, Viewer::of(Some(user)), id)?
    } else {
        for_write(conn, res, user, id, false)?
    };
    let mut columns = validate(conn, config, res, user, body, Some(&existing))?;
    if let Some(parent) = res.parent {
        columns.retain(|(name, _)| *name != parent.field);
    }
    if res.moderated && !user.is_moderator() && !columns.is_empty() {
        columns.push(("status", Sql::Text("pending".into())));
        columns.push(("status_reason", Sql::Null));
    }
    columns.push(("updated_at", Sql::Integer(now_ms())));
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (n, _))| format!("{n} = ?{}", i + 1))
        .collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE id = ?{}",
        res.table,
        sets.join(", "),
        columns.len() + 1
    );
    let mut values: Vec<&dyn ToSql> = columns.iter().map(|(_, v)| v as &dyn ToSql).collect();
    values.push(&id);
    conn.execute(&sql, &values[..])
        .map_err(|e| constraint(res, e))?;
    // What only staff may set (a post's like count) is audited whichever face set it.
    for (name, value) in &columns {
        let staff_field = res.field(name).is_some_and(|f| f.staff_only);
        let value = json_of(ValueRef::from(value));
        if staff_field && existing.get(*name) != Some(&value) {
            crate::audit::record(
                conn,
                user.id,
                &format!("set_{name}"),
                &res.kind(),
                id,
                Some(&value.to_string()),
            )?;
        }
    }
    let owner = res
        .owner
        .and_then(|o| existing.get(o))
        .and_then(Value::as_i64);
    if existing.get("hidden").and_then(Value::as_i64) == Some(1) && owner == Some(user.id) {
        registry.hidden_edited(conn, config, res, id)?;
    }
    registry.saved(conn, config, res, id, user)?;
    Ok(())
}

pub fn delete(
    conn: &Connection,
    registry: &Registry,
    res: &'static Resource,
    user: &AuthUser,
    id: i64,
) -> Result<(), ApiError> {
    let row = for_write(conn, res, user, id, true)?;
    // Rows written without a locale get the default one: it must stay.
    if registry.is_a_default(res, id) {
        return Err(ApiError::conflict(
            code::CONFLICT,
            "Conflict",
            format!(
                "The {} {id} is the default one: it cannot be deleted.",
                res.name
            ),
        ));
    }
    conn.execute(&format!("DELETE FROM {} WHERE id = ?1", res.table), [id])
        .map_err(|e| constraint(res, e))?;
    let owner = res.owner.and_then(|o| row.get(o)).and_then(Value::as_i64);
    if owner.is_some_and(|o| o != user.id) {
        crate::audit::record(conn, user.id, "delete", &res.kind(), id, None)?;
    }
    Ok(())
}
