//! What a request path may show of itself. Some seed routes carry a password or a token in
//! the path; those segments never reach a log line or a response body.

/// Which face of the API a path belongs to: the seed 003 user API answers errors with
/// `"success": false` added to the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Rest,
    Seed,
    UserApi,
}

const USER_API: &[&str] = &[
    "/register",
    "/login",
    "/update",
    "/get_level",
    "/change_user_elev",
    "/getuser",
    "/regen_token",
    "/delete",
];

/// Seed routes whose path holds a secret from this prefix on.
const SECRET_TAILS: &[&str] = &[
    "/login/",
    "/course/moderation/validate/",
    "/forum/post/like/",
    "/forum/post/likes/",
];

pub fn face_of(path: &str) -> Face {
    let segments = routed_segments(path);
    if segments.first().is_some_and(|s| s == "api") {
        Face::Rest
    } else if segments.len() == 1 && USER_API.iter().any(|route| route[1..] == segments[0]) {
        Face::UserApi
    } else {
        Face::Seed
    }
}

/// The segments of a raw path as a router or a proxy might read them: percent-decoded, empty
/// and `.` segments skipped, `..` taking the previous one away, and the `;parameters` of a
/// segment cut off (`/login;x/u/p`). `//login/a/b`, `/%6Cogin/a/b` and `/./login/a/b` all name
/// the login route to someone, so every decision about a path is made on these, never on the
/// raw text.
fn routed_segments(path: &str) -> Vec<String> {
    segments_of(path, true)
}

/// The segments of [`routed_segments`], with `..` kept as a segment when `resolve` is false:
/// a secret tail is looked for both ways, since `/login/../S3cret` must not come out as
/// `/S3cret`.
fn segments_of(path: &str, resolve: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in path.split('/') {
        let decoded = rocket::http::RawStr::new(raw)
            .percent_decode_lossy()
            .into_owned();
        let segment = decoded.split(';').next().unwrap_or_default();
        match segment {
            "" | "." => {}
            ".." if resolve => {
                out.pop();
            }
            s => out.push(s.to_owned()),
        }
    }
    out
}

/// Whether a path segment looks like a credential: a JWT (`eyJ….….…`), or a long run of
/// token characters such as an opaque refresh token. No route of Préau has such an id, so a
/// path that holds one is reported without it, whatever route it was meant for.
fn looks_like_a_token(segment: &str) -> bool {
    let token_chars = segment
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=' | '+'));
    token_chars
        && (segment.len() >= 32
            || (segment.starts_with("eyJ") && segment.matches('.').count() == 2))
}

/// The path with any secret-bearing tail removed: `/login/alice/S3cret!` → `/login`. The
/// prefix is compared without regard to case, so a mistyped `/LOGIN/alice/S3cret!` that no
/// route answers is hidden too; a segment that looks like a token anywhere else is replaced by
/// `***`.
pub fn public_path(path: &str) -> String {
    let segments = routed_segments(path);
    let unresolved = segments_of(path, false);
    for prefix in SECRET_TAILS {
        let wanted: Vec<&str> = prefix.split('/').filter(|s| !s.is_empty()).collect();
        let holds_secret = |segments: &[String]| {
            segments.len() > wanted.len()
                && wanted
                    .iter()
                    .zip(segments)
                    .all(|(w, s)| s.eq_ignore_ascii_case(w))
        };
        if holds_secret(&segments) || holds_secret(&unresolved) {
            return prefix.trim_end_matches('/').to_owned();
        }
    }
    if segments.iter().any(|s| looks_like_a_token(s)) {
        let shown: Vec<&str> = segments
            .iter()
            .map(|s| {
                if looks_like_a_token(s) {
                    "***"
                } else {
                    s.as_str()
                }
            })
            .collect();
        return format!("/{}", shown.join("/"));
    }
    // Nothing secret: the path as sent, unless its raw text says more than its segments do
    // (`;parameters`, dot segments, encodings), which is then shown as the segments.
    if path.contains(';') || path.contains("/.") || path.contains('%') {
        return format!("/{}", segments.join("/"));
    }
    path.to_owned()
}

