//! The membership register: apply, board decisions, roles and directory.

use mutua_tests::coop::*;
use mutua_tests::*;

on_both_databases!(apply_vote_reject_and_apply_again, |backend| async move {
    let db = TestDb::new(backend).await;
    let clock = Clock::new(&db);
    let server = TestServer::start_with(&db, &clock.env());
    // The founder, entered by the operator, holds the board's one seat:
    // a board voter needs both a seat and an active membership.
    let refused = server.cli(
        &["create-user", "x@coop.example", "--member", "boss"],
        PASSWORD,
    );
    assert!(!refused.status.success(), "an unknown class is refused");
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM users WHERE email = 'x@coop.example'")
            .await,
        0,
        "and no account is left behind"
    );
    let board = operator_account(
        &server,
        "presidente@coop.example",
        "Presidente",
        &["--board", "--member", "worker"],
    )
    .await;
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM audit_events WHERE kind = 'member_founded'")
            .await,
        1
    );

    // Visitors are sent to log in; customers can apply, with field errors first.
    let visitor = server.client();
    assert_eq!(location(&visitor.get("/join").await), "/login?next=/join");
    let ada = customer(&server, "ada@example.it").await;
    let err = call(
        &ada,
        "apply",
        &[
            ("class", "boss"),
            ("motivation", "<b>io</b>"),
            ("shares", "0"),
        ],
    )
    .await
    .expect_err("refused");
    assert_eq!(err.0, 422);
    assert_eq!(
        field_problems(&err.1),
        vec![
            ("class".into(), "ChoiceInvalid".into()),
            ("motivation".into(), "HtmlNotAllowed".into()),
            ("shares".into(), "NumberOutOfRange".into()),
        ]
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM memberships").await,
        1,
        "only the founder"
    );
    call(
        &ada,
        "apply",
        &[
            ("class", "worker"),
            ("motivation", "Riparo biciclette."),
            ("shares", "3"),
        ],
    )
    .await
    .expect("apply");
    // Applying twice is a conflict.
    let again = call(
        &ada,
        "apply",
        &[("class", "user"), ("motivation", "Ancora"), ("shares", "1")],
    )
    .await;
    assert_eq!(again.err().map(|e| e.0), Some(409));

    // An applicant is not a member: no listings, no directory.
    assert_eq!(
        call(&ada, "my-listings", &[]).await.err().map(|e| e.0),
        Some(403)
    );
    assert_eq!(
        call(&ada, "directory", &[]).await.err().map(|e| e.0),
        Some(403)
    );
    assert_eq!(
        call(&ada, "applications", &[]).await.err().map(|e| e.0),
        Some(403)
    );
    assert_eq!(ada.get("/board/applications").await.status(), 403);

    // The board sees the application; it cannot admit directly, only put
    // the application to its vote, which admits when it passes.
    let apps = call(&board, "applications", &[])
        .await
        .expect("applications");
    assert_eq!(apps.as_array().map(Vec::len), Some(1));
    assert_eq!(apps[0]["display_name"], "ada");
    let ada_id = apps[0]["user_id"].as_str().expect("id").to_owned();
    // Rejecting needs a reason.
    let err = call(
        &board,
        "decide-application",
        &[
            ("user_id", &ada_id),
            ("decision", "reject"),
            ("reason", " "),
        ],
    )
    .await
    .expect_err("reason required");
    assert_eq!(
        field_problems(&err.1),
        vec![("reason".into(), "Required".into())]
    );
    let direct = call(
        &board,
        "decide-application",
        &[("user_id", &ada_id), ("decision", "admit")],
    )
    .await
    .expect_err("no direct admission");
    assert_eq!(
        field_problems(&direct.1),
        vec![("decision".into(), "ChoiceInvalid".into())]
    );
    let session_before = db.query_i64("SELECT COUNT(*) FROM sessions").await;
    call(
        &board,
        "decide-application",
        &[("user_id", &ada_id), ("decision", "vote")],
    )
    .await
    .expect("put to a vote");
    let home = call(&board, "governance", &[]).await.expect("governance");
    let proposal = &home["proposals"][0];
    assert_eq!(proposal["kind"], "admit_member");
    let id = proposal["id"].as_str().expect("id").to_owned();
    call(&board, "vote", &[("id", &id), ("choice", "yes")])
        .await
        .expect("vote");
    assert_eq!(
        call(&ada, "my-membership", &[]).await.expect("membership")["status"],
        "Applicant",
        "not a member while the vote is open"
    );
    let view = call(&board, "proposal", &[("id", &id)])
        .await
        .expect("proposal");
    let closes_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(view["closes_at"].clone()).expect("closes_at");
    clock.advance((closes_at - chrono::Utc::now()).num_seconds() + 1);
    let admitted = "SELECT COUNT(*) FROM membership_decisions WHERE decision = 'admitted' \
                    AND user_id = (SELECT id FROM users WHERE email = 'ada@example.it')";
    for _ in 0..100 {
        if db.query_i64(admitted).await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(db.query_i64(admitted).await, 1, "admitted by the vote");
    // Deciding again is a conflict: she is no longer an applicant.
    let twice = call(
        &board,
        "decide-application",
        &[
            ("user_id", &ada_id),
            ("decision", "reject"),
            ("reason", "No"),
        ],
    )
    .await;
    assert_eq!(twice.err().map(|e| e.0), Some(409));

    // Ada's next request sees her new role, under a new session id.
    let res = ada.post_form("/fn/viewer", &[]).await;
    assert!(
        set_cookie(&res, "mutua_session").is_some(),
        "session id cycled on the role change"
    );
    let viewer: serde_json::Value = res.json().await.expect("viewer");
    assert_eq!(viewer["member_class"], "worker");
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM sessions").await,
        session_before
    );
    let mine = call(&ada, "my-membership", &[]).await.expect("membership");
    assert_eq!(mine["status"], "Active");
    assert_eq!(mine["shares"], 3);
    assert_eq!(mine["share_value_minor"], 2500);

    // Another applicant is rejected with a reason, sees it, and may apply again.
    let bruno = customer(&server, "bruno@example.it").await;
    call(
        &bruno,
        "apply",
        &[
            ("class", "user"),
            ("motivation", "Uso i servizi."),
            ("shares", "1"),
        ],
    )
    .await
    .expect("apply");
    let bruno_id = user_id(&bruno).await.to_string();
    call(
        &board,
        "decide-application",
        &[
            ("user_id", &bruno_id),
            ("decision", "reject"),
            ("reason", "Quote non versate"),
        ],
    )
    .await
    .expect("reject");
    let mine = call(&bruno, "my-membership", &[])
        .await
        .expect("membership");
    assert_eq!(mine["status"], serde_json::Value::Null);
    assert_eq!(mine["last_rejection"], "Quote non versate");
    let page = bruno.get("/join").await.text().await.expect("page");
    assert!(page.contains("Quote non versate"));
    call(
        &bruno,
        "apply",
        &[
            ("class", "user"),
            ("motivation", "Riprovo."),
            ("shares", "1"),
        ],
    )
    .await
    .expect("apply again");

    // Members see the directory and public profiles; visitors see profiles only.
    let dir = call(&ada, "directory", &[]).await.expect("directory");
    assert_eq!(dir.as_array().map(Vec::len), Some(2), "the founder and Ada");
    assert_eq!(
        visitor.get(&format!("/members/{ada_id}")).await.status(),
        200
    );
    assert_eq!(
        visitor.get(&format!("/members/{bruno_id}")).await.status(),
        404,
        "not a member"
    );
    assert_eq!(
        location(&visitor.get("/members").await),
        "/login?next=/members"
    );
});

