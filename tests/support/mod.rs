//! Test support: boots the real `mutua` binary on a random port against a
//! fresh SQLite file or a fresh PostgreSQL database, and an HTTP client that
//! behaves like a browser on the same origin.

pub mod coop;
pub mod market;
pub mod stripe;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The server binary under test: `MUTUA_BIN`, or the release build.
pub fn binary() -> PathBuf {
    let bin = std::env::var_os("MUTUA_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/release/mutua"));
    assert!(
        bin.exists(),
        "{} is missing: build it first (`cargo leptos build --release`)",
        bin.display()
    );
    bin
}

/// PostgreSQL server for tests; never skipped: unreachable means failure.
pub fn postgres_admin_url() -> String {
    std::env::var("MUTUA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database created for one test and removed afterwards.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    dir: PathBuf,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("mutua-test-{id}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        match backend {
            Backend::Sqlite => TestDb {
                url: format!("sqlite://{}?mode=rwc", dir.join("mutua.db").display()),
                backend,
                dir,
                pg_name: None,
            },
            Backend::Postgres => {
                let name = format!("mutua_t_{id}");
                let admin = pg_admin().await;
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                let base = postgres_admin_url();
                let server = base
                    .rsplit_once('/')
                    .map(|(s, _)| s.to_owned())
                    .unwrap_or(base);
                TestDb {
                    url: format!("{server}/{name}"),
                    backend,
                    dir,
                    pg_name: Some(name),
                }
            }
        }
    }

    async fn pg(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .expect("connect test database");
        tokio::spawn(conn);
        client
    }

    /// Runs a statement that changes data (to set up what no page does yet,
    /// e.g. a suspension, which the governance work will bring).
    pub async fn execute(&self, sql: &str) {
        if let Err(e) = self.try_execute(sql).await {
            panic!("{sql}: {e}");
        }
    }

    /// Runs a statement; the database's refusal comes back as text.
    pub async fn try_execute(&self, sql: &str) -> Result<(), String> {
        match self.backend {
            Backend::Postgres => self
                .pg()
                .await
                .batch_execute(sql)
                .await
                .map_err(|e| format!("{e:?}")),
            Backend::Sqlite => {
                let path = self.dir.join("mutua.db");
                let out = Command::new("python3")
                    .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()"])
                    .arg(&path)
                    .arg(sql)
                    .output()
                    .expect("python3 for sqlite changes");
                if out.status.success() {
                    Ok(())
                } else {
                    Err(String::from_utf8_lossy(&out.stderr).into_owned())
                }
            }
        }
    }

    /// Asserts that each statement is refused because its table is
    /// append-only (the database's trigger says so).
    pub async fn assert_append_only(&self, statements: &[&str]) {
        for sql in statements {
            let refused = self.try_execute(sql).await;
            assert!(
                refused.as_ref().is_err_and(|e| e.contains("append-only")),
                "{sql}: {refused:?}"
            );
        }
    }

    /// Where the server of this database keeps its files.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The first column of the first row of `sql`, as text (`None`: no row
    /// or NULL). Cast in the SQL what is not text.
    pub async fn query_text(&self, sql: &str) -> Option<String> {
        query_text(&self.url, sql).await
    }

    /// Runs SQL against this database (for checks the HTTP API cannot make).
    pub async fn query_i64(&self, sql: &str) -> i64 {
        match self.backend {
            Backend::Postgres => {
                let row = self.pg().await.query_one(sql, &[]).await.expect("query");
                row.get::<_, i64>(0)
            }
            Backend::Sqlite => {
                let v = sqlite_value(&self.dir.join("mutua.db"), sql);
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                    .unwrap_or_else(|| panic!("{sql}: not a number: {v}"))
            }
        }
    }
}

/// The first column of the first row of `sql` on a SQLite file (`null`
/// when there is no row).
fn sqlite_value(path: &std::path::Path, sql: &str) -> serde_json::Value {
    let out = Command::new("python3")
        .args(["-c", "import sqlite3,sys,json; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print(json.dumps(r[0] if r else None))"])
        .arg(path)
        .arg(sql)
        .output()
        .expect("python3 for sqlite checks");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from python")
}

/// The first column of the first row of `sql` on the database at `url`.
pub async fn query_text(url: &str, sql: &str) -> Option<String> {
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let path = rest.split('?').next().unwrap_or(rest);
        return sqlite_value(std::path::Path::new(path), sql)
            .as_str()
            .map(str::to_owned);
    }
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect test database");
    tokio::spawn(conn);
    let row = client.query_opt(sql, &[]).await.expect("query")?;
    row.get::<_, Option<String>>(0)
}

