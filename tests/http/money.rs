//! Money: the ledger entries every order transition writes, partial dispute
//! settlements, refunds handed back, payout batches and their SEPA file
//! (validated against the official schema), who may see what, append-only
//! ledger tables, `ledger verify` catching a breach, and a server killed in
//! the middle of a burst of payments.

use mutua_tests::coop::{call, customer, field_problems, user_id, PASSWORD};
use mutua_tests::market::{
    act, composite, fulfil_all, line_id, market, service_order, view, work_time, Market,
};
use mutua_tests::{location, on_both_databases, workspace_root, Backend, TestDb, TestServer};
use serde_json::Value;
use uuid::Uuid;

fn minor(v: &Value) -> i64 {
    v["minor"].as_i64().unwrap_or(i64::MIN)
}

/// A service-only order at the `n`-th free opening (45,00: fee 3,60, net
/// 41,40).
/// Pays, accepts, starts and fulfils every line, then the customer confirms.
async fn complete(m: &Market, order: Uuid) {
    act(&m.board, order, "confirm_payment", None)
        .await
        .expect("paid");
    fulfil_all(m, order).await;
}

async fn earnings(c: &mutua_tests::Client, extra: &[(&str, &str)]) -> Value {
    call(c, "earnings", extra).await.expect("earnings")
}

on_both_databases!(money_follows_the_order, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let m = market(&server).await;
    let order = service_order(&m, 0).await;
    assert!(view(&m.customer, order).await.expect("view")["money"]
        .as_array()
        .is_some_and(Vec::is_empty));

    act(&m.board, order, "confirm_payment", None)
        .await
        .expect("paid");
    let v = view(&m.customer, order).await.expect("view");
    assert_eq!(v["money"][0]["kind"], "payment");
    assert_eq!(minor(&v["money"][0]["amount"]), 4500);
    assert_eq!(
        db.query_i64(
            "SELECT COUNT(*) FROM payments WHERE status = 'succeeded' AND amount_minor = 4500"
        )
        .await,
        1
    );
    // While the work is open, Anna's net is pending, not yet available.
    let e = earnings(&m.anna, &[]).await;
    assert_eq!(minor(&e["pending"]), 4140);
    assert_eq!(minor(&e["available"]), 0);

    let v = view(&m.anna, order).await.expect("view");
    let line = line_id(&v, 0);
    for step in ["accept", "start"] {
        act(&m.anna, order, step, Some(&line)).await.expect(step);
    }
    let at = work_time(&m, order).await;
    act(&m.anna, order, "fulfil", Some(&line))
        .await
        .expect("fulfil");
    drop(at);
    act(&m.customer, order, "complete", None)
        .await
        .expect("completed");
    let v = view(&m.customer, order).await.expect("view");
    let kinds: Vec<&str> = v["money"]
        .as_array()
        .expect("money")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["payment", "completion"]);
    let completion = v["money"][1]["id"].as_str().expect("entry id").to_owned();
    let number = v["number"].as_str().expect("order number").to_owned();
    assert_eq!(v["money"][1]["order_number"], number.as_str());

    // Anna earned 41,40 this month; the coop kept 3,60.
    let e = earnings(&m.anna, &[]).await;
    assert_eq!(minor(&e["pending"]), 0);
    assert_eq!(minor(&e["available"]), 4140);
    assert_eq!(minor(&e["paid_out"]), 0);
    assert_eq!(minor(&e["month_total"]), 4140);
    assert_eq!(e["statement"][0]["id"], completion.as_str());
    let detail = earnings(&m.anna, &[("show", "available")]).await;
    assert_eq!(detail["detail"][0]["id"], completion.as_str());
    assert_eq!(
        db.query_i64(
            "SELECT CAST(-SUM(amount_minor) AS BIGINT) FROM ledger_postings WHERE account_code = 'coop_fee_revenue'"
        )
        .await,
        360
    );
    assert_eq!(
        db.query_i64("SELECT CAST(SUM(amount_minor) AS BIGINT) FROM ledger_postings")
            .await,
        0
    );

    // The statement as CSV: the entry and the month's total.
    let res = m.anna.get("/earnings/statement.csv").await;
    assert_eq!(res.status(), 200);
    assert!(mutua_tests::header(&res, "content-type").starts_with("text/csv"));
    let csv = res.text().await.expect("csv");
    assert!(
        csv.contains(&format!(
            ",{completion},completion,{number},{order},41.40,EUR"
        )),
        "{csv}"
    );
    assert!(csv.contains(",,total,,,41.40,EUR"), "{csv}");

    // The entry: the customer of the order and its provider see it; another
    // member does not, nor does a visitor.
    let entry = call(&m.customer, "ledger-entry", &[("id", &completion)])
        .await
        .expect("customer sees the entry");
    let postings = entry["postings"].as_array().expect("postings");
    assert_eq!(postings.len(), 3);
    assert!(postings
        .iter()
        .any(|p| p["account_kind"] == "member_payable" && minor(&p["credit"]) == 4140));
    call(&m.anna, "ledger-entry", &[("id", &completion)])
        .await
        .expect("provider sees it");
    assert_eq!(
        call(&m.carlo, "ledger-entry", &[("id", &completion)])
            .await
            .err()
            .map(|e| e.0),
        Some(404)
    );
    let visitor = server.client();
    assert_eq!(
        call(&visitor, "ledger-entry", &[("id", &completion)])
            .await
            .err()
            .map(|e| e.0),
        Some(401)
    );
    // Earnings are members' own; a customer has none.
    assert_eq!(
        call(&m.customer, "earnings", &[]).await.err().map(|e| e.0),
        Some(403)
    );
    assert_eq!(
        location(&visitor.get("/earnings/statement.csv").await),
        "/login?next=/earnings/statement.csv"
    );
    // Carlo's statement does not hold Anna's money.
    assert_eq!(minor(&earnings(&m.carlo, &[]).await["available"]), 0);

    let (ok, out) = server.ledger_verify();
    assert!(ok, "{out}");
    assert!(out.contains("ledger ok"), "{out}");
});

