//! Who is at the other end: the client's address, as login throttling counts it.

use std::net::IpAddr;

use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};

/// The proxies whose `X-Forwarded-For` is believed (the `trusted_proxies` setting), managed by
/// the application.
pub struct TrustedProxies(pub Vec<IpAddr>);

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
        let Some(TrustedProxies(trusted)) = req.rocket().state::<TrustedProxies>() else {
            return Outcome::Success(ClientIp(socket));
        };
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
    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        let key = |ip: &str| super::ClientIp(ip.parse().ok()).key();
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::9"), key("2001:db8:1:2::1"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
    }
}
