//! The member-facing app (`/`, `static/app`) in a real headless Chromium, against the real
//! `preau` binary on a temporary database: the harness of `tests/browser.rs` (the server, an
//! admin made with `preau admin create`, a member registered through `/auth/register`, the
//! browser driven through chromedriver).
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the tests print a notice and
//! pass, except under `CI=true`, where a missing browser is a failure.
//!
//! axe-core (`tests/app/axe/`, a test tool that never ships) checks every page for serious and
//! critical accessibility violations. Phone-width screenshots go to `target/screenshots/app-*.png`,
//! and to `docs/screenshots/` with `PREAU_UPDATE_SCREENSHOTS=1`.

#[path = "common/browser.rs"]
mod harness;

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;
use fantoccini::key::Key;
use harness::{
    ADMIN_PASSWORD, DESKTOP, DevTools, MARKUP_NAME, MEMBER, MEMBER_PASSWORD, OTHER_PASSWORD, PHONE,
    Server, Ui, screenshot_dir,
};
use serde_json::{Value, json};

/// Runs `body` with a fresh server and browser (the shared harness).
async fn browser_test<F, Fut>(body: F)
where
    F: FnOnce(std::sync::Arc<Ui>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    harness::browser_test_with("the member app", &[], body).await;
}

/// What the member app's tests ask of a page, besides the shared harness's.
impl Ui {
    /// Saves the page at phone width as `target/screenshots/app-<name>.png` (and in
    /// `docs/screenshots/` with `PREAU_UPDATE_SCREENSHOTS=1`), and checks that nothing is wider
    /// than the phone's screen.
    async fn screenshot(&self, name: &str) {
        self.viewport(PHONE).await;
        self.settled().await;
        let overflow = self
            .run("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
            .await;
        assert!(
            overflow.as_f64().unwrap_or(0.0) <= 0.0,
            "the {name} page is wider than a phone by {overflow} px"
        );
        let png = self.browser.screenshot().await.expect("a screenshot");
        std::fs::write(screenshot_dir().join(format!("app-{name}.png")), &png)
            .expect("the screenshot is saved");
        if std::env::var("PREAU_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("docs")
                .join("screenshots");
            std::fs::create_dir_all(&docs).expect("docs/screenshots");
            std::fs::write(docs.join(format!("app-{name}.png")), &png)
                .expect("the screenshot is copied");
        }
        self.viewport(DESKTOP).await;
    }

    /// axe-core (tests/app/axe, never shipped) on the page as it is: no serious or critical
    /// violation.
    async fn axe(&self, page: &str) {
        self.settled().await;
        let source = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/app/axe/axe.min.js"),
        )
        .expect("tests/app/axe/axe.min.js");
        self.run(&format!("{source}\n;return true;")).await;
        let found = self
            .run(
                "return axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`));",
            )
            .await;
        let found = found.as_array().cloned().unwrap_or_default();
        assert!(found.is_empty(), "axe on the {page} page:\n{found:#?}");
    }

    /// Nothing the page was given as text ran, and the page broke no rule of its CSP.
    async fn nothing_ran(&self, page: &str) {
        let flag = self.run("return window.__xss ?? null;").await;
        assert_eq!(flag, Value::Null, "markup ran on the {page} page");
        let live = self
            .run("return document.querySelectorAll('img[src=\"x\"], img[onerror], script:not([type=module]), iframe').length;")
            .await;
        assert_eq!(live, json!(0), "live markup on the {page} page");
        let csp = self.run("return window.__csp || [];").await;
        assert_eq!(csp, json!([]), "CSP violations on the {page} page");
    }
}

// ------------------------------------------------------------------ tests

const PUPIL: &str = "noemie";
const PUPIL_PASSWORD: &str = "Violet-Lantern-93";
/// What the pupil types in the editor (one line: the editor indents new lines itself).
const CODE: &str = "print(sum(int(x) for x in input().split()))";

/// Code that reads the line but prints the wrong answer (one line, as `CODE`).
const WRONG_CODE: &str = "print(len(input().split()))";
/// The exercise's I/O tests: `CODE` passes both; `WRONG_CODE` (it prints how many numbers)
/// fails the first and passes the hidden second, so it scores half.
const IO_TESTS: &str = r#"[{"input": "2 3\n", "expected_output": "5\n", "weight": 1, "hidden": false},
 {"input": "1 1 1\n", "expected_output": "3\n", "weight": 1, "hidden": true}]"#;

/// Whether the server runs code in the real sandbox (bubblewrap); under `CI=true` it must.
async fn real_grading(server: &Server) -> bool {
    let (status, body) = server.api("GET", "/api/v1/runners", None, None).await;
    assert_eq!(status, 200, "{body}");
    if body["sandbox"]["mode"] == "bubblewrap" {
        return true;
    }
    let why = body["sandbox"]["summary"].to_string();
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and no bubblewrap sandbox for the grading: {why}");
    }
    eprintln!("notice: skipped: no bubblewrap sandbox: {why}");
    false
}

/// The editor's editable area (it lives in a shadow root, see static/app/js/pages/exercise.js).
async fn editor_in(ui: &Ui, host: &str) -> fantoccini::elements::Element {
    ui.until(
        "the editor",
        &format!("document.querySelector('{host}')?.shadowRoot?.querySelector('.cm-content')"),
    )
    .await;
    let editor = ui
        .run(&format!(
            "return document.querySelector('{host}').shadowRoot.querySelector('.cm-content');"
        ))
        .await;
    // A web element reference is `{"element-6066-11e4-a52e-4f735466cecf": id}`.
    let id = editor
        .get("element-6066-11e4-a52e-4f735466cecf")
        .and_then(Value::as_str)
        .expect("the editor's editable area")
        .to_owned();
    fantoccini::elements::Element::from_element_id(ui.browser.clone(), id.into())
}

/// Replaces the editor's text with `text` (typed: one line, the editor indents by itself).
async fn type_in_editor(ui: &Ui, host: &str, text: &str) {
    let editor = editor_in(ui, host).await;
    editor.click().await.expect("the editor takes the focus");
    editor
        .send_keys(&format!("{}a{}{}", Key::Control, Key::Null, Key::Delete))
        .await
        .expect("select all, delete");
    editor.send_keys(text).await.expect("typing in the editor");
}

/// The content a pupil meets: a language, a published course with one exercise, a forum.
struct Content {
    course: i64,
    exercise: i64,
    forum: i64,
    group: i64,
}