on_both_databases!(disputes_settle_in_part, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let m = market(&server).await;
    // Service 45,00 (fee 3,60) and delivery 7,60 (fee 0,50).
    let order = composite(&m).await;
    act(&m.board, order, "confirm_payment", None)
        .await
        .expect("paid");
    let v = view(&m.anna, order).await.expect("view");
    act(&m.anna, order, "accept", Some(&line_id(&v, 0)))
        .await
        .expect("accept");
    act(&m.carlo, order, "accept", Some(&line_id(&v, 1)))
        .await
        .expect("accept");
    let id = order.to_string();
    call(
        &m.customer,
        "order-act",
        &[
            ("id", &id),
            ("action", "dispute"),
            ("reason", "Il lavoro è fatto a metà."),
        ],
    )
    .await
    .expect("disputed");
    assert!(view(&m.board, order).await.expect("view")["actions"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x == "resolve_partial")));

    // A partial refund must be between nothing and the total (52,60).
    for bad in ["52,60", "0", "dieci"] {
        let refused = call(
            &m.board,
            "order-act",
            &[("id", &id), ("action", "resolve_partial"), ("refund", bad)],
        )
        .await
        .expect_err(bad);
        assert_eq!(refused.0, 422, "{bad}");
        assert_eq!(field_problems(&refused.1)[0].0, "refund");
    }
    // The customer may not settle.
    assert_eq!(
        call(
            &m.customer,
            "order-act",
            &[
                ("id", &id),
                ("action", "resolve_partial"),
                ("refund", "10,00")
            ],
        )
        .await
        .err()
        .map(|e| e.0),
        Some(403)
    );
    call(
        &m.board,
        "order-act",
        &[
            ("id", &id),
            ("action", "resolve_partial"),
            ("refund", "10,00"),
        ],
    )
    .await
    .expect("settled");
    let v = view(&m.customer, order).await.expect("view");
    assert_eq!(v["status"], "Resolved");
    assert_eq!(v["resolution"], "partial");

    // 10,00 back split by price (8,56 and 1,44); each line's remainder split
    // between fee and net: service 36,44 → fee 2,92, net 33,52; delivery
    // 6,16 → fee 0,41, net 5,75.
    assert_eq!(minor(&earnings(&m.anna, &[]).await["available"]), 3352);
    assert_eq!(minor(&earnings(&m.carlo, &[]).await["available"]), 575);
    assert_eq!(
        db.query_i64(
            "SELECT CAST(-SUM(amount_minor) AS BIGINT) FROM ledger_postings WHERE account_code = 'coop_fee_revenue'"
        )
        .await,
        333
    );
    let money = call(&m.board, "board-money", &[])
        .await
        .expect("board money");
    assert_eq!(money["disputes"][0]["order_id"], id.as_str());
    assert_eq!(minor(&money["disputes"][0]["refunded"]), 1000);
    assert_eq!(minor(&money["disputes"][0]["released"]), 4260);
    assert_eq!(money["refunds_owed"][0]["order_id"], id.as_str());
    assert_eq!(minor(&money["refunds_owed"][0]["amount"]), 1000);

    // The board hands the 10,00 back, once.
    call(&m.board, "refund-returned", &[("order", &id)])
        .await
        .expect("returned");
    assert_eq!(
        call(&m.board, "refund-returned", &[("order", &id)])
            .await
            .err()
            .map(|e| e.0),
        Some(409)
    );
    assert_eq!(
        call(&m.anna, "refund-returned", &[("order", &id)])
            .await
            .err()
            .map(|e| e.0),
        Some(403)
    );
    let money = call(&m.board, "board-money", &[])
        .await
        .expect("board money");
    assert!(money["refunds_owed"].as_array().is_some_and(Vec::is_empty));
    assert!(
        money["reconciliation"]["problems"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "{}",
        money["reconciliation"]
    );
    let (ok, out) = server.ledger_verify();
    assert!(ok, "{out}");
});

