//! Register, log in, wrong passwords, log out, sessions, password change, CLI.

use mutua_tests::*;
use serde_json::Value;

const PASSWORD: &str = "bici-cargo-sul-Naviglio";

async fn error_json(res: Response) -> Value {
    res.json().await.expect("JSON error body")
}

on_both_databases!(register_login_logout, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let c = server.client();

    assert_eq!(c.account_page().await, None, "a visitor is sent to /login");

    let res = c
        .register("Sara.Greco@Example.it", "Sara Greco", PASSWORD)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        location(&res),
        "/account",
        "the app is told to go to the account page"
    );
    let cookie = set_cookie(&res, "mutua_session").expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    let page = c.account_page().await.expect("logged in after registering");
    assert!(
        page.contains("sara.greco@example.it"),
        "e-mail is stored lowercased"
    );
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM users").await, 1);

    // Logout deletes the session on the server.
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM sessions").await, 1);
    let res = c.logout().await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/");
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(c.account_page().await, None);

    // Log in again, in any letter case.
    let res = c.login("SARA.GRECO@example.it", PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert!(c.account_page().await.is_some());

    // The same address cannot register twice.
    let other = server.client();
    let res = other
        .register("sara.greco@example.it", "Sara Bis", PASSWORD)
        .await;
    assert_eq!(res.status(), 422);
    let body = error_json(res).await;
    assert_eq!(
        body["Invalid"]["fields"][0]["problem"], "EmailTaken",
        "{body}"
    );
});

on_both_databases!(
    wrong_password_and_unknown_email_look_the_same,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let c = server.client();
        assert_eq!(
            c.register("marta@example.it", "Marta", PASSWORD)
                .await
                .status(),
            200
        );
        let c = server.client();

        let wrong = c.login("marta@example.it", "not-the-password").await;
        let unknown = c.login("nobody@example.it", "not-the-password").await;
        assert_eq!(wrong.status(), 401);
        assert_eq!(unknown.status(), 401);
        assert!(
            set_cookie(&wrong, "mutua_session").is_none(),
            "no session on failure"
        );
        let (wrong, unknown) = (error_json(wrong).await, error_json(unknown).await);
        assert!(wrong.get("InvalidCredentials").is_some(), "{wrong}");
        assert!(unknown.get("InvalidCredentials").is_some(), "{unknown}");
        assert_eq!(c.account_page().await, None);
    }
);

on_both_databases!(
    session_id_is_cycled_and_survives_restart,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let mut server = TestServer::start(&db);
        let c = server.client();
        let first = c.register("ugo@example.it", "Ugo", PASSWORD).await;
        let first = set_cookie(&first, "mutua_session").expect("cookie");
        let second = c.login("ugo@example.it", PASSWORD).await;
        let second = set_cookie(&second, "mutua_session").expect("cookie");
        assert_ne!(
            first.split(';').next(),
            second.split(';').next(),
            "login issues a new session id"
        );

        // The old id no longer logs anyone in.
        let stale = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let res = stale
            .get(format!("{}/account", server.url))
            .header("cookie", first.split(';').next().unwrap_or_default())
            .header("accept", "text/html")
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status(), 302);

        // Sessions live in the database: a new process still knows this one.
        let cookie = second.split(';').next().unwrap_or_default().to_owned();
        server.restart();
        let res = stale
            .get(format!("{}/account", server.url))
            .header("cookie", &cookie)
            .header("accept", "text/html")
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status(), 200, "session kept across a restart");
        assert!(res.text().await.expect("body").contains("ugo@example.it"));
    }
);

on_both_databases!(
    registration_refuses_bad_input_and_writes_nothing,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let c = server.client();
        let res = c.register("not-an-email", "A", "short").await;
        assert_eq!(res.status(), 422);
        let body = error_json(res).await;
        let problems: Vec<(String, String)> = body["Invalid"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| {
                (
                    f["field"].as_str().unwrap_or_default().into(),
                    f["problem"].as_str().unwrap_or_default().into(),
                )
            })
            .collect();
        assert!(
            problems.contains(&("email".into(), "EmailInvalid".into())),
            "{body}"
        );
        assert!(
            problems.contains(&("display_name".into(), "DisplayNameInvalid".into())),
            "{body}"
        );
        assert!(
            problems.contains(&("password".into(), "PasswordTooShort".into())),
            "{body}"
        );
        // What was typed comes back (but never the password).
        let echo = body["Invalid"]["echo"].to_string();
        assert!(
            echo.contains("not-an-email") && !echo.contains("short"),
            "{echo}"
        );

        let res = c.register("anna@example.it", "Anna", "password123").await;
        assert_eq!(res.status(), 422);
        assert_eq!(
            error_json(res).await["Invalid"]["fields"][0]["problem"],
            "PasswordCommon"
        );
        let long = "x".repeat(129);
        let res = c.register("anna@example.it", "Anna", &long).await;
        assert_eq!(
            error_json(res).await["Invalid"]["fields"][0]["problem"],
            "PasswordTooLong"
        );
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM users").await, 0);
    }
);

