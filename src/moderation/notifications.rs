//! Notifications, stored per account: report outcomes, validation decisions, edits of hidden
//! content waiting for their moderator. Each is written in the language of the account it is
//! for (its `locale`, else the server's `default_locale`), as its emails are.

use rusqlite::{Connection, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::letters::Locale;
use crate::db::now_ms;
use crate::http::error::ApiError;

pub struct Notice<'a> {
    pub kind: &'a str,
    pub text: Text<'a>,
    pub report_id: Option<i64>,
    pub target: Option<(&'a str, i64)>,
}

/// What a notification says, before it is put in the reader's language. `noun` is a
/// resource's name (`course comment`); an outcome or reason is the moderator's own words.
pub enum Text<'a> {
    AutoHidden {
        noun: &'a str,
        reporters: i64,
    },
    VisibleAgain {
        noun: &'a str,
        outcome: Option<&'a str>,
    },
    ClosedStillHidden {
        noun: &'a str,
        outcome: Option<&'a str>,
    },
    ReportReviewed {
        noun: &'a str,
        outcome: Option<&'a str>,
    },
    HiddenByModerator {
        noun: &'a str,
        outcome: Option<&'a str>,
    },
    ReportUpheld {
        noun: &'a str,
    },
    HiddenEdited {
        report: i64,
    },
    Published {
        noun: &'a str,
    },
    NotAccepted {
        noun: &'a str,
        reason: Option<&'a str>,
    },
}

/// Writes `n` for `account_id`, in the account's language (`fallback` when it has none).
pub fn send(
    conn: &Connection,
    fallback: Locale,
    account_id: i64,
    n: &Notice<'_>,
) -> Result<(), ApiError> {
    let message = n
        .text
        .render(Locale::of_account(conn, account_id, fallback)?);
    conn.execute(
        "INSERT INTO notifications (account_id, kind, message, report_id, target_type, target_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![account_id, n.kind, message, n.report_id, n.target.map(|t| t.0), n.target.map(|t| t.1), now_ms()],
    )?;
    Ok(())
}

/// A resource's name in French, and whether it is feminine (the words around it agree).
fn french(noun: &str) -> (&str, bool) {
    match noun {
        "avatar" => ("avatar", false),
        "group" => ("groupe", false),
        "blog category" => ("catégorie du blog", true),
        "blog post" => ("billet de blog", false),
        "blog comment" => ("commentaire de blog", false),
        "forum category" => ("catégorie du forum", true),
        "forum" => ("forum", false),
        "forum subject" => ("sujet du forum", false),
        "forum post" => ("message du forum", false),
        "locale" => ("langue", true),
        "language" => ("langage", false),
        "course" => ("cours", false),
        "course comment" => ("commentaire de cours", false),
        "script" => ("script", false),
        "script log" => ("journal de script", false),
        "correction" => ("correction", true),
        "exercise" => ("exercice", false),
        "exercise comment" => ("commentaire d’exercice", false),
        "grade" => ("note", true),
        "attempt" => ("tentative", true),
        "attempt code" => ("code", false),
        other => (other, false),
    }
}