on_both_databases!(ledger_is_append_only_and_verified, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let m = market(&server).await;
    let order = service_order(&m, 0).await;
    act(&m.board, order, "confirm_payment", None)
        .await
        .expect("paid");
    db.assert_append_only(&[
        "UPDATE ledger_postings SET amount_minor = amount_minor * 2",
        "DELETE FROM ledger_postings",
        "UPDATE ledger_entries SET kind = 'refund'",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_accounts SET kind = 'platform_cash'",
        "DELETE FROM ledger_accounts",
    ])
    .await;
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM ledger_postings").await,
        2
    );
    let (ok, out) = server.ledger_verify();
    assert!(ok, "{out}");

    // A posting slipped in by hand unbalances its entry: verify says so and
    // fails.
    let new_id = match db.backend {
        Backend::Postgres => "gen_random_uuid()",
        Backend::Sqlite => "randomblob(16)",
    };
    db.execute(&format!(
        "INSERT INTO ledger_postings (id, entry_id, account_code, amount_minor) \
         SELECT {new_id}, entry_id, account_code, 1 FROM ledger_postings \
         WHERE account_code = 'platform_cash'"
    ))
    .await;
    let (ok, out) = server.ledger_verify();
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "BREACH entry order/{order}/payment: postings sum to 1"
        )),
        "{out}"
    );
    assert!(out.contains("BREACH the ledger sums to 1"), "{out}");
    assert!(
        out.contains(&format!("BREACH order {order}: received 4501")),
        "{out}"
    );
});

