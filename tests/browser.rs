//! The admin UI in a real headless Chromium, against the real `preau` binary on a temporary
//! database: each test starts the server, creates an admin with `preau admin create`,
//! registers a member through `/auth/register`, and drives the browser through chromedriver.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`). Without them the tests print a notice and pass, except under
//! `CI=true`, where a missing browser is a failure.
//!
//! Screenshots of every page at 1280×800 and 375×812 go to `target/screenshots/`; with
//! `PREAU_UPDATE_SCREENSHOTS=1` the dashboard's and the moderation queue's are also copied to
//! `docs/screenshots/`.

#[path = "common/browser.rs"]
mod harness;

use std::future::Future;
use std::path::Path;

use fantoccini::Locator;
use fantoccini::key::Key;
use harness::{
    ADMIN_PASSWORD, DESKTOP, DevTools, MARKUP_NAME, MEMBER, MEMBER_PASSWORD, PHONE, Server, Ui,
    free_port, screenshot_dir,
};
use serde_json::json;

/// A 1×1 PNG, for the avatar upload.
const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x02, 0x00, 0x00, 0x00, 0x4b, 0x6d, 0x29,
    0xdc, 0x00, 0x00, 0x00, 0x11, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x10, 0xcf, 0xf0, 0xc7,
    0x8a, 0x18, 0x86, 0x96, 0x04, 0x00, 0x11, 0xf4, 0x33, 0x81, 0x7d, 0xcf, 0x33, 0x98, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Runs `body` with a fresh server and browser (the shared harness).
async fn browser_test<F, Fut>(body: F)
where
    F: FnOnce(std::sync::Arc<Ui>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    browser_test_with(&[], body).await;
}

/// `browser_test` with `PREAU_*` settings for the server.
async fn browser_test_with<F, Fut>(settings: &[(&str, &str)], body: F)
where
    F: FnOnce(std::sync::Arc<Ui>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    harness::browser_test_with("the admin UI", settings, body).await;
}

impl Server {
    /// A forum category and a forum in it (made by the admin); returns the forum's id.
    async fn forum(&self, admin: &str) -> i64 {
        let category = self
            .create(
                admin,
                "/api/v1/forum/categories",
                json!({"name": "Entraide"}),
            )
            .await;
        self.create(
            admin,
            "/api/v1/forum/forums",
            json!({"category_id": category, "name": "Questions", "description": "Ask anything about the courses."}),
        )
        .await
    }

    /// A subject in `forum` with one post by `author`; returns the post's id.
    async fn forum_post(&self, forum: i64, author: &str, text: &str) -> i64 {
        let subject = self
            .create(
                author,
                "/api/v1/forum/subjects",
                json!({"forum_id": forum, "title": "Help with loops"}),
            )
            .await;
        self.create(
            author,
            "/api/v1/forum/posts",
            json!({"subject_id": subject, "content": text}),
        )
        .await
    }

    /// A report of a forum post by `reporter`; returns the report's id.
    async fn report_post(&self, reporter: &str, post: i64, comment: &str) -> i64 {
        self.create(
            reporter,
            "/api/v1/reports",
            json!({"target_type": "forum_post", "target_id": post, "comment": comment}),
        )
        .await
    }
}

/// What the admin UI's tests ask of a page, besides the shared harness's.
impl Ui {
    async fn sign_in(&self, login: &str, password: &str) {
        self.goto("/admin/").await;
        self.type_into("#sign-in-form input[name=login]", login)
            .await;
        self.type_into("#sign-in-form input[name=password]", password)
            .await;
        self.click("#sign-in-form button[type=submit]").await;
    }

    async fn sign_in_as_admin(&self) {
        self.sign_in("admin", ADMIN_PASSWORD).await;
        self.find("nav.nav").await;
        self.settled().await;
    }

