//! Access tokens (SPEC 4.1): HS256 pinned, `exp`/`nbf`/`iat`, `aud`, a type and the account's
//! version. Anything else is 401/902; no token at all is 401/901.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use preau::accounts::auth::Claims;
use serde_json::{Value, json};

use crate::common::{JWT_SECRET, RequestExt, TestApp, User};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Valid claims for `user`, as the server would issue them (in the user's open session).
fn claims_for(app: &TestApp, user: &User) -> Claims {
    let ver = app.scalar(
        "SELECT token_version FROM accounts WHERE id = ?1",
        [user.id],
    );
    let sid: String = app
        .db()
        .query_row(
            "SELECT family FROM refresh_tokens WHERE account_id = ?1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1",
            [user.id],
            |r| r.get(0),
        )
        .unwrap();
    Claims {
        sub: user.id.to_string(),
        aud: "preau".into(),
        iat: now(),
        nbf: now(),
        exp: now() + 600,
        typ: "access".into(),
        ver,
        sid,
    }
}

fn sign(claims: &impl serde::Serialize, alg: Algorithm, secret: &str) -> String {
    encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn status_with(app: &TestApp, token: &str) -> (u16, Value) {
    let res = app.get("/api/v1/me").bearer(token).fetch();
    (res.status, res.body)
}

#[track_caller]
fn assert_refused(app: &TestApp, token: &str) {
    let res = app.get("/api/v1/me").bearer(token).fetch();
    res.assert_error(401, 401, 902);
    assert_eq!(res.body["error"], json!("Invalid User Token"));
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
}

#[test]
fn a_token_signed_with_the_servers_secret_is_accepted() {
    // The control for every test below: only the one thing each changes makes it fail.
    let app = TestApp::new();
    let user = app.register("alice");
    let (status, body) = status_with(
        &app,
        &sign(&claims_for(&app, &user), Algorithm::HS256, JWT_SECRET),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], json!(user.id));
}

#[test]
fn a_token_of_a_session_that_does_not_exist_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    let mut claims = claims_for(&app, &user);
    claims.sid = "forged".into();
    assert_refused(&app, &sign(&claims, Algorithm::HS256, JWT_SECRET));
}

#[test]
fn a_token_signed_with_another_secret_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    assert_refused(
        &app,
        &sign(
            &claims_for(&app, &user),
            Algorithm::HS256,
            "another-secret-another-secret-another",
        ),
    );
}

#[test]
fn a_token_whose_payload_was_edited_is_902() {
    let app = TestApp::new();
    let alice = app.register("alice");
    let admin = app.admin("root");
    let parts: Vec<&str> = alice.token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["sub"] = json!(admin.id.to_string());
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    assert_refused(&app, &forged);
}

#[test]
fn an_unsigned_alg_none_token_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_string(&claims_for(&app, &user)).unwrap());
    assert_refused(&app, &format!("{header}.{payload}."));
    assert_refused(&app, &format!("{header}.{payload}"));
}

#[test]
fn a_token_with_another_algorithm_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    assert_refused(
        &app,
        &sign(&claims_for(&app, &user), Algorithm::HS512, JWT_SECRET),
    );
    assert_refused(
        &app,
        &sign(&claims_for(&app, &user), Algorithm::HS384, JWT_SECRET),
    );
}

#[test]
fn an_expired_token_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    let claims = Claims {
        iat: now() - 7200,
        nbf: now() - 7200,
        exp: now() - 60,
        ..claims_for(&app, &user)
    };
    assert_refused(&app, &sign(&claims, Algorithm::HS256, JWT_SECRET));
}

#[test]
fn a_token_not_yet_valid_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    let claims = Claims {
        nbf: now() + 600,
        exp: now() + 1200,
        ..claims_for(&app, &user)
    };
    assert_refused(&app, &sign(&claims, Algorithm::HS256, JWT_SECRET));
}

#[test]
fn a_token_for_another_audience_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    let claims = Claims {
        aud: "another-app".into(),
        ..claims_for(&app, &user)
    };
    assert_refused(&app, &sign(&claims, Algorithm::HS256, JWT_SECRET));
}

#[test]
fn a_token_of_another_type_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    let claims = Claims {
        typ: "refresh".into(),
        ..claims_for(&app, &user)
    };
    assert_refused(&app, &sign(&claims, Algorithm::HS256, JWT_SECRET));
}

