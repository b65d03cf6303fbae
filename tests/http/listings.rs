//! Listings: who may create, see and change them; field validation; pictures.

use mutua_tests::coop::*;
use mutua_tests::*;

/// Form fields to change, the field named in the error, the problem.
type Case = (
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static str,
);

on_both_databases!(only_owners_touch_their_listings, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let anna = member(&server, "anna@example.it", "worker").await;
    let beppe = member(&server, "beppe@example.it", "worker").await;
    let ugo = member(&server, "ugo@example.it", "user").await;
    let carla = customer(&server, "carla@example.it").await;
    let visitor = server.client();

    // Customers, applicants and non-worker members cannot create listings.
    let form = service_form(&[]);
    assert_eq!(
        visitor.post_form("/fn/listing-save", &form).await.status(),
        401
    );
    assert_eq!(
        carla.post_form("/fn/listing-save", &form).await.status(),
        403
    );
    assert_eq!(ugo.post_form("/fn/listing-save", &form).await.status(), 403);
    assert_eq!(carla.get("/dashboard/listings/new").await.status(), 403);
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM listings").await, 0);

    // Anna's draft: only Anna sees it.
    let res = anna
        .post_form(
            "/fn/listing-save",
            &service_form(&[("title", "Bozza segreta di Anna")]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let draft = created_id(&res);
    let id = draft.to_string();
    assert_eq!(
        anna.get(&format!("/listings/{id}")).await.status(),
        200,
        "the owner sees her draft"
    );
    for c in [&beppe, &visitor, &carla] {
        let res = c.get(&format!("/listings/{id}")).await;
        assert_eq!(res.status(), 404);
        assert!(
            !res.text().await.expect("body").contains("Bozza segreta"),
            "no data leaked"
        );
    }
    assert_eq!(
        call(&beppe, "listing", &[("id", &id)])
            .await
            .err()
            .map(|e| e.0),
        Some(404)
    );
    assert_eq!(
        visitor
            .get(&format!("/api/v1/listings/{id}"))
            .await
            .status(),
        404
    );

    // Beppe cannot edit, publish, pause or open Anna's listing: 404 as if missing.
    let mut edit = service_form(&[("title", "Rubato")]);
    edit.push(("id", &id));
    assert_eq!(
        beppe.post_form("/fn/listing-save", &edit).await.status(),
        404
    );
    assert_eq!(
        call(
            &beppe,
            "listing-status",
            &[("id", &id), ("status", "active")]
        )
        .await
        .err()
        .map(|e| e.0),
        Some(404)
    );
    assert_eq!(
        call(&beppe, "listing-editor", &[("id", &id)])
            .await
            .err()
            .map(|e| e.0),
        Some(404)
    );
    assert_eq!(
        call(
            &beppe,
            "listing-slot-add",
            &[
                ("id", &id),
                ("weekday", "0"),
                ("start", "09:00"),
                ("end", "10:00")
            ]
        )
        .await
        .err()
        .map(|e| e.0),
        Some(404)
    );
    assert_eq!(
        beppe
            .get(&format!("/dashboard/listings/{id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        upload(&beppe, draft, "a.png", "image/png", png(40, 30))
            .await
            .status(),
        404
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM listings WHERE title = 'Rubato'")
            .await,
        0
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM listings WHERE status = 'draft'")
            .await,
        1
    );

    // Published, it is public; the API shows it too.
    call(
        &anna,
        "listing-status",
        &[("id", &id), ("status", "active")],
    )
    .await
    .expect("publish");
    assert_eq!(visitor.get(&format!("/listings/{id}")).await.status(), 200);
    let api: serde_json::Value = visitor
        .get(&format!("/api/v1/listings/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(api["title"], "Bozza segreta di Anna");
    assert_eq!(api["price"]["minor"], 4500);
    // Archived is final.
    call(
        &anna,
        "listing-status",
        &[("id", &id), ("status", "archived")],
    )
    .await
    .expect("archive");
    assert_eq!(
        call(
            &anna,
            "listing-status",
            &[("id", &id), ("status", "active")]
        )
        .await
        .err()
        .map(|e| e.0),
        Some(409)
    );
    assert_eq!(visitor.get(&format!("/listings/{id}")).await.status(), 404);

    // A suspended member's listings disappear from search and their pages.
    let live = published(&anna, &[("title", "Lavaggio vetri")]).await;
    let found = |c: Client| async move {
        let v: serde_json::Value = c
            .get("/api/v1/listings?q=vetri")
            .await
            .json()
            .await
            .expect("json");
        v["total"].as_u64()
    };
    assert_eq!(found(server.client()).await, Some(1));
    db.execute("UPDATE memberships SET status = 'suspended' WHERE user_id IN (SELECT id FROM users WHERE email = 'anna@example.it')").await;
    assert_eq!(found(server.client()).await, Some(0));
    assert_eq!(
        visitor.get(&format!("/listings/{live}")).await.status(),
        404
    );
    // And a suspended member can no longer manage listings.
    assert_eq!(
        call(&anna, "my-listings", &[]).await.err().map(|e| e.0),
        Some(403)
    );
});

on_both_databases!(
    every_bad_field_is_refused_and_nothing_is_written,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let anna = member(&server, "anna@example.it", "worker").await;

        let cases: &[Case] = &[
            (&[("title", "")], "title", "Required"),
            (&[("title", "ab")], "title", "TooShort"),
            (&[("price", "-5")], "price", "AmountNegative"),
            (&[("price", "12,345")], "price", "AmountTooPrecise"),
            (&[("price", "dodici")], "price", "AmountInvalid"),
            (
                &[("description", "Ciao <script>alert(1)</script>")],
                "description",
                "HtmlNotAllowed",
            ),
            (
                &[("description", "<b>grassetto</b>")],
                "description",
                "HtmlNotAllowed",
            ),
            (&[("category", "astronavi")], "category", "ChoiceInvalid"),
            (&[("kind", "robot")], "kind", "ChoiceInvalid"),
            (
                &[("duration_minutes", "5")],
                "duration_minutes",
                "NumberOutOfRange",
            ),
            (
                &[("price_model", "distance")],
                "price_model",
                "ChoiceInvalid",
            ),
            (
                &[
                    ("price_model", "hourly"),
                    ("min_hours", "5"),
                    ("max_hours", "2"),
                ],
                "max_hours",
                "MaxBelowMin",
            ),
        ];
        for (overrides, field, problem) in cases {
            let err = call(&anna, "listing-save", &service_form(overrides))
                .await
                .expect_err("refused");
            assert_eq!(err.0, 422, "{overrides:?}");
            assert!(
                field_problems(&err.1).contains(&((*field).into(), (*problem).into())),
                "{overrides:?}: {}",
                err.1
            );
            // What was typed comes back, so the form keeps it.
            let echo = err.1["Invalid"]["echo"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let typed = overrides[0];
            assert!(
                echo.iter().any(|p| p[0] == typed.0 && p[1] == typed.1),
                "{typed:?} echoed"
            );
        }
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM listings").await, 0);

        // Without JavaScript the form comes back with the message, translated, and the text kept.
        let mut form = service_form(&[("title", "Riparo <i>tutto</i>"), ("price", "-3")]);
        form.retain(|(k, _)| *k != "description");
        form.push(("description", "Testo scritto con cura"));
        let res = anna
            .post_form_with(
                "/fn/listing-save",
                &form,
                &[
                    ("accept", "text/html"),
                    ("referer", &format!("{}/dashboard/listings/new", anna.base)),
                ],
            )
            .await;
        assert!(res.status().is_redirection());
        let back = location(&res);
        assert!(
            back.starts_with(&format!("{}/dashboard/listings/new", anna.base))
                || back.starts_with("/dashboard/listings/new"),
            "{back}"
        );
        let path = back.trim_start_matches(&anna.base).to_owned();
        // Anna's account speaks Italian (the founders' default); she picks English.
        let switched = anna
            .post_form("/locale", &[("lang", "en"), ("next", "/")])
            .await;
        assert!(switched.status().is_redirection());
        let html = anna
            .get_with(&path, &[("accept-language", "en")])
            .await
            .text()
            .await
            .expect("page");
        assert!(
            html.contains("Write plain text: HTML tags are not allowed."),
            "title error shown in English"
        );
        assert!(html.contains("The amount cannot be negative."));
        assert!(html.contains("Testo scritto con cura"), "description kept");
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM listings").await, 0);

        // Pictures: type sniffed, size limited, at most three.
        let listing = published(&anna, &[]).await;
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF".to_vec();
        let res = upload(&anna, listing, "foto.jpg", "image/jpeg", pdf).await;
        assert_eq!(
            location(&res),
            format!("/dashboard/listings/{listing}?image_error=type#images")
        );
        let big = vec![0xFFu8; 10 * 1024 * 1024];
        let mut jpeg_header = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpeg_header.extend(big);
        let res = upload(&anna, listing, "grande.jpg", "image/jpeg", jpeg_header).await;
        assert_eq!(
            location(&res),
            format!("/dashboard/listings/{listing}?image_error=too_large#images")
        );
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM listing_images").await, 0);
        let switched = anna
            .post_form("/locale", &[("lang", "es"), ("next", "/")])
            .await;
        assert!(switched.status().is_redirection());
        let page = anna
            .get_with(
                &format!("/dashboard/listings/{listing}?image_error=type"),
                &[("accept-language", "es")],
            )
            .await;
        assert!(page
            .text()
            .await
            .expect("page")
            .contains("Sube una foto JPEG, PNG o WebP."));

        for n in 0..3 {
            let res = upload(
                &anna,
                listing,
                &format!("ok{n}.png"),
                "image/png",
                png(1600, 1000),
            )
            .await;
            assert_eq!(
                location(&res),
                format!("/dashboard/listings/{listing}?saved=images#images")
            );
        }
        let res = upload(&anna, listing, "quarta.png", "image/png", png(100, 100)).await;
        assert_eq!(
            location(&res),
            format!("/dashboard/listings/{listing}?image_error=too_many#images")
        );
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM listing_images").await, 3);

        // Served re-encoded, resized, cached for a year.
        let detail: serde_json::Value = server
            .client()
            .get_json(&format!("/api/v1/listings/{listing}"))
            .await;
        let url = detail["images"][0].as_str().expect("image url").to_owned();
        let res = server.client().get(&url).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-type"), "image/jpeg");
        assert!(header(&res, "cache-control").contains("immutable"));
        let bytes = res.bytes().await.expect("bytes");
        let img = image::load_from_memory(&bytes).expect("a picture");
        assert_eq!((img.width(), img.height()), (1200, 750));
        assert_eq!(
            server.client().get("/images/..%2Fmutua.db").await.status(),
            404
        );
    }
);

on_both_databases!(availability_shows_the_next_openings, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let anna = member(&server, "anna@example.it", "worker").await;
    let listing = published(&anna, &[]).await;
    let id = listing.to_string();

    let bad = call(
        &anna,
        "listing-slot-add",
        &[
            ("id", &id),
            ("weekday", "9"),
            ("start", "25:00"),
            ("end", "10:00"),
        ],
    )
    .await
    .expect_err("refused");
    assert_eq!(field_problems(&bad.1).len(), 2);
    for day in 0..7 {
        let d = day.to_string();
        call(
            &anna,
            "listing-slot-add",
            &[
                ("id", &id),
                ("weekday", &d),
                ("start", "09:00"),
                ("end", "12:00"),
            ],
        )
        .await
        .expect("slot");
    }
    let overlap = call(
        &anna,
        "listing-slot-add",
        &[
            ("id", &id),
            ("weekday", "0"),
            ("start", "11:00"),
            ("end", "13:00"),
        ],
    )
    .await
    .expect_err("overlap");
    assert_eq!(
        field_problems(&overlap.1),
        vec![("start".into(), "TimeRangeInvalid".into())]
    );
    call(
        &anna,
        "listing-closed-add",
        &[("id", &id), ("closed_on", &tomorrow_date())],
    )
    .await
    .expect("closed");
    let past = call(
        &anna,
        "listing-closed-add",
        &[("id", &id), ("closed_on", "2020-01-01")],
    )
    .await
    .expect_err("past");
    assert_eq!(
        field_problems(&past.1),
        vec![("closed_on".into(), "DateInvalid".into())]
    );

    let detail: serde_json::Value = server
        .client()
        .get_json(&format!("/api/v1/listings/{id}"))
        .await;
    let openings = detail["next_openings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(openings.len(), 6);
    assert!(
        openings
            .iter()
            .all(|o| o["date"] != tomorrow_date().as_str()),
        "closed day skipped"
    );
    // One two-hour booking fits in 09:00–12:00: its start time and length.
    assert!(openings
        .iter()
        .all(|o| o["start"] == "09:00" && o["end"] == "11:00"));

    // Search by date: open that day, or not.
    let c = server.client();
    let q = |date: String| {
        let c = &c;
        async move {
            let v: serde_json::Value = c
                .get(&format!("/api/v1/listings?date={date}"))
                .await
                .json()
                .await
                .expect("json");
            v["total"].as_u64()
        }
    };
    assert_eq!(q(tomorrow_date()).await, Some(0));
    assert_eq!(q(in_days(2)).await, Some(1));
    assert_eq!(
        server
            .client()
            .get("/api/v1/listings?date=31-12-2026")
            .await
            .status(),
        422
    );
});

/// The date `n` days from today (UTC), as `YYYY-MM-DD`.
fn in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).to_string()
}

fn tomorrow_date() -> String {
    in_days(1)
}