/// Validates a SEPA file against the official pain.001.001.03 schema.
fn validate_sepa(xml: &str, dir: &std::path::Path) -> String {
    std::fs::create_dir_all(dir).expect("dir");
    let file = dir.join("batch.xml");
    std::fs::write(&file, xml).expect("write xml");
    let out = std::process::Command::new(workspace_root().join("tests/.venv/bin/python"))
        .arg(workspace_root().join("tests/support/validate_sepa.py"))
        .arg(&file)
        .output()
        .expect("run the SEPA validator (bash .ci/setup --test installs it)");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

on_both_databases!(payout_batches_pay_members_once, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let m = market(&server).await;
    let order = service_order(&m, 0).await;
    complete(&m, order).await;

    // Bank details: a typo in the IBAN is caught and what was typed kept.
    let refused = call(
        &m.anna,
        "payout-account",
        &[
            ("holder", "Anna Rossi"),
            ("iban", "IT60 X054 2811 1010 0000 0123 457"),
            ("password", PASSWORD),
        ],
    )
    .await
    .expect_err("bad IBAN");
    assert_eq!(
        field_problems(&refused.1),
        vec![("iban".to_owned(), "IbanInvalid".to_owned())]
    );
    assert!(refused.1["Invalid"]["echo"].as_array().is_some_and(|e| e
        .iter()
        .any(|p| p[0] == "iban" && p[1] == "IT60 X054 2811 1010 0000 0123 457")));
    call(
        &m.anna,
        "payout-account",
        &[
            ("holder", "Anna Rossi"),
            ("iban", "it60 x054 2811 1010 0000 0123 456"),
            ("password", PASSWORD),
        ],
    )
    .await
    .expect("saved");
    let e = earnings(&m.anna, &[]).await;
    assert_eq!(e["account"]["iban_masked"], "IT60 •••• 3456");

    // The board sees who is owed what; a batch pays it.
    let money = call(&m.board, "board-money", &[]).await.expect("money");
    assert_eq!(money["payees"].as_array().map(Vec::len), Some(1));
    assert_eq!(minor(&money["payees"][0]["available"]), 4140);
    assert_eq!(money["payees"][0]["iban_masked"], "IT60 •••• 3456");
    let today = chrono::Utc::now().date_naive();
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    let today = today.to_string();
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let refused = call(
        &m.board,
        "payout-batch",
        &[("until", &today), ("execution", &yesterday)],
    )
    .await
    .expect_err("past execution");
    assert_eq!(field_problems(&refused.1)[0].0, "execution");
    assert_eq!(
        call(
            &m.anna,
            "payout-batch",
            &[("until", &today), ("execution", &tomorrow)]
        )
        .await
        .err()
        .map(|e| e.0),
        Some(403)
    );
    // Two board clicks at once create one batch that pays once.
    let form = [("until", today.as_str()), ("execution", tomorrow.as_str())];
    let (a, b) = futures_util::join!(
        call(&m.board, "payout-batch", &form),
        call(&m.board, "payout-batch", &form),
    );
    let batches: Vec<&Value> = [&a, &b]
        .into_iter()
        .filter_map(|r| r.as_ref().ok())
        .collect();
    assert_eq!(batches.len(), 1, "{a:?} {b:?}");
    let batch = batches[0].as_str().expect("batch id").to_owned();
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM payouts").await, 1);
    let e = earnings(&m.anna, &[]).await;
    assert_eq!(minor(&e["available"]), 0);
    assert_eq!(minor(&e["paid_out"]), 4140);
    let money = call(&m.board, "board-money", &[]).await.expect("money");
    assert!(money["payees"].as_array().is_some_and(Vec::is_empty));
    assert_eq!(minor(&money["batches"][0]["total"]), 4140);

    // The SEPA file needs the cooperative's own account first.
    let path = format!("/board/payouts/{batch}/sepa.xml");
    assert_eq!(m.board.get(&path).await.status(), 409);
    let refused = call(
        &m.board,
        "coop-bank",
        &[
            ("name", "Mutua Soc. Coop."),
            ("iban", "ES91 2100 0418 4502 0005 1332"),
            ("bic", "CAIX"),
        ],
    )
    .await
    .expect_err("bad BIC");
    assert_eq!(
        field_problems(&refused.1),
        vec![("bic".to_owned(), "BicInvalid".to_owned())]
    );
    call(
        &m.board,
        "coop-bank",
        &[
            ("name", "Mutua Soc. Coop."),
            ("iban", "ES91 2100 0418 4502 0005 1332"),
            ("bic", "CAIXESBBXXX"),
        ],
    )
    .await
    .expect("bank saved");
    let res = m.board.get(&path).await;
    assert_eq!(res.status(), 200);
    let xml = res.text().await.expect("xml");
    assert!(
        xml.contains("<IBAN>IT60X0542811101000000123456</IBAN>"),
        "{xml}"
    );
    assert!(
        xml.contains("<InstdAmt Ccy=\"EUR\">41.40</InstdAmt>"),
        "{xml}"
    );
    assert!(xml.contains("<Nm>Anna Rossi</Nm>"), "{xml}");
    assert!(xml.contains(&format!("<ReqdExctnDt>{tomorrow}</ReqdExctnDt>")));
    assert_eq!(validate_sepa(&xml, &db.data_dir()), "valid");
    // Only the board downloads it.
    assert_eq!(m.anna.get(&path).await.status(), 404);
    assert_eq!(
        location(&server.client().get(&path).await),
        format!("/login?next={path}")
    );

    // Nothing is left to pay.
    let again = call(
        &m.board,
        "payout-batch",
        &[("until", &today), ("execution", &tomorrow)],
    )
    .await
    .expect_err("nothing to pay");
    assert_eq!(again.0, 422);
    db.assert_append_only(&[
        "UPDATE payouts SET amount_minor = 1",
        "DELETE FROM payout_batches",
    ])
    .await;
    let (ok, out) = server.ledger_verify();
    assert!(ok, "{out}");
    assert!(out.contains("1 payouts"), "{out}");
});

