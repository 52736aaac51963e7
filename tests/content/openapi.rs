//! `/api/v1/openapi.json` describes every REST route of learning content and community,
//! generated from the same descriptions that mount them.

use serde_json::{Value, json};

use crate::common::{RequestExt, TestApp};

/// Path prefixes (under `/api/v1`) of the routes these tests cover.
const OURS: &[&str] = &[
    "/api/v1/locales",
    "/api/v1/languages",
    "/api/v1/courses",
    "/api/v1/scripts",
    "/api/v1/corrections",
    "/api/v1/exercises",
    "/api/v1/grades",
    "/api/v1/attempts",
    "/api/v1/groups",
    "/api/v1/avatars",
    "/api/v1/blog/",
    "/api/v1/forum/",
];

fn document(app: &TestApp) -> Value {
    let res = app.get("/api/v1/openapi.json").fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.body["openapi"].as_str().unwrap().starts_with("3."));
    res.body
}

/// Rocket's `<name>` segments written OpenAPI's way.
fn openapi_path(path: &str) -> String {
    path.replace('<', "{").replace('>', "}")
}

#[test]
fn openapi_documents_every_rest_route_of_learning_and_community() {
    let app = TestApp::new();
    let doc = document(&app);
    let mut checked = 0;
    let mut missing = Vec::new();
    for route in app.client.rocket().routes() {
        let path = openapi_path(route.uri.path());
        if !OURS.iter().any(|p| path.starts_with(p)) {
            continue;
        }
        let method = route.method.as_str().to_ascii_lowercase();
        checked += 1;
        if doc["paths"][&path][&method].is_null() {
            missing.push(format!("{method} {path}"));
        }
    }
    assert!(checked > 60, "only {checked} routes found");
    assert!(missing.is_empty(), "undocumented routes: {missing:#?}");
}

#[test]
fn openapi_documents_the_main_content_routes_by_name() {
    let app = TestApp::new();
    let doc = document(&app);
    for (path, methods) in [
        ("/api/v1/courses", &["get", "post"][..]),
        ("/api/v1/courses/{id}", &["get", "patch", "delete"][..]),
        ("/api/v1/courses/{parent}/comments", &["get", "post"][..]),
        (
            "/api/v1/courses/{parent}/comments/{id}",
            &["get", "patch", "delete"][..],
        ),
        ("/api/v1/courses/{id}/validation", &["put"][..]),
        ("/api/v1/exercises/{id}/validation", &["put"][..]),
        ("/api/v1/forum/posts", &["get", "post"][..]),
        ("/api/v1/forum/posts/{id}", &["get", "patch", "delete"][..]),
        ("/api/v1/forum/posts/{id}/like", &["post", "delete"][..]),
        ("/api/v1/blog/posts/{parent}/comments/{id}", &["get"][..]),
        ("/api/v1/attempts/{parent}/code", &["get", "post"][..]),
        ("/api/v1/avatars/upload", &["post"][..]),
        ("/api/v1/avatars/{id}/image", &["get"][..]),
    ] {
        for method in methods {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is documented"
            );
        }
    }
}

#[test]
fn openapi_lists_take_limit_and_cursor_and_answer_a_page() {
    let app = TestApp::new();
    let doc = document(&app);
    let list = &doc["paths"]["/api/v1/forum/posts"]["get"];
    let params = list["parameters"].as_array().unwrap();
    let param = |name: &str| {
        params
            .iter()
            .find(|p| p["name"] == json!(name))
            .unwrap_or_else(|| panic!("parameter {name}: {list}"))
    };
    assert_eq!(param("limit")["in"], json!("query"));
    assert_eq!(param("cursor")["in"], json!("query"));
    assert_eq!(param("subject")["in"], json!("query"));
    let page = &list["responses"]["200"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(page, &json!("#/components/schemas/ForumPostPage"));
    let schema = &doc["components"]["schemas"]["ForumPostPage"];
    assert!(schema["properties"]["items"].is_object(), "{schema}");
    assert!(schema["properties"]["next_cursor"].is_object(), "{schema}");
}

#[test]
fn openapi_nested_routes_name_the_parent_and_the_id() {
    let app = TestApp::new();
    let doc = document(&app);
    let op = &doc["paths"]["/api/v1/courses/{parent}/comments/{id}"]["patch"];
    let names: Vec<&str> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["parent", "id"]);
    assert_eq!(
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        json!("#/components/schemas/CourseCommentUpdate")
    );
}

#[test]
fn openapi_course_schema_limits_title_to_200_characters() {
    let app = TestApp::new();
    let doc = document(&app);
    let schemas = &doc["components"]["schemas"];
    for name in ["Course", "CourseCreate", "CourseUpdate"] {
        assert_eq!(
            schemas[name]["properties"]["title"]["maxLength"],
            json!(200),
            "{name}: {}",
            schemas[name]
        );
    }
    let required = schemas["CourseCreate"]["required"].as_array().unwrap();
    assert!(required.contains(&json!("title")));
    assert!(required.contains(&json!("content")));
    assert!(!required.contains(&json!("locale_id")));
    assert!(schemas["ErrorBody"].is_object(), "the error envelope");
}
