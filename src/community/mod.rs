//! Community: the blog, the forum and its likes, groups (a tree) and avatars. Most of it is
//! descriptions served by `content`; likes, avatar files and the group tree's cycle rule are
//! the particular parts.

pub mod avatars;
pub mod likes;

use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value};

use crate::accounts::Level;
use crate::accounts::auth::AuthUser;
use crate::config::Config;
use crate::content::{
    COMMENT_MAX, CONTENT_MAX, DESCRIPTION_MAX, EVERYONE, Field, Hook, NAME_MAX, Parent, Resource,
    SHOWN_OR_AUTHOR, TITLE_MAX,
};
use crate::http::error::ApiError;
use crate::http::stage::Stage;
use crate::learning::LOCALES;

/// The highest like count a moderator may set: far above any real count, and far from the
/// 64-bit limit that a like's `likes + 1` would overflow.
pub const LIKES_MAX: i64 = 1_000_000_000;

/// Community enters the application here: its resources (served by `content`), likes and
/// avatar images.
pub fn stage() -> Stage<Resource, Hook> {
    Stage {
        name: "community",
        mount: |rocket, _| {
            let (rest, seed) = likes::routes();
            rocket
                .mount("/api/v1", rest)
                .mount("/", seed)
                .mount("/api/v1", avatars::routes())
        },
        openapi: |_| {
            let mut doc = likes::openapi();
            doc.merge(avatars::openapi());
            doc
        },
        resources: RESOURCES,
        hooks: &[],
    }
}

pub static RESOURCES: &[&Resource] = &[
    &GROUPS,
    &avatars::AVATARS,
    &BLOG_CATEGORIES,
    &BLOG_POSTS,
    &BLOG_COMMENTS,
    &FORUM_CATEGORIES,
    &FORUMS,
    &FORUM_SUBJECTS,
    &FORUM_POSTS,
];

