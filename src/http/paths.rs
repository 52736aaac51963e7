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

/// The segments of a raw path as Rocket's router sees them: percent-decoded, empty ones
/// skipped. `//login/a/b` and `/%6Cogin/a/b` reach the same route as `/login/a/b`, so every
/// decision about a path is made on these, never on the raw text.
fn routed_segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            rocket::http::RawStr::new(s)
                .percent_decode_lossy()
                .into_owned()
        })
        .collect()
}

/// The path with any secret-bearing tail removed: `/login/alice/S3cret!` → `/login`. The
/// prefix is compared without regard to case, so a mistyped `/LOGIN/alice/S3cret!` that no
/// route answers is hidden too.
pub fn public_path(path: &str) -> String {
    let segments = routed_segments(path);
    for prefix in SECRET_TAILS {
        let wanted: Vec<&str> = prefix.split('/').filter(|s| !s.is_empty()).collect();
        if segments.len() > wanted.len()
            && wanted
                .iter()
                .zip(&segments)
                .all(|(w, s)| s.eq_ignore_ascii_case(w))
        {
            return prefix.trim_end_matches('/').to_owned();
        }
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