on_both_databases!(
    change_password_checks_the_current_one_and_ends_other_sessions,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let laptop = server.client();
        let phone = server.client();
        assert_eq!(
            laptop
                .register("rita@example.it", "Rita", PASSWORD)
                .await
                .status(),
            200
        );
        assert_eq!(phone.login("rita@example.it", PASSWORD).await.status(), 200);

        let res = laptop
            .post_form(
                "/fn/change-password",
                &[
                    ("current_password", "wrong"),
                    ("new_password", "nuova-password-lunga"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert_eq!(
            error_json(res).await["Invalid"]["fields"][0]["problem"],
            "CurrentPasswordWrong"
        );

        let res = laptop
            .post_form(
                "/fn/change-password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "nuova-password-lunga"),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
        assert!(
            laptop.account_page().await.is_some(),
            "this session continues"
        );
        assert_eq!(phone.account_page().await, None, "other sessions end");
        let c = server.client();
        assert_eq!(c.login("rita@example.it", PASSWORD).await.status(), 401);
        assert_eq!(
            c.login("rita@example.it", "nuova-password-lunga")
                .await
                .status(),
            200
        );

        // A visitor cannot call it at all.
        let visitor = server.client();
        let res = visitor
            .post_form(
                "/fn/change-password",
                &[("current_password", "x"), ("new_password", "y")],
            )
            .await;
        assert_eq!(res.status(), 401);
    }
);

on_both_databases!(
    throttles_logins_per_account_and_per_address,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start_with(
            &db,
            &[
                ("MUTUA_LOGIN_LIMIT_PER_ACCOUNT", "3"),
                ("MUTUA_LOGIN_LIMIT_PER_IP", "8"),
            ],
        );
        let c = server.client();
        assert_eq!(
            c.register("elio@example.it", "Elio", PASSWORD)
                .await
                .status(),
            200
        );
        let c = server.client();
        for _ in 0..3 {
            assert_eq!(c.login("elio@example.it", "guess").await.status(), 401);
        }
        let res = c.login("elio@example.it", PASSWORD).await;
        assert_eq!(res.status(), 429, "locked even with the right password");
        let retry: u64 = header(&res, "retry-after")
            .parse()
            .expect("Retry-After seconds");
        assert!((1..=900).contains(&retry), "{retry}");

        // Address limit: 8 attempts per window from one address, whatever the account.
        // Three used so far (the locked attempt was refused before counting).
        let mut statuses = Vec::new();
        for i in 0..6 {
            statuses.push(
                c.login(&format!("someone{i}@example.it"), "guess")
                    .await
                    .status()
                    .as_u16(),
            );
        }
        assert_eq!(statuses, vec![401, 401, 401, 401, 401, 429], "{statuses:?}");
    }
);

on_both_databases!(cli_creates_users_and_seeds_the_demo, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let out = server.cli(
        &[
            "create-user",
            "board@example.it",
            "--board",
            "--name",
            "Bea Board",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = server.cli(&["create-user", "weak@example.it"], "123\n");
    assert!(!out.status.success(), "a weak password is refused");

    let c = server.client();
    assert_eq!(c.login("board@example.it", PASSWORD).await.status(), 200);
    let page = c.account_page().await.expect("logged in");
    assert!(
        page.contains("data-testid=\"account-role\">Consiglio di amministrazione<"),
        "board role shown"
    );

    let first = server.cli(&["seed-demo"], "");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let users = db.query_i64("SELECT COUNT(*) FROM users").await;
    let second = server.cli(&["seed-demo"], "");
    assert!(second.status.success());
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM users").await,
        users,
        "seeding twice adds nothing"
    );
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 accounts created"));
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 listings and 0 orders created"));
    // Ten demo orders, one in each state.
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM orders").await, 10);
    assert_eq!(
        db.query_i64("SELECT COUNT(DISTINCT status) FROM orders")
            .await,
        10
    );
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM board_seats").await, 4);
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM memberships WHERE status = 'active'")
            .await,
        12
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM memberships WHERE status = 'applicant'")
            .await,
        1
    );
    // About forty published listings, each with a picture and weekly hours.
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM listings WHERE status = 'active'")
            .await,
        40
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM listing_images").await,
        40
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(DISTINCT listing_id) FROM availability_slots")
            .await,
        40
    );
    let list: serde_json::Value = server
        .client()
        .get("/api/v1/listings?q=cargo")
        .await
        .json()
        .await
        .expect("json");
    let first_id = list["items"][0]["id"].as_str().expect("a demo listing");
    let detail: serde_json::Value = server
        .client()
        .get(&format!("/api/v1/listings/{first_id}"))
        .await
        .json()
        .await
        .expect("json");
    let picture = detail["images"][0].as_str().expect("a picture").to_owned();
    assert_eq!(server.client().get(&picture).await.status(), 200);

    // A demo member is a member.
    let c = server.client();
    assert_eq!(
        c.login("giulia.bianchi@mutua.example", "mutua-demo-2026")
            .await
            .status(),
        200
    );
    assert!(c.account_page().await.expect("page").contains(">Socio<"));
});
