//! Issue 16's routes are in the OpenAPI document, their required body fields required.

use serde_json::{Value, json};

use crate::common::{RequestExt, TestApp};

const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/password-reset"),
    ("post", "/api/v1/auth/password-reset/confirm"),
    ("post", "/api/v1/accounts"),
    ("post", "/api/v1/accounts/{id}/setup-link"),
    ("get", "/api/v1/accounts/{id}/sessions"),
    ("delete", "/api/v1/accounts/{id}/sessions/{session}"),
    ("get", "/api/v1/me/sessions"),
    ("delete", "/api/v1/me/sessions/{id}"),
    ("get", "/api/v1/me/export"),
    ("get", "/api/v1/admin/mail"),
    ("post", "/api/v1/admin/mail/{id}/retry"),
    ("get", "/api/v1/auth/email-change/confirm"),
    ("post", "/api/v1/auth/email-change/confirm"),
];

fn schema<'a>(doc: &'a Value, op: &Value) -> &'a Value {
    let reference = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("no body schema: {op}"));
    &doc["components"]["schemas"][reference.rsplit('/').next().unwrap()]
}

#[test]
fn openapi_documents_the_routes_of_reset_outbox_sessions_and_export() {
    let app = TestApp::new();
    let doc = app.get("/api/v1/openapi.json").fetch().body;
    for (method, path) in ROUTES {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is not documented"
        );
        // Mounted too: the route exists in Rocket.
        let mounted = app.client.rocket().routes().any(|r| {
            r.method.as_str().eq_ignore_ascii_case(method)
                && r.uri.path().replace('<', "{").replace('>', "}") == *path
        });
        assert!(mounted, "{method} {path} is not mounted");
    }
}

#[test]
fn openapi_requires_the_required_body_fields() {
    let app = TestApp::new();
    let doc = app.get("/api/v1/openapi.json").fetch().body;
    let required =
        |method: &str, path: &str| schema(&doc, &doc["paths"][path][method])["required"].clone();
    assert_eq!(
        required("post", "/api/v1/auth/password-reset"),
        json!(["login"])
    );
    assert_eq!(
        required("post", "/api/v1/auth/password-reset/confirm"),
        json!(["token", "password"])
    );
    assert_eq!(required("post", "/api/v1/accounts"), json!(["username"]));
    assert_eq!(
        required("post", "/api/v1/auth/email-change/confirm"),
        json!(["token"])
    );
}
