//! The resource layer. Most of Préau's content has one shape — a row with an author, maybe a
//! parent, maybe a moderation state, a few bounded fields — so each resource is a short
//! [`Resource`] description, and one piece of code serves every description on both faces:
//! the REST routes (`rest`), the seed 000 `…/modify` routes (`seed`), and the OpenAPI
//! document (`openapi`).

pub mod openapi;
pub mod registry;
pub mod rest;
pub mod seed;
pub mod store;

use rusqlite::Connection;
use serde_json::{Map, Value};

use crate::accounts::Level;
use crate::accounts::auth::AuthUser;
use crate::config::Config;
use crate::http::error::ApiError;
use crate::http::stage::Stage;

pub use registry::{Hook, Registry};

/// Limits shared by the resources (characters).
pub const TITLE_MAX: usize = 200;
pub const CONTENT_MAX: usize = 100_000;
pub const COMMENT_MAX: usize = 5_000;
pub const NAME_MAX: usize = 64;
pub const DESCRIPTION_MAX: usize = 1_000;

/// The type and limits of a field.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Trimmed text, 1..=`max` characters.
    Text { max: usize, multiline: bool },
    /// An integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// The id of a row of `to` that the caller can see. With `owned`, the row must also be
    /// the caller's own (or the caller staff): nobody attaches another's correction.
    Ref { to: &'static Resource, owned: bool },
    /// The id of an account.
    Account,
    /// The id of a group (`groups`, a tree: a filter on it matches its sub-groups too).
    Group,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The column, and the field's name on the REST face.
    pub name: &'static str,
    /// Other names accepted in bodies (the seeds' spellings: `couse_id`, `exercice_id`, …).
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    pub required: bool,
    /// Used on create when the field is absent.
    pub default: Option<i64>,
    /// Only moderators and admins may set it.
    pub staff_only: bool,
    /// Markdown: rows carry a `<name>_html` companion, rendered on the server and sanitized.
    pub markdown: bool,
    /// What readers other than the row's author and staff see of this text field (an
    /// exercise's hidden I/O tests are blanked); `None`: the same as everyone.
    pub others_see: Option<fn(&str) -> String>,
    pub doc: &'static str,
}

impl Field {
    /// A required field of `kind`, with every option at its default.
    const fn of(name: &'static str, kind: Kind, doc: &'static str) -> Field {
        Field {
            name,
            aliases: &[],
            kind,
            required: true,
            default: None,
            staff_only: false,
            markdown: false,
            others_see: None,
            doc,
        }
    }

    pub const fn text(name: &'static str, max: usize, doc: &'static str) -> Field {
        Field::of(
            name,
            Kind::Text {
                max,
                multiline: false,
            },
            doc,
        )
    }

    pub const fn long_text(name: &'static str, max: usize, doc: &'static str) -> Field {
        Field::of(
            name,
            Kind::Text {
                max,
                multiline: true,
            },
            doc,
        )
    }

    pub const fn int(name: &'static str, min: i64, max: i64, doc: &'static str) -> Field {
        Field::of(name, Kind::Int { min, max }, doc)
    }

    pub const fn reference(name: &'static str, to: &'static Resource, doc: &'static str) -> Field {
        Field::of(name, Kind::Ref { to, owned: false }, doc)
    }

    pub const fn group(name: &'static str, doc: &'static str) -> Field {
        Field::of(name, Kind::Group, doc)
    }

    pub const fn account(name: &'static str, doc: &'static str) -> Field {
        Field::of(name, Kind::Account, doc)
    }

    /// The referenced row must be the caller's own (or the caller staff).
    pub const fn owned(mut self) -> Field {
        if let Kind::Ref { to, .. } = self.kind {
            self.kind = Kind::Ref { to, owned: true };
        }
        self
    }

    pub const fn optional(mut self) -> Field {
        self.required = false;
        self
    }

    pub const fn or(mut self, default: i64) -> Field {
        self.required = false;
        self.default = Some(default);
        self
    }

    pub const fn alias(mut self, aliases: &'static [&'static str]) -> Field {
        self.aliases = aliases;
        self
    }

    /// Readers other than the author and staff see `view` of the text.
    pub const fn others_see(mut self, view: fn(&str) -> String) -> Field {
        self.others_see = Some(view);
        self
    }

    pub const fn staff_only(mut self) -> Field {
        self.staff_only = true;
        self
    }

    /// The text is Markdown (see [`Field::markdown`]).
    pub const fn markdown(mut self) -> Field {
        self.markdown = true;
        self
    }
}