async fn publish_content(ui: &Ui) -> Content {
    let admin = ui.admin_token().await;
    let server = &ui.server;
    let language = server
        .create(&admin, "/api/v1/languages", json!({"name": "Python"}))
        .await;
    let course = server
        .create(
            &admin,
            "/api/v1/courses",
            json!({"title": "Loops in Python", "language_id": language,
                   "content": "A **loop** repeats.\n\n```python\nfor i in range(3):\n    print(i)\n```\n"}),
        )
        .await;
    let (status, body) = server
        .api(
            "PUT",
            &format!("/api/v1/courses/{course}/validation"),
            Some(&admin),
            Some(json!({"approved": true})),
        )
        .await;
    assert_eq!(status, 200, "course validation: {body}");
    let exercise = server
        .create(
            &admin,
            "/api/v1/exercises",
            json!({"course_id": course, "title": "Sum of a line", "grade_max": 10,
                   "instruction": "Read numbers on one line and print their sum.",
                   "runner": "python", "io_tests": IO_TESTS}),
        )
        .await;
    let (status, body) = server
        .api(
            "PUT",
            &format!("/api/v1/exercises/{exercise}/validation"),
            Some(&admin),
            Some(json!({"approved": true})),
        )
        .await;
    assert_eq!(status, 200, "exercise validation: {body}");
    let category = server
        .create(
            &admin,
            "/api/v1/forum/categories",
            json!({"name": "Entraide"}),
        )
        .await;
    let forum = server
        .create(
            &admin,
            "/api/v1/forum/forums",
            json!({"category_id": category, "name": "Questions", "description": "Ask anything about the courses."}),
        )
        .await;
    let group = server
        .create(&admin, "/api/v1/groups", json!({"name": "Seconde B"}))
        .await;
    Content {
        course,
        exercise,
        forum,
        group,
    }
}