/// The token of the registration link in a mail's body.
pub fn registration_token(body: &str) -> Option<String> {
    let rest = body.split("/register/confirm/").nth(1)?;
    rest.split_whitespace().next().map(str::to_owned)
}

async fn pg_admin() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&postgres_admin_url(), tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL is required for the tests and unreachable: {e}"));
    tokio::spawn(conn);
    client
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(name) = self.pg_name.take() {
            // Drop needs its own runtime: the test's may be shutting down.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        let admin = pg_admin().await;
                        let _ = admin
                            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .await;
                    });
                }
            })
            .join();
        }
    }
}

/// Starts one of the Python test helpers in `tests/support` (from the
/// virtualenv `.ci/setup --test` makes) and reads the port it prints on its
/// first line (`… PORT`).
pub fn start_python_helper(script: &str, args: &[&std::ffi::OsStr]) -> (Child, u16) {
    let python = workspace_root().join("tests/.venv/bin/python");
    assert!(
        python.exists(),
        "the Python test helpers are not installed: run `bash .ci/setup --test`"
    );
    let mut child = Command::new(python)
        .arg(workspace_root().join("tests/support").join(script))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {script}: {e}"));
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("{script} port: {e}"));
    let port = line
        .trim()
        .rsplit(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected {script} output {line:?}"));
    (child, port)
}

/// A running `mutua serve`.
pub struct TestServer {
    child: Child,
    pub url: String,
    db_url: String,
    data_dir: PathBuf,
    env: Vec<(String, String)>,
}

impl TestServer {
    /// `mutua ledger verify` on this server's database: (passed, report).
    pub fn ledger_verify(&self) -> (bool, String) {
        let out = self.cli(&["ledger", "verify"], "");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }
}

impl TestServer {
    pub fn start(db: &TestDb) -> TestServer {
        Self::start_with(db, &[])
    }

    pub fn start_with(db: &TestDb, env: &[(&str, &str)]) -> TestServer {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let data_dir = db.dir.join("data");
        let (child, url) = spawn(&db.url, &data_dir, &env);
        TestServer {
            child,
            url,
            db_url: db.url.clone(),
            data_dir,
            env,
        }
    }

    /// Stops the server and starts a new process on the same database.
    /// Stops the server and starts it again with `env` instead of the
    /// settings it had.
    pub fn restart_with(&mut self, env: &[(&str, &str)]) {
        self.env = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        self.restart();
    }