/// A nested collection: `/{parent.path}/{id}/{resource.path}`.
#[derive(Debug, Clone, Copy)]
pub struct Parent {
    /// The REST collection of the parent (`courses`).
    pub path: &'static str,
    /// The field of the child that holds the parent's id (`course_id`).
    pub field: &'static str,
}

/// Extra rules a description can add, run inside the write transaction with the row as it
/// will be (existing values merged with the change).
pub type Check = fn(&Connection, &AuthUser, &Map<String, Value>, &Config) -> Result<(), ApiError>;

/// Everything the generic code needs to know about one resource.
pub struct Resource {
    /// Singular, for messages: "course".
    pub name: &'static str,
    pub table: &'static str,
    /// The REST collection (`courses`), under `/api/v1`, or under the parent when nested.
    pub path: &'static str,
    pub parent: Option<Parent>,
    /// The seed 000 route, if any (`/course/modify`).
    pub seed: Option<&'static str>,
    pub fields: &'static [Field],
    /// The column holding the author; `None` for reference data (admins write it).
    pub owner: Option<&'static str>,
    /// The lowest level that may create one.
    pub create: Level,
    /// Rows written by members stay `pending` until a moderator validates them.
    pub moderated: bool,
    /// Who may read a row, as an SQL condition on the row, with `:me` (the caller's id, 0 when
    /// anonymous) and `:staff` (1 for moderators and admins). With `within`, the row is also
    /// visible only where the row it lives in is: see [`Resource::visibility`].
    pub visible: &'static str,
    /// The field naming the row this one lives in (a comment's post, an exercise's course): the
    /// row is visible only where that one is, except to its own author and to staff. A rule is
    /// written once, on the parent.
    pub within: Option<&'static str>,
    /// Members may report it (moderation); its table has a `hidden` column.
    pub reportable: bool,
    /// The table of its likes (one row per account), when members may like it.
    pub likes: Option<&'static str>,
    /// Who may also change a row besides its author and admins, as an SQL condition on the row
    /// with `:me` and `:staff` (a grade: its exercise's author and moderators).
    pub editors: Option<&'static str>,
    /// List filters: (query parameter, column). A column ending in [`SUBGROUPS`] holds a group
    /// id and the filter matches that group and all its sub-groups.
    pub filters: &'static [(&'static str, &'static str)],
    pub check: Option<Check>,
    pub tag: &'static str,
}

impl std::fmt::Debug for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Resource({})", self.table)
    }
}

impl Resource {
    /// The resource's name in the audit log, notifications and reports: `forum_post`, `course`.
    pub fn kind(&self) -> String {
        self.name.replace(' ', "_")
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// May `user` change or delete `owner`'s row? The author; for reference data an admin; and
    /// moderators may delete (not edit) members' content.
    pub fn may_write(&self, user: &AuthUser, owner: Option<i64>, deleting: bool) -> bool {
        match self.owner {
            None => user.is_admin(),
            Some(_) => {
                owner == Some(user.id) || user.is_admin() || (deleting && user.is_moderator())
            }
        }
    }
}

/// The generic layer's own stage: the REST and seed routes and the OpenAPI part of every
/// resource that the other stages describe.
pub fn stage() -> Stage<Resource, Hook> {
    Stage {
        name: "content",
        mount: |rocket, all| {
            all.iter().fold(rocket, |rocket, res| {
                rocket
                    .mount("/api/v1", rest::routes(res))
                    .mount("/", seed::routes(res))
            })
        },
        openapi: |all| {
            let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
            for res in all {
                openapi::add(&mut doc, res);
            }
            doc
        },
        resources: &[],
        hooks: &[],
    }
}

/// The suffix of a filter column naming a group: the filter matches its sub-groups too.
pub const SUBGROUPS: &str = " in subgroups";

/// The SQL of the ids of group `param` and all its sub-groups.
pub fn subgroups_sql(param: &str) -> String {
    format!(
        "(WITH RECURSIVE sub_g(id) AS (SELECT {param} UNION SELECT g.id FROM groups g JOIN sub_g ON g.parent_id = sub_g.id) SELECT id FROM sub_g)"
    )
}

/// Public rows.
pub const EVERYONE: &str = "1";
/// Rows not hidden by moderation, or the author's own, or for staff.
pub const SHOWN_OR_AUTHOR: &str = "(hidden = 0 OR account_id = :me OR :staff)";
/// The author and staff only.
pub const AUTHOR_AND_STAFF: &str = "(account_id = :me OR :staff)";
/// Approved rows not hidden by moderation for everyone; the others for their author and staff.
pub const APPROVED_OR_AUTHOR: &str =
    "((status = 'approved' AND hidden = 0) OR account_id = :me OR :staff)";
