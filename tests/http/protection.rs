//! CSRF refusals and security headers.

use mutua_tests::*;

on_both_databases!(cross_site_writes_are_refused, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let c = server.client();
    let form = [
        ("email", "x@example.it"),
        ("display_name", "Xavier"),
        ("password", "una-password-lunga"),
    ];

    for headers in [
        vec![("origin", "https://evil.example")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "http://localhost:1")],
    ] {
        let mut req = c
            .http
            .post(format!("{}/fn/register", server.url))
            .form(&form);
        for (k, v) in &headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("POST");
        assert_eq!(res.status(), 403, "{headers:?}");
    }
    let res = c
        .http
        .post(format!("{}/logout", server.url))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 403);
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM users").await,
        0,
        "nothing was written"
    );

    // The same request from our own origin goes through.
    assert_eq!(
        c.register("x@example.it", "Xavier", "una-password-lunga")
            .await
            .status(),
        200
    );
});

on_both_databases!(
    every_response_carries_security_headers,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let c = server.client();

        let res = c.get("/").await;
        assert_eq!(res.status(), 200);
        let csp = header(&res, "content-security-policy");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff");
        assert_eq!(header(&res, "referrer-policy"), "same-origin");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(
            header(&res, "strict-transport-security").is_empty(),
            "no HSTS over plain http"
        );
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|s| s.split('\'').next())
            .expect("script nonce in CSP")
            .to_owned();
        let html = res.text().await.expect("body");
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "hydration script carries the nonce"
        );
        // A fresh nonce on every response.
        let again = header(&c.get("/").await, "content-security-policy");
        assert_ne!(csp, again);

        for path in ["/healthz", "/readyz", "/nowhere", "/favicon.svg"] {
            let res = c.get(path).await;
            assert!(
                header(&res, "content-security-policy").contains("frame-ancestors 'none'"),
                "{path}"
            );
            assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
        }
    }
);

on_both_databases!(
    https_deployments_get_hsts_and_host_cookies,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start_with(&db, &[("MUTUA_PUBLIC_URL", "https://coop.example")]);
        let c = server.client();
        let res = c.get("/").await;
        assert!(header(&res, "strict-transport-security").contains("max-age="));
        // Writes must come from the public origin.
        let res = c
            .http
            .post(format!("{}/fn/register", server.url))
            .header("origin", "https://coop.example")
            .header("accept", "application/json")
            .form(&[
                ("email", "h@example.it"),
                ("display_name", "Host"),
                ("password", "una-password-lunga"),
            ])
            .send()
            .await
            .expect("POST");
        assert_eq!(res.status(), 200);
        let cookie = set_cookie(&res, "__Host-mutua_session").expect("__Host- cookie");
        assert!(
            cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
            "{cookie}"
        );
    }
);
