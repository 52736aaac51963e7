//! CORS for the configured origins: the seeds' clients are separate front-ends. A fairing adds
//! the headers; the preflight `OPTIONS` answer is a route, because fairings cannot answer.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Header, Status};
use rocket::{Request, Response};

pub struct Cors {
    pub origins: Vec<String>,
}

/// What the configuration says of one origin.
enum Allowed {
    No,
    /// Named in `cors_origins`: it may send the refresh cookie (credentials).
    Named,
    /// Only through `*`: any page may read the answers, never with the visitor's cookie —
    /// else any site could get fresh tokens from a visitor's refresh cookie.
    Anyone,
}

impl Cors {
    fn allows(&self, origin: &str) -> Allowed {
        if self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin)) {
            Allowed::Named
        } else if self.origins.iter().any(|o| o == "*") {
            Allowed::Anyone
        } else {
            Allowed::No
        }
    }
}

#[rocket::async_trait]
impl Fairing for Cors {
    fn info(&self) -> Info {
        Info {
            name: "CORS",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let Some(origin) = req.headers().get_one("Origin") else {
            return;
        };
        match self.allows(origin) {
            Allowed::No => return,
            Allowed::Anyone => {
                res.set_header(Header::new("Access-Control-Allow-Origin", "*"));
            }
            Allowed::Named => {
                res.set_header(Header::new(
                    "Access-Control-Allow-Origin",
                    origin.to_owned(),
                ));
                res.set_header(Header::new("Access-Control-Allow-Credentials", "true"));
                res.set_header(Header::new("Vary", "Origin"));
            }
        }
        res.set_header(Header::new(
            "Access-Control-Expose-Headers",
            "Retry-After, X-Request-Id",
        ));
        if req.method() == rocket::http::Method::Options {
            res.set_header(Header::new(
                "Access-Control-Allow-Methods",
                "GET, POST, PUT, PATCH, DELETE, OPTIONS",
            ));
            res.set_header(Header::new(
                "Access-Control-Allow-Headers",
                "Authorization, Content-Type",
            ));
            res.set_header(Header::new("Access-Control-Max-Age", "600"));
        }
    }
}

/// Preflight requests: the CORS fairing decides which origins get the allow headers.
#[rocket::options("/<_..>")]
pub fn preflight() -> Status {
    Status::NoContent
}
