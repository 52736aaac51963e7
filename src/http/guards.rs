//! Request guards. Refusing is their job: `AuthUser` (901 without a token, 902 with a bad
//! one) → `Moderator` → `Admin` (403), the account loaded once per request.

use std::net::IpAddr;

use rocket::outcome::{Outcome, try_outcome};
use rocket::request::{self, FromRequest, Request};

use crate::accounts::Level;
use crate::app::App;
use crate::http::error::{ApiError, stash};
use crate::http::paths::{Face, face_of};

/// The caller, as proven by a valid access token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub username: String,
    pub level: Level,
    /// The refresh family the token was issued with (the "session").
    pub session: String,
}

impl AuthUser {
    pub fn is_moderator(&self) -> bool {
        self.level >= Level::Moderator
    }

    pub fn is_admin(&self) -> bool {
        self.level == Level::Admin
    }

    /// May act on data owned by `owner`: the owner, or a moderator or admin.
    pub fn may_moderate(&self, owner: i64) -> bool {
        self.id == owner || self.is_moderator()
    }

    /// May manage account `owner`: the owner, or an admin.
    pub fn may_manage_account(&self, owner: i64) -> bool {
        self.id == owner || self.is_admin()
    }
}

fn refuse<T>(req: &Request<'_>, error: ApiError) -> request::Outcome<T, ()> {
    let status = error.http_status();
    stash(req, error);
    Outcome::Error((status, ()))
}

/// The raw access token of a request, if any: `Authorization: Bearer`, and on the seed routes
/// also the `token` query parameter (the seeds send it there).
#[derive(Debug, Clone)]
pub struct BearerToken(pub Option<String>);

impl BearerToken {
    pub fn of(req: &Request<'_>) -> Option<String> {
        if let Some(header) = req.headers().get_one("Authorization") {
            let token = bearer_value(header);
            return (!token.is_empty()).then(|| token.to_owned());
        }
        if face_of(req.uri().path().as_str()) != Face::Rest {
            return req
                .query_value::<String>("token")
                .and_then(Result::ok)
                .filter(|t| !t.is_empty());
        }
        None
    }
}

/// The credentials of an `Authorization` header: after the `Bearer` scheme (any case), or the
/// whole value when it names no scheme. `Bearer` with nothing after it is no token at all.
fn bearer_value(header: &str) -> &str {
    let header = header.trim();
    match header.split_once(char::is_whitespace) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ if header.eq_ignore_ascii_case("bearer") => "",
        _ => header,
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for BearerToken {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        Outcome::Success(BearerToken(BearerToken::of(req)))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AuthUser {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let result = req
            .local_cache_async(async {
                let Some(app) = req.rocket().state::<App>() else {
                    return Err(ApiError::internal("application state missing"));
                };
                match BearerToken::of(req) {
                    None => Err(ApiError::no_token()),
                    Some(token) => app.authenticate(&token).await,
                }
            })
            .await;
        match result {
            Ok(user) => Outcome::Success(user.clone()),
            Err(e) => refuse(req, e.clone()),
        }
    }
}

/// A caller of level 2 or more.
pub struct Moderator(pub AuthUser);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Moderator {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let user = try_outcome!(req.guard::<AuthUser>().await);
        if user.is_moderator() {
            Outcome::Success(Moderator(user))
        } else {
            refuse(
                req,
                ApiError::forbidden("This needs a moderator or an admin."),
            )
        }
    }
}

/// A caller of level 3.
pub struct Admin(pub AuthUser);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Admin {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let user = try_outcome!(req.guard::<AuthUser>().await);
        if user.is_admin() {
            Outcome::Success(Admin(user))
        } else {
            refuse(req, ApiError::forbidden("This needs an admin."))
        }
    }
}

/// The client's address: the socket's, or — only when the socket is a configured trusted
/// proxy — the nearest untrusted address of `X-Forwarded-For`.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The client as login throttling counts it: an IPv4 address, or the /64 of an IPv6 one
    /// (one machine commonly holds a whole /64, and could otherwise spread its attempts over it).
    pub fn key(&self) -> String {
        match self.0.map(|ip| ip.to_canonical()) {
            None => "unknown".to_owned(),
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!(
                    "{}/64",
                    std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0)
                )
            }
            Some(ip) => ip.to_string(),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientIp {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let socket = req.remote().map(|a| a.ip().to_canonical());
        let Some(app) = req.rocket().state::<App>() else {
            return Outcome::Success(ClientIp(socket));
        };
        let trusted = &app.config.trusted_proxies;
        let mut ip = socket;
        if let Some(peer) = socket
            && trusted.contains(&peer)
        {
            let forwarded: Vec<IpAddr> = req
                .headers()
                .get("X-Forwarded-For")
                .flat_map(|h| h.split(','))
                .filter_map(|s| s.trim().parse::<IpAddr>().ok())
                .map(|a| a.to_canonical())
                .collect();
            // Walk from the nearest hop back; the first address we don't trust is the client.
            ip = forwarded
                .iter()
                .rev()
                .find(|a| !trusted.contains(a))
                .copied()
                .or(socket);
        }
        Outcome::Success(ClientIp(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::bearer_value;

    #[test]
    fn the_bearer_scheme_is_stripped_in_any_case() {
        assert_eq!(bearer_value("Bearer abc.def.ghi"), "abc.def.ghi");
        assert_eq!(bearer_value("bearer  abc "), "abc");
        assert_eq!(bearer_value("BEARER abc"), "abc");
        assert_eq!(bearer_value("abc.def.ghi"), "abc.def.ghi");
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        let key = |ip: &str| super::ClientIp(ip.parse().ok()).key();
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::9"), key("2001:db8:1:2::1"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn an_empty_bearer_is_no_token() {
        assert_eq!(bearer_value("Bearer "), "");
        assert_eq!(bearer_value("Bearer"), "");
        assert_eq!(bearer_value("  "), "");
    }
}