    pub fn restart(&mut self) {
        self.stop();
        let (child, url) = spawn(&self.db_url, &self.data_dir, &self.env);
        self.child = child;
        self.url = url;
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The file of seconds the server's clock runs ahead of real time
    /// (unless the test gave the server another).
    pub fn clock_file(&self) -> PathBuf {
        self.data_dir.join(CLOCK_FILE)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A browser-like client: cookies kept, same-origin `Origin`, no redirects followed.
    pub fn client(&self) -> Client {
        Client::new(&self.url)
    }

    /// A client connecting from another loopback address (`127.0.0.2`…):
    /// another person than the test's other clients.
    pub fn client_from(&self, local: std::net::IpAddr) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .local_address(local)
            .build()
            .expect("client");
        Client {
            http,
            base: self.url.clone(),
        }
    }

    /// The body of the newest mail queued for `recipient`, if any.
    pub async fn last_mail(&self, recipient: &str) -> Option<String> {
        let sql = format!(
            "SELECT body FROM email_outbox WHERE recipient = '{}' ORDER BY created_at DESC, id DESC LIMIT 1",
            recipient.replace('\'', "''")
        );
        query_text(&self.db_url, &sql).await
    }

    /// Registers as a person does: the form, then the link mailed to the
    /// address, its page, and its button. Returns the button's answer.
    pub async fn sign_up(&self, c: &Client, email: &str, name: &str, password: &str) -> Response {
        let res = c.register(email, name, password).await;
        assert_eq!(res.status(), 200, "register {email}");
        assert_eq!(location(&res), "/register/sent");
        let body = self
            .last_mail(&email.trim().to_lowercase())
            .await
            .unwrap_or_else(|| panic!("no mail to {email}"));
        let token = registration_token(&body).unwrap_or_else(|| panic!("no link in {body}"));
        let page = c.get(&format!("/register/confirm/{token}")).await;
        assert_eq!(page.status(), 200);
        c.post_form("/fn/confirm-registration", &[("token", &token)])
            .await
    }

    /// Runs a `mutua` subcommand against this server's database.
    pub fn cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        run_cli(&self.db_url, &self.data_dir, args, stdin)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn run_cli(
    db_url: &str,
    data_dir: &PathBuf,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(binary())
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("MUTUA_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mutua");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("mutua output")
}

/// `MUTUA_TEST_NOFILE` (read here, not by the server): start the server
/// with that hard and soft limit of open files.
fn spawn(db_url: &str, data_dir: &PathBuf, env: &[(String, String)]) -> (Child, String) {
    let nofile = env
        .iter()
        .find(|(k, _)| k == "MUTUA_TEST_NOFILE")
        .map(|(_, v)| v.clone());
    let mut cmd = match nofile {
        Some(n) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("ulimit -n {n} && exec \"$0\" serve"))
                .arg(binary());
            c
        }
        None => {
            let mut c = Command::new(binary());
            c.arg("serve");
            c
        }
    };
    cmd.current_dir(workspace_root())
        .env("DATABASE_URL", db_url)
        .env("MUTUA_LISTEN", "127.0.0.1:0")
        .env("MUTUA_DATA_DIR", data_dir)
        .env_remove("MUTUA_PUBLIC_URL")
        .env(
            "RUST_LOG",
            std::env::var("MUTUA_TEST_LOG").unwrap_or_else(|_| "error".into()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    // Every test server's clock can be moved (`TestServer::clock_file`).
    cmd.env("MUTUA_CLOCK_OFFSET_FILE", data_dir.join(CLOCK_FILE));
    for (k, v) in env.iter().filter(|(k, _)| k != "MUTUA_TEST_NOFILE") {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn mutua serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        while let Some(Ok(line)) = lines.next() {
            if let Some(rest) = line.split("listening on ").nth(1) {
                let url = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let _ = tx.send(url);
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("mutua did not start listening within 60 s");
    (child, url)
}

/// An HTTP client that keeps cookies and sends this origin, like a browser.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

pub type Response = reqwest::Response;

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Client {
            http,
            base: base.to_owned(),
        }
    }

    /// A page load, as a browser asks for it.
    pub async fn get(&self, path: &str) -> Response {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = self
            .http
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html,*/*;q=0.8");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("GET")
    }

    /// A JSON answer (the public API), read whole.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.get(path).await.json().await.expect("json")
    }

    /// A form post as the app's JavaScript sends it (JSON answers).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.post_form_with(path, form, &[("accept", "application/json")])
            .await
    }

    pub async fn post_form_with(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Response {
        self.try_post_form_with(path, form, headers)
            .await
            .expect("POST")
    }

    /// A form post whose transport failure (a server that died) is an answer.
    pub async fn try_post_form_with(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<Response, reqwest::Error> {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .header("sec-fetch-site", "same-origin")
            .form(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await
    }

    pub async fn register(&self, email: &str, name: &str, password: &str) -> Response {
        self.post_form(
            "/fn/register",
            &[
                ("email", email),
                ("display_name", name),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_form("/fn/login", &[("email", email), ("password", password)])
            .await
    }

    pub async fn logout(&self) -> Response {
        self.post_form_with("/logout", &[], &[]).await
    }

    /// The HTML of `/account` when logged in, `None` when redirected to login.
    pub async fn account_page(&self) -> Option<String> {
        let res = self.get("/account").await;
        if res.status() == 302 {
            assert_eq!(location(&res), "/login?next=/account");
            return None;
        }
        assert_eq!(res.status(), 200);
        Some(res.text().await.expect("body"))
    }
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

pub fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The value of the cookie `name` set by `res`, if any.
pub fn set_cookie(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// Runs an async test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::Backend::Postgres).await
            }
        }
    };
}

/// Where a test server's clock offset is, under its data directory.
const CLOCK_FILE: &str = "clock-offset";

/// The clock of a test server: a file of seconds ahead of real time, and a
/// job runner ticking every second.
pub struct Clock {
    file: String,
}

impl Clock {
    pub fn new(db: &TestDb) -> Clock {
        std::fs::create_dir_all(db.data_dir()).expect("data dir");
        let file = db.data_dir().join(CLOCK_FILE).display().to_string();
        std::fs::write(&file, "0").expect("clock");
        Clock { file }
    }

    pub fn env(&self) -> [(&'static str, &str); 2] {
        [
            ("MUTUA_CLOCK_OFFSET_FILE", self.file.as_str()),
            ("MUTUA_JOB_INTERVAL_SECS", "1"),
        ]
    }

    /// Sets the clock `seconds` ahead of real time.
    pub fn advance(&self, seconds: i64) {
        std::fs::write(&self.file, seconds.to_string()).expect("clock");
    }

    /// How many seconds the clock is ahead of real time now.
    pub fn offset(&self) -> i64 {
        std::fs::read_to_string(&self.file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }
}
