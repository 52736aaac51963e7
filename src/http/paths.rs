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
    if path.starts_with("/api/") {
        Face::Rest
    } else if USER_API.contains(&path.trim_end_matches('/')) {
        Face::UserApi
    } else {
        Face::Seed
    }
}

/// The path with any secret-bearing tail removed: `/login/alice/S3cret!` → `/login`.
pub fn public_path(path: &str) -> String {
    for prefix in SECRET_TAILS {
        if path.starts_with(prefix) {
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
            | "token"
            | "refresh"
            | "refresh_token"
            | "data"
            | "oldpassword"
            | "newpassword"
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
    fn user_api_paths_are_recognised() {
        assert_eq!(face_of("/login"), Face::UserApi);
        assert_eq!(face_of("/login/a/b"), Face::Seed);
        assert_eq!(face_of("/api/v1/me"), Face::Rest);
    }
}