#[tokio::test]
async fn a_pupil_registers_reads_a_course_submits_code_and_asks_in_the_forum() {
    browser_test(|ui| async move {
        let content = publish_content(&ui).await;

        // Register, the password rule ticking as it is typed.
        ui.goto("/sign-up").await;
        ui.find("#sign-up-form").await;
        ui.axe("sign-up").await;
        ui.type_into("#sign-up-form input[name=username]", PUPIL).await;
        ui.type_into("#sign-up-form input[name=email]", "noemie@example.org").await;
        ui.type_into("#sign-up-form input[name=firstname]", "Noémie").await;
        ui.type_into("#sign-up-form input[name=password]", "violet").await;
        assert_eq!(
            ui.run("return [...document.querySelectorAll('#password-rules [data-ok]')].map(r => r.dataset.rule + '=' + r.dataset.ok);").await,
            json!(["length=false", "lower=true", "upper=false", "digit=false", "special=false"])
        );
        ui.type_into("#sign-up-form input[name=password]", PUPIL_PASSWORD).await;
        ui.until("every rule to be met", "[...document.querySelectorAll('#password-rules [data-ok]')].every(r => r.dataset.ok === 'true')").await;
        ui.screenshot("sign-up").await;
        ui.click("#sign-up-form button[type=submit]").await;
        ui.until("the courses page", "document.body.dataset.page === 'courses' && document.body.dataset.ready === 'true'").await;
        ui.nothing_ran("courses").await;
        // A pupil who wrote nothing has no "Teaching" in the navigation (but may start a course).
        ui.settled().await;
        assert_eq!(ui.run("return document.getElementById('nav-teaching-item')?.hidden;").await, json!(true));
        ui.find("#write-course").await;

        // The account is there, with the names typed.
        let admin = ui.admin_token().await;
        let (status, accounts) = ui.server.api("GET", "/api/v1/accounts?q=noemie", Some(&admin), None).await;
        assert_eq!(status, 200, "{accounts}");
        let pupil = accounts["items"].as_array().and_then(|a| a.iter().find(|x| x["username"] == PUPIL)).cloned().expect("the account is created");
        assert_eq!(pupil["firstname"], "Noémie");
        let pupil_id = pupil["id"].as_i64().expect("an id");
        let (status, body) = ui
            .server
            .api("PATCH", &format!("/api/v1/accounts/{pupil_id}"), Some(&admin), Some(json!({"group_id": content.group})))
            .await;
        assert_eq!(status, 200, "the pupil joins a group: {body}");

        // Read the course.
        ui.text_of("main", "Loops in Python").await;
        ui.axe("courses").await;
        ui.screenshot("courses").await;
        ui.click(&format!("a[href='/courses/{}']", content.course)).await;
        ui.text_of("main h1", "Loops in Python").await;
        ui.text_of("main .rich", "repeats").await;
        ui.find(&format!("a[href='/exercises/{}']", content.exercise)).await;
        ui.settled().await;
        ui.axe("course").await;
        ui.screenshot("course").await;

        // Write wrong code in the editor and submit it: the real sandbox runs it, and the
        // page shows the failing test.
        let graded = real_grading(&ui.server).await;
        ui.click(&format!("a[href='/exercises/{}']", content.exercise)).await;
        ui.text_of("main h1", "Sum of a line").await;
        editor_in(&ui, "#editor").await;
        ui.axe("exercise").await;
        type_in_editor(&ui, "#editor", WRONG_CODE).await;
        ui.click("#submit-code").await;
        ui.text_of("#save-status", "saved").await;
        ui.until("the attempt in the list", "document.querySelectorAll('#attempts li.attempt').length === 1").await;
        let token = ui.server.token(PUPIL, PUPIL_PASSWORD).await;
        if graded {
            ui.until("the failed run", "document.querySelector('#run-area .run[data-status=\"done\"][data-verdict=\"failed\"]')").await;
            let tests = ui.run("return [...document.querySelectorAll('#run-area .tests tbody tr')].map(r => r.dataset.status);").await;
            assert_eq!(tests, json!(["fail", "pass"]), "the first test fails, the hidden one passes");
            ui.text_of("#run-area .tests tbody tr", "expected").await;
            ui.text_of("#run-area .run-score", "5 / 10").await;
            ui.text_of("#grade-area .grade", "5 / 10").await;
            ui.axe("exercise with a failed run").await;
        } else {
            ui.until("the grading state", "document.querySelector('#grading-unavailable, #grading-none, #run-area .run')").await;
        }

        // The right code: the run passes and the grade is the exercise's maximum.
        type_in_editor(&ui, "#editor", CODE).await;
        ui.click("#submit-code").await;
        ui.until("the second version in the list", "document.querySelectorAll('#attempts li.attempt').length === 2").await;
        let (_, attempts) = ui
            .server
            .api("GET", &format!("/api/v1/attempts?exercise={}&author={pupil_id}", content.exercise), Some(&token), None)
            .await;
        let attempt = attempts["items"][0]["id"].as_i64().expect("an attempt is saved");
        let (_, code) = ui.server.api("GET", &format!("/api/v1/attempts/{attempt}/code"), Some(&token), None).await;
        let newest = code["items"].as_array().and_then(|v| v.iter().max_by_key(|c| c["id"].as_i64())).cloned().unwrap_or_default();
        assert_eq!(newest["content"], CODE, "the code saved is the code typed");
        if graded {
            ui.until("the passed run", "document.querySelector('#run-area .run[data-status=\"done\"][data-verdict=\"passed\"]')").await;
            ui.text_of("#grade-area .grade", "10 / 10").await;
            ui.find("#grade-area .grade[data-proposed=true]").await;
            // The teacher confirms the grade with a comment (Markdown, and markup that must
            // not run); the pupil sees it with the log that justified the grade.
            let (_, grades) = ui.server.api("GET", &format!("/api/v1/grades?exercise={}&account={pupil_id}", content.exercise), Some(&admin), None).await;
            let grade = grades["items"][0]["id"].as_i64().expect("the proposed grade");
            let comment = format!("Bien joué, **Noémie** ! {MARKUP_NAME}");
            let (status, body) = ui.server.api("PATCH", &format!("/api/v1/grades/{grade}"), Some(&admin), Some(json!({"value": 10, "comment": comment}))).await;
            assert_eq!(status, 200, "the teacher's comment: {body}");
            ui.goto(&format!("/exercises/{}", content.exercise)).await;
            ui.text_of("#grade-comment", "Bien joué, Noémie").await;
            ui.find("#grade-comment strong").await;
            ui.find("#grade-area .grade[data-proposed=false]").await;
            ui.click("#grade-log summary").await;
            ui.text_of("#grade-log pre", "").await;
            let log = ui.run("return document.querySelector('#grade-log pre').textContent.length;").await;
            assert!(log.as_i64().unwrap_or(0) > 0, "the grade's log has text");
            ui.nothing_ran("exercise with a teacher's comment").await;
            ui.axe("exercise with a grade").await;
        }
        ui.nothing_ran("exercise").await;
        ui.screenshot("exercise").await;
        // A reload shows the saved code again, and the earlier attempt.
        ui.goto(&format!("/exercises/{}", content.exercise)).await;
        ui.until(
            "the saved code in the editor",
            "document.querySelector('#editor')?.shadowRoot?.querySelector('.cm-content')?.textContent.includes('input().split()')",
        )
        .await;
        ui.until("the attempts after a reload", "document.querySelectorAll('#attempts li.attempt').length === 2").await;

        // Ask in the forum.
        ui.click("a.nav-link[href='/forums']").await;
        ui.text_of("main", "Questions").await;
        ui.axe("forums").await;
        ui.click(&format!("a[href='/forums/f/{}']", content.forum)).await;
        ui.find("#new-subject-form").await;
        ui.axe("subjects").await;
        ui.type_into("#new-subject-form input[name=title]", "How do I read two numbers?").await;
        ui.type_into("#new-subject-form textarea[name=content]", "My loop prints nothing.").await;
        ui.click("#new-subject-form button[type=submit]").await;
        ui.text_of("main h1", "How do I read two numbers?").await;
        ui.text_of("main .entries", "My loop prints nothing.").await;
        ui.axe("subject").await;

        // Like it, then report it.
        ui.click("button[data-action=like]").await;
        ui.until("the like to count", "document.querySelector('button[data-action=like]').getAttribute('aria-pressed') === 'true' && document.querySelector('.like-count').textContent === '1'").await;
        let (_, posts) = ui.server.api("GET", "/api/v1/forum/posts?limit=5", Some(&token), None).await;
        assert_eq!(posts["items"][0]["likes"], 1, "{posts}");
        let post = posts["items"][0]["id"].as_i64().expect("the post");
        // Another member answers; the pupil reports that answer (not their own post, which
        // has no report button: the server refuses a report of one's own content).
        let subject = posts["items"][0]["subject_id"].as_i64().expect("the subject");
        let member = ui.server.token(MEMBER, MEMBER_PASSWORD).await;
        let answer = ui
            .server
            .create(&member, "/api/v1/forum/posts", json!({"subject_id": subject, "content": "Use input().split()."}))
            .await;
        ui.goto(&format!("/forums/s/{subject}")).await;
        ui.text_of("main .entries", "Use input().split().").await;
        assert_eq!(
            ui.run(&format!("return [document.querySelector('[data-id=\"{post}\"] [data-action=report]') === null, document.querySelector('[data-id=\"{answer}\"] [data-action=report]') !== null];")).await,
            json!([true, true]),
            "a report button on the other's post only"
        );
        ui.click("button[data-action=report]").await;
        ui.type_into(".report-form textarea[name=comment]", "Testing the report button").await;
        ui.click(".report-form button[type=submit]").await;
        ui.text_of(".report", "moderator").await;
        let (_, reports) = ui.server.api("GET", "/api/v1/reports", Some(&admin), None).await;
        let report = &reports["items"][0];
        assert_eq!(report["target_type"], "forum_post", "{reports}");
        assert_eq!(report["target_id"], answer);
        assert_eq!(report["comment"], "Testing the report button");
        ui.dismiss_toasts().await;
        ui.screenshot("forum").await;

        // The moderator confirms the report: the pupil is notified, and the badge says so.
        let report = report["id"].as_i64().expect("the report's id");
        let (status, body) = ui.server.api("POST", &format!("/api/v1/reports/{report}/take"), Some(&admin), Some(json!({}))).await;
        assert_eq!(status, 200, "take: {body}");
        let (status, body) = ui.server.api("POST", &format!("/api/v1/reports/{report}/confirm"), Some(&admin), Some(json!({}))).await;
        assert_eq!(status, 200, "confirm: {body}");
        let (_, unread) = ui.server.api("GET", "/api/v1/notifications/unread", Some(&token), None).await;
        let unread = unread["unread"].as_i64().unwrap_or(0);
        ui.goto("/notifications").await;
        ui.settled().await;
        if unread > 0 {
            ui.until("the unread badge", &format!("document.getElementById('unread-badge')?.dataset.count === '{unread}' && !document.getElementById('unread-badge').hidden")).await;
            ui.find("li.notification.unread").await;
        }
        ui.axe("notifications").await;

        // The profile shows the group by name, and the page switches to French and stays so.
        ui.goto("/profile").await;
        ui.text_of("#profile-group", "Seconde B").await;
        ui.text_of("main h1", "My profile").await;
        ui.axe("profile").await;
        ui.click("button[data-action=language]").await;
        ui.text_of("main h1", "Mon profil").await;
        ui.goto("/courses").await;
        ui.text_of("main h1", "Cours").await;
        assert_eq!(ui.run("return document.documentElement.lang;").await, json!("fr"));
        ui.goto("/profile").await;
        ui.text_of("#profile-group", "Seconde B").await;
        ui.screenshot("profile").await;

        // Signing out goes back to the sign-in page, which is keyboard-usable and accessible.
        ui.click("#sign-out").await;
        ui.find("#sign-in-form").await;
        ui.axe("sign-in").await;
        ui.screenshot("sign-in").await;
        ui.goto("/courses").await;
        ui.until("the sign-in page for a page that needs it", "location.pathname === '/sign-in' && new URLSearchParams(location.search).get('next') === '/courses'").await;
    })
    .await;
}

