//! Property-based fuzzing of the request-parsing and token-decoding paths: whatever bytes
//! arrive, they are answered with a value or an error, never a panic. Runs on stable Rust
//! with proptest; the case count is bounded (`PROPTEST_CASES` raises it).
#![allow(clippy::unwrap_used)]

use preau::accounts::auth::Tokens;
use preau::accounts::passwords::weakness;
use preau::http::body::{Params, parse_json};
use preau::http::paths::public_path;
use preau::validate;
use proptest::prelude::*;
use serde_json::{Map, Value};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// JSON-ish bytes: mostly near-valid documents, sometimes garbage.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<Vec<u8>>(),
        "[{}\\[\\]\":,a-z0-9 .e\\\\-]{0,64}".prop_map(String::into_bytes),
        proptest::collection::vec(("[a-z_]{1,12}", any::<i64>(), "\\PC{0,20}"), 0..6).prop_map(
            |fields| {
                let body: Map<String, Value> = fields
                    .into_iter()
                    .enumerate()
                    .map(|(i, (k, n, s))| {
                        (
                            k,
                            if i % 2 == 0 {
                                Value::from(n)
                            } else {
                                Value::from(s)
                            },
                        )
                    })
                    .collect();
                serde_json::to_vec(&body).unwrap()
            }
        ),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn json_bodies_never_panic(bytes in jsonish()) {
        let parsed: Result<Map<String, Value>, _> = parse_json(&bytes);
        if let Err(e) = parsed {
            prop_assert_eq!(e.status, 400);
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn query_strings_and_their_data_never_panic(query in "\\PC{0,80}", data in "\\PC{0,80}") {
        let q = format!("{query}&data={}", form_urlencoded::byte_serialize(data.as_bytes()).collect::<String>());
        let params = Params::from_query(Some(&q));
        let _ = params.str("username");
        let _ = params.i64("id");
        let _ = params.str_any(&["email", "login"]);
    }

    #[test]
    fn random_tokens_are_never_accepted(token in "\\PC{0,300}", dotted in "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,80}\\.[A-Za-z0-9_-]{0,43}") {
        let tokens = Tokens::new(b"fuzz-secret-fuzz-secret-fuzz-secret-42", "preau", 3600);
        prop_assert!(tokens.check(&token).is_err());
        prop_assert!(tokens.check(&dotted).is_err());
    }

    #[test]
    fn login_paths_never_keep_the_credentials(user in "[^/]{1,20}", password in "[^/]{1,30}") {
        let shown = public_path(&format!("/login/{user}/{password}"));
        prop_assert_eq!(shown, "/login");
    }

    #[test]
    fn field_rules_never_panic(text in "\\PC{0,300}", max in 1usize..200) {
        let _ = validate::text("title", &text, max, true);
        let _ = validate::username(&text);
        let _ = validate::email("email", &text);
        let _ = validate::birthdate("birthdate", &text);
        let _ = weakness(&text, "someone");
    }
}
