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

    // Registering mails a link; the account exists only once it is opened.
    let res = c
        .register("Sara.Greco@Example.it", "Sara Greco", PASSWORD)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(location(&res), "/register/sent");
    assert!(set_cookie(&res, "mutua_session").is_none());
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM users").await, 0);
    let sent = c.get("/register/sent").await;
    assert_eq!(sent.status(), 200);
    assert!(sent
        .text()
        .await
        .expect("body")
        .contains("Controlla la tua e-mail"));
    let mail = server
        .last_mail("sara.greco@example.it")
        .await
        .expect("a mail to the address, lowercased");
    assert!(
        mail.contains("Conferma") || mail.contains("entro 24 ore"),
        "{mail}"
    );
    let token = registration_token(&mail).expect("link");
    assert_eq!(
        db.query_i64(&format!(
            "SELECT COUNT(*) FROM registration_requests WHERE token_hash = '{token}'"
        ))
        .await,
        0,
        "only the token's hash is kept"
    );

    let page = c.get(&format!("/register/confirm/{token}")).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("body");
    assert!(page.contains("Sara Greco") && page.contains("sara.greco@example.it"));
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM users").await,
        0,
        "opening the link (as a mail scanner may) creates nothing"
    );
    let res = c
        .post_form("/fn/confirm-registration", &[("token", &token)])
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
    let page = c.account_page().await.expect("logged in after confirming");
    assert!(
        page.contains("sara.greco@example.it"),
        "e-mail is stored lowercased"
    );
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM registration_requests")
            .await,
        0
    );

    // The link is used up.
    let again = server.client();
    let res = again
        .post_form("/fn/confirm-registration", &[("token", &token)])
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(error_json(res).await["Refused"], "LinkInvalid");
    let page = again.get(&format!("/register/confirm/{token}")).await;
    assert!(page
        .text()
        .await
        .expect("body")
        .contains("Questo link non vale più"));

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
});

on_both_databases!(
    registering_a_known_address_tells_only_its_owner,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let sara = server.client();
        assert_eq!(
            server
                .sign_up(&sara, "sara@example.it", "Sara", PASSWORD)
                .await
                .status(),
            200
        );

        // A stranger registers Sara's address and a new one: the same answer.
        let stranger = server.client();
        let known = stranger
            .register("SARA@example.it", "Sara Bis", "altra-password-lunga")
            .await;
        let fresh = stranger
            .register("nuovo@example.it", "Nuovo", "altra-password-lunga")
            .await;
        assert_eq!(known.status(), fresh.status());
        assert_eq!(location(&known), location(&fresh));
        assert_eq!(location(&known), "/register/sent");
        let (known, fresh) = (
            known.text().await.expect("body"),
            fresh.text().await.expect("body"),
        );
        assert_eq!(known, fresh);

        // Sara's mailbox says someone tried; her account is unchanged.
        let mail = server.last_mail("sara@example.it").await.expect("mail");
        assert!(mail.contains("un account c'è già"), "{mail}");
        assert!(mail.contains("/login") && registration_token(&mail).is_none());
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM users").await, 1);
        assert_eq!(
            db.query_i64(
                "SELECT COUNT(*) FROM registration_requests WHERE email = 'sara@example.it'"
            )
            .await,
            0
        );
        assert_eq!(sara.logout().await.status(), 303);
        assert_eq!(sara.login("sara@example.it", PASSWORD).await.status(), 200);
        assert_eq!(
            stranger
                .login("sara@example.it", "altra-password-lunga")
                .await
                .status(),
            401
        );

        // The form cannot fill a mailbox: three registration mails an hour.
        for _ in 0..4 {
            let res = stranger
                .register("sara@example.it", "Sara Bis", "altra-password-lunga")
                .await;
            assert_eq!(res.status(), 200);
        }
        assert_eq!(
            db.query_i64(
                "SELECT COUNT(*) FROM email_outbox WHERE recipient = 'sara@example.it' \
                 AND notice = 'registration'"
            )
            .await,
            3
        );

        // A link older than a day creates nothing.
        let mail = server.last_mail("nuovo@example.it").await.expect("mail");
        let token = registration_token(&mail).expect("link");
        db.execute(
            "UPDATE registration_requests SET expires_at = created_at \
             WHERE email = 'nuovo@example.it'",
        )
        .await;
        let res = stranger
            .post_form("/fn/confirm-registration", &[("token", &token)])
            .await;
        assert_eq!(res.status(), 409);
        assert_eq!(error_json(res).await["Refused"], "LinkInvalid");

        // Two links for one address (the first made before the second was
        // asked): the older is void once a newer one was sent.
        let first = server.client();
        first
            .register("doppio@example.it", "Doppio", PASSWORD)
            .await;
        let one = registration_token(&server.last_mail("doppio@example.it").await.expect("mail"))
            .expect("link");
        first
            .register("doppio@example.it", "Doppio", PASSWORD)
            .await;
        let two = registration_token(&server.last_mail("doppio@example.it").await.expect("mail"))
            .expect("link");
        assert_ne!(one, two);
        let res = first
            .post_form("/fn/confirm-registration", &[("token", &one)])
            .await;
        assert_eq!(res.status(), 409);
        let res = first
            .post_form("/fn/confirm-registration", &[("token", &two)])
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM users").await, 2);
    }
);