/// Markup a user can type: it must show as text and never run.
const XSS_IMG: &str = r#"<img src=x onerror="window.__xss=1">"#;
const XSS_SCRIPT: &str = "<script>window.__xss=2</script>";

#[tokio::test]
async fn markup_in_every_user_field_is_text_and_never_runs() {
    browser_test(|ui| async move {
        let admin = ui.admin_token().await;
        let server = &ui.server;
        let member = server.token(MEMBER, MEMBER_PASSWORD).await;
        let hostile = format!("{XSS_IMG} {XSS_SCRIPT} [link](javascript:window.__xss=3) <iframe src=\"/\"></iframe>");
        let course = server
            .create(&member, "/api/v1/courses", json!({"title": XSS_IMG, "content": hostile}))
            .await;
        let (status, body) = server
            .api("PUT", &format!("/api/v1/courses/{course}/validation"), Some(&admin), Some(json!({"approved": true})))
            .await;
        assert_eq!(status, 200, "{body}");
        server
            .create(&member, &format!("/api/v1/courses/{course}/comments"), json!({"content": hostile}))
            .await;
        let exercise = server
            .create(&member, "/api/v1/exercises", json!({"course_id": course, "title": XSS_SCRIPT, "instruction": hostile}))
            .await;
        let (status, body) = server
            .api(
                "PUT",
                &format!("/api/v1/exercises/{exercise}/validation"),
                Some(&admin),
                Some(json!({"approved": true})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let category = server.create(&admin, "/api/v1/forum/categories", json!({"name": XSS_IMG})).await;
        let forum = server
            .create(&admin, "/api/v1/forum/forums", json!({"category_id": category, "name": XSS_SCRIPT, "description": XSS_IMG}))
            .await;
        let subject = server
            .create(&member, "/api/v1/forum/subjects", json!({"forum_id": forum, "title": XSS_IMG}))
            .await;
        server
            .create(&member, "/api/v1/forum/posts", json!({"subject_id": subject, "content": hostile}))
            .await;
        let blog_category = server.create(&admin, "/api/v1/blog/categories", json!({"name": XSS_IMG})).await;
        let post = server
            .create(&member, "/api/v1/blog/posts", json!({"category_id": blog_category, "title": XSS_IMG, "content": hostile}))
            .await;
        server
            .create(&member, &format!("/api/v1/blog/posts/{post}/comments"), json!({"content": hostile}))
            .await;

        // Another member reads all of it (the author's first name is markup too).
        let (_reader, _) = server.register("lea").await;
        ui.goto("/sign-in").await;
        ui.type_into("#sign-in-form input[name=login]", "lea").await;
        ui.type_into("#sign-in-form input[name=password]", OTHER_PASSWORD).await;
        ui.click("#sign-in-form button[type=submit]").await;
        ui.until("the courses page", "document.body.dataset.page === 'courses' && document.body.dataset.ready === 'true'").await;

        let pages = [
            ("courses", "/courses".to_owned(), XSS_IMG),
            ("course", format!("/courses/{course}"), XSS_SCRIPT),
            ("exercise", format!("/exercises/{exercise}"), XSS_SCRIPT),
            ("forums", "/forums".to_owned(), XSS_SCRIPT),
            ("subjects", format!("/forums/f/{forum}"), XSS_IMG),
            ("subject", format!("/forums/s/{subject}"), XSS_SCRIPT),
            ("blog", "/blog".to_owned(), XSS_IMG),
            ("blog-post", format!("/blog/{post}"), XSS_SCRIPT),
        ];
        for (name, path, shown) in pages {
            ui.goto(&path).await;
            ui.settled().await;
            ui.text_of("main", shown).await;
            // Let lazy parts (comments, authors) arrive before looking.
            tokio::time::sleep(Duration::from_millis(300)).await;
            ui.nothing_ran(name).await;
            if name.starts_with("blog") {
                ui.axe(name).await;
            }
        }
        ui.goto(&format!("/blog/{post}")).await;
        ui.settled().await;
        ui.screenshot("blog").await;

        // The server's sanitized HTML (`*_html`) is scrubbed again in the page: what a
        // careless server might let through still never runs.
        let outcome = ui
            .run(
                r#"const src = document.querySelector('script[type=module]').src.replace(/main\.js$/, 'rich.js');
                   return import(src).then(m => {
                     const node = m.rich({content_html: '<p>ok</p><img src=x onerror="window.__xss=4"><script>window.__xss=5</script><a href="javascript:window.__xss=6">go</a><iframe src="/"></iframe><pre><code class="language-python">print(1)</code></pre>'});
                     document.getElementById('main').append(node);
                     node.querySelector('a').click();
                     return new Promise(r => setTimeout(() => r([node.querySelector('p')?.textContent, node.querySelector('a').hasAttribute('href'), !!node.querySelector('img[onerror], script, iframe'), node.querySelector('code').className]), 300));
                   });"#,
            )
            .await;
        assert_eq!(outcome[0], "ok", "{outcome}");
        assert_eq!(outcome[1], false, "a javascript: link keeps no href: {outcome}");
        assert_eq!(outcome[2], false, "no live element survives: {outcome}");
        assert!(outcome[3].as_str().is_some_and(|c| c.contains("language-python")), "{outcome}");
        assert_eq!(ui.run("return window.__xss ?? null;").await, Value::Null);
    })
    .await;
}

#[tokio::test]
async fn the_sign_in_form_works_from_the_keyboard_and_an_unknown_page_says_so() {
    browser_test(|ui| async move {
        ui.goto("/sign-in").await;
        ui.find("#sign-in-form").await;
        ui.settled().await;
        // From the keyboard alone: the skip link first, then the form, and Enter sends it.
        let tab = |times: usize| Key::Tab.to_string().repeat(times);
        let body = ui.find("body").await;
        body.send_keys(&tab(1)).await.expect("Tab");
        assert_eq!(
            ui.run("return document.activeElement.className;").await,
            json!("skip-link")
        );
        let focused = || async {
            ui.browser
                .active_element()
                .await
                .expect("the focused element")
        };
        focused()
            .await
            .send_keys(&Key::Enter.to_string())
            .await
            .expect("Enter");
        ui.until(
            "the main content to have the focus",
            "document.activeElement.id === 'main'",
        )
        .await;
        focused().await.send_keys(&tab(1)).await.expect("Tab");
        assert_eq!(
            ui.run("return document.activeElement.name;").await,
            json!("login")
        );
        focused().await.send_keys(MEMBER).await.expect("typing");
        focused().await.send_keys(&tab(1)).await.expect("Tab");
        assert_eq!(
            ui.run("return document.activeElement.name;").await,
            json!("password")
        );
        focused()
            .await
            .send_keys(&format!("Wrong-Password-1{}", Key::Enter))
            .await
            .expect("typing, Enter");
        let alert = ui.find("#sign-in-form .form-error:not([hidden])").await;
        assert!(!alert.text().await.unwrap_or_default().is_empty());
        assert_eq!(ui.path().await, "/sign-in");
        // The email confirmation landing with a made-up token says it is not valid.
        ui.goto("/confirm?token=not-a-real-token").await;
        ui.text_of("main .notice", "not valid").await;
        assert_eq!(
            ui.run("return location.search;").await,
            json!(""),
            "the token leaves the address bar"
        );
        ui.axe("confirm").await;
        // A path the server gives the page for, but that is no page of the app.
        ui.goto("/forums/nothing/here").await;
        ui.text_of("main h1", "Not found").await;
    })
    .await;
}

/// The bytes a first visit transfers (cold cache), by what `performance` saw: the page, its
/// assets and its API calls. Printed for docs/webapp.md; the issue's budget is 300 KB.
async fn first_load_bytes(ui: &Ui, path: &str, ready: &str) -> (f64, Vec<Value>) {
    ui.browser
        .issue_cmd(DevTools {
            command: "Network.clearBrowserCache",
            params: json!({}),
        })
        .await
        .expect("the cache is cleared");
    ui.goto(path).await;
    ui.until("the page", ready).await;
    ui.settled().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let entries = ui
        .run(
            "const nav = performance.getEntriesByType('navigation').map(e => ({name: e.name, bytes: e.transferSize, body: e.decodedBodySize}));
             const res = performance.getEntriesByType('resource').map(e => ({name: e.name.replace(location.origin, ''), bytes: e.transferSize, body: e.decodedBodySize}));
             return nav.concat(res);",
        )
        .await;
    let entries = entries.as_array().cloned().unwrap_or_default();
    let total: f64 = entries.iter().filter_map(|e| e["bytes"].as_f64()).sum();
    (total, entries)
}

#[tokio::test]
async fn the_first_load_of_the_course_and_exercise_pages_stays_under_300_kb() {
    browser_test(|ui| async move {
        let content = publish_content(&ui).await;
        ui.goto("/sign-in").await;
        ui.type_into("#sign-in-form input[name=login]", MEMBER)
            .await;
        ui.type_into("#sign-in-form input[name=password]", MEMBER_PASSWORD)
            .await;
        ui.click("#sign-in-form button[type=submit]").await;
        ui.until(
            "the courses page",
            "document.body.dataset.page === 'courses' && document.body.dataset.ready === 'true'",
        )
        .await;
        for (name, path, ready) in [
            (
                "course",
                format!("/courses/{}", content.course),
                "document.body.dataset.page === 'course'",
            ),
            (
                "exercise",
                format!("/exercises/{}", content.exercise),
                "document.querySelector('#editor')?.shadowRoot?.querySelector('.cm-content')",
            ),
        ] {
            let (total, entries) = first_load_bytes(&ui, &path, ready).await;
            println!(
                "first load of the {name} page: {:.1} KB transferred",
                total / 1024.0
            );
            for e in &entries {
                println!(
                    "  {:>8} B (body {:>8} B)  {}",
                    e["bytes"],
                    e["body"],
                    e["name"].as_str().unwrap_or("")
                );
            }
            assert!(total > 0.0, "nothing measured: {entries:?}");
            assert!(
                total <= 300.0 * 1024.0,
                "the {name} page transfers {total} bytes"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_exercise_page_follows_a_real_run_from_the_keyboard_to_its_per_test_results() {
    browser_test(|ui| async move {
        let content = publish_content(&ui).await;
        if !real_grading(&ui.server).await {
            return;
        }
        ui.goto("/sign-in").await;
        ui.type_into("#sign-in-form input[name=login]", MEMBER).await;
        ui.type_into("#sign-in-form input[name=password]", MEMBER_PASSWORD).await;
        ui.click("#sign-in-form button[type=submit]").await;
        ui.until("the courses page", "document.body.dataset.page === 'courses'").await;
        ui.goto(&format!("/exercises/{}", content.exercise)).await;
        ui.until("the editor", "document.querySelector('#editor')?.shadowRoot?.querySelector('.cm-content')").await;
        // Before any code, no run and no "not available" notice.
        ui.settled().await;
        assert_eq!(ui.run("return document.querySelector('#grading-unavailable') === null;").await, json!(true));
        ui.run("document.querySelector('#editor').shadowRoot.querySelector('.cm-content').focus();").await;
        let editor = ui.run("return document.querySelector('#editor').shadowRoot.querySelector('.cm-content');").await;
        let id = editor["element-6066-11e4-a52e-4f735466cecf"].as_str().expect("the editor").to_owned();
        let editor = fantoccini::elements::Element::from_element_id(ui.browser.clone(), id.into());
        editor.send_keys(WRONG_CODE).await.expect("typing");
        // Tab indents inside the editor; Escape then Tab leaves it, to the submit button,
        // which Enter presses.
        editor.send_keys(&Key::Tab.to_string()).await.expect("Tab");
        assert_eq!(
            ui.run("return document.querySelector('#editor').shadowRoot.activeElement?.classList.contains('cm-content') ?? false;").await,
            json!(true),
            "Tab stays in the editor"
        );
        // Shift+Tab takes the indent back (Python would refuse an indented first line).
        editor
            .send_keys(&format!("{}{}{}", Key::Shift, Key::Tab, Key::Null))
            .await
            .expect("Shift+Tab");
        editor
            .send_keys(&format!("{}{}", Key::Escape, Key::Tab))
            .await
            .expect("Escape, Tab");
        assert_eq!(ui.run("return document.activeElement.id;").await, json!("submit-code"));
        ui.browser
            .active_element()
            .await
            .expect("the focused element")
            .send_keys(&Key::Enter.to_string())
            .await
            .expect("Enter");
        // The real queue and sandbox: the run ends failed, with its per-test results.
        ui.until("the finished run", "document.querySelector('#run-area .run[data-status=\"done\"][data-verdict=\"failed\"]')").await;
        let tests = ui
            .run("return [...document.querySelectorAll('#run-area .tests tbody tr')].map(r => r.dataset.status);")
            .await;
        assert_eq!(tests, json!(["fail", "pass"]));
        ui.text_of("#run-area .run-score", "5 / 10").await;
        ui.find("#run-again").await;
        ui.axe("exercise with a run").await;
    })
    .await;
}

/// Issue 16: the profile lists where the member is signed in, the current session marked, and
/// ends another one from there: that session's token stops working at once.
#[tokio::test]
async fn the_profile_lists_the_sessions_and_ends_another_one() {
    browser_test(|ui| async move {
        // A session opened elsewhere (another device), through the API.
        let elsewhere = ui.server.token(MEMBER, MEMBER_PASSWORD).await;
        let (status, sessions) = ui
            .server
            .api("GET", "/api/v1/me/sessions", Some(&elsewhere), None)
            .await;
        assert_eq!(status, 200, "{sessions}");
        let before = sessions.as_array().expect("a list").len();
        let there = sessions
            .as_array()
            .and_then(|all| all.iter().find(|s| s["current"] == true))
            .and_then(|s| s["id"].as_i64())
            .expect("the API marks the session it is asked with");

        ui.goto("/sign-in").await;
        ui.type_into("#sign-in-form input[name=login]", MEMBER)
            .await;
        ui.type_into("#sign-in-form input[name=password]", MEMBER_PASSWORD)
            .await;
        ui.click("#sign-in-form button[type=submit]").await;
        ui.until(
            "the courses page",
            "document.body.dataset.page === 'courses' && document.body.dataset.ready === 'true'",
        )
        .await;
        ui.goto("/profile").await;
        // Those opened before, and the page's own.
        let rows = before + 1;
        ui.until(
            "every session",
            &format!("document.querySelectorAll('#sessions tr.session').length === {rows}"),
        )
        .await;
        ui.text_of("#sessions tr.session-current", "This device")
            .await;
        ui.text_of("#sessions", "127.0.0.1").await;
        ui.find("#export-data").await;
        ui.axe("profile-sessions").await;

        ui.click(&format!("#sessions button[data-session='{there}']"))
            .await;
        ui.text_of("#toasts", "That session is ended.").await;
        ui.until(
            "one session fewer",
            &format!(
                "document.querySelectorAll('#sessions tr.session').length === {}",
                rows - 1
            ),
        )
        .await;
        let (status, body) = ui
            .server
            .api("GET", "/api/v1/me", Some(&elsewhere), None)
            .await;
        assert_eq!(status, 401, "the ended session's token is refused: {body}");
        // The page's own session goes on.
        ui.goto("/profile").await;
        ui.until(
            "the current session",
            "document.querySelectorAll('#sessions tr.session-current').length === 1",
        )
        .await;
    })
    .await;
}

// ------------------------------------------------------------------ the teachers' pages

async fn sign_in(ui: &Ui, login: &str, password: &str) {
    ui.goto("/sign-in").await;
    ui.type_into("#sign-in-form input[name=login]", login).await;
    ui.type_into("#sign-in-form input[name=password]", password)
        .await;
    ui.click("#sign-in-form button[type=submit]").await;
    ui.until(
        "the courses page",
        "document.body.dataset.page === 'courses' && document.body.dataset.ready === 'true'",
    )
    .await;
}

/// Chooses `value` in the `<select>` `css`, as a person does (a change event follows).
async fn choose(ui: &Ui, css: &str, value: &str) {
    ui.find(css).await;
    ui.run(&format!(
        "const s = document.querySelector({css:?}); s.value = {value:?}; s.dispatchEvent(new Event('change', {{bubbles: true}}));"
    ))
    .await;
}

/// The class a teacher imports: an accented name, markup in a name, and two bad rows.
const CLASS_CSV: &str = "username,email,firstname,lastname\n\
zoe.leger,zoe@example.org,Zoé,Léger\n\
hugo,hugo@example.org,Hugo,<img src=x onerror=\"window.__xss=3\">\n\
bad.email,not-an-email,Bad,Row\n\
zoe.leger,zoe2@example.org,Zoé,Twice\n";

/// The correction of the teacher's exercise (one line: the editor indents by itself).
const CORRECTION: &str = "print(sum(int(x) for x in input().split()))";

#[tokio::test]
async fn a_teacher_imports_a_class_writes_a_checked_exercise_grades_and_exports_the_gradebook() {
    browser_test(|ui| async move {
        let server = &ui.server;
        let admin = ui.admin_token().await;
        let graded = real_grading(server).await;
        let language = server.create(&admin, "/api/v1/languages", json!({"name": "Python"})).await;
        let group = server.create(&admin, "/api/v1/groups", json!({"name": "Seconde B"})).await;
        // Another group, named with markup: the group lists show it as text.
        server.create(&admin, "/api/v1/groups", json!({"name": XSS_IMG})).await;
        sign_in(&ui, "admin", ADMIN_PASSWORD).await;

        // Teaching is in the navigation of staff.
        ui.click("#nav-teaching").await;
        ui.text_of("main h1", "Teaching").await;
        ui.axe("teaching").await;
        ui.dismiss_toasts().await;
        ui.screenshot("teach").await;

        // Import a class: a dry run first, then the import, the refused rows and why, the sheet.
        let csv_path = server.dir.path().join("seconde-b.csv");
        std::fs::write(&csv_path, CLASS_CSV).expect("the CSV file is written");
        ui.click("#open-import").await;
        ui.find("#import-form").await;
        choose(&ui, "#import-form select[name=group]", &group.to_string()).await;
        ui.find("#import-file").await.send_keys(&csv_path.display().to_string()).await.expect("the file is chosen");
        ui.click("#import-preview-button").await;
        ui.find("#import-preview").await;
        let refused = ui.run("return [...document.querySelectorAll('#refused-rows tbody tr')].map(r => r.dataset.line);").await;
        assert_eq!(refused, json!(["4", "5"]), "the bad row and the repeated username are refused");
        let (_, before) = server.api("GET", "/api/v1/accounts?q=zoe.leger", Some(&admin), None).await;
        assert_eq!(before["items"].as_array().map(Vec::len), Some(0), "a dry run creates nobody");
        ui.click("#import-run").await;
        ui.find("#import-result").await;
        ui.text_of("#refused-rows tr[data-line='4']", "email").await;
        ui.text_of("#refused-rows tr[data-line='5']", "twice").await;
        ui.text_of("#setup-sheet", "Zoé Léger").await;
        let cards = ui.run("return [...document.querySelectorAll('#setup-sheet .sheet-card')].map(c => [c.dataset.username, /^https?:\\/\\/\\S+$/.test(c.querySelector('.sheet-url').textContent)]);").await;
        assert_eq!(cards, json!([["zoe.leger", true], ["hugo", true]]), "one card per pupil with the link as text");
        ui.nothing_ran("import").await;
        ui.axe("import").await;
        ui.dismiss_toasts().await;
        ui.screenshot("import").await;
        // The print style sheet shows the cards and nothing of the app around them.
        ui.browser
            .issue_cmd(DevTools { command: "Emulation.setEmulatedMedia", params: json!({"media": "print"}) })
            .await
            .expect("print media");
        let shown = ui.run("return [getComputedStyle(document.querySelector('#topbar')).display, getComputedStyle(document.querySelector('#import-form')).display, getComputedStyle(document.querySelector('.sheet-card')).display];").await;
        assert_eq!(shown[0], "none");
        assert_eq!(shown[1], "none");
        assert_ne!(shown[2], "none");
        ui.browser
            .issue_cmd(DevTools { command: "Emulation.setEmulatedMedia", params: json!({"media": ""}) })
            .await
            .expect("screen media");

        // Write a course for the class.
        ui.goto("/teach/courses/new").await;
        ui.find("#course-form").await;
        ui.type_into("#course-form input[name=title]", &format!("Sommes {XSS_IMG}")).await;
        ui.type_into("#course-form textarea[name=content]", &format!("On **additionne**. {XSS_SCRIPT}")).await;
        choose(&ui, "#course-form select[name=language_id]", &language.to_string()).await;
        choose(&ui, "#course-form select[name=group_id]", &group.to_string()).await;
        let group_label = ui.run("const s = document.querySelector('#course-form select[name=group_id]'); return s.options[s.selectedIndex].textContent;").await;
        assert_eq!(group_label, json!("Seconde B"), "the group by name");
        ui.click("#save-course").await;
        ui.until("the saved course", "/^\\/teach\\/courses\\/\\d+$/.test(location.pathname)").await;
        ui.text_of("#course-preview", "additionne").await;
        ui.find("#course-preview strong").await;
        let course: i64 = ui.path().await.rsplit('/').next().and_then(|s| s.parse().ok()).expect("the course's id");
        let (_, row) = server.api("GET", &format!("/api/v1/courses/{course}"), Some(&admin), None).await;
        assert_eq!(row["group_id"], group, "the course is for the class: {row}");
        ui.nothing_ran("course editor").await;
        ui.axe("course editor").await;
        ui.dismiss_toasts().await;
        ui.screenshot("teach-course").await;

        // Write an exercise with I/O tests and a correction, and check the correction.
        ui.click("#new-exercise-here").await;
        ui.find("#exercise-form").await;
        ui.type_into("#exercise-form input[name=title]", &format!("Somme {XSS_IMG}")).await;
        ui.type_into("#exercise-form textarea[name=instruction]", "Affichez la **somme** des nombres lus.").await;
        choose(&ui, "#exercise-form select[name=runner]", "python").await;
        ui.type_into("#exercise-form input[name=grade_max]", "10").await;
        ui.click("#add-test").await;
        ui.click("#add-test").await;
        let rows = ui.browser.find_all(Locator::Css("#io-tests tbody tr")).await.expect("the test rows");
        assert_eq!(rows.len(), 2);
        for (row, (input, output, hidden)) in rows.iter().zip([("2 3", "5", false), ("10 -4 1", "8", true)]) {
            row.find(Locator::Css(".io-input")).await.expect("input").send_keys(input).await.expect("typing");
            row.find(Locator::Css(".io-expected")).await.expect("expected").send_keys(output).await.expect("typing");
            if hidden {
                row.find(Locator::Css(".io-hidden")).await.expect("hidden").click().await.expect("hidden");
            }
        }
        type_in_editor(&ui, "#correction-editor", CORRECTION).await;
        ui.click("#save-exercise").await;
        ui.until("the saved exercise", "/^\\/teach\\/exercises\\/\\d+$/.test(location.pathname)").await;
        let exercise: i64 = ui.path().await.rsplit('/').next().and_then(|s| s.parse().ok()).expect("the exercise's id");
        let (_, row) = server.api("GET", &format!("/api/v1/exercises/{exercise}"), Some(&admin), None).await;
        assert_eq!(row["runner"], "python", "{row}");
        assert_eq!(row["grade_max"], 10);
        assert!(row["correction_id"].as_i64().is_some(), "the correction is saved: {row}");
        let tests: Value = row["io_tests"].as_str().map(|t| serde_json::from_str(t).expect("JSON tests")).unwrap_or_else(|| row["io_tests"].clone());
        assert_eq!(tests[1]["input"], "10 -4 1");
        assert_eq!(tests[1]["expected_output"], "8");
        assert_eq!(tests[1]["hidden"], true);
        // A typo in the hidden test's expected output (10 - 4 + 1 is 7): the check says
        // plainly that the correction fails its own tests; once fixed, that it passes.
        if graded {
            ui.click("#check-correction").await;
            ui.until("the failed check", "document.querySelector('#check-summary')?.dataset.verdict === 'failed'").await;
            ui.text_of("#check-summary", "fails its own tests").await;
            let results = ui.run("return [...document.querySelectorAll('#check-run .tests tbody tr')].map(r => r.dataset.status);").await;
            assert_eq!(results, json!(["pass", "fail"]), "the per-test results of the check");
            ui.axe("exercise editor with a failed check").await;
        }
        let expected = ui.browser.find_all(Locator::Css("#io-tests .io-expected")).await.expect("the expected outputs");
        expected[1].clear().await.expect("clear");
        expected[1].send_keys("7").await.expect("typing");
        ui.dismiss_toasts().await;
        ui.click("#save-exercise").await;
        ui.until("the fixed test saved", "document.querySelector('#save-exercise').getAttribute('aria-busy') === null").await;
        ui.until("the fixed test saved", "document.querySelector('.toast')").await;
        if graded {
            ui.click("#check-correction").await;
            ui.until("the passed check", "document.querySelector('#check-summary')?.dataset.verdict === 'passed'").await;
            ui.text_of("#check-summary", "passes all its tests").await;
            let (_, row) = server.api("GET", &format!("/api/v1/exercises/{exercise}"), Some(&admin), None).await;
            assert_eq!(row["check"]["verdict"], "passed", "the exercise remembers its check: {row}");
        }
        ui.dismiss_toasts().await;
        ui.nothing_ran("exercise editor").await;
        ui.axe("exercise editor").await;
        ui.dismiss_toasts().await;
        ui.screenshot("teach-exercise").await;

        // Pupils of the class submit, one right and one wrong, through the API.
        let mut pupils = Vec::new();
        for (name, code) in [("lea", CORRECTION), ("yanis", WRONG_CODE)] {
            let (id, token) = server.register(name).await;
            let (status, body) = server.api("PATCH", &format!("/api/v1/accounts/{id}"), Some(&admin), Some(json!({"group_id": group, "firstname": format!("Élève {name}")}))).await;
            assert_eq!(status, 200, "{body}");
            let attempt = server.create(&token, "/api/v1/attempts", json!({"exercise_id": exercise})).await;
            server.create(&token, &format!("/api/v1/attempts/{attempt}/code"), json!({"content": code})).await;
            pupils.push((id, token, attempt));
        }
        ui.goto(&format!("/teach/exercises/{exercise}/submissions")).await;
        ui.find("#submissions table").await;
        if graded {
            ui.until("both runs done", "document.querySelectorAll('#submissions td.verdict[data-verdict]:not([data-verdict=\"\"])').length === 2 || (location.reload(), false)").await;
        }
        let names = ui.run("return [...document.querySelectorAll('#submissions tbody tr .member-name')].map(n => n.textContent).sort();").await;
        assert_eq!(names, json!(["Élève lea", "Élève yanis"]));
        ui.text_of("#submissions", "Seconde B").await;
        // Review Léa's submission: her code and log; confirm the grade with a comment.
        let lea = pupils[0].0;
        ui.click(&format!("#submissions tr[data-account='{lea}'] [data-action=review]")).await;
        ui.text_of("#review-code", "input().split()").await;
        ui.type_into("#grade-form input[name=value]", "9").await;
        ui.type_into("#grade-form textarea[name=comment]", &format!("Très bien. {XSS_IMG}")).await;
        ui.axe("submissions with a review").await;
        ui.click("#confirm-grade").await;
        ui.until("the confirmed grade", &format!("document.querySelector(\"#submissions tr[data-account='{lea}'] .grade-cell\")?.dataset.proposed === 'false'")).await;
        let (_, grades) = server.api("GET", &format!("/api/v1/grades?exercise={exercise}&account={lea}"), Some(&admin), None).await;
        assert_eq!(grades["items"][0]["value"], 9, "{grades}");
        assert_eq!(grades["items"][0]["comment"], format!("Très bien. {XSS_IMG}"));
        let proposed = &grades["items"][0]["proposed"];
        assert!(proposed == &json!(0) || proposed == &json!(false), "the grade is confirmed: {grades}");
        // Re-run all: the count it answers, then the runs' progress to the end.
        ui.click("#rerun-all").await;
        ui.until("the re-run's count", "document.querySelector('#rerun-progress').dataset.queued === '2'").await;
        if graded {
            ui.until("the re-runs done", "document.querySelector('#rerun-progress').dataset.done === '2'").await;
        }
        ui.nothing_ran("submissions").await;
        ui.dismiss_toasts().await;
        ui.screenshot("teach-submissions").await;

        // The gradebook of the class, best and latest, and its CSV.
        ui.goto(&format!("/teach/gradebook?group={group}")).await;
        ui.find("#gradebook table").await;
        ui.text_of("#gradebook", "Zoé Léger").await;
        let lea_row = ui.run(&format!("return [...document.querySelectorAll(\"#gradebook tr[data-account='{lea}'] td\")].map(c => c.textContent);")).await;
        assert_eq!(lea_row, json!(["9", "9"]), "Léa's grade as it stands (latest, the default) and total");
        ui.nothing_ran("gradebook").await;
        ui.axe("gradebook").await;
        ui.dismiss_toasts().await;
        ui.screenshot("teach-gradebook").await;
        // The download: the file the browser is given, captured as bytes.
        ui.run("window.__csv = null; const real = URL.createObjectURL; URL.createObjectURL = (b) => { b.arrayBuffer().then(a => { window.__csv = [...new Uint8Array(a)]; }); return real.call(URL, b); };").await;
        ui.click("#gradebook-csv").await;
        ui.until("the CSV", "Array.isArray(window.__csv)").await;
        let bytes: Vec<u8> = serde_json::from_value(ui.run("return window.__csv;").await).expect("bytes");
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a UTF-8 BOM, for spreadsheets");
        let text = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8");
        assert!(text.contains("Léger") && text.contains("Zoé"), "the accents: {text}");
        let lea_line = text.lines().find(|l| l.contains("lea")).unwrap_or_else(|| panic!("Léa's line: {text}"));
        assert!(lea_line.contains('9'), "Léa's score in the CSV: {lea_line}");
        assert!(text.lines().next().unwrap_or("").contains("Somme"), "the exercise's title in the header: {text}");
        // Best: the highest of the grade and every run's score (her runs scored 10).
        choose(&ui, "#gradebook-mode", "best").await;
        ui.until("the best mode", "location.search.includes('mode=best') && document.querySelector('#gradebook table')").await;
        let lea_row = ui.run(&format!("return [...document.querySelectorAll(\"#gradebook tr[data-account='{lea}'] td\")].map(c => c.textContent);")).await;
        assert_eq!(lea_row, json!(["10", "10"]), "Léa's best score");
        // The teachers' pages speak French too.
        ui.click("button[data-action=language]").await;
        ui.text_of("main h1", "Carnet de notes").await;
        ui.goto("/teach").await;
        ui.text_of("main h1", "Enseigner").await;
        ui.text_of("#nav-teaching", "Enseigner").await;
    })
    .await;
}