/// Query parameters whose values are secrets (seed 003 sends `pass` and `data` with a password).
pub fn is_secret_param(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "pass"
            | "password"
            | "passwd"
            | "pwd"
            | "token"
            | "access_token"
            | "refresh"
            | "refresh_token"
            | "data"
            | "oldpassword"
            | "newpassword"
            | "old_password"
            | "new_password"
            | "secret"
            | "code"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_path_hides_the_credentials() {
        assert_eq!(public_path("/login/alice/S3cret!"), "/login");
        assert_eq!(public_path("/forum/post/likes/tok/5"), "/forum/post/likes");
        assert_eq!(public_path("/auth/login"), "/auth/login");
    }

    #[test]
    fn login_path_hides_the_credentials_however_the_path_is_spelled() {
        for raw in [
            "//login/alice/S3cret!",
            "/login//alice/S3cret!",
            "/%6Cogin/alice/S3cret!",
            "/%6c%6F%67%69%6E/alice/S3cret!",
            "/LOGIN/alice/S3cret!",
            "/login/alice/S3cret!/",
            "/login/alice/S3cret!/more",
            "/login/alice",
            "/login;x/alice/S3cret!",
            "/./login/alice/S3cret!",
            "/x/../login/alice/S3cret!",
            "/login/./alice/S3cret!",
            "/LoGiN;jsessionid=1/alice/S3cret!",
            "/login/../S3cret!",
            "/login/alice/../../S3cret!",
        ] {
            assert_eq!(public_path(raw), "/login", "{raw}");
        }
        assert_eq!(
            public_path("/course/moderation/validate/tok/3"),
            "/course/moderation/validate"
        );
        assert_eq!(public_path("//forum/post/like/tok/5"), "/forum/post/like");
    }

    #[test]
    fn token_shaped_segments_are_hidden_on_any_path() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        assert_eq!(public_path(&format!("/getuser/{jwt}")), "/getuser/***");
        assert_eq!(
            public_path("/auth/refresh/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-"),
            "/auth/refresh/***"
        );
        assert_eq!(
            public_path("/api/v1/forum/posts/12"),
            "/api/v1/forum/posts/12"
        );
    }

    #[test]
    fn paths_without_secrets_are_kept_as_they_are() {
        assert_eq!(public_path("/login"), "/login");
        assert_eq!(public_path("/login/"), "/login/");
        assert_eq!(public_path("/loginx/a/b"), "/loginx/a/b");
        assert_eq!(public_path("/api/v1/accounts/5"), "/api/v1/accounts/5");
    }

    #[test]
    fn secret_query_parameters_are_recognised() {
        for name in [
            "pass",
            "password",
            "Password",
            "pwd",
            "token",
            "access_token",
            "refresh",
            "refresh_token",
            "data",
            "oldPassword",
            "new_password",
            "code",
        ] {
            assert!(is_secret_param(name), "{name}");
        }
        for name in ["id", "email", "limit", "cursor", "level"] {
            assert!(!is_secret_param(name), "{name}");
        }
    }

    #[test]
    fn user_api_paths_are_recognised() {
        assert_eq!(face_of("/login"), Face::UserApi);
        assert_eq!(face_of("/login/a/b"), Face::Seed);
        assert_eq!(face_of("/api/v1/me"), Face::Rest);
        assert_eq!(face_of("//api/v1/me"), Face::Rest);
        assert_eq!(face_of("/%61pi/v1/me"), Face::Rest);
        assert_eq!(face_of("/getuser/"), Face::UserApi);
        assert_eq!(face_of("//getuser"), Face::UserApi);
        assert_eq!(face_of("/auth/login"), Face::Seed);
    }
}