#[test]
fn a_token_without_the_required_claims_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    let full = serde_json::to_value(claims_for(&app, &user)).unwrap();
    for claim in ["exp", "nbf", "aud", "sub", "typ", "ver"] {
        let mut claims = full.clone();
        claims.as_object_mut().unwrap().remove(claim);
        assert_refused(&app, &sign(&claims, Algorithm::HS256, JWT_SECRET));
    }
    let mut claims = full;
    claims["sub"] = json!("not-a-number");
    assert_refused(&app, &sign(&claims, Algorithm::HS256, JWT_SECRET));
}

#[test]
fn a_token_of_an_older_account_version_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    app.db()
        .execute(
            "UPDATE accounts SET token_version = 5 WHERE id = ?1",
            [user.id],
        )
        .unwrap();
    assert_refused(&app, &user.token);
    let claims = Claims {
        ver: 5,
        ..claims_for(&app, &user)
    };
    assert_eq!(
        status_with(&app, &sign(&claims, Algorithm::HS256, JWT_SECRET)).0,
        200
    );
}

#[test]
fn a_token_of_a_deleted_account_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    app.db()
        .execute("DELETE FROM accounts WHERE id = ?1", [user.id])
        .unwrap();
    assert_refused(&app, &user.token);
}

#[test]
fn a_deleted_accounts_token_never_opens_an_account_that_reuses_its_id() {
    let app = TestApp::new();
    let alice = app.register("alice");
    assert_eq!(
        app.req(rocket::http::Method::Delete, "/api/v1/me")
            .bearer(&alice.token)
            .fetch()
            .status,
        204
    );
    // SQLite hands the freed id to the next account.
    let bob = app.register("bob");
    assert_eq!(bob.id, alice.id);
    assert_refused(&app, &alice.token);
    // Nor does bob inherit alice's failed logins.
    assert_eq!(app.count("login_attempts"), 0);
}

#[test]
fn a_deleted_accounts_failed_logins_are_forgotten() {
    let app = TestApp::new();
    let alice = app.register("alice");
    for _ in 0..3 {
        app.post("/login/alice/Wrong-Kettle-42").fetch();
    }
    app.req(rocket::http::Method::Delete, "/api/v1/me")
        .bearer(&alice.token)
        .fetch();
    let bob = app.register("bob");
    assert_eq!(bob.id, alice.id);
    assert_eq!(
        app.post("/login/bob/Blue-Kettle-42").fetch().status,
        200,
        "bob is not banned for alice's failures"
    );
}

#[test]
fn a_refresh_token_used_as_an_access_token_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    assert_refused(&app, &user.refresh);
}

#[test]
fn garbage_in_the_authorization_header_is_902() {
    let app = TestApp::new();
    app.register("alice");
    for token in ["garbage", "a.b.c", "Basic YWxpY2U6cGFzcw=="] {
        assert_refused(&app, token);
    }
    let res = app
        .get("/api/v1/me")
        .header(rocket::http::Header::new(
            "Authorization",
            "Basic YWxpY2U6cGFzcw==",
        ))
        .fetch();
    res.assert_error(401, 401, 902);
}

#[test]
fn the_bearer_scheme_is_read_in_any_case() {
    let app = TestApp::new();
    let user = app.register("alice");
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let res = app
            .get("/api/v1/me")
            .header(rocket::http::Header::new(
                "Authorization",
                format!("{scheme} {}", user.token),
            ))
            .fetch();
        assert_eq!(res.status, 200, "{scheme}: {}", res.text);
    }
}

#[test]
fn no_token_at_all_is_901() {
    let app = TestApp::new();
    let res = app.get("/api/v1/me").fetch();
    res.assert_error(401, 401, 901);
    assert_eq!(res.body["error"], json!("No Token Detected"));
    app.get("/api/v1/me")
        .header(rocket::http::Header::new("Authorization", "Bearer "))
        .fetch()
        .assert_error(401, 401, 901);
}

#[test]
fn issued_tokens_carry_the_documented_claims() {
    let app = TestApp::new();
    let user = app.register("alice");
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(user.token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], json!("HS256"));
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(user.token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["sub"], json!(user.id.to_string()));
    assert_eq!(claims["aud"], json!("preau"));
    assert_eq!(claims["typ"], json!("access"));
    let (iat, nbf, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["nbf"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert!(nbf <= iat + 1 && (exp - iat) == 3600, "{claims}");
    assert!(claims["ver"].is_i64());
}

#[test]
fn a_token_whose_times_are_strings_is_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    for claim in ["exp", "nbf", "iat"] {
        let mut claims = serde_json::to_value(claims_for(&app, &user)).unwrap();
        let value = claims[claim].as_i64().unwrap();
        claims[claim] = json!(value.to_string());
        assert_refused(&app, &sign(&claims, Algorithm::HS256, JWT_SECRET));
    }
}
