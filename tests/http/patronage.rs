//! Patronage refunds and vote rules, on the injected clock and both
//! databases: the board allocates a closed year's surplus by members' net
//! earnings (largest remainder) with balanced ledger entries; each member
//! reads only their own statement. The vote rules change only by an
//! assembly vote passed by two thirds, and govern proposals opened after.

use mutua_tests::coop::{call, field_problems, member};
use mutua_tests::market::{act, composite, fulfil_all, market};
use mutua_tests::{on_both_databases, Clock, TestDb, TestServer};
use serde_json::Value;

/// Seconds from now to 1 January of next year, plus a day.
fn to_next_year() -> (i32, i64) {
    use chrono::Datelike;
    let now = chrono::Utc::now();
    let next = chrono::NaiveDate::from_ymd_opt(now.year() + 1, 1, 2)
        .expect("date")
        .and_hms_opt(0, 0, 0)
        .expect("time")
        .and_utc();
    (now.year(), (next - now).num_seconds())
}

async fn allocate(
    c: &mutua_tests::Client,
    year: &str,
    surplus: &str,
    cash: &str,
) -> Result<Value, (u16, Value)> {
    call(
        c,
        "patronage-allocate",
        &[("year", year), ("surplus", surplus), ("cash_percent", cash)],
    )
    .await
}

fn problem(refused: &(u16, Value)) -> (u16, String, String) {
    let p = field_problems(&refused.1);
    let (f, k) = p.first().cloned().unwrap_or_default();
    (refused.0, f, k)
}