on_both_databases!(
    wrong_password_and_unknown_email_look_the_same,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let c = server.client();
        assert_eq!(
            server
                .sign_up(&c, "marta@example.it", "Marta", PASSWORD)
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
        let first = server.sign_up(&c, "ugo@example.it", "Ugo", PASSWORD).await;
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
            server
                .sign_up(&laptop, "rita@example.it", "Rita", PASSWORD)
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
            server
                .sign_up(&c, "elio@example.it", "Elio", PASSWORD)
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
    // Ten demo orders, one in each state, after 28 completed ones in the
    // ten months before this one.
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM orders").await, 38);
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM orders WHERE status = 'completed'")
            .await,
        29
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(DISTINCT status) FROM orders")
            .await,
        10
    );
    // The transparency chart has a year to show: fees in most past months.
    let t: serde_json::Value = server.client().get_json("/api/v1/transparency").await;
    let with_fees = t["months"]
        .as_array()
        .expect("months")
        .iter()
        .filter(|m| m["fees_minor"].as_i64().unwrap_or(0) > 0)
        .count();
    assert!(with_fees >= 9, "{t}");
    // Every demo service can be booked: its duration fits its hours.
    let services: serde_json::Value = server
        .client()
        .get_json("/api/v1/listings?kind=service&per_page=100")
        .await;
    for item in services["items"].as_array().expect("items") {
        let id = item["id"].as_str().expect("id");
        let detail: serde_json::Value = server
            .client()
            .get_json(&format!("/api/v1/listings/{id}"))
            .await;
        assert!(
            detail["next_openings"]
                .as_array()
                .is_some_and(|o| !o.is_empty()),
            "{} has no opening",
            item["title"]
        );
    }
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
    let list: serde_json::Value = server.client().get_json("/api/v1/listings?q=cargo").await;
    let first_id = list["items"][0]["id"].as_str().expect("a demo listing");
    let detail: serde_json::Value = server
        .client()
        .get_json(&format!("/api/v1/listings/{first_id}"))
        .await;
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
    // Giulia chose the feminine form; the words that agree follow what
    // each member chooses, in Italian, on every page that names a class.
    let page = c.account_page().await.expect("page");
    assert!(page.contains(">Socia<"), "feminine role");
    let directory = c.get("/members").await.text().await.expect("directory");
    assert!(directory.contains("Socia lavoratrice"), "feminine class");
    for (form, role, class, status) in [
        ("m", ">Socio<", "Socio lavoratore", "Socio attivo"),
        (
            "n",
            ">Persona socia<",
            "Persona socia lavoratrice",
            "Persona socia attiva",
        ),
        ("f", ">Socia<", "Socia lavoratrice", "Socia attiva"),
    ] {
        let saved = c
            .post_form(
                "/fn/preferences",
                &[("locale", "it"), ("address_form", form)],
            )
            .await;
        assert!(
            saved.status().is_success() || saved.status().is_redirection(),
            "{form}: {}",
            saved.status()
        );
        assert!(
            c.account_page().await.expect("page").contains(role),
            "{form}: role"
        );
        let me = c.get("/members").await.text().await.expect("directory");
        let giulia: String = me
            .split(">Giulia Bianchi</a></h2>")
            .nth(1)
            .expect("Giulia listed")
            .chars()
            .take(400)
            .collect();
        assert!(giulia.contains(class), "{form}: class");
        let dashboard = c.get("/dashboard").await.text().await.expect("dashboard");
        assert!(dashboard.contains(status), "{form}: status");
    }
});

