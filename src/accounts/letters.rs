//! The emails Préau writes, in French and English, as plain text and HTML alternatives, and
//! the language an account is written to in.

use rocket::request::{self, FromRequest, Request};
use rusqlite::{Connection, OptionalExtension};

use crate::http::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    En,
    Fr,
}

impl Locale {
    pub fn parse(s: &str) -> Option<Locale> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "fr" => Some(Locale::Fr),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }

    /// The first language of an `Accept-Language` header we write in, by quality.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut choices: Vec<(f32, Locale)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let locale = Locale::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0).then_some((q, locale))
            })
            .collect();
        // Stable: among equal qualities the header's order wins.
        choices.sort_by(|a, b| b.0.total_cmp(&a.0));
        choices.first().map(|c| c.1)
    }

    /// The server's `default_locale` (checked at start to be one of ours).
    pub fn default_of(config: &crate::config::Config) -> Locale {
        Locale::parse(&config.default_locale).unwrap_or(Locale::En)
    }

    /// The language to write to an account in: its own, else `fallback`.
    pub fn of_account(
        conn: &Connection,
        account_id: i64,
        fallback: Locale,
    ) -> Result<Locale, ApiError> {
        let stored: Option<Option<String>> = conn
            .query_row(
                "SELECT locale FROM accounts WHERE id = ?1",
                [account_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(stored
            .flatten()
            .and_then(|l| Locale::parse(&l))
            .unwrap_or(fallback))
    }
}

/// The request's `Accept-Language`, when it names French or English.
#[derive(Debug, Clone, Copy)]
pub struct RequestLocale(pub Option<Locale>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RequestLocale {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        request::Outcome::Success(RequestLocale(
            req.headers()
                .get_one("Accept-Language")
                .and_then(Locale::from_accept_language),
        ))
    }
}

/// One email, ready for the outbox.
#[derive(Debug, Clone)]
pub struct Letter {
    /// `confirmation`, `password_reset`, `setup`, `email_change`.
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Paragraphs, a link, and a closing line, as text and as HTML.
fn compose(
    kind: &'static str,
    subject: String,
    greeting: String,
    before: &[String],
    link: &str,
    after: &[String],
) -> Letter {
    let mut text = format!("{greeting}\n\n");
    for p in before {
        text.push_str(p);
        text.push_str("\n\n");
    }
    text.push_str(link);
    text.push_str("\n\n");
    for p in after {
        text.push_str(p);
        text.push_str("\n\n");
    }
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family: sans-serif\"><p>{}</p>",
        escape(&greeting)
    );
    for p in before {
        html.push_str(&format!("<p>{}</p>", escape(p)));
    }
    html.push_str(&format!("<p><a href=\"{0}\">{0}</a></p>", escape(link)));
    for p in after {
        html.push_str(&format!("<p>{}</p>", escape(p)));
    }
    html.push_str("</body></html>");
    Letter {
        kind,
        subject,
        text: text.trim_end().to_owned() + "\n",
        html,
    }
}

fn hours(seconds: i64) -> i64 {
    (seconds + 3599) / 3600
}

pub fn confirmation(school: &str, locale: Locale, username: &str, link: &str) -> Letter {
    match locale {
        Locale::En => compose(
            "confirmation",
            format!("Confirm your {school} account"),
            format!("Hello {username},"),
            &["Confirm your email address by opening this link:".into()],
            link,
            &["If you did not create this account, ignore this message.".into()],
        ),
        Locale::Fr => compose(
            "confirmation",
            format!("Confirmez votre compte {school}"),
            format!("Bonjour {username},"),
            &["Confirmez votre adresse électronique en ouvrant ce lien :".into()],
            link,
            &["Si vous n’avez pas créé ce compte, ignorez ce message.".into()],
        ),
    }
}

pub fn password_reset(
    school: &str,
    locale: Locale,
    username: &str,
    link: &str,
    ttl: i64,
) -> Letter {
    let h = hours(ttl);
    match locale {
        Locale::En => compose(
            "password_reset",
            format!("Choose a new {school} password"),
            format!("Hello {username},"),
            &[format!(
                "Someone asked to reset the password of your {school} account. To choose a new one, open this link (it works once, within {h} hour{}):",
                if h == 1 { "" } else { "s" }
            )],
            link,
            &["If you did not ask for this, ignore this message: your password stays as it is.".into()],
        ),
        Locale::Fr => compose(
            "password_reset",
            format!("Choisissez un nouveau mot de passe {school}"),
            format!("Bonjour {username},"),
            &[format!(
                "Quelqu’un a demandé à réinitialiser le mot de passe de votre compte {school}. Pour en choisir un nouveau, ouvrez ce lien (il sert une fois, pendant {h} heure{}) :",
                if h == 1 { "" } else { "s" }
            )],
            link,
            &["Si vous n’avez rien demandé, ignorez ce message : votre mot de passe ne change pas.".into()],
        ),
    }
}

pub fn setup(school: &str, locale: Locale, username: &str, link: &str) -> Letter {
    match locale {
        Locale::En => compose(
            "setup",
            format!("Your {school} account is ready"),
            format!("Hello {username},"),
            &[format!(
                "An account was made for you on {school}. Choose your password by opening this link:"
            )],
            link,
            &["The link works once.".into()],
        ),
        Locale::Fr => compose(
            "setup",
            format!("Votre compte {school} est prêt"),
            format!("Bonjour {username},"),
            &[format!(
                "Un compte a été créé pour vous sur {school}. Choisissez votre mot de passe en ouvrant ce lien :"
            )],
            link,
            &["Le lien sert une fois.".into()],
        ),
    }
}

pub fn email_change(school: &str, locale: Locale, username: &str, link: &str) -> Letter {
    match locale {
        Locale::En => compose(
            "email_change",
            format!("Confirm your new {school} email address"),
            format!("Hello {username},"),
            &[format!(
                "You asked to use this address for your {school} account. Confirm it by opening this link; until then your old address stays in use:"
            )],
            link,
            &["If you did not ask for this, ignore this message.".into()],
        ),
        Locale::Fr => compose(
            "email_change",
            format!("Confirmez votre nouvelle adresse {school}"),
            format!("Bonjour {username},"),
            &[format!(
                "Vous avez demandé à utiliser cette adresse pour votre compte {school}. Confirmez-la en ouvrant ce lien ; d’ici là, votre ancienne adresse reste en usage :"
            )],
            link,
            &["Si vous n’avez rien demandé, ignorez ce message.".into()],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_language_we_write() {
        assert_eq!(
            Locale::from_accept_language("de-DE, fr-CH;q=0.9, en;q=0.8"),
            Some(Locale::Fr)
        );
        assert_eq!(
            Locale::from_accept_language("en;q=0.5, fr;q=0.7"),
            Some(Locale::Fr)
        );
        assert_eq!(Locale::from_accept_language("de, es"), None);
        assert_eq!(Locale::from_accept_language("fr;q=0, en"), Some(Locale::En));
    }

    #[test]
    fn html_alternative_escapes_names() {
        let l = confirmation("A&B", Locale::En, "<x>", "http://h/?token=a&b=c");
        assert!(l.html.contains("&lt;x&gt;"));
        assert!(l.html.contains("token=a&amp;b=c"));
        assert!(l.text.contains("http://h/?token=a&b=c"));
    }
}
