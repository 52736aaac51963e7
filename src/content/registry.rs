//! Every resource of the application, gathered from the stages by `app.rs`, and the hooks the
//! stages bring: what happens elsewhere when content changes. Managed as Rocket state; the
//! generic routes read it.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use rusqlite::Connection;
use serde_json::{Map, Value};

use crate::accounts::auth::AuthUser;
use crate::config::Config;
use crate::content::store::Viewer;
use crate::content::{Kind, Resource};
use crate::http::error::ApiError;

/// Adds to a row of its table read by `viewer` (see [`Hook::Viewed`]).
pub type ViewedHook =
    fn(&Connection, &'static Resource, Viewer, &mut Map<String, Value>) -> Result<(), ApiError>;

/// Something a stage does when content changes. Hooks run inside the write's transaction.
pub enum Hook {
    /// The author edited content that moderation hides (its moderators are told).
    HiddenEdited(fn(&Connection, &Config, &'static Resource, i64) -> Result<(), ApiError>),
    /// A row was created or changed by `user` (grading queues a run when code is saved). An
    /// error undoes the write.
    Saved(fn(&Connection, &Config, &'static Resource, i64, &AuthUser) -> Result<(), ApiError>),
    /// A single row of the named table is read (`GET …/{id}`): a stage may add what it knows to
    /// the row for this viewer (an exercise's latest check, for its author). The views of the
    /// other tables are written straight from the row.
    Viewed(&'static str, ViewedHook),
}

/// Cheap to clone: a write's closure takes its own handle.
#[derive(Clone)]
pub struct Registry(Arc<Inner>);

struct Inner {
    resources: Vec<&'static Resource>,
    hooks: Vec<&'static Hook>,
}

impl Registry {
    pub fn new(
        resources: impl IntoIterator<Item = &'static Resource>,
        hooks: impl IntoIterator<Item = &'static Hook>,
    ) -> Registry {
        Registry(Arc::new(Inner {
            resources: resources.into_iter().collect(),
            hooks: hooks.into_iter().collect(),
        }))
    }

    pub fn resources(&self) -> &[&'static Resource] {
        &self.0.resources
    }

    /// The reportable resource whose kind (`forum_post`, `exercise_comment`) is `kind`; the
    /// error names `field` and lists the kinds.
    pub fn reportable(&self, kind: &str, field: &str) -> Result<&'static Resource, ApiError> {
        self.0
            .resources
            .iter()
            .copied()
            .find(|r| r.reportable && r.kind() == kind)
            .ok_or_else(|| {
                let kinds: Vec<String> = self
                    .0
                    .resources
                    .iter()
                    .filter(|r| r.reportable)
                    .map(|r| r.kind())
                    .collect();
                ApiError::invalid(field, format!("must be one of {}", kinds.join(", ")))
            })
    }

    /// Whether some resource takes `id` of `res` as the default of a field (the default
    /// locale): that row must stay.
    pub fn is_a_default(&self, res: &Resource, id: i64) -> bool {
        self.0.resources.iter().flat_map(|r| r.fields).any(|f| {
            matches!(f.kind, Kind::Ref { to, .. } if to.table == res.table) && f.default == Some(id)
        })
    }

    /// Runs the hooks for an author's edit of hidden content.
    pub fn hidden_edited(
        &self,
        conn: &Connection,
        config: &Config,
        res: &'static Resource,
        id: i64,
    ) -> Result<(), ApiError> {
        for hook in &self.0.hooks {
            match hook {
                Hook::HiddenEdited(f) => f(conn, config, res, id)?,
                Hook::Saved(_) | Hook::Viewed(..) => {}
            }
        }
        Ok(())
    }

    /// Runs the hooks that add to a single row's view.
    pub fn viewed(
        &self,
        conn: &Connection,
        res: &'static Resource,
        viewer: Viewer,
        row: &mut Map<String, Value>,
    ) -> Result<(), ApiError> {
        for hook in &self.0.hooks {
            if let Hook::Viewed(table, f) = hook
                && *table == res.table
            {
                f(conn, res, viewer, row)?;
            }
        }
        Ok(())
    }

    /// Whether a stage adds to the single rows of `res` ([`Hook::Viewed`]).
    pub fn adds_to_views(&self, res: &Resource) -> bool {
        self.0
            .hooks
            .iter()
            .any(|hook| matches!(hook, Hook::Viewed(table, _) if *table == res.table))
    }

    /// Runs the hooks for a row created or changed by `user`, inside the write.
    pub fn saved(
        &self,
        conn: &Connection,
        config: &Config,
        res: &'static Resource,
        id: i64,
        user: &AuthUser,
    ) -> Result<(), ApiError> {
        for hook in &self.0.hooks {
            if let Hook::Saved(f) = hook {
                f(conn, config, res, id, user)?;
            }
        }
        Ok(())
    }
}

impl Resource {
    /// `SELECT * FROM {table} WHERE id = :id AND {visibility}`: one row as a viewer may see it
    /// (`:me`, `:staff`). Made once per resource.
    pub fn select_one(&'static self) -> &'static str {
        static MADE: ByTable<&'static str> = OnceLock::new();
        kept_by_table(
            &MADE,
            self.table,
            |_| true,
            || {
                leak(format!(
                    "SELECT * FROM {} WHERE id = :id AND {}",
                    self.table,
                    self.visibility()
                ))
            },
        )
    }

    /// Who may read a row, as the store's SQL condition: the description's own rule and, for a
    /// resource `within` another, that the row it lives in is visible too (unless the viewer
    /// wrote this row or is staff). Derived once per resource from the parent's own
    /// visibility, so a parent's rule is written once and its children follow it.
    pub fn visibility(&'static self) -> &'static str {
        static DERIVED: ByTable<&'static str> = OnceLock::new();
        kept_by_table(
            &DERIVED,
            self.table,
            |_| true,
            || {
                match self.within.and_then(|f| self.field(f)).map(|f| f.kind) {
                    Some(Kind::Ref { to, .. }) if to.table != self.table => {
                        let author = self.owner.unwrap_or("NULL");
                        // Inside the sub-query, the parent's unqualified columns are its own.
                        leak(format!(
                            "(({own}) AND ({table}.{author} = :me OR :staff OR EXISTS (SELECT 1 FROM {parent} WHERE {parent}.id = {table}.{field} AND {parent_rule})))",
                            own = self.visible,
                            table = self.table,
                            parent = to.table,
                            field = self.within.unwrap_or_default(),
                            parent_rule = to.visibility(),
                        ))
                    }
                    _ => self.visible,
                }
            },
        )
    }
}

/// What is made from a resource's description (its SQL, its columns), by table, kept for the
/// life of the server.
pub(crate) type ByTable<V> = OnceLock<RwLock<HashMap<&'static str, V>>>;

/// What `kept` holds for `table` while `current` accepts it, else what `make` gives, kept from
/// then on (made outside the lock: `make` may ask for another table's).
pub(crate) fn kept_by_table<V: Clone>(
    kept: &'static ByTable<V>,
    table: &'static str,
    current: impl FnOnce(&V) -> bool,
    make: impl FnOnce() -> V,
) -> V {
    let map = kept.get_or_init(Default::default);
    if let Some(value) = map.read().ok().and_then(|m| m.get(table).cloned())
        && current(&value)
    {
        return value;
    }
    let value = make();
    if let Ok(mut m) = map.write() {
        m.insert(table, value.clone());
    }
    value
}

/// A statement made once and kept for the life of the server.
fn leak(sql: String) -> &'static str {
    Box::leak(sql.into_boxed_str())
}