on_both_databases!(
    a_killed_server_leaves_no_half_paid_order,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let mut server = TestServer::start(&db);
        let m = market(&server).await;
        let mut orders = Vec::new();
        for _ in 0..12 {
            // The first free opening: each order takes the next one.
            orders.push(service_order(&m, 0).await);
        }
        // Every order is paid and taken as far as it goes at once (paid,
        // accepted and started: its opening has not begun, so it cannot be
        // marked done), and the server is killed (SIGKILL) meanwhile.
        let work = orders.iter().map(|&o| complete_quietly(&m, o));
        let burst = futures_util::future::join_all(work);
        let kill = async {
            // Once a few payments are in, mid-burst.
            for _ in 0..500 {
                if db.query_i64("SELECT COUNT(*) FROM payments").await >= 3 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            server.restart();
        };
        futures_util::join!(burst, kill);
        let (ok, out) = server.ledger_verify();
        assert!(ok, "{out}");
        // The kill interrupted the burst, and every paid order has both its
        // payment row and its ledger entry (verify checks the entry).
        let paid = db
            .query_i64("SELECT COUNT(*) FROM orders WHERE status <> 'pending_payment'")
            .await;
        let completed = db
            .query_i64("SELECT COUNT(*) FROM orders WHERE status = 'completed'")
            .await;
        assert!(
            paid >= 3 && completed < 12,
            "paid {paid}, completed {completed}"
        );
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM payments").await, paid);
        // The restarted server carries on where the burst stopped.
        let someone = customer(&server, "after@example.org").await;
        assert_eq!(someone.get("/healthz").await.status(), 200);
    }
);

/// One action; `false` once it fails or the server is gone.
async fn try_act(c: &mutua_tests::Client, order: Uuid, action: &str, line: Option<&str>) -> bool {
    let id = order.to_string();
    let mut form = vec![("id", id.as_str()), ("action", action)];
    if let Some(l) = line {
        form.push(("line", l));
    }
    let res = c
        .try_post_form_with("/fn/order-act", &form, &[("accept", "application/json")])
        .await;
    res.is_ok_and(|r| r.status().is_success())
}

/// `complete`, stopping at the first failure (the server dies half-way).
async fn complete_quietly(m: &Market, order: Uuid) {
    if !try_act(&m.board, order, "confirm_payment", None).await {
        return;
    }
    // The line's id, read from the database's view of the order.
    let Ok(Ok(res)) = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        m.anna.try_post_form_with(
            "/fn/order",
            &[("id", &order.to_string())],
            &[("accept", "application/json")],
        ),
    )
    .await
    else {
        return;
    };
    let Ok(v) = res.json::<Value>().await else {
        return;
    };
    let Some(line) = v["lines"][0]["id"].as_str().map(str::to_owned) else {
        return;
    };
    for step in ["accept", "start", "fulfil"] {
        if !try_act(&m.anna, order, step, Some(&line)).await {
            return;
        }
    }
    try_act(&m.customer, order, "complete", None).await;
}