on_both_databases!(board_manages_zones_and_categories, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let board = board(&server).await;
    let worker = member(&server, "wanda@example.it", "worker").await;

    // Seeded, translated categories.
    let it = call(&server.client(), "categories", &[])
        .await
        .expect("categories");
    assert_eq!(it.as_array().map(Vec::len), Some(6));
    assert_eq!(it[0]["name"], "Pulizie");

    let zone = [
        ("name", "Navile"),
        ("postcodes", "40128, 40129"),
        ("latitude", "44,51"),
        ("longitude", "11.34"),
    ];
    assert_eq!(
        call(&worker, "zone-add", &zone).await.err().map(|e| e.0),
        Some(403)
    );
    assert_eq!(worker.get("/board/catalog").await.status(), 403);
    call(&board, "zone-add", &zone).await.expect("zone added");
    let err = call(&board, "zone-add", &zone)
        .await
        .expect_err("duplicate");
    assert_eq!(
        field_problems(&err.1),
        vec![("name".into(), "Taken".into())]
    );
    let bad = [
        ("name", ""),
        ("postcodes", "4012"),
        ("latitude", "95"),
        ("longitude", "x"),
    ];
    let err = call(&board, "zone-add", &bad).await.expect_err("invalid");
    assert_eq!(field_problems(&err.1).len(), 4);
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM zones").await, 1);

    let cat = [
        ("slug", "giardinaggio"),
        ("name_it", "Giardinaggio"),
        ("name_en", "Gardening"),
        ("name_es", "Jardinería"),
    ];
    call(&board, "category-add", &cat)
        .await
        .expect("category added");
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM categories").await, 7);
    let page = board.get("/board/catalog").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("page");
    assert!(html.contains("Navile") && html.contains("Giardinaggio"));
});
