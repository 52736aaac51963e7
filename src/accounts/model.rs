//! Accounts as stored, and the views of them each caller may see.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::{ApiError, Violation, code};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub enum Level {
    Member = 1,
    Moderator = 2,
    Admin = 3,
}

impl TryFrom<i64> for Level {
    type Error = String;

    fn try_from(v: i64) -> Result<Self, Self::Error> {
        match v {
            1 => Ok(Level::Member),
            2 => Ok(Level::Moderator),
            3 => Ok(Level::Admin),
            _ => Err(format!(
                "level must be 1 (member), 2 (moderator) or 3 (admin), not {v}"
            )),
        }
    }
}

/// On the wire a level is its number, so the schema is the number (a derived schema would be
/// the variant names, which the API neither sends nor accepts).
impl utoipa::PartialSchema for Level {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .enum_values(Some([1, 2, 3]))
            .description(Some("1 member, 2 moderator, 3 admin."))
            .into()
    }
}

impl ToSchema for Level {}

impl From<Level> for i64 {
    fn from(l: Level) -> i64 {
        l as i64
    }
}

pub use crate::validate::{EMAIL_MAX, USERNAME_MAX};
pub const NAME_MAX: usize = 100;

#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub birthdate: Option<String>,
    pub level: Level,
    pub email_confirmed: bool,
    pub group_id: Option<i64>,
    pub avatar_id: Option<i64>,
    pub token_version: i64,
    pub banned_until: Option<i64>,
    pub ban_reason: Option<String>,
    pub created_at: i64,
    /// An email change waiting for its confirmation (the old `email` is in force until then).
    pub pending_email: Option<String>,
    /// `fr` or `en`, the language of the account's emails.
    pub locale: Option<String>,
    /// Made for someone (an invite): no usable password until their setup link is used.
    pub must_set_password: bool,
}

const COLUMNS: &str = "id, username, email, password_hash, firstname, lastname, birthdate, level, \
    email_confirmed, group_id, avatar_id, token_version, banned_until, ban_reason, created_at, \
    pending_email, locale, must_set_password";

impl Account {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
        Ok(Account {
            id: r.get(0)?,
            username: r.get(1)?,
            email: r.get(2)?,
            password_hash: r.get(3)?,
            firstname: r.get(4)?,
            lastname: r.get(5)?,
            birthdate: r.get(6)?,
            level: Level::try_from(r.get::<_, i64>(7)?).unwrap_or(Level::Member),
            email_confirmed: r.get(8)?,
            group_id: r.get(9)?,
            avatar_id: r.get(10)?,
            token_version: r.get(11)?,
            banned_until: r.get(12)?,
            ban_reason: r.get(13)?,
            created_at: r.get(14)?,
            pending_email: r.get(15)?,
            locale: r.get(16)?,
            must_set_password: r.get(17)?,
        })
    }

    /// Seconds left on an admin's ban, if banned now.
    pub fn ban_left(&self, now: i64) -> Option<i64> {
        self.banned_until.filter(|u| *u > now).map(|u| u - now)
    }
}

pub fn find(conn: &Connection, id: i64) -> Result<Option<Account>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], Account::from_row)
        .optional()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Account, ApiError> {
    find(conn, id)?.ok_or_else(|| ApiError::not_found(&format!("Account {id}")))
}

/// The account a login names: by username, or by email when it holds an `@`.
pub fn find_by_login(conn: &Connection, login: &str) -> Result<Option<Account>, ApiError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM accounts WHERE username = ?1 OR email = ?1 ORDER BY username = ?1 DESC LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([login], Account::from_row)
        .optional()?)
}

pub fn count_admins(conn: &Connection) -> Result<i64, ApiError> {
    Ok(
        conn.query_row("SELECT COUNT(*) FROM accounts WHERE level = 3", [], |r| {
            r.get(0)
        })?,
    )
}

/// Maps the unique constraints of `accounts` to the seed's 409s.
pub fn map_unique(e: rusqlite::Error) -> ApiError {
    let columns = match Violation::of(&e) {
        Some(Violation::Unique(columns)) => columns,
        _ => return ApiError::from(e),
    };
    if columns.iter().any(|c| c == "username") {
        ApiError::conflict(
            code::USERNAME_TAKEN,
            "Username Already Exists",
            "This username is already taken: choose another one.",
        )
        .with("field", "username")
    } else if columns.iter().any(|c| c == "email") {
        ApiError::conflict(
            code::EMAIL_TAKEN,
            "Email Already Exists",
            "An account already uses this email address.",
        )
        .with("field", "email")
    } else {
        ApiError::from(e)
    }
}