/// `a` or `an` before an English noun.
fn a(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

impl Text<'_> {
    pub fn render(&self, locale: Locale) -> String {
        match locale {
            Locale::En => self.english(),
            Locale::Fr => self.french(),
        }
    }

    fn english(&self) -> String {
        let outcome = |o: &Option<&str>| o.unwrap_or("no further action").to_owned();
        match self {
            Text::AutoHidden { noun, reporters } => format!(
                "Your {noun} was hidden after {reporters} members reported it, until a moderator reviews it."
            ),
            Text::VisibleAgain { noun, outcome: o } => {
                format!("Your {noun} is visible again: {}", outcome(o))
            }
            Text::ClosedStillHidden { noun, outcome: o } => format!(
                "A report on your {noun} is closed: {}. It stays hidden while other reports are reviewed.",
                outcome(o)
            ),
            Text::ReportReviewed { noun, outcome: o } => {
                format!(
                    "Your report of {} {noun} was reviewed: {}",
                    a(noun),
                    outcome(o)
                )
            }
            Text::HiddenByModerator { noun, outcome: o } => format!(
                "Your {noun} was hidden by a moderator: {}. Edit it to have it reviewed again.",
                o.unwrap_or("it breaks the rules")
            ),
            Text::ReportUpheld { noun } => format!(
                "Your report of {} {noun} was upheld: the content is hidden.",
                a(noun)
            ),
            Text::HiddenEdited { report } => format!(
                "The author edited the hidden content of report {report}: review it and finish the report."
            ),
            Text::Published { noun } => format!("Your {noun} is published."),
            Text::NotAccepted {
                noun,
                reason: Some(r),
            } => {
                format!("Your {noun} was not accepted: {r}")
            }
            Text::NotAccepted { noun, reason: None } => {
                format!("Your {noun} was not accepted by a moderator.")
            }
        }
    }

    fn french(&self) -> String {
        let outcome = |o: &Option<&str>| o.unwrap_or("sans suite").to_owned();
        // The agreement of a past participle, the article and the pronoun with the noun.
        let e = |f: bool| if f { "e" } else { "" };
        let un = |f: bool| if f { "une" } else { "un" };
        let le = |f: bool| if f { "la" } else { "le" };
        match self {
            Text::AutoHidden { noun, reporters } => {
                let (n, f) = french(noun);
                format!(
                    "Votre {n} a été masqué{} après le signalement de {reporters} membres, en attendant l’examen d’un modérateur.",
                    e(f)
                )
            }
            Text::VisibleAgain { noun, outcome: o } => {
                let (n, _) = french(noun);
                format!("Votre {n} est de nouveau visible : {}", outcome(o))
            }
            Text::ClosedStillHidden { noun, outcome: o } => {
                let (n, f) = french(noun);
                format!(
                    "Un signalement sur votre {n} est clos : {}. {} reste masqué{} tant que d’autres signalements sont examinés.",
                    outcome(o),
                    if f { "Elle" } else { "Il" },
                    e(f)
                )
            }
            Text::ReportReviewed { noun, outcome: o } => {
                let (n, f) = french(noun);
                format!(
                    "Votre signalement concernant {} {n} a été examiné : {}",
                    un(f),
                    outcome(o)
                )
            }
            Text::HiddenByModerator { noun, outcome: o } => {
                let (n, f) = french(noun);
                format!(
                    "Votre {n} a été masqué{} par un modérateur : {}. Modifiez-{} pour demander un nouvel examen.",
                    e(f),
                    o.unwrap_or(if f {
                        "elle enfreint les règles"
                    } else {
                        "il enfreint les règles"
                    }),
                    le(f)
                )
            }
            Text::ReportUpheld { noun } => {
                let (n, f) = french(noun);
                format!(
                    "Votre signalement concernant {} {n} a été retenu : le contenu est masqué.",
                    un(f)
                )
            }
            Text::HiddenEdited { report } => format!(
                "L’auteur a modifié le contenu masqué du signalement {report} : examinez-le et terminez le signalement."
            ),
            Text::Published { noun } => {
                let (n, f) = french(noun);
                format!("Votre {n} est publié{}.", e(f))
            }
            Text::NotAccepted { noun, reason } => {
                let (n, f) = french(noun);
                match reason {
                    Some(r) => format!("Votre {n} n’a pas été accepté{} : {r}", e(f)),
                    None => format!("Votre {n} n’a pas été accepté{} par un modérateur.", e(f)),
                }
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `report_confirmed`, `report_cancelled`, `report_finished`, `report_filed`, `content_approved`,
    /// `content_rejected`, `hidden_content_edited`, `content_hidden`.
    pub kind: String,
    pub message: String,
    pub report_id: Option<i64>,
    pub target_type: Option<String>,
    pub target_id: Option<i64>,
    pub read: bool,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// The account's notifications, newest first.
pub fn list(
    conn: &Connection,
    account_id: i64,
    unread_only: bool,
    before: i64,
    limit: i64,
) -> Result<Vec<Notification>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, message, report_id, target_type, target_id, read_at IS NOT NULL, created_at FROM notifications
         WHERE account_id = ?1 AND id < ?2 AND (?3 = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![account_id, before, unread_only, limit], |r| {
        Ok(Notification {
            id: r.get(0)?,
            kind: r.get(1)?,
            message: r.get(2)?,
            report_id: r.get(3)?,
            target_type: r.get(4)?,
            target_id: r.get(5)?,
            read: r.get(6)?,
            created_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn unread(conn: &Connection, account_id: i64) -> Result<i64, ApiError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM notifications WHERE account_id = ?1 AND read_at IS NULL",
        [account_id],
        |r| r.get(0),
    )?)
}

/// Marks one notification (or all when `id` is `None`) read; false when there is no such one.
pub fn mark_read(conn: &Connection, account_id: i64, id: Option<i64>) -> Result<bool, ApiError> {
    let n = conn.execute(
        "UPDATE notifications SET read_at = COALESCE(read_at, ?3) WHERE account_id = ?1 AND (?2 IS NULL OR id = ?2)",
        params![account_id, id, now_ms()],
    )?;
    Ok(id.is_none() || n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_words_agree_with_the_noun() {
        let fr = |t: Text<'_>| t.render(Locale::Fr);
        assert_eq!(
            fr(Text::Published { noun: "course" }),
            "Votre cours est publié."
        );
        assert_eq!(
            fr(Text::Published { noun: "correction" }),
            "Votre correction est publiée."
        );
        assert_eq!(
            fr(Text::ReportUpheld { noun: "grade" }),
            "Votre signalement concernant une note a été retenu : le contenu est masqué."
        );
        assert!(
            fr(Text::HiddenByModerator {
                noun: "forum post",
                outcome: None
            })
            .contains("Modifiez-le pour demander un nouvel examen")
        );
        assert!(
            fr(Text::ReportReviewed {
                noun: "blog post",
                outcome: None
            })
            .ends_with("sans suite")
        );
    }

    #[test]
    fn english_keeps_its_article_and_the_moderators_words() {
        let en = |t: Text<'_>| t.render(Locale::En);
        assert_eq!(
            en(Text::ReportUpheld { noun: "exercise" }),
            "Your report of an exercise was upheld: the content is hidden."
        );
        assert_eq!(
            en(Text::VisibleAgain {
                noun: "forum post",
                outcome: Some("Spam removed.")
            }),
            "Your forum post is visible again: Spam removed."
        );
        assert_eq!(
            en(Text::NotAccepted {
                noun: "course",
                reason: None
            }),
            "Your course was not accepted by a moderator."
        );
    }
}