/// A login attempt that says it comes from `from` (a header anyone can send).
async fn login_from(c: &Client, email: &str, from: &str) -> u16 {
    c.post_form_with(
        "/fn/login",
        &[("email", email), ("password", "guess")],
        &[("accept", "application/json"), ("x-forwarded-for", from)],
    )
    .await
    .status()
    .as_u16()
}

on_both_databases!(
    forwarded_addresses_count_only_behind_a_trusted_proxy,
    |backend| async move {
        let db = TestDb::new(backend).await;
        // Nobody trusted: the header is the attacker's own words.
        let server = TestServer::start_with(&db, &[("MUTUA_LOGIN_LIMIT_PER_IP", "3")]);
        let c = server.client();
        let mut statuses = Vec::new();
        for i in 0..4 {
            statuses.push(
                login_from(&c, &format!("p{i}@example.it"), &format!("198.51.100.{i}")).await,
            );
        }
        assert_eq!(statuses, [401, 401, 401, 429]);
        drop(server);

        // Behind our proxy (loopback here), each client has its own limit;
        // a hop the client wrote itself (leftmost) changes nothing.
        let server = TestServer::start_with(
            &db,
            &[
                ("MUTUA_LOGIN_LIMIT_PER_IP", "3"),
                ("MUTUA_TRUSTED_PROXIES", "127.0.0.1/32, ::1"),
            ],
        );
        let c = server.client();
        let mut statuses = Vec::new();
        for i in 0..4 {
            statuses.push(
                login_from(&c, &format!("q{i}@example.it"), &format!("198.51.100.{i}")).await,
            );
        }
        assert_eq!(statuses, [401, 401, 401, 401]);
        let mut statuses = Vec::new();
        for i in 0..4 {
            let spoofed = format!("10.9.9.{i}, 203.0.113.5");
            statuses.push(login_from(&c, &format!("r{i}@example.it"), &spoofed).await);
        }
        assert_eq!(statuses, [401, 401, 401, 429]);
    }
);

on_both_databases!(
    a_registration_flood_leaves_logins_alone,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let real = server.client();
        assert_eq!(
            server
                .sign_up(&real, "vera@example.it", "Vera", PASSWORD)
                .await
                .status(),
            200
        );
        let real = server.client_from([127, 0, 0, 2].into());
        let started = std::time::Instant::now();
        assert_eq!(real.login("vera@example.it", PASSWORD).await.status(), 200);
        let normal = started.elapsed();

        // Three hundred registrations at once from one address, and Vera
        // logging in in the middle of them.
        let flood: Vec<Client> = (0..300).map(|_| server.client()).collect();
        let vera = server.client_from([127, 0, 0, 2].into());
        let (answers, (login, took)) = futures_util::join!(
            futures_util::future::join_all(flood.iter().enumerate().map(|(i, c)| async move {
                c.http
                    .post(format!("{}/fn/register", c.base))
                    .header("origin", &c.base)
                    .header("accept", "application/json")
                    .form(&[
                        ("email", format!("bot{i}@example.it")),
                        ("display_name", "Bot".to_owned()),
                        ("password", PASSWORD.to_owned()),
                    ])
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    // Closed at once: more connections than one address
                    // may open, and refusals are busy.
                    .unwrap_or(503)
            })),
            async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                let started = std::time::Instant::now();
                let status = vera
                    .login("vera@example.it", PASSWORD)
                    .await
                    .status()
                    .as_u16();
                (status, started.elapsed())
            }
        );
        let made = answers.iter().filter(|s| **s == 200).count();
        assert!(made <= 20, "{made} accounts from one address");
        // Refused before any hashing: too many from this address, or the
        // hashing kept for other work is busy (429); or more connections at
        // once than one address may open (503).
        assert!(
            answers.iter().all(|s| [200, 429, 503].contains(s)),
            "{answers:?}"
        );
        assert_eq!(login, 200, "the real user logs in");
        // Its normal time, with room for a loaded CI machine: refused
        // registrations give their request turn back while they pause, so
        // the login never waits for one (before, it waited up to 2 s and
        // then met a 503).
        let bound = (normal * 4).max(std::time::Duration::from_secs(3));
        assert!(took <= bound, "login took {took:?}, normally {normal:?}");
        // Each accepted registration waits for its link; none made an account.
        let asked = db
            .query_i64("SELECT COUNT(*) FROM registration_requests")
            .await;
        assert_eq!(asked, made as i64);
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM users").await, 1);
    }
);