pub struct NewAccount {
    pub username: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub birthdate: Option<String>,
    pub level: Level,
    pub email_confirmed: bool,
}

/// Inserts an account. Its token version starts at a random value, not 0: SQLite may give a
/// deleted account's id to the next one, and the old account's unexpired tokens (same `sub`,
/// version 0) must not open the new one.
pub fn insert(conn: &Connection, a: &NewAccount, now: i64) -> Result<i64, ApiError> {
    let first_version = (rand::random::<u64>() >> 12) as i64;
    conn.query_row(
        "INSERT INTO accounts (username, email, password_hash, firstname, lastname, birthdate, level,
                               email_confirmed, token_version, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) RETURNING id",
        params![a.username, a.email, a.password_hash, a.firstname, a.lastname, a.birthdate, a.level as i64, a.email_confirmed, first_version, now],
        |r| r.get(0),
    )
    .map_err(map_unique)
}

/// The account as its owner, a moderator or an admin sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id: i64,
    pub username: String,
    /// Private: owner, moderators and admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    /// Private: owner, moderators and admins only. `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    pub level: i64,
    pub email_confirmed: bool,
    pub group_id: Option<i64>,
    pub avatar_id: Option<i64>,
    /// Unix seconds; present while an admin's ban lasts (moderators and admins only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banned_until: Option<i64>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Private: an email change waiting for the new address to be confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_email: Option<String>,
    /// Private: `fr` or `en`, the language of the account's emails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Private: the account was made for someone and waits for them to choose a password
    /// with their setup link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub must_set_password: Option<bool>,
}

impl AccountView {
    /// What `viewer` may see of `a`: the private fields only for the owner and for staff.
    pub fn of(a: &Account, private: bool, now: i64) -> AccountView {
        AccountView {
            id: a.id,
            username: a.username.clone(),
            email: if private { a.email.clone() } else { None },
            firstname: a.firstname.clone(),
            lastname: a.lastname.clone(),
            birthdate: if private { a.birthdate.clone() } else { None },
            level: a.level as i64,
            email_confirmed: a.email_confirmed,
            group_id: a.group_id,
            avatar_id: a.avatar_id,
            banned_until: if private {
                a.banned_until.filter(|u| *u > now)
            } else {
                None
            },
            created_at: a.created_at,
            pending_email: if private {
                a.pending_email.clone()
            } else {
                None
            },
            locale: if private { a.locale.clone() } else { None },
            must_set_password: private.then_some(a.must_set_password),
        }
    }
}

pub struct ListFilter {
    pub search: Option<String>,
    pub level: Option<Level>,
    pub group_id: Option<i64>,
    /// Whether the search also looks at emails (staff only: emails are private).
    pub email_search: bool,
}

/// Accounts newest first, `before` an id, matching the filter.
pub fn list(
    conn: &Connection,
    f: &ListFilter,
    before: i64,
    limit: i64,
) -> Result<Vec<Account>, ApiError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM accounts
         WHERE id < ?1
           AND (?2 IS NULL OR level = ?2)
           AND (?3 IS NULL OR group_id IN (WITH RECURSIVE sub_g(id) AS (SELECT ?3
                UNION SELECT g.id FROM groups g JOIN sub_g ON g.parent_id = sub_g.id) SELECT id FROM sub_g))
           AND (?4 IS NULL OR username LIKE ?4 ESCAPE '\\' OR (?6 AND email LIKE ?4 ESCAPE '\\')
                OR firstname LIKE ?4 ESCAPE '\\' OR lastname LIKE ?4 ESCAPE '\\')
         ORDER BY id DESC LIMIT ?5"
    );
    let pattern = f.search.as_ref().map(|s| {
        format!(
            "%{}%",
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            before,
            f.level.map(|l| l as i64),
            f.group_id,
            pattern,
            limit,
            f.email_search
        ],
        Account::from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
