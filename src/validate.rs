//! Field rules shared by every resource: trimmed text within a length, no control
//! characters, and the usual formats. Each failure names the field and the rule.

use crate::error::ApiError;

/// The longest username, and the longest email address (RFC 5321's path limit).
pub const USERNAME_MAX: usize = 32;
pub const EMAIL_MAX: usize = 254;

/// Trimmed text of 1..=`max` characters, without control characters (newlines and tabs allowed
/// when `multiline`).
pub fn text(field: &str, value: &str, max: usize, multiline: bool) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    let len = value.chars().count();
    if len > max {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

/// Like [`text`], but an empty or absent value is `None`.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, max, false).map(Some),
    }
}

/// 3 to 32 letters, digits, `.`, `_` or `-`: no `@`, so a login is either a name or an email.
pub fn username(value: &str) -> Result<String, ApiError> {
    let value = text("username", value, USERNAME_MAX, false)?;
    if value.chars().count() < 3 {
        return Err(ApiError::invalid(
            "username",
            "must be at least 3 characters",
        ));
    }
    // ASCII only: a letter of another script that looks like a Latin one (the Cyrillic `а` of
    // `аdmin`) would let someone pass for another account.
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(ApiError::invalid(
            "username",
            "may contain only the letters a to z (either case), digits, `.`, `_` and `-`",
        ));
    }
    Ok(value)
}

/// `local@domain.tld`, at most 254 characters, no spaces.
pub fn email(field: &str, value: &str) -> Result<String, ApiError> {
    let value = text(field, value, EMAIL_MAX, false)?;
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        return Err(ApiError::invalid(
            field,
            "must be an email address such as name@example.org",
        ));
    }
    Ok(value)
}

/// Like [`email`], but an empty or absent value is `None`.
pub fn optional_email(field: &str, value: Option<&str>) -> Result<Option<String>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => email(field, v).map(Some),
    }
}

/// A past date written `YYYY-MM-DD`.
pub fn birthdate(field: &str, value: &str) -> Result<String, ApiError> {
    let date = chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, "must be a date written YYYY-MM-DD"))?;
    let today = chrono::Utc::now().date_naive();
    if date > today || date < chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(date) {
        return Err(ApiError::invalid(
            field,
            "must be a date between 1900-01-01 and today",
        ));
    }
    Ok(date.format("%Y-%m-%d").to_string())
}

/// A positive row id.
pub fn id(field: &str, value: i64) -> Result<i64, ApiError> {
    if value < 1 {
        return Err(ApiError::invalid(field, "must be a positive id"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits_are_in_characters_and_named() {
        assert!(text("title", &"é".repeat(10), 10, false).is_ok());
        let e = text("title", &"é".repeat(11), 10, false)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert_eq!(
            e,
            "Validation failed for `title`: must be at most 10 characters (got 11)"
        );
        assert!(text("title", "a\u{0}b", 10, false).is_err());
        assert!(text("content", "a\nb", 10, true).is_ok());
    }

    #[test]
    fn usernames_and_emails() {
        assert!(username("xxx_DarkmasterPGM72_xxx").is_ok());
        assert!(username("a@b").is_err());
        assert!(username("ab").is_err());
        assert!(username("\u{430}dmin").is_err(), "a Cyrillic look-alike");
        assert!(username("élodie").is_err());
        assert!(email("email", "foo.bar@foobar.fr").is_ok());
        assert!(email("email", "foo@bar").is_err());
        assert!(email("email", "foo bar@x.fr").is_err());
    }

    #[test]
    fn birthdates() {
        assert_eq!(
            birthdate("birthdate", "1995-08-13").ok().as_deref(),
            Some("1995-08-13")
        );
        assert!(birthdate("birthdate", "1995-13-01").is_err());
        assert!(birthdate("birthdate", "3000-01-01").is_err());
    }
}