/// A login that says (through our trusted proxy) it comes from `from`.
async fn login_as(c: &Client, email: &str, password: &str, from: &str) -> u16 {
    c.post_form_with(
        "/fn/login",
        &[("email", email), ("password", password)],
        &[("accept", "application/json"), ("x-forwarded-for", from)],
    )
    .await
    .status()
    .as_u16()
}

on_both_databases!(a_guesser_cannot_lock_the_owner_out, |backend| async move {
    let db = TestDb::new(backend).await;
    let env = [
        ("MUTUA_TRUSTED_PROXIES", "127.0.0.1"),
        ("MUTUA_LOGIN_LIMIT_PER_ACCOUNT", "2"),
    ];
    let a = TestServer::start_with(&db, &env);
    let b = TestServer::start_with(&db, &env);
    let owner = a.client();
    assert_eq!(
        a.sign_up(&owner, "vera@example.it", "Vera", PASSWORD)
            .await
            .status(),
        200
    );
    // Her browser logs in once: it is known from now on.
    assert_eq!(owner.logout().await.status(), 303);
    assert_eq!(
        login_as(&owner, "vera@example.it", PASSWORD, "203.0.113.4").await,
        200
    );
    assert_eq!(owner.logout().await.status(), 303);

    // A guesser on server A: two failures, then his address is shut out
    // for this account, even with the right password, on server B too.
    let guesser = a.client();
    for _ in 0..2 {
        assert_eq!(
            login_as(&guesser, "vera@example.it", "guess", "198.51.100.9").await,
            401
        );
    }
    assert_eq!(
        login_as(&guesser, "vera@example.it", PASSWORD, "198.51.100.9").await,
        429
    );
    let on_b = b.client();
    assert_eq!(
        login_as(&on_b, "vera@example.it", PASSWORD, "198.51.100.9").await,
        429
    );
    // More guessers elsewhere slow the account down, never lock it.
    for from in ["198.51.100.10", "198.51.100.11"] {
        for _ in 0..2 {
            assert_eq!(
                login_as(&guesser, "vera@example.it", "guess", from).await,
                401
            );
        }
    }
    let stranger = b.client();
    let started = std::time::Instant::now();
    assert_eq!(
        login_as(&stranger, "vera@example.it", PASSWORD, "192.0.2.77").await,
        200
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(3),
        "a new browser waits: {:?}",
        started.elapsed()
    );
    // Her own browser, even from a new address, does not wait.
    let started = std::time::Instant::now();
    assert_eq!(
        login_as(&owner, "vera@example.it", PASSWORD, "192.0.2.78").await,
        200
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "her browser waited {:?}",
        started.elapsed()
    );
    // A forged device cookie is worth nothing.
    let forged = b.client();
    let res = forged
        .post_form_with(
            "/fn/login",
            &[("email", "vera@example.it"), ("password", "guess")],
            &[
                ("accept", "application/json"),
                ("x-forwarded-for", "198.51.100.9"),
                ("cookie", "mutua_device=0123.abcd"),
            ],
        )
        .await;
    assert_eq!(res.status(), 429);
});