on_both_databases!(patronage_follows_net_earnings, |backend| async move {
    let db = TestDb::new(backend).await;
    let clock = Clock::new(&db);
    let server = TestServer::start_with(&db, &clock.env());
    let m = market(&server).await;
    // Anna earns 41,40 € net, Carlo 7,10 €; the cooperative 4,10 €.
    let order = composite(&m).await;
    act(&m.board, order, "confirm_payment", None)
        .await
        .expect("paid");
    fulfil_all(&m, order).await;
    let bruno = member(&server, "bruno@coop.example", "user").await;

    // The year must be closed first.
    let (year, ahead) = to_next_year();
    let y = year.to_string();
    assert_eq!(
        problem(
            &allocate(&m.board, &y, "4,10", "50")
                .await
                .expect_err("open year")
        ),
        (422, "year".into(), "NumberOutOfRange".into())
    );
    clock.advance(ahead);

    // Mistakes are named; nothing is written.
    assert_eq!(
        problem(
            &allocate(&m.board, &y, "4,11", "50")
                .await
                .expect_err("too much")
        ),
        (422, "surplus".into(), "SurplusTooLarge".into())
    );
    assert_eq!(
        problem(
            &allocate(&m.board, &y, "4,10", "101")
                .await
                .expect_err("101 %")
        ),
        (422, "cash_percent".into(), "NumberOutOfRange".into())
    );
    assert_eq!(
        problem(
            &allocate(&m.board, &(year - 1).to_string(), "1", "50")
                .await
                .expect_err("nobody earned")
        ),
        (422, "year".into(), "NoEarnings".into())
    );
    let echo = allocate(&m.board, &y, "-1", "50")
        .await
        .expect_err("negative");
    assert!(echo.1["Invalid"]["echo"]
        .as_array()
        .is_some_and(|e| e.iter().any(|p| p[0] == "surplus" && p[1] == "-1")));
    for who in [&m.anna, &m.customer] {
        assert_eq!(
            allocate(who, &y, "4,10", "50").await.err().map(|e| e.0),
            Some(403)
        );
    }
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM patronage_rounds").await,
        0
    );

    // 4,00 € by 41,40 : 7,10 → 3,41 + 0,59 (the leftover cent to the
    // largest remainder), half in cash, half as capital.
    allocate(&m.board, &y, "4,00", "50")
        .await
        .expect("allocated");
    let shares = |email: &str| {
        format!(
            "SELECT cash_minor * 100000 + retained_minor FROM patronage_shares \
                 WHERE member_id = (SELECT id FROM users WHERE email = '{email}')"
        )
    };
    assert_eq!(
        db.query_i64(&shares("anna@coop.example")).await,
        171 * 100_000 + 170
    );
    assert_eq!(
        db.query_i64(&shares("carlo@coop.example")).await,
        30 * 100_000 + 29
    );
    assert_eq!(
        db.query_i64(
            "SELECT CAST(SUM(cash_minor + retained_minor) AS BIGINT) FROM patronage_shares"
        )
        .await,
        400
    );
    // The ledger balances: the fees went through the reserve, which is
    // empty again, to payables and capital.
    let balance = |account: &str| {
        format!(
            "SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) FROM ledger_postings p \
                 JOIN ledger_accounts a ON a.code = p.account_code WHERE a.kind = '{account}'"
        )
    };
    assert_eq!(db.query_i64(&balance("patronage_reserve")).await, 0);
    assert_eq!(db.query_i64(&balance("coop_fee_revenue")).await, -10);
    assert_eq!(db.query_i64(&balance("member_capital")).await, -199);
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'patronage'")
            .await,
        3
    );
    let (ok, report) = server.ledger_verify();
    assert!(ok, "{report}");

    // Once per year.
    assert_eq!(
        problem(
            &allocate(&m.board, &y, "0,05", "50")
                .await
                .expect_err("twice")
        ),
        (422, "year".into(), "Taken".into())
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM patronage_rounds").await,
        1
    );

    // Each member reads their own statement, and only theirs.
    let s = call(&m.anna, "patronage-statement", &[("year", &y)])
        .await
        .expect("statement");
    assert_eq!(s["earnings"]["minor"], 4140);
    assert_eq!(s["total_earnings"]["minor"], 4850);
    assert_eq!(
        (s["cash"]["minor"].as_i64(), s["retained"]["minor"].as_i64()),
        (Some(171), Some(170))
    );
    let entry = s["entry_id"].as_str().expect("entry").to_owned();
    assert!(call(&m.anna, "ledger-entry", &[("id", &entry)])
        .await
        .is_ok());
    assert!(call(&m.carlo, "ledger-entry", &[("id", &entry)])
        .await
        .is_err());
    let c = call(&m.carlo, "patronage-statement", &[("year", &y)])
        .await
        .expect("carlo");
    assert_eq!(c["cash"]["minor"], 30);
    assert_eq!(c["earnings"]["minor"], 710);
    assert_eq!(
        call(&bruno, "patronage-statement", &[("year", &y)])
            .await
            .err()
            .map(|e| e.0),
        Some(404),
        "no part, no statement"
    );
    assert_eq!(
        call(&m.customer, "patronage-statement", &[("year", &y)])
            .await
            .err()
            .map(|e| e.0),
        Some(403)
    );
    let mine = call(&m.anna, "my-patronage", &[]).await.expect("mine");
    assert_eq!(mine[0]["year"], year);
    assert_eq!(
        call(&m.customer, "my-patronage", &[]).await.expect("none"),
        Value::Null
    );
    let page = m
        .anna
        .get("/transparency")
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains("data-testid=\"my-patronage\""));
    let page = m
        .anna
        .get(&format!("/earnings/patronage/{year}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains("data-testid=\"statement\""));
    let board = call(&m.board, "board-patronage", &[]).await.expect("board");
    assert_eq!(board["rounds"][0]["members"], 2);
    assert_eq!(board["rounds"][0]["shares"][0]["earnings"]["minor"], 4140);

    // The cash part is owed like earnings: Anna is owed 41,40 + 1,71 €.
    assert_eq!(
            db.query_i64(
                "SELECT CAST(-SUM(p.amount_minor) AS BIGINT) FROM ledger_postings p JOIN ledger_accounts a \
                 ON a.code = p.account_code WHERE a.kind = 'member_payable' \
                 AND a.member_id = (SELECT id FROM users WHERE email = 'anna@coop.example')"
            )
            .await,
            4311
        );
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM audit_events WHERE kind = 'patronage_allocated'")
            .await,
        1
    );
    db.assert_append_only(&[
        "UPDATE patronage_shares SET cash_minor = 0",
        "DELETE FROM patronage_rounds",
    ])
    .await;
});

