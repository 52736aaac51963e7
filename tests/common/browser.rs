//! The harness of the browser tests (`tests/browser.rs`, the admin UI; `tests/app_browser.rs`,
//! the member app): the real `preau` binary on a temporary database (an admin made with
//! `preau admin create`, a member registered through `/auth/register`), Debian's headless
//! Chromium driven through chromedriver, and what both suites ask of a page. Included by both
//! with `#[path = "common/browser.rs"] mod harness;`.
//!
//! Without `chromium` and `chromium-driver` the tests print a notice and pass, except under
//! `CI=true`, where a missing browser is a failure.

#![allow(dead_code)]

use std::future::Future;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tempfile::TempDir;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const ADMIN_PASSWORD: &str = "Blue-Kettle-42";
pub const MEMBER: &str = "camille";
pub const MEMBER_PASSWORD: &str = "Green-Teapot-77";
/// The password of the other members some tests register.
pub const OTHER_PASSWORD: &str = "Orange-Piano-58";
/// The member's first name: markup that would run if the UI ever inserted it as HTML.
pub const MARKUP_NAME: &str = r#"<img src=x onerror="window.__xss=1">"#;
pub const WAIT: Duration = Duration::from_secs(20);
pub const DESKTOP: (u32, u32) = (1280, 800);
pub const PHONE: (u32, u32) = (375, 812);

/// One browser test at a time: they share two cores, and Chromium is heavy.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Whether the browser is installed; under CI=true its absence fails the test. `suite` names
/// the tests in the notice ("the admin UI", "the member app").
pub fn browser_installed(suite: &str) -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "{suite} browser tests need {}: apt-get install chromium chromium-driver",
        missing.join(" and ")
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message} (CI=true: a missing browser is a failure, not a skip)");
    }
    eprintln!("notice: skipped: {message}");
    false
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free local port")
        .port()
}

/// A child process killed when the test ends, whatever happens.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn log_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

// ------------------------------------------------------------------ the server and its API

pub struct Server {
    pub base: String,
    pub dir: TempDir,
    pub _process: Process,
}

impl Server {
    pub async fn start(settings: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let database = dir.path().join("preau.db");
        let port = free_port();
        let env = |c: &mut Command| {
            c.current_dir(dir.path())
                .env("PREAU_DATABASE", &database)
                .env("ROCKET_PORT", port.to_string())
                .env("ROCKET_ADDRESS", "127.0.0.1")
                .env("PREAU_LOG_REQUESTS", "false")
                .envs(settings.iter().copied());
        };

        let mut create = Command::new(env!("CARGO_BIN_EXE_preau"));
        create.args([
            "admin",
            "create",
            "--username",
            "admin",
            "--email",
            "admin@example.org",
        ]);
        env(&mut create);
        let mut child = create
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("preau admin create starts");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{ADMIN_PASSWORD}\n").as_bytes())
            .expect("the password is written");
        let out = child.wait_with_output().expect("preau admin create ends");
        assert!(
            out.status.success(),
            "preau admin create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        let log = std::fs::File::create(dir.path().join("server.log")).expect("server log file");
        let mut serve = Command::new(env!("CARGO_BIN_EXE_preau"));
        env(&mut serve);
        let child = serve
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("preau starts");
        let mut server = Server {
            base: format!("http://127.0.0.1:{port}"),
            dir,
            _process: Process(child),
        };

        let started = Instant::now();
        loop {
            if let Ok((200, _)) = server.try_api("GET", "/health", None, None).await {
                break;
            }
            if let Ok(Some(status)) = server._process.0.try_wait() {
                panic!(
                    "preau exited ({status}) before answering:\n{}",
                    log_of(&server.dir.path().join("server.log"))
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "preau did not answer /health in 30 s:\n{}",
                log_of(&server.dir.path().join("server.log"))
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server
    }

    pub async fn try_api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<(u16, Value), String> {
        let client: HttpClient<HttpConnector, Full<Bytes>> =
            HttpClient::builder(TokioExecutor::new()).build_http();
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let response = client.request(request).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Ok((status, json))
    }

    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.try_api(method, path, token, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub async fn token(&self, login: &str, password: &str) -> String {
        let (status, body) = self
            .api(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"login": login, "password": password})),
            )
            .await;
        assert_eq!(status, 200, "login of {login}: {body}");
        body["token"].as_str().expect("a token").to_owned()
    }

    pub async fn register_member(&self) -> i64 {
        let body = json!({
            "username": MEMBER, "password": MEMBER_PASSWORD, "email": "camille@example.org",
            "firstname": MARKUP_NAME, "lastname": "Martin",
        });
        let (status, body) = self.api("POST", "/auth/register", None, Some(body)).await;
        assert_eq!(status, 201, "registration: {body}");
        body["id"].as_i64().expect("the new account's id")
    }

    /// Registers another member (password `OTHER_PASSWORD`); returns its id and a token.
    pub async fn register(&self, username: &str) -> (i64, String) {
        let body = json!({
            "username": username, "password": OTHER_PASSWORD,
            "email": format!("{username}@example.org"),
        });
        let (status, body) = self.api("POST", "/auth/register", None, Some(body)).await;
        assert_eq!(status, 201, "registration of {username}: {body}");
        let id = body["id"].as_i64().expect("the new account's id");
        (id, self.token(username, OTHER_PASSWORD).await)
    }

    /// `POST path body` that must answer 201; returns the new row's id.
    pub async fn create(&self, token: &str, path: &str, body: Value) -> i64 {
        let (status, row) = self.api("POST", path, Some(token), Some(body)).await;
        assert_eq!(status, 201, "POST {path}: {row}");
        row["id"].as_i64().expect("the new row's id")
    }
}

// ------------------------------------------------------------------ the browser

/// A raw DevTools command through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
pub struct DevTools {
    pub command: &'static str,
    pub params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"cmd": self.command, "params": self.params}).to_string()),
        )
    }
}

