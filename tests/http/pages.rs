//! Pages: languages, 404, health, forms without JavaScript.

use mutua_tests::*;

on_both_databases!(pages_speak_the_visitors_language, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let c = server.client();

    let html = c.get("/").await.text().await.expect("body");
    assert!(html.contains("<html lang=\"it\""), "Italian by default");
    assert!(html.contains("Come funziona"));
    assert!(html.contains("50,00\u{a0}€"), "money in Italian format");

    let html = c
        .get_with("/", &[("accept-language", "es-ES,es;q=0.9,en;q=0.5")])
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("<html lang=\"es\"") && html.contains("Cómo funciona"));

    // The switcher is a plain form: cookie, then back to the page.
    let res = c
        .post_form_with("/locale", &[("lang", "en"), ("next", "/login")], &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login");
    assert!(set_cookie(&res, "mutua_lang")
        .expect("cookie")
        .starts_with("mutua_lang=en"));
    let html = c
        .get_with("/login", &[("accept-language", "es")])
        .await
        .text()
        .await
        .expect("body");
    assert!(
        html.contains("<html lang=\"en\"") && html.contains("Log in"),
        "the cookie wins"
    );
    assert!(
        html.contains("€50.00") || !html.contains("50,00"),
        "money follows the language"
    );

    let res = c
        .post_form_with(
            "/locale",
            &[("lang", "en"), ("next", "https://evil.example")],
            &[],
        )
        .await;
    assert_eq!(location(&res), "/", "never an open redirect");
});

on_both_databases!(health_and_not_found, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let c = server.client();
    assert_eq!(c.get("/healthz").await.status(), 200);
    assert_eq!(c.get("/readyz").await.text().await.expect("body"), "ready");
    let res = c.get("/nowhere/at/all").await;
    assert_eq!(res.status(), 404);
    assert!(res
        .text()
        .await
        .expect("body")
        .contains("Pagina non trovata"));
});

on_both_databases!(
    forms_work_without_javascript_and_keep_what_was_typed,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let c = server.client();
        let referer = format!("{}/register", server.url);
        let html_post = [("accept", "text/html"), ("referer", referer.as_str())];

        let res = c
            .post_form_with(
                "/fn/register",
                &[
                    ("email", "lia@example.it"),
                    ("display_name", "Lia Neri"),
                    ("password", "corta"),
                ],
                &html_post,
            )
            .await;
        assert_eq!(
            res.status(),
            302,
            "a plain form post is sent back to its page"
        );
        let back = location(&res);
        assert!(
            back.starts_with(&referer) && back.contains("__err="),
            "{back}"
        );
        // Nothing typed goes into the URL, not even encoded: it waits in
        // the session for the page that shows the form again.
        let typed_in = |url: &str| {
            let decoded: String = url
                .split(['?', '&', '='])
                .filter_map(|part| {
                    use base64::Engine as _;
                    let part = part.replace("%3D", "=");
                    base64::engine::general_purpose::URL_SAFE
                        .decode(part.as_bytes())
                        .ok()
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                })
                .collect();
            let all = format!("{url} {decoded}");
            [
                "lia@example.it",
                "lia%40example.it",
                "Lia Neri",
                "Lia+Neri",
                "Lia%20Neri",
                "corta",
            ]
            .iter()
            .any(|v| all.contains(v))
        };
        assert!(!typed_in(&back), "{back}");
        // Someone else opening that URL sees the error, not the values.
        let stranger = server
            .client()
            .get(back.trim_start_matches(&server.url))
            .await
            .text()
            .await
            .expect("body");
        assert!(stranger.contains("La password deve avere almeno 8 caratteri."));
        assert!(!stranger.contains("lia@example.it"));
        let html = c
            .get(back.trim_start_matches(&server.url))
            .await
            .text()
            .await
            .expect("body");
        assert!(
            html.contains("La password deve avere almeno 8 caratteri."),
            "translated field error: {}",
            html.chars().take(300).collect::<String>()
        );
        assert!(
            html.contains("value=\"lia@example.it\"") && html.contains("value=\"Lia Neri\""),
            "typed values kept"
        );
        assert!(
            !html.contains("value=\"corta\""),
            "the password is never echoed"
        );
        // Refused again from that page: still one error in the URL, and
        // still no typed value.
        let retry = [("accept", "text/html"), ("referer", back.as_str())];
        let res = c
            .post_form_with(
                "/fn/register",
                &[
                    ("email", "lia@example.it"),
                    ("display_name", "Lia Neri"),
                    ("password", "corta"),
                ],
                &retry,
            )
            .await;
        let again = location(&res);
        assert_eq!(again.matches("__err=").count(), 1, "{again}");
        assert!(!typed_in(&again), "{again}");
        let html = c
            .get(again.trim_start_matches(&server.url))
            .await
            .text()
            .await
            .expect("body");
        assert!(
            html.contains("value=\"lia@example.it\""),
            "kept on the retry"
        );

        let res = c
            .post_form_with(
                "/fn/register",
                &[
                    ("email", "lia@example.it"),
                    ("display_name", "Lia Neri"),
                    ("password", "una-password-lunga"),
                ],
                &html_post,
            )
            .await;
        assert_eq!(res.status(), 302);
        assert_eq!(location(&res), "/register/sent");
        let sent = c.get("/register/sent").await.text().await.expect("body");
        assert!(sent.contains("Controlla la tua e-mail"), "{sent}");

        // The mailed link's page and its button, as plain HTML.
        let mail = server.last_mail("lia@example.it").await.expect("mail");
        let token = registration_token(&mail).expect("link");
        let page = format!("{}/register/confirm/{token}", server.url);
        let html = c
            .get(&format!("/register/confirm/{token}"))
            .await
            .text()
            .await
            .expect("body");
        assert!(
            html.contains("action=\"/fn/confirm-registration\"") && html.contains(&token),
            "a real form carries the token"
        );
        let res = c
            .post_form_with(
                "/fn/confirm-registration",
                &[("token", &token)],
                &[("accept", "text/html"), ("referer", page.as_str())],
            )
            .await;
        assert_eq!(res.status(), 302);
        assert_eq!(location(&res), "/account");
        assert!(c.account_page().await.is_some());
    }
);

on_both_databases!(
    bundle_files_are_compressed_and_cached,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let c = server.client();
        let res = c.get("/").await;
        let status = res.status();
        let html = res.text().await.expect("body");
        // What answered, should it not be the page (see docs/status.md, Watch).
        let start: String = html.chars().take(300).collect();
        assert_eq!(status, 200, "the home page: {start}");
        let wasm = html
            .split("href=\"")
            .filter_map(|s| s.split('"').next())
            .find(|href| href.starts_with("/pkg/") && href.ends_with(".wasm"))
            .expect("the page preloads its wasm bundle")
            .to_owned();
        let res = c.get_with(&wasm, &[("accept-encoding", "br, gzip")]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-encoding"), "br");
        assert_eq!(
            header(&res, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        let res = c
            .get_with("/favicon.svg", &[("accept-encoding", "gzip")])
            .await;
        assert_eq!(header(&res, "cache-control"), "public, max-age=3600");
        assert_eq!(header(&res, "content-encoding"), "gzip");
        assert_eq!(
            header(&c.get("/").await, "cache-control"),
            "no-store",
            "pages are never cached"
        );
    }
);