on_both_databases!(
    logging_in_or_registering_returns_to_the_page,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let rita = server.client();
        server
            .sign_up(&rita, "rita@example.it", "Rita", PASSWORD)
            .await;
        rita.post_form("/logout", &[]).await;
        let login_page = format!("{}/login?next=/orders", server.url);
        let html_post = [("accept", "text/html"), ("referer", login_page.as_str())];

        // A page that needs an account sends the visitor to log in, says
        // why, and keeps the way back in the form and the registration link.
        let visitor = server.client();
        assert_eq!(
            location(&visitor.get("/orders").await),
            "/login?next=/orders"
        );
        let page = visitor
            .get("/login?next=/orders")
            .await
            .text()
            .await
            .expect("page");
        assert!(
            page.contains("data-testid=\"login-reason\""),
            "reason shown"
        );
        assert!(
            page.contains("name=\"next\" value=\"/orders\""),
            "way back kept"
        );
        assert!(page.contains("href=\"/register?next=/orders\""));
        let res = visitor
            .post_form_with(
                "/fn/login",
                &[
                    ("email", "rita@example.it"),
                    ("password", PASSWORD),
                    ("next", "/orders"),
                ],
                &html_post,
            )
            .await;
        assert_eq!(location(&res), "/orders");
        assert_eq!(visitor.get("/orders").await.status(), 200);

        // Another site, or the login page itself, is never the way back.
        for next in [
            "//evil.example/x",
            "https://evil.example",
            "/login?next=/x",
            "/\\evil",
        ] {
            let other = server.client();
            let res = other
                .post_form_with(
                    "/fn/login",
                    &[
                        ("email", "rita@example.it"),
                        ("password", PASSWORD),
                        ("next", next),
                    ],
                    &html_post,
                )
                .await;
            assert_eq!(location(&res), "/account", "{next}");
            assert!(
                !server
                    .client()
                    .get(&format!("/login?next={next}"))
                    .await
                    .text()
                    .await
                    .expect("page")
                    .contains("login-reason"),
                "{next}"
            );
        }

        // Registering: the mailed link returns to the page too.
        let newbie = server.client();
        let res = newbie
            .post_form_with(
                "/fn/register",
                &[
                    ("email", "nuova@example.it"),
                    ("display_name", "Nuova"),
                    ("password", PASSWORD),
                    ("next", "/search?q=bici"),
                ],
                &html_post,
            )
            .await;
        assert_eq!(location(&res), "/register/sent");
        let mail = server.last_mail("nuova@example.it").await.expect("mail");
        let token = registration_token(&mail).expect("link");
        let res = newbie
            .post_form_with(
                "/fn/confirm-registration",
                &[("token", &token)],
                &[("accept", "text/html")],
            )
            .await;
        assert_eq!(location(&res), "/search?q=bici");

        // The language buttons change the pages; the account's language
        // (its mail too) changes only when she says so.
        let locale = "SELECT locale FROM users WHERE email = 'nuova@example.it'";
        let res = newbie
            .post_form("/locale", &[("lang", "es"), ("next", "/account")])
            .await;
        assert_eq!(location(&res), "/account");
        assert_eq!(db.query_text(locale).await.as_deref(), Some("it"));
        let page = newbie.get("/account").await.text().await.expect("page");
        assert!(page.contains("<html lang=\"es\""));
        assert!(page.contains("data-testid=\"lang-account\""), "asked");
        newbie
            .post_form(
                "/locale",
                &[("lang", "es"), ("next", "/account"), ("save", "1")],
            )
            .await;
        assert_eq!(db.query_text(locale).await.as_deref(), Some("es"));
        let page = newbie.get("/account").await.text().await.expect("page");
        assert!(
            !page.contains("data-testid=\"lang-account\""),
            "not asked again"
        );
    }
);