pub async fn start_browser() -> (Process, TempDir, Client) {
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let port = free_port();
    let log =
        std::fs::File::create(profile.path().join("chromedriver.log")).expect("chromedriver log");
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log)
        .spawn()
        .expect("chromedriver starts");
    let driver = Process(child);
    let url = format!("http://127.0.0.1:{port}");
    let data_dir = profile.path().join("data");
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--lang=en-US", "--window-size=1280,800",
                format!("--user-data-dir={}", data_dir.display()),
            ],
            "prefs": {"intl.accept_languages": "en-US,en"},
        }
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("an object literal")
    };
    let started = Instant::now();
    let client = loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => break client,
            Err(_) if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!(
                "no WebDriver session: {e}\n{}",
                log_of(&profile.path().join("chromedriver.log"))
            ),
        }
    };
    (driver, profile, client)
}

/// What a test body gets: the browser, the server (with the admin and the member), and the
/// member's id.
pub struct Ui {
    pub browser: Client,
    pub server: Server,
    pub member_id: i64,
}

/// Runs `body` with a fresh server (`PREAU_*` settings) and browser, and always closes the
/// browser afterwards (a panic in `body` is raised again once it is closed). Every page records
/// the CSP violations it causes in `window.__csp`.
pub async fn browser_test_with<F, Fut>(suite: &str, settings: &[(&str, &str)], body: F)
where
    F: FnOnce(std::sync::Arc<Ui>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if !browser_installed(suite) {
        return;
    }
    let _serial = SERIAL.lock().await;
    let server = Server::start(settings).await;
    let member_id = server.register_member().await;
    let (_driver, _profile, browser) = start_browser().await;
    browser
        .issue_cmd(DevTools {
            command: "Page.addScriptToEvaluateOnNewDocument",
            params: json!({"source": "window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));"}),
        })
        .await
        .expect("the CSP listener is installed");
    let ui = std::sync::Arc::new(Ui {
        browser: browser.clone(),
        server,
        member_id,
    });
    let outcome = tokio::spawn(body(ui.clone())).await;
    let _ = browser.close().await;
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the test task failed: {error}"),
        }
    }
}

impl Ui {
    pub async fn goto(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.server.base))
            .await
            .expect("navigation");
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.browser
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}` on the page: {e}"))
    }

    pub async fn run(&self, script: &str) -> Value {
        self.browser
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `script` (an expression) is true in the page.
    pub async fn until(&self, what: &str, script: &str) {
        let started = Instant::now();
        loop {
            if self.run(&format!("return Boolean({script});")).await == Value::Bool(true) {
                return;
            }
            assert!(
                started.elapsed() < WAIT,
                "timed out waiting for {what} ({script})"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element's text contains `needle`; returns the text.
    pub async fn text_of(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let text = self.find(css).await.text().await.unwrap_or_default();
            if text.contains(needle) {
                return text;
            }
            assert!(
                started.elapsed() < WAIT,
                "`{css}` never showed {needle:?}; it shows {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clear the field");
        input.send_keys(text).await.expect("typing");
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click `{css}`: {e}"));
    }

    /// Closes the messages in the corner, which can cover a button near the bottom right.
    pub async fn dismiss_toasts(&self) {
        self.run("document.querySelectorAll('.toast-close').forEach(b => b.click());")
            .await;
    }

    /// The page is drawn: no loading state left.
    pub async fn settled(&self) {
        self.until("the page to finish loading", "document.body.dataset.ready === 'true' && !document.querySelector('.state-loading, [aria-busy=\"true\"]')").await;
    }

    pub async fn path(&self) -> String {
        self.browser
            .current_url()
            .await
            .expect("the current URL")
            .path()
            .to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.server.token("admin", ADMIN_PASSWORD).await
    }

    pub async fn viewport(&self, (width, height): (u32, u32)) {
        let params = json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500});
        self.browser
            .issue_cmd(DevTools {
                command: "Emulation.setDeviceMetricsOverride",
                params,
            })
            .await
            .expect("viewport override");
        // Let the layout follow before anything measures or captures it.
        self.run("return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(innerWidth))));").await;
    }
}

pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots");
    dir
}
