//! Keyset pagination: `limit` (1..=100, default 20) and an opaque `cursor` naming the last
//! row seen. Lists are newest first, so a page is `WHERE id < cursor ORDER BY id DESC`: one
//! index range scan, the same cost on page 1 and page 50,000, stable under inserts.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::http::body::query_int;
use crate::http::error::{ApiError, stash};

pub const MIN_LIMIT: i64 = 1;
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: i64,
    /// Rows with an id below this one (`i64::MAX` for the first page).
    pub before: i64,
}

impl PageRequest {
    pub fn new(limit: Option<i64>, cursor: Option<&str>) -> Result<PageRequest, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(MIN_LIMIT..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let before = match cursor.filter(|c| !c.is_empty()) {
            None => i64::MAX,
            Some(c) => decode_cursor(c).ok_or_else(|| {
                ApiError::invalid("cursor", "is not a cursor returned by this list")
            })?,
        };
        Ok(PageRequest { limit, before })
    }

    /// For the lists read oldest first: rows with an id above this one (0 for the first page).
    pub fn after(&self) -> i64 {
        if self.before == i64::MAX {
            0
        } else {
            self.before
        }
    }

    /// The SQL `LIMIT`: one row more than asked, to know whether a next page exists.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// The cursor of the page after this one, whose last row is `last_id`, when the read found
    /// `more` rows than the page holds (it fetched [`PageRequest::fetch`]).
    pub fn next_cursor(&self, more: bool, last_id: Option<i64>) -> Option<String> {
        if more {
            last_id.map(encode_cursor)
        } else {
            None
        }
    }

    /// Cuts the extra row and builds the page.
    pub fn page<T>(&self, mut items: Vec<T>, id_of: impl Fn(&T) -> i64) -> Page<T> {
        let more = items.len() as i64 > self.limit;
        items.truncate(self.limit as usize);
        let next_cursor = if more {
            items.last().map(|last| encode_cursor(id_of(last)))
        } else {
            None
        };
        Page { items, next_cursor }
    }
}

/// Every list takes its page from the query as this guard: a bad `limit` or `cursor` answers
/// 400 naming it.
#[rocket::async_trait]
impl<'r> FromRequest<'r> for PageRequest {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let limit = match req.query_value::<i64>("limit") {
            None => Ok(None),
            Some(value) => query_int("limit", value),
        };
        let cursor = req.query_value::<&str>("cursor").and_then(Result::ok);
        match limit.and_then(|limit| PageRequest::new(limit, cursor)) {
            Ok(page) => Outcome::Success(page),
            Err(e) => {
                let status = e.http_status();
                stash(req, e);
                Outcome::Error((status, ()))
            }
        }
    }
}

/// The query parameters of [`PageRequest`], as the OpenAPI document lists them on every list
/// (`params(Paging, …)`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Paging {
    /// 1 to 100, default 20.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("id:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert!(PageRequest::new(None, Some("nope")).is_err());
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(101), None).is_err());
    }

    #[test]
    fn page_reports_a_next_cursor_only_when_more_rows_exist() {
        let req = PageRequest::new(Some(2), None)
            .map_err(|e| e.message)
            .unwrap_or(PageRequest {
                limit: 2,
                before: 0,
            });
        let page = req.page(vec![5, 4, 3], |x| *x);
        assert_eq!(page.items, vec![5, 4]);
        assert_eq!(page.next_cursor.as_deref().and_then(decode_cursor), Some(4));
        assert!(req.page(vec![5, 4], |x| *x).next_cursor.is_none());
    }
}