    /// Saves the page at desktop and phone widths as `target/screenshots/<name>-{desktop,phone}.png`,
    /// and checks that nothing is wider than the phone's screen.
    async fn screenshots(&self, name: &str) {
        let dir = screenshot_dir();
        for (size, label) in [(DESKTOP, "desktop"), (PHONE, "phone")] {
            self.viewport(size).await;
            self.settled().await;
            if label == "phone" {
                let overflow = self.run("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
                assert!(
                    overflow.as_f64().unwrap_or(0.0) <= 0.0,
                    "the {name} page is wider than a phone by {overflow} px"
                );
            }
            let png = self.browser.screenshot().await.expect("a screenshot");
            std::fs::write(dir.join(format!("{name}-{label}.png")), png)
                .expect("the screenshot is saved");
        }
        self.viewport(DESKTOP).await;
    }
}

// ------------------------------------------------------------------ tests

#[tokio::test]
async fn admin_signs_in_and_sees_the_dashboard_counts() {
    browser_test(|ui| async move {
        ui.sign_in_as_admin().await;
        assert_eq!(ui.path().await, "/admin/");
        assert_eq!(
            ui.find("h1").await.text().await.expect("heading"),
            "Dashboard"
        );
        assert_eq!(
            ui.text_of("[data-stat=accounts]", "2").await,
            "2",
            "the admin and the member"
        );
        assert_eq!(
            ui.find("[data-stat=admins]")
                .await
                .text()
                .await
                .expect("count"),
            "1"
        );
        ui.text_of(".activity", MEMBER).await;
    })
    .await;
}

#[tokio::test]
async fn the_sign_in_form_works_from_the_keyboard() {
    browser_test(|ui| async move {
        ui.goto("/admin/").await;
        ui.find("#sign-in-form").await;
        let focused = ui
            .browser
            .active_element()
            .await
            .expect("a focused element");
        assert_eq!(
            focused.attr("name").await.expect("name"),
            Some("login".into()),
            "the keyboard starts in the login field"
        );
        focused
            .send_keys(&format!("admin{}{ADMIN_PASSWORD}{}", Key::Tab, Key::Enter))
            .await
            .expect("typing");
        ui.find("nav.nav").await;
        ui.text_of("h1", "Dashboard").await;
    })
    .await;
}

#[tokio::test]
async fn a_member_is_told_the_admin_area_is_for_staff() {
    browser_test(|ui| async move {
        ui.sign_in(MEMBER, MEMBER_PASSWORD).await;
        ui.text_of("#main [role=alert]", "member account").await;
        assert!(
            ui.browser.find(Locator::Css("nav.nav")).await.is_err(),
            "a member never sees the menu"
        );
        // The member's session was ended, not kept in the cookie for a reload.
        ui.browser.refresh().await.expect("reload");
        ui.find("#sign-in-form").await;
    })
    .await;
}

#[tokio::test]
async fn a_moderator_sees_the_staff_pages_but_not_the_admin_ones() {
    browser_test(|ui| async move {
        let token = ui.admin_token().await;
        let level = format!("/api/v1/accounts/{}/level", ui.member_id);
        let (status, body) = ui
            .server
            .api("PUT", &level, Some(&token), Some(json!({"level": 2})))
            .await;
        assert_eq!(status, 200, "{body}");

        ui.sign_in(MEMBER, MEMBER_PASSWORD).await;
        ui.text_of("h1", "Dashboard").await;
        let menu = ui.find("nav.nav").await.text().await.expect("menu");
        assert!(
            menu.contains("Accounts")
                && !menu.contains("Backup")
                && !menu.contains("Sign-in security"),
            "{menu}"
        );
        ui.goto("/admin/accounts/1").await;
        ui.text_of("#main", "Only administrators change accounts.")
            .await;
        assert!(ui.browser.find(Locator::Css("#level-form")).await.is_err());
        ui.goto("/admin/backup").await;
        ui.text_of("h1", "Not allowed").await;
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_the_attempts_left() {
    browser_test(|ui| async move {
        ui.sign_in("admin", "Not-The-Password-1").await;
        let text = ui.text_of("#sign-in-form [role=alert]", "incorrect").await;
        assert!(
            text.contains("Attempts left before a temporary ban: 2."),
            "{text}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_registered_account_is_found_by_searching_the_list() {
    browser_test(|ui| async move {
        ui.sign_in_as_admin().await;
        ui.click("nav.nav a[href='/admin/accounts']").await;
        ui.find("#account-search").await;
        ui.settled().await;
        ui.type_into("#account-search input[name=q]", "cami").await;
        ui.click("#account-search button[type=submit]").await;
        ui.settled().await;
        let rows = ui
            .browser
            .find_all(Locator::Css(".data-table tbody tr"))
            .await
            .expect("rows");
        assert_eq!(rows.len(), 1, "only camille matches");
        assert_eq!(
            ui.find(".data-table tbody a.account-link")
                .await
                .text()
                .await
                .expect("link"),
            MEMBER
        );
        assert!(
            ui.path().await == "/admin/accounts"
                && ui.run("return location.search").await == json!("?q=cami")
        );
    })
    .await;
}

#[tokio::test]
async fn changing_the_level_in_the_ui_changes_it_in_the_api() {
    browser_test(|ui| async move {
        ui.sign_in_as_admin().await;
        ui.goto("/admin/accounts?q=camille").await;
        ui.settled().await;
        ui.click(".data-table a.account-link").await;
        ui.find("#level-form").await;
        assert_eq!(ui.path().await, format!("/admin/accounts/{}", ui.member_id));
        ui.find("#level-form select[name=level]")
            .await
            .select_by_value("2")
            .await
            .expect("choose moderator");
        ui.click("#level-form button[type=submit]").await;
        ui.text_of("#toasts", "The level is now Moderator.").await;
        ui.text_of("#account-details", "Moderator").await;

        let token = ui.admin_token().await;
        let (status, account) = ui
            .server
            .api(
                "GET",
                &format!("/api/v1/accounts/{}", ui.member_id),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(account["level"], 2, "{account}");
    })
    .await;
}

#[tokio::test]
async fn markup_in_a_name_is_shown_as_text_and_never_runs() {
    browser_test(|ui| async move {
        ui.sign_in_as_admin().await;
        let no_image_no_script = "document.images.length === 0 && typeof window.__xss === 'undefined'";
        ui.text_of(".activity", MARKUP_NAME).await;
        ui.until("the dashboard to hold no image and run nothing", no_image_no_script).await;

        ui.goto("/admin/accounts").await;
        ui.settled().await;
        let names = ui.run("return [...document.querySelectorAll('.data-table td.cell-name')].map(td => td.textContent);").await;
        assert!(names.as_array().expect("names").contains(&json!(format!("{MARKUP_NAME} Martin"))), "{names}");
        assert_eq!(ui.run("return document.querySelectorAll('table img').length;").await, 0);
        ui.until("the list to hold no image and run nothing", no_image_no_script).await;

        ui.goto(&format!("/admin/accounts/{}", ui.member_id)).await;
        ui.text_of("#account-details", MARKUP_NAME).await;
        ui.until("the account page to hold no image and run nothing", no_image_no_script).await;
    })
    .await;
}

#[tokio::test]
async fn a_reload_keeps_the_session_through_the_refresh_cookie() {
    browser_test(|ui| async move {
        ui.sign_in_as_admin().await;
        ui.goto("/admin/accounts").await;
        ui.settled().await;
        ui.browser.refresh().await.expect("reload");
        ui.find("nav.nav").await;
        ui.settled().await;
        assert_eq!(ui.path().await, "/admin/accounts");
        assert!(ui.browser.find(Locator::Css("#sign-in-form")).await.is_err(), "still signed in after a reload");
        // The token lives in memory only; the refresh cookie is out of the script's reach.
        assert_eq!(ui.run("return document.cookie;").await, "");
        assert_eq!(ui.run("return Object.keys(localStorage).concat(Object.keys(sessionStorage)).filter(k => k !== 'preau.admin.lang');").await, json!([]));
    })
    .await;
}

#[tokio::test]
async fn the_session_is_renewed_before_the_token_expires() {
    // A 30 s token: the UI renews it 5 s after signing in (it aims for a minute before expiry).
    browser_test_with(&[("PREAU_ACCESS_TTL", "30")], |ui| async move {
        // Every answer of the API is `Cache-Control: no-store` (it carries tokens), and Chrome
        // keeps no resource timing of those: the page's requests are counted by a wrapper of
        // `fetch` installed before any script of the page runs.
        ui.browser
            .issue_cmd(DevTools {
                command: "Page.addScriptToEvaluateOnNewDocument",
                params: json!({"source": "window.__fetches = []; const f = window.fetch; window.fetch = async (...a) => { const r = await f(...a); window.__fetches.push({url: String(a[0].url ?? a[0]), status: r.status}); return r; };"}),
            })
            .await
            .expect("the fetch counter");
        let refreshes = "window.__fetches.filter(e => e.url.endsWith('/api/v1/auth/refresh')).length";
        ui.goto("/admin/").await;
        ui.find("#sign-in-form").await;
        // Chrome records resource timings a moment after the response: wait for them.
        ui.until("the page load's one try, before signing in", &format!("{refreshes} === 1")).await;
        ui.sign_in_as_admin().await;
        ui.until("a renewal of the access token", &format!("{refreshes} >= 2")).await;
        ui.click("nav.nav a[href='/admin/accounts']").await;
        ui.settled().await;
        assert!(ui.browser.find(Locator::Css(".data-table")).await.is_ok(), "still signed in, with the renewed token");
        let refused = ui.run("return window.__fetches.filter(e => e.status === 401 && !e.url.endsWith('/auth/refresh')).length;").await;
        assert_eq!(refused, 0, "no request went out with an expired token");
    })
    .await;
}

#[tokio::test]
async fn signing_out_ends_the_session_for_good() {
    browser_test(|ui| async move {
        ui.sign_in_as_admin().await;
        ui.click("[data-action=sign-out]").await;
        ui.text_of("#main [role=status]", "You are signed out.")
            .await;
        ui.browser.refresh().await.expect("reload");
        ui.find("#sign-in-form").await;
        assert!(ui.browser.find(Locator::Css("nav.nav")).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn deleting_an_account_takes_a_confirmation_step() {
    browser_test(|ui| async move {
        ui.sign_in_as_admin().await;
        let path = format!("/api/v1/accounts/{}", ui.member_id);
        ui.goto(&format!("/admin/accounts/{}", ui.member_id)).await;
        ui.click("#delete-form button[type=submit]").await;
        ui.text_of("dialog[open] h2", "Delete camille?").await;
        ui.click("dialog[open] [data-action=cancel]").await;
        ui.until("the dialog to close", "!document.querySelector('dialog')")
            .await;
        let token = ui.admin_token().await;
        assert_eq!(
            ui.server.api("GET", &path, Some(&token), None).await.0,
            200,
            "cancelled: nothing deleted"
        );

        ui.click("#delete-form button[type=submit]").await;
        ui.click("dialog[open] [data-action=confirm]").await;
        ui.text_of("#main [role=status]", "The account camille is deleted.")
            .await;
        assert_eq!(ui.path().await, "/admin/accounts");
        assert_eq!(ui.server.api("GET", &path, Some(&token), None).await.0, 404);
    })
    .await;
}

#[tokio::test]
async fn lifting_a_login_ban_lets_the_account_sign_in_again() {
    browser_test(|ui| async move {
        let wrong = json!({"login": MEMBER, "password": "Wrong-Password-1"});
        for _ in 0..3 {
            ui.server
                .api("POST", "/api/v1/auth/login", None, Some(wrong.clone()))
                .await;
        }
        let right = json!({"login": MEMBER, "password": MEMBER_PASSWORD});
        assert_eq!(
            ui.server
                .api("POST", "/api/v1/auth/login", None, Some(right.clone()))
                .await
                .0,
            429,
            "banned"
        );

        ui.sign_in_as_admin().await;
        ui.goto("/admin/security").await;
        ui.settled().await;
        ui.click("#bans button[data-action=lift]").await;
        ui.text_of("#bans", "No sign-in ban is in force.").await;
        let (status, body) = ui
            .server
            .api("POST", "/api/v1/auth/login", None, Some(right))
            .await;
        assert_eq!(status, 200, "{body}");
    })
    .await;
}

#[tokio::test]
async fn the_language_switches_to_french_and_stays_french() {
    browser_test(|ui| async move {
        ui.sign_in_as_admin().await;
        ui.click("[data-action=language]").await;
        ui.text_of("h1", "Tableau de bord").await;
        ui.browser.refresh().await.expect("reload");
        ui.find("nav.nav").await;
        ui.text_of("h1", "Tableau de bord").await;
        assert_eq!(ui.run("return document.documentElement.lang;").await, "fr");
        ui.text_of("nav.nav", "Comptes").await;
    })
    .await;
}

#[tokio::test]
async fn a_moderator_takes_and_confirms_a_report_and_the_post_is_hidden() {
    browser_test(|ui| async move {
        let admin = ui.admin_token().await;
        let level = format!("/api/v1/accounts/{}/level", ui.member_id);
        let (status, body) = ui
            .server
            .api("PUT", &level, Some(&admin), Some(json!({"level": 2})))
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, author) = ui.server.register("dominique").await;
        let (_, reporter) = ui.server.register("elise").await;
        let (_, reader) = ui.server.register("farid").await;
        let post = ui
            .server
            .forum_post(ui.server.forum(&admin).await, &author, "Buy cheap watches at example.com!!!")
            .await;
        let report = ui
            .server
            .report_post(&reporter, post, "Spam: an advert, not a question.")
            .await;
        let post_path = format!("/api/v1/forum/posts/{post}");
        assert_eq!(ui.server.api("GET", &post_path, Some(&reader), None).await.0, 200, "visible before");

        ui.sign_in(MEMBER, MEMBER_PASSWORD).await;
        ui.find("nav.nav").await;
        ui.settled().await;
        // The menu counts what waits for a moderator.
        ui.until("the moderation count in the menu", "document.querySelector('.nav a[data-path=moderation] .nav-count')?.dataset.count === '1'").await;
        ui.click("nav.nav a[href='/admin/moderation']").await;
        ui.settled().await;
        let card = format!("#reports [data-report='{report}']");
        ui.text_of(&card, "Spam: an advert, not a question.").await;
        ui.text_of(&format!("{card} .reported"), "Buy cheap watches at example.com!!!").await;
        ui.text_of(&format!("{card} .reported"), "dominique").await;

        ui.click(&format!("{card} [data-action=take]")).await;
        ui.text_of("#toasts", "You handle this report now.").await;
        ui.text_of(&format!("{card} .card-header"), "Taken").await;
        // The keyboard lands in the result field of the redrawn card.
        let focused = ui.browser.active_element().await.expect("a focused element");
        assert_eq!(focused.attr("name").await.expect("name"), Some("result".into()));
        focused.send_keys("Advertising is not allowed on the forum.").await.expect("typing");
        ui.click(&format!("{card} [data-action=confirm]")).await;
        ui.text_of("#toasts", "Report confirmed: the content is hidden.").await;
        ui.text_of(&format!("{card} .card-header"), "Confirmed").await;
        ui.text_of(&format!("{card} .reported"), "Hidden").await;
        ui.until(
            "the menu count to drop once the report is handled",
            "!document.querySelector('.nav a[data-path=moderation] .nav-count')",
        )
        .await;

        let (status, body) = ui.server.api("GET", &format!("/api/v1/reports/{report}"), Some(&admin), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], 2, "{body}");
        assert_eq!(body["result"], "Advertising is not allowed on the forum.", "{body}");
        assert_eq!(ui.server.api("GET", &post_path, Some(&reader), None).await.0, 404, "hidden from other members");

        // The confirmed tab holds it now; the open one is empty.
        ui.goto("/admin/moderation?status=2").await;
        ui.settled().await;
        ui.find(&card).await;
        ui.click("#report-tabs [data-tab='0']").await;
        ui.settled().await;
        ui.text_of("#reports", "No open report. The queue is empty.").await;
        assert_eq!(ui.run("return location.search;").await, "");
    })
    .await;
}

#[tokio::test]
async fn a_pending_course_is_validated_from_the_ui() {
    browser_test(|ui| async move {
        let member = ui.server.token(MEMBER, MEMBER_PASSWORD).await;
        let course = ui
            .server
            .create(
                &member,
                "/api/v1/courses",
                json!({"title": "Loops in Python", "content": "for i in range(3):\n    print(i)"}),
            )
            .await;
        let admin = ui.admin_token().await;
        let path = format!("/api/v1/courses/{course}");
        let (_, row) = ui.server.api("GET", &path, Some(&admin), None).await;
        assert_eq!(row["status"], "pending", "{row}");

        ui.sign_in_as_admin().await;
        ui.text_of("[data-stat=pending_courses]", "1").await;
        ui.goto("/admin/moderation").await;
        ui.settled().await;
        let card = format!("#pending-courses [data-id='{course}']");
        ui.text_of(&card, "Loops in Python").await;
        // The content keeps its line breaks, as text.
        ui.text_of(
            &format!("{card} .quote"),
            "for i in range(3):\n    print(i)",
        )
        .await;
        ui.click(&format!("{card} [data-action=approve]")).await;
        ui.text_of("#toasts", "“Loops in Python” is published.")
            .await;
        ui.text_of("#pending-courses", "No course waits for validation.")
            .await;

        let (_, row) = ui.server.api("GET", &path, Some(&admin), None).await;
        assert_eq!(row["status"], "approved", "{row}");
        let (_, row) = ui
            .server
            .api(
                "GET",
                &path,
                Some(&ui.server.register("gaspard").await.1),
                None,
            )
            .await;
        assert_eq!(
            row["title"], "Loops in Python",
            "published: other members read it"
        );
    })
    .await;
}

#[tokio::test]
async fn markup_in_a_course_title_is_text_in_the_content_and_moderation_lists() {
    browser_test(|ui| async move {
        let member = ui.server.token(MEMBER, MEMBER_PASSWORD).await;
        let course = ui
            .server
            .create(&member, "/api/v1/courses", json!({"title": MARKUP_NAME, "content": MARKUP_NAME}))
            .await;
        let no_image_no_script = "document.images.length === 0 && typeof window.__xss === 'undefined'";
        ui.sign_in_as_admin().await;

        ui.goto("/admin/moderation").await;
        ui.settled().await;
        let card = format!("#pending-courses [data-id='{course}']");
        assert_eq!(ui.find(&format!("{card} h3")).await.text().await.expect("title"), MARKUP_NAME);
        ui.text_of(&format!("{card} .quote"), MARKUP_NAME).await;
        ui.until("the moderation page to hold no image and run nothing", no_image_no_script).await;

        ui.goto("/admin/content").await;
        ui.settled().await;
        let titles = ui.run("return [...document.querySelectorAll('.data-table .item-title')].map(e => e.textContent);").await;
        assert_eq!(titles, json!([MARKUP_NAME]));
        ui.until("the content list to hold no image and run nothing", no_image_no_script).await;

        // Deleting it asks first, naming it as text too.
        ui.click(".data-table [data-action=delete]").await;
        ui.text_of("dialog[open] h2", MARKUP_NAME).await;
        ui.click("dialog[open] [data-action=confirm]").await;
        ui.text_of("#main", "Nothing here yet.").await;
        ui.until("no image and nothing run after the deletion", no_image_no_script).await;
        let admin = ui.admin_token().await;
        assert_eq!(ui.server.api("GET", &format!("/api/v1/courses/{course}"), Some(&admin), None).await.0, 404);
    })
    .await;
}

#[tokio::test]
async fn groups_are_created_and_nested_in_the_tree() {
    browser_test(|ui| async move {
        ui.sign_in_as_admin().await;
        ui.click("nav.nav a[href='/admin/groups']").await;
        ui.settled().await;
        ui.text_of("#group-tree", "No group yet.").await;

        ui.type_into("#group-create input[name=name]", "École Jules Verne").await;
        ui.click("#group-create button[type=submit]").await;
        ui.text_of("#group-tree", "École Jules Verne").await;
        ui.settled().await;
        let admin = ui.admin_token().await;
        let (_, groups) = ui.server.api("GET", "/api/v1/groups", Some(&admin), None).await;
        let school = groups["items"][0]["id"].as_i64().expect("the school's id");

        // A class inside the school, chosen in the parent list.
        ui.type_into("#group-create input[name=name]", "CM2 A").await;
        ui.find("#group-create select[name=parent_id]").await.select_by_value(&school.to_string()).await.expect("choose the school");
        ui.click("#group-create button[type=submit]").await;
        ui.text_of(&format!("[data-group='{school}'] ul"), "CM2 A").await;
        ui.settled().await;

        // A team made at the top, then moved under the class.
        ui.type_into("#group-create input[name=name]", "Équipe bleue").await;
        ui.find("#group-create select[name=parent_id]").await.select_by_value("").await.expect("no parent");
        ui.click("#group-create button[type=submit]").await;
        ui.text_of("#group-tree", "Équipe bleue").await;
        ui.settled().await;
        let (_, groups) = ui.server.api("GET", "/api/v1/groups", Some(&admin), None).await;
        let id_of = |name: &str| groups["items"].as_array().expect("groups").iter().find(|g| g["name"] == name).and_then(|g| g["id"].as_i64()).expect("a group");
        let (class, team) = (id_of("CM2 A"), id_of("Équipe bleue"));
        assert_eq!(ui.run(&format!("return document.querySelector(\"[data-group='{team}']\").parentElement.classList.contains('group-tree');")).await, true, "a root first");

        ui.dismiss_toasts().await;
        ui.click(&format!("[data-group='{team}'] [data-action=edit]")).await;
        ui.find(&format!("[data-group='{team}'] form select[name=parent_id]")).await.select_by_value(&class.to_string()).await.expect("choose the class");
        ui.click(&format!("[data-group='{team}'] form [data-action=save]")).await;
        ui.text_of("#toasts", "The group “Équipe bleue” is saved.").await;
        ui.text_of(&format!("[data-group='{school}'] [data-group='{class}'] [data-group='{team}']"), "Équipe bleue").await;

        let (_, row) = ui.server.api("GET", &format!("/api/v1/groups/{team}"), Some(&admin), None).await;
        assert_eq!(row["parent_id"], class, "{row}");

        // The school cannot go under its own class: not offered, and refused by the server.
        ui.dismiss_toasts().await;
        ui.click(&format!("[data-group='{school}'] > .group-row [data-action=edit]")).await;
        let offered = ui.run(&format!("return [...document.querySelectorAll(\"[data-group='{school}'] form select[name=parent_id] option\")].map(o => o.value);")).await;
        assert_eq!(offered, json!([""]), "only 'no parent': every other group is inside it");
        let (status, body) = ui.server.api("PATCH", &format!("/api/v1/groups/{school}"), Some(&admin), Some(json!({"parent_id": team}))).await;
        assert_eq!(status, 400, "{body}");
    })
    .await;
}

#[tokio::test]
async fn every_page_is_captured_at_desktop_and_phone_widths() {
    browser_test(|ui| async move {
        // Something to show on the dashboard and the security page: a banned name, a failure.
        for login in ["ghost", "ghost", "ghost", MEMBER] {
            ui.server
                .api(
                    "POST",
                    "/api/v1/auth/login",
                    None,
                    Some(json!({"login": login, "password": "Wrong-Password-1"})),
                )
                .await;
        }
        // Something for the moderation queue, the content lists, the groups and the audit log.
        let admin = ui.admin_token().await;
        let member = ui.server.token(MEMBER, MEMBER_PASSWORD).await;
        let (_, reporter) = ui.server.register("elise").await;
        let forum = ui.server.forum(&admin).await;
        let post = ui
            .server
            .forum_post(forum, &member, "Who wants the answers of tomorrow's test? Write to me privately.")
            .await;
        ui.server.report_post(&reporter, post, "Cheating: selling the answers.").await;
        let (_, other) = ui.server.register("dominique").await;
        let second = ui.server.forum_post(forum, &other, "Great course, thanks!").await;
        let taken = ui.server.report_post(&reporter, second, "").await;
        ui.server.api("POST", &format!("/api/v1/reports/{taken}/take"), Some(&admin), None).await;
        ui.server
            .create(&member, "/api/v1/courses", json!({"title": "Loops in Python", "content": "A loop repeats a block.\n\nfor i in range(3):\n    print(i)"}))
            .await;
        let school = ui.server.create(&admin, "/api/v1/groups", json!({"name": "École Jules Verne"})).await;
        let class = ui.server.create(&admin, "/api/v1/groups", json!({"name": "CM2 A", "parent_id": school})).await;
        ui.server.create(&admin, "/api/v1/groups", json!({"name": "Équipe bleue", "parent_id": class})).await;
        ui.server.create(&admin, "/api/v1/groups", json!({"name": "Collège Victor Hugo"})).await;
        ui.server.create(&admin, "/api/v1/languages", json!({"name": "Python"})).await;

        ui.goto("/admin/").await;
        ui.find("#sign-in-form").await;
        ui.screenshots("sign-in").await;

        ui.sign_in_as_admin().await;
        ui.screenshots("dashboard").await;

        let account = format!("/admin/accounts/{}", ui.member_id);
        let pages = [
            ("accounts", "/admin/accounts", ".data-table"),
            ("account", account.as_str(), "#level-form"),
            ("security", "/admin/security", "#attempts"),
            ("backup", "/admin/backup", "#backup-download"),
            ("moderation", "/admin/moderation", "#reports .report .reported > div"),
            ("moderation-taken", "/admin/moderation?status=1", "#reports .report textarea"),
            ("content", "/admin/content", ".data-table"),
            ("content-forum-posts", "/admin/content?kind=forum_posts", ".data-table"),
            ("groups", "/admin/groups", ".group-tree"),
            ("audit", "/admin/audit", ".data-table"),
            ("notifications", "/admin/notifications", "#read-all"),
        ];
        for (name, path, ready) in pages {
            ui.goto(path).await;
            ui.find(ready).await;
            ui.screenshots(name).await;
        }

        // An avatar uploaded from a file, shown by the reference data page.
        let image = ui.server.dir.path().join("avatar.png");
        std::fs::write(&image, TINY_PNG).expect("the image is written");
        ui.goto("/admin/reference").await;
        ui.settled().await;
        ui.find("#avatar-upload input[type=file]")
            .await
            .send_keys(&image.display().to_string())
            .await
            .expect("choose the file");
        ui.click("#avatar-upload button[type=submit]").await;
        ui.text_of("#toasts", "The avatar is uploaded.").await;
        ui.until("the avatar image to load", "[...document.querySelectorAll('.avatars img')].some(i => i.complete && i.naturalWidth === 8)").await;
        ui.screenshots("reference").await;

        // The menu of a phone opens with its button.
        ui.viewport(PHONE).await;
        ui.click(".menu-toggle").await;
        ui.until(
            "the menu to open",
            "document.querySelector('.menu-toggle').getAttribute('aria-expanded') === 'true'",
        )
        .await;
        let png = ui.browser.screenshot().await.expect("a screenshot");
        std::fs::write(screenshot_dir().join("menu-phone.png"), png).expect("saved");
        ui.viewport(DESKTOP).await;

        // The backup downloads (through fetch with the token) and says so.
        ui.goto("/admin/backup").await;
        ui.click("#backup-download").await;
        ui.text_of("#backup-status", "Downloaded preau-").await;

        if std::env::var("PREAU_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("docs")
                .join("screenshots");
            std::fs::create_dir_all(&docs).expect("docs/screenshots");
            for file in [
                "dashboard-desktop.png",
                "dashboard-phone.png",
                "moderation-desktop.png",
                "moderation-phone.png",
            ] {
                std::fs::copy(screenshot_dir().join(file), docs.join(file))
                    .expect("copied to docs/screenshots");
            }
        }
    })
    .await;
}

/// Issue 16: an email the SMTP server refused shows on the Mail page and is sent again from
/// there; an admin makes a setup link and sees the sessions on the account page.
#[tokio::test]
async fn failed_mail_is_retried_from_the_mail_page_and_setup_links_are_made_on_the_account_page() {
    // An SMTP port where nothing listens, one attempt per message: the member's confirmation
    // is given up on at once.
    let port = free_port().to_string();
    let settings = [
        ("PREAU_SMTP_HOST", "127.0.0.1"),
        ("PREAU_SMTP_PORT", port.as_str()),
        ("PREAU_SMTP_SECURITY", "none"),
        ("PREAU_MAIL_MAX_ATTEMPTS", "1"),
    ];
    browser_test_with(&settings, |ui| async move {
        ui.sign_in_as_admin().await;
        ui.goto("/admin/mail").await;
        ui.settled().await;
        ui.text_of("#mail-failed", "camille@example.org").await;
        ui.screenshots("mail").await;
        ui.click("#mail-failed button[data-action=retry]").await;
        ui.text_of("#toasts", "The email is queued again.").await;
        ui.dismiss_toasts().await;

        ui.goto(&format!("/admin/accounts/{}", ui.member_id)).await;
        ui.settled().await;
        ui.text_of("#section-sessions", "127.0.0.1").await;
        ui.click("#setup-link-form button[type=submit]").await;
        ui.until(
            "the setup link is shown",
            "document.querySelector('#setup-link-value')?.value.includes('/reset?token=')",
        )
        .await;
        ui.screenshots("account-access").await;
    })
    .await;
}

/// Issue 15: an admin creates an account in a class from the accounts page (no password: a
/// setup link), sees the group by name in the list, filters by a parent group (its sub-groups
/// included), and moves the account to another group from its page.
#[tokio::test]
async fn an_admin_creates_an_account_in_a_group_and_moves_it() {
    browser_test(|ui| async move {
        let token = ui.admin_token().await;
        let school = ui
            .server
            .create(&token, "/api/v1/groups", json!({"name": "Lycée Hugo"}))
            .await;
        let class = ui
            .server
            .create(
                &token,
                "/api/v1/groups",
                json!({"name": "2nde A", "parent_id": school}),
            )
            .await;
        let other = ui
            .server
            .create(&token, "/api/v1/groups", json!({"name": "Club info"}))
            .await;

        ui.sign_in_as_admin().await;
        ui.goto("/admin/accounts").await;
        ui.settled().await;
        ui.click("#new-account-open").await;
        ui.type_into("#new-account-form input[name=username]", "zoe.martin")
            .await;
        ui.type_into("#new-account-form input[name=firstname]", "Zoé")
            .await;
        ui.type_into("#new-account-form input[name=lastname]", "Martin")
            .await;
        ui.find("#new-account-form select[name=group_id]")
            .await
            .select_by_value(&class.to_string())
            .await
            .expect("choose the class");
        ui.click("#new-account-form button[type=submit]").await;
        ui.until(
            "the setup link is shown",
            "document.querySelector('#new-account-link')?.value.includes('/reset?token=')",
        )
        .await;
        // The new account is in the list, its group named by its place in the tree.
        ui.text_of(".data-table", "zoe.martin").await;
        ui.text_of(".data-table", "Lycée Hugo › 2nde A").await;

        // Filtering by the school finds the member of its class.
        ui.find("#account-search select[name=group]")
            .await
            .select_by_value(&school.to_string())
            .await
            .expect("choose the school");
        ui.click("#account-search button[type=submit]").await;
        ui.settled().await;
        ui.text_of(".data-table", "zoe.martin").await;

        let (status, list) = ui
            .server
            .api("GET", "/api/v1/accounts?q=zoe.martin", Some(&token), None)
            .await;
        assert_eq!(status, 200);
        let account = &list["items"][0];
        assert_eq!(account["group_id"], json!(class), "{list}");
        assert_eq!(account["must_set_password"], json!(true), "{list}");
        let id = account["id"].as_i64().expect("the new account's id");

        ui.goto(&format!("/admin/accounts/{id}")).await;
        ui.settled().await;
        ui.text_of("#account-group", "Lycée Hugo › 2nde A").await;
        ui.find("#group-form select[name=group_id]")
            .await
            .select_by_value(&other.to_string())
            .await
            .expect("choose the club");
        ui.click("#group-form button[type=submit]").await;
        ui.text_of("#toasts", "Group: Club info.").await;
        let (_, account) = ui
            .server
            .api("GET", &format!("/api/v1/accounts/{id}"), Some(&token), None)
            .await;
        assert_eq!(account["group_id"], json!(other), "{account}");
        ui.screenshots("account-create").await;
    })
    .await;
}

/// Issue 16: the page a setup link opens sets the password, and the member signs in with it.
#[tokio::test]
async fn the_reset_page_of_a_setup_link_sets_the_password() {
    browser_test(|ui| async move {
        let admin = ui.admin_token().await;
        let (status, made) = ui
            .server
            .api(
                "POST",
                &format!("/api/v1/accounts/{}/setup-link", ui.member_id),
                Some(&admin),
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 201, "{made}");
        let link = made["link"].as_str().expect("a link");
        let path = &link[link.find("/reset").expect("the reset path")..];
        ui.goto(path).await;
        ui.find("#reset-form").await;
        // The token leaves the address bar at once.
        assert_eq!(ui.run("return location.search;").await, "");
        ui.type_into("#password", "Purple-Lamp-93").await;
        ui.type_into("#again", "Purple-Lamp-93").await;
        ui.click("#submit").await;
        ui.text_of("#status", "camille").await;
        let (status, body) = ui
            .server
            .api(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"login": MEMBER, "password": "Purple-Lamp-93"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    })
    .await;
}

/// Not a browser test: the sources themselves never parse HTML, and the page has no inline
/// script or style for the CSP to refuse.
#[test]
fn the_ui_sources_never_insert_html() {
    // The member app (`static/app`) is checked by tests/app/main.rs, where the server's
    // sanitized Markdown has one reader; `static/vendor` holds third-party bundles.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("static/admin");
    let mut files = vec![root.clone()];
    let mut checked = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .expect("static/admin/ is readable")
                    .map(|e| e.expect("entry").path()),
            );
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let name = path.display();
        for banned in [
            ".innerHTML",
            ".outerHTML",
            "insertAdjacentHTML(",
            "document.write(",
            "eval(",
            "new Function(",
            "DOMParser",
            "createContextualFragment",
        ] {
            assert!(!text.contains(banned), "{name} uses {banned}");
        }
        if path.extension().is_some_and(|e| e == "html") {
            let lower = text.to_lowercase();
            assert!(
                !lower.contains("<script>") && !lower.contains("<style"),
                "{name} has an inline script or style"
            );
            assert!(
                !lower.contains(" style=")
                    && !lower.contains(" onload=")
                    && !lower.contains(" onclick="),
                "{name} has an inline attribute the CSP refuses"
            );
        }
        checked += 1;
    }
    assert!(checked >= 5, "static/admin/ holds the UI");
}