pub static GROUPS: Resource = Resource {
    name: "group",
    table: "groups",
    path: "groups",
    parent: None,
    seed: Some("/account/group/modify"),
    fields: &[
        Field::text("name", NAME_MAX, "A school, a class, a team…"),
        Field::reference(
            "parent_id",
            &GROUPS,
            "The enclosing group; none for a root.",
        )
        .optional(),
    ],
    owner: None,
    create: Level::Admin,
    moderated: false,
    visible: EVERYONE,
    filters: &[("parent", "parent_id")],
    check: Some(check_group_cycle),
    tag: "people",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub static BLOG_CATEGORIES: Resource = Resource {
    name: "blog category",
    table: "blog_categories",
    path: "blog/categories",
    parent: None,
    seed: Some("/blog/post/category/modify"),
    fields: &[Field::text("name", NAME_MAX, "")],
    owner: None,
    create: Level::Admin,
    moderated: false,
    visible: EVERYONE,
    filters: &[],
    check: None,
    tag: "blog",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub static BLOG_POSTS: Resource = Resource {
    name: "blog post",
    table: "blog_posts",
    path: "blog/posts",
    parent: None,
    seed: Some("/blog/post/modify"),
    fields: &[
        Field::reference("category_id", &BLOG_CATEGORIES, "").alias(&["blog_category_id"]),
        Field::reference("locale_id", &LOCALES, "Default: 1.")
            .or(1)
            .alias(&["locales_id"]),
        Field::text("title", TITLE_MAX, ""),
        Field::long_text("content", CONTENT_MAX, "").markdown(),
    ],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: false,
    visible: SHOWN_OR_AUTHOR,
    filters: &[
        ("category", "category_id"),
        ("author", "account_id"),
        ("locale", "locale_id"),
    ],
    check: None,
    tag: "blog",
    within: None,
    reportable: true,
    likes: None,
    editors: None,
};

pub static BLOG_COMMENTS: Resource = Resource {
    name: "blog comment",
    table: "blog_comments",
    path: "comments",
    parent: Some(Parent {
        path: "blog/posts",
        field: "post_id",
    }),
    seed: Some("/blog/post/comment/modify"),
    fields: &[
        Field::reference("post_id", &BLOG_POSTS, "").alias(&["blog_post_id"]),
        Field::long_text("content", COMMENT_MAX, "").markdown(),
    ],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: false,
    visible: SHOWN_OR_AUTHOR,
    filters: &[("author", "account_id")],
    check: None,
    tag: "blog",
    within: Some("post_id"),
    reportable: true,
    likes: None,
    editors: None,
};

pub static FORUM_CATEGORIES: Resource = Resource {
    name: "forum category",
    table: "forum_categories",
    path: "forum/categories",
    parent: None,
    seed: Some("/forum/categorie/modify"),
    fields: &[Field::text("name", NAME_MAX, "")],
    owner: None,
    create: Level::Admin,
    moderated: false,
    visible: EVERYONE,
    filters: &[],
    check: None,
    tag: "forum",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub static FORUMS: Resource = Resource {
    name: "forum",
    table: "forums",
    path: "forum/forums",
    parent: None,
    seed: Some("/forum/modify"),
    fields: &[
        Field::reference("category_id", &FORUM_CATEGORIES, "").alias(&["forum_category_id"]),
        Field::text("name", TITLE_MAX, ""),
        Field::long_text("description", DESCRIPTION_MAX, "").optional(),
    ],
    owner: None,
    create: Level::Admin,
    moderated: false,
    visible: EVERYONE,
    filters: &[("category", "category_id")],
    check: None,
    tag: "forum",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub static FORUM_SUBJECTS: Resource = Resource {
    name: "forum subject",
    table: "forum_subjects",
    path: "forum/subjects",
    parent: None,
    seed: Some("/forum/subject/modify"),
    fields: &[
        Field::reference("forum_id", &FORUMS, "").alias(&["forums_forum_id"]),
        Field::reference("locale_id", &LOCALES, "Default: 1.")
            .or(1)
            .alias(&["locales_id"]),
        Field::text("title", TITLE_MAX, ""),
    ],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: false,
    visible: EVERYONE,
    filters: &[
        ("forum", "forum_id"),
        ("author", "account_id"),
        ("locale", "locale_id"),
    ],
    check: None,
    tag: "forum",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub static FORUM_POSTS: Resource = Resource {
    name: "forum post",
    table: "forum_posts",
    path: "forum/posts",
    parent: None,
    seed: Some("/forum/post/modify"),
    fields: &[
        Field::reference("subject_id", &FORUM_SUBJECTS, "").alias(&["forum_subject_id"]),
        Field::long_text("content", CONTENT_MAX, "").markdown(),
        Field::int(
            "likes",
            0,
            LIKES_MAX,
            "Kept by the like routes; set directly by moderators only.",
        )
        .or(0)
        .staff_only(),
    ],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: false,
    visible: SHOWN_OR_AUTHOR,
    filters: &[("subject", "subject_id"), ("author", "account_id")],
    check: None,
    tag: "forum",
    within: None,
    reportable: true,
    likes: Some("forum_post_likes"),
    editors: None,
};

/// A group may not become its own ancestor.
fn check_group_cycle(
    conn: &Connection,
    _: &AuthUser,
    group: &Map<String, Value>,
    _: &Config,
) -> Result<(), ApiError> {
    let (Some(id), Some(mut parent)) = (
        group.get("id").and_then(Value::as_i64),
        group.get("parent_id").and_then(Value::as_i64),
    ) else {
        return Ok(());
    };
    // Walk up from the new parent; the depth bound also stops at an existing (corrupt) loop.
    for _ in 0..1000 {
        if parent == id {
            return Err(ApiError::invalid(
                "parent_id",
                "would make the group its own ancestor",
            ));
        }
        match conn
            .query_row(
                "SELECT parent_id FROM groups WHERE id = ?1",
                [parent],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten()
        {
            Some(next) => parent = next,
            None => return Ok(()),
        }
    }
    Err(ApiError::invalid(
        "parent_id",
        "makes the group tree deeper than 1000 levels",
    ))
}