async fn wait_closed(c: &mutua_tests::Client, id: &str) -> Value {
    let mut p = Value::Null;
    for _ in 0..100 {
        p = call(c, "proposal", &[("id", id)]).await.expect("proposal");
        if p["status"] != "open" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    p
}

on_both_databases!(vote_rules_change_by_two_thirds, |backend| async move {
    let db = TestDb::new(backend).await;
    let clock = Clock::new(&db);
    let server = TestServer::start_with(&db, &clock.env());
    let m = market(&server).await;
    let bruno = member(&server, "bruno@coop.example", "user").await;
    let today = chrono::Utc::now().date_naive();
    let closes = (today + chrono::Duration::days(7))
        .format("%Y-%m-%d")
        .to_string();
    let form = |general_quorum: &str, general_threshold: &str| -> Vec<(String, String)> {
        let mut f = vec![
            ("title".to_owned(), "Mozioni ai due terzi".to_owned()),
            (
                "body".to_owned(),
                "Le mozioni generali richiedono metà dei soci e i due terzi.".to_owned(),
            ),
            ("closes_on".to_owned(), closes.clone()),
        ];
        for (kind, voters, quorum, threshold) in [
            ("fee_rule_change", "assembly", "30", "majority"),
            ("admit_member", "board", "50", "majority"),
            ("platform_rule", "board", "50", "majority"),
            (
                "general_motion",
                "assembly",
                general_quorum,
                general_threshold,
            ),
        ] {
            f.push((format!("rules[{kind}_voters]"), voters.to_owned()));
            f.push((format!("rules[{kind}_quorum]"), quorum.to_owned()));
            f.push((format!("rules[{kind}_threshold]"), threshold.to_owned()));
        }
        f
    };
    let send = |c: &'static str, f: Vec<(String, String)>| {
        let client = match c {
            "anna" => &m.anna,
            _ => &m.customer,
        };
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            call(client, "propose-vote-rules", &f).await
        }
    };
    let refused = send("anna", form("5", "two_thirds"))
        .await
        .expect_err("5 %");
    assert_eq!(
        field_problems(&refused.1),
        vec![(
            "rules[general_motion_quorum]".to_owned(),
            "NumberOutOfRange".to_owned()
        )]
    );
    assert!(refused.1["Invalid"]["echo"].as_array().is_some_and(|e| e
        .iter()
        .any(|p| p[0] == "rules[general_motion_quorum]" && p[1] == "5")));
    let refused = send("anna", form("30", "majority"))
        .await
        .expect_err("same rules");
    assert_eq!(field_problems(&refused.1)[0].1, "Unchanged");
    assert_eq!(
        send("customer", form("50", "two_thirds"))
            .await
            .err()
            .map(|e| e.0),
        Some(403)
    );

    // A motion opened before the change keeps the rules it opened with.
    let motion = |title: &str, closes_on: &str| {
        vec![
            ("kind", "general_motion".to_owned()),
            ("title", title.to_owned()),
            ("body", "Una festa di quartiere a maggio.".to_owned()),
            ("closes_on", closes_on.to_owned()),
        ]
    };
    let before = {
        let f = motion("Festa di maggio", &closes);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        call(&m.anna, "propose", &f).await.expect("motion")
    };
    let id = send("anna", form("50", "two_thirds"))
        .await
        .expect("proposed");
    let id = id.as_str().expect("id").to_owned();
    let p = call(&m.anna, "proposal", &[("id", &id)])
        .await
        .expect("view");
    assert_eq!(p["kind"], "vote_rules_change");
    assert_eq!(
        (
            p["voters"].as_str(),
            p["quorum_bps"].as_i64(),
            p["threshold"].as_str()
        ),
        (Some("assembly"), Some(5_000), Some("two_thirds")),
        "entrenched: the assembly, half voting, two thirds"
    );
    assert_eq!(p["eligible"], 3);
    assert_eq!(p["vote_rules"]["general_motion"]["threshold"], "two_thirds");

    // Exactly two thirds is enough.
    for (c, choice) in [(&m.anna, "yes"), (&m.carlo, "yes"), (&bruno, "no")] {
        call(c, "vote", &[("id", &id), ("choice", choice)])
            .await
            .expect("vote");
    }
    clock.advance(8 * 24 * 3600);
    let p = wait_closed(&m.anna, &id).await;
    assert_eq!(p["status"], "passed");
    assert_eq!(p["enacted_version"], 1);
    let home = call(&m.anna, "governance", &[]).await.expect("home");
    assert_eq!(home["vote_rules_version"], 1);
    assert_eq!(home["vote_rules"]["general_motion"]["quorum_bps"], 5_000);

    // New motions follow the new rules; the earlier one kept its own.
    let after = {
        let later = (today + chrono::Duration::days(16))
            .format("%Y-%m-%d")
            .to_string();
        let f = motion("Festa di giugno", &later);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        call(&m.anna, "propose", &f).await.expect("motion")
    };
    let a = call(&m.anna, "proposal", &[("id", after.as_str().expect("id"))])
        .await
        .expect("after");
    assert_eq!(
        (a["quorum_bps"].as_i64(), a["threshold"].as_str()),
        (Some(5_000), Some("two_thirds"))
    );
    let b = call(&m.anna, "proposal", &[("id", before.as_str().expect("id"))])
        .await
        .expect("before");
    assert_eq!(
        (b["quorum_bps"].as_i64(), b["threshold"].as_str()),
        (Some(3_000), Some("majority"))
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM audit_events WHERE kind = 'vote_rules_enacted'")
            .await,
        1
    );
    let page = m
        .anna
        .get(&format!("/governance/{id}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains("data-testid=\"vote-rules-proposed\""));
    db.assert_append_only(&["UPDATE vote_rule_versions SET rules = '{}'"])
        .await;
});