on_both_databases!(
    a_changed_iban_is_confirmed_told_and_held,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let clock = mutua_tests::Clock::new(&db);
        let server = TestServer::start_with(&db, &clock.env());
        let m = market(&server).await;
        let anna = user_id(&m.anna).await;
        let order = service_order(&m, 0).await;
        complete(&m, order).await;
        let save = |iban: &'static str, password: &'static str| {
            let anna = &m.anna;
            async move {
                call(
                    anna,
                    "payout-account",
                    &[
                        ("holder", "Anna Rossi"),
                        ("iban", iban),
                        ("password", password),
                    ],
                )
                .await
            }
        };
        // Without the password, or with a wrong one, nothing changes; what was
        // typed (but the password) comes back.
        let refused = save("IT60 X054 2811 1010 0000 0123 456", "")
            .await
            .expect_err("no password");
        assert_eq!(
            field_problems(&refused.1),
            vec![("password".to_owned(), "Required".to_owned())]
        );
        let refused = save("IT60 X054 2811 1010 0000 0123 456", "indovina")
            .await
            .expect_err("wrong");
        assert_eq!(
            field_problems(&refused.1),
            vec![("password".to_owned(), "CurrentPasswordWrong".to_owned())]
        );
        assert!(refused.1["Invalid"]["echo"].as_array().is_some_and(|e| e
            .iter()
            .any(|p| p[0] == "iban" && p[1] == "IT60 X054 2811 1010 0000 0123 456")));
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM payout_accounts").await,
            0
        );

        // The first account is not held; Anna is told by e-mail.
        save("IT60 X054 2811 1010 0000 0123 456", PASSWORD)
            .await
            .expect("saved");
        let money = call(&m.board, "board-money", &[]).await.expect("money");
        assert!(money["payees"][0]["held_until"].is_null());
        let mails = "SELECT COUNT(*) FROM email_outbox WHERE subject = 'Il conto per i tuoi pagamenti è cambiato'";
        assert_eq!(db.query_i64(mails).await, 1);

        // A change is audited, told with both accounts masked, and holds payouts
        // for 72 hours.
        save("DE89 3704 0044 0532 0130 00", PASSWORD)
            .await
            .expect("changed");
        assert_eq!(db.query_i64(mails).await, 2);
        let told = db
            .query_i64(
                "SELECT COUNT(*) FROM email_outbox WHERE body LIKE '%IT60 •••• 3456%' \
             AND body LIKE '%DE89 •••• 3000%' AND body NOT LIKE '%DE89370400440532013000%'",
            )
            .await;
        assert_eq!(told, 1);
        let audited = format!(
        "SELECT COUNT(*) FROM audit_events WHERE kind = 'payout_iban_changed' AND subject = 'member:{anna}'"
    );
        assert_eq!(db.query_i64(&audited).await, 2);
        let money = call(&m.board, "board-money", &[]).await.expect("money");
        assert!(money["payees"][0]["held_until"].is_string(), "{money}");
        let today = chrono::Utc::now().date_naive();
        let batch = |day: chrono::NaiveDate| {
            let board = &m.board;
            async move {
                let until = day.to_string();
                let execution = (day + chrono::Duration::days(1)).to_string();
                call(
                    board,
                    "payout-batch",
                    &[("until", &until), ("execution", &execution)],
                )
                .await
            }
        };
        assert_eq!(batch(today).await.err().map(|e| e.0), Some(422));
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM payouts").await, 0);
        // Saving the same account again changes nothing and holds no longer.
        save("DE89 3704 0044 0532 0130 00", PASSWORD)
            .await
            .expect("same");
        assert_eq!(db.query_i64(mails).await, 2);

        clock.advance(72 * 3600 + 60);
        let later = (chrono::Utc::now() + chrono::Duration::seconds(72 * 3600 + 60)).date_naive();
        batch(later).await.expect("paid after the hold");
        let paid_to = db
        .query_i64("SELECT COUNT(*) FROM payouts WHERE iban = 'DE89370400440532013000' AND amount_minor = 4140")
        .await;
        assert_eq!(paid_to, 1);
        let (ok, out) = server.ledger_verify();
        assert!(ok, "{out}");
    }
);
