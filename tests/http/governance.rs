//! Governance end to end on the injected clock: a member proposes services
//! 8 % → 6 %, members vote (and change their vote), the clock passes the
//! closing and the rule's first day, and the rule is in force with no
//! operator step: a new order pays 6 % while an older one keeps 8 %. Who
//! may vote is fixed at opening; nothing is written after closing; the
//! stored result equals a recount of the ballot history.

use mutua_tests::coop::{call, customer, field_problems, member};
use mutua_tests::market::{act, fulfil_all, market, service_order, view};
use mutua_tests::{on_both_databases, Clock, TestDb, TestServer};
use serde_json::Value;

fn fee_of(order: &Value) -> i64 {
    order["lines"][0]["fee"]["minor"].as_i64().unwrap_or(-1)
}

async fn proposal(c: &mutua_tests::Client, id: &str) -> Value {
    call(c, "proposal", &[("id", id)]).await.expect("proposal")
}

async fn send(
    c: &mutua_tests::Client,
    f: Vec<(&'static str, String)>,
) -> Result<Value, (u16, Value)> {
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    call(c, "propose", &f).await
}

async fn put_to_vote(c: &mutua_tests::Client, applicant: &str) -> Result<Value, (u16, Value)> {
    call(
        c,
        "decide-application",
        &[("user_id", applicant), ("decision", "vote")],
    )
    .await
}

async fn vote(c: &mutua_tests::Client, id: &str, choice: &str) -> Result<Value, (u16, Value)> {
    call(c, "vote", &[("id", id), ("choice", choice)]).await
}

on_both_databases!(
    a_passed_vote_changes_the_fee_by_itself,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let clock = Clock::new(&db);
        let server = TestServer::start_with(&db, &clock.env());
        let m = market(&server).await;
        let before = service_order(&m, 0).await;
        assert_eq!(fee_of(&view(&m.customer, before).await.expect("view")), 360);
        act(&m.board, before, "confirm_payment", None)
            .await
            .expect("paid");
        fulfil_all(&m, before).await;

        // Before proposing, the impact over the last 90 days' completed orders.
        let terms = |percent: &'static str| {
            vec![
                ("service_percent", percent),
                ("service_min", "0,50"),
                ("delivery_percent", "5"),
                ("delivery_min", "0,50"),
            ]
        };
        let i = call(&m.carlo, "fee-preview", &terms("6"))
            .await
            .expect("preview");
        assert_eq!(i["lines"], 1);
        assert_eq!(
            (i["now"]["minor"].as_i64(), i["proposed"]["minor"].as_i64()),
            (Some(360), Some(270))
        );
        assert_eq!(i["median_member"][1]["minor"], 270);
        let refused = call(&m.carlo, "fee-preview", &terms("6,555"))
            .await
            .expect_err("3 decimals");
        assert_eq!(field_problems(&refused.1)[0].0, "service_percent");
        assert_eq!(
            call(&m.customer, "fee-preview", &terms("6"))
                .await
                .err()
                .map(|e| e.0),
            Some(403)
        );

        let today = chrono::Utc::now().date_naive();
        let day = |n: i64| {
            (today + chrono::Duration::days(n))
                .format("%Y-%m-%d")
                .to_string()
        };
        let (closes, effective) = (day(7), day(9));
        let form = |percent: &str, effective: &str| -> Vec<(&'static str, String)> {
            vec![
                ("kind", "fee_rule_change".into()),
                ("title", "Commissione servizi al 6 %".into()),
                (
                    "body",
                    "Abbassiamo la commissione sui servizi dall'8 al 6 %.".into(),
                ),
                ("closes_on", closes.clone()),
                ("effective_on", effective.into()),
                ("service_percent", percent.into()),
                ("service_fixed", "0".into()),
                ("service_min", "0,50".into()),
                ("delivery_percent", "5".into()),
                ("delivery_min", "0,50".into()),
            ]
        };

        // Mistakes are named field by field, with what was typed kept.
        let refused = send(&m.anna, form("60", &effective))
            .await
            .expect_err("60 %");
        assert_eq!(refused.0, 422);
        assert_eq!(
            field_problems(&refused.1),
            vec![("service_percent".to_owned(), "NumberOutOfRange".to_owned())]
        );
        let echo = refused.1["Invalid"]["echo"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            echo.iter()
                .any(|p| p[0] == "title" && p[1] == "Commissione servizi al 6 %"),
            "{echo:?}"
        );
        let refused = send(&m.anna, form("6", &day(1)))
            .await
            .expect_err("too early");
        assert_eq!(field_problems(&refused.1)[0].0, "effective_on");
        // In force the day after closing, no sooner.
        let refused = send(&m.anna, form("6", &day(8)))
            .await
            .expect_err("the closing day");
        assert_eq!(field_problems(&refused.1)[0].0, "effective_on");
        // No fee vote can be rushed: seven days at least.
        let mut rushed = form("6", &effective);
        rushed.retain(|(k, _)| *k != "closes_on");
        rushed.push(("closes_on", day(6)));
        let refused = send(&m.anna, rushed).await.expect_err("rushed");
        assert_eq!(
            field_problems(&refused.1),
            vec![("closes_on".to_owned(), "VotingTooShort".to_owned())]
        );
        // Customers do not propose; nothing was written.
        assert_eq!(
            send(&m.customer, form("6", &effective))
                .await
                .err()
                .map(|e| e.0),
            Some(403)
        );
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM proposals").await, 0);

        // A user member joins before the vote opens; the board's seat holder
        // here has no membership, so does not vote in the assembly.
        let bruno = member(&server, "bruno@coop.example", "user").await;
        let id = send(&m.anna, form("6", &effective))
            .await
            .expect("proposed");
        let id = id.as_str().expect("id").to_owned();
        let p = proposal(&m.anna, &id).await;
        assert_eq!(p["status"], "open");
        assert_eq!(p["eligible"], 3, "Anna, Carlo and Bruno");
        // Each voter is told, in their language.
        assert_eq!(
            db.query_i64(
                "SELECT COUNT(*) FROM email_outbox WHERE subject = 'Nuova votazione su Mutua'"
            )
            .await,
            3
        );
        assert_eq!(p["fee_rule"]["service"]["percent_bps"], 600);

        // A member admitted after opening does not vote on it.
        let late = member(&server, "lia@coop.example", "worker").await;
        assert_eq!(vote(&late, &id, "yes").await.err().map(|e| e.0), Some(403));
        assert_eq!(
            vote(&m.customer, &id, "yes").await.err().map(|e| e.0),
            Some(403)
        );
        assert_eq!(
            vote(&m.board, &id, "yes").await.err().map(|e| e.0),
            Some(403)
        );

        // One member, one current ballot, however often and however fast.
        let votes = (0..100).map(|i| vote(&m.carlo, &id, if i % 2 == 0 { "no" } else { "yes" }));
        let answers = futures_util::future::join_all(votes).await;
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM ballots").await, 1);
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM ballot_history").await,
            100
        );
        vote(&m.carlo, &id, "yes").await.expect("carlo");
        vote(&m.anna, &id, "yes").await.expect("anna");
        vote(&bruno, &id, "no").await.expect("bruno");
        // Results stay hidden while voting is open.
        let p = proposal(&m.anna, &id).await;
        assert!(p["result"].is_null());
        assert_eq!(p["my_choice"], "yes");

        // A suspended member's ballot is refused.
        db.execute(
            "UPDATE memberships SET status = 'suspended' \
         WHERE user_id IN (SELECT id FROM users WHERE email = 'bruno@coop.example')",
        )
        .await;
        assert_eq!(vote(&bruno, &id, "yes").await.err().map(|e| e.0), Some(403));
        db.execute("UPDATE memberships SET status = 'active'").await;

        // One second after closing: refused, nothing written.
        let closes_at: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(p["closes_at"].clone()).expect("closes_at");
        let offset = (closes_at - chrono::Utc::now()).num_seconds() + 1;
        clock.advance(offset);
        let written = db.query_i64("SELECT COUNT(*) FROM ballot_history").await;
        assert_eq!(vote(&m.anna, &id, "no").await.err().map(|e| e.0), Some(409));
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM ballot_history").await,
            written
        );

        // The job runner closes it: 2 yes, 1 no of 3, quorum met, passed.
        let mut p = Value::Null;
        for _ in 0..100 {
            p = proposal(&m.anna, &id).await;
            if p["status"] != "open" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(p["status"], "passed");
        assert_eq!(p["result"]["yes"], 2);
        assert_eq!(p["result"]["no"], 1);
        assert_eq!(p["result"]["quorum_met"], true);
        assert_eq!(p["enacted_version"], 2);

        // Not yet in force: a new order still pays 8 %.
        let waiting = service_order(&m, 0).await;
        assert_eq!(
            fee_of(&view(&m.customer, waiting).await.expect("view")),
            360
        );
        // Past its first day, with nobody doing anything, 6 %; older orders keep
        // the version they were priced with.
        let effective_at = chrono::NaiveDate::parse_from_str(&effective, "%Y-%m-%d")
            .expect("date")
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc();
        clock.advance((effective_at - chrono::Utc::now()).num_seconds() + 1);
        let after = service_order(&m, 0).await;
        let v = view(&m.customer, after).await.expect("view");
        assert_eq!(fee_of(&v), 270);
        assert_eq!(v["fee_rule_version"], 2);
        let v = view(&m.customer, before).await.expect("view");
        assert_eq!((fee_of(&v), v["fee_rule_version"].as_i64()), (360, Some(1)));

        // Everyone, without logging in, sees both versions and the vote.
        let visitor = customer(&server, "visitor@example.org").await;
        let t = call(&visitor, "transparency", &[])
            .await
            .expect("transparency");
        let versions = t["versions"].as_array().cloned().unwrap_or_default();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0]["version"], 2);
        assert_eq!(versions[0]["active"], true);
        assert_eq!(versions[0]["proposal"]["id"], id.as_str());
        assert_eq!(versions[0]["proposal"]["result"]["yes"], 2);
        assert_eq!(versions[1]["proposal"], Value::Null);
        let api: Value = reqwest::get(format!("{}/api/v1/fee-rules", server.url))
            .await
            .expect("api")
            .json()
            .await
            .expect("json");
        assert_eq!(api["items"][0]["version"], 2);
        assert_eq!(api["items"][0]["rule"]["service"]["percent_bps"], 600);
        assert_eq!(api["items"][0]["proposal"]["yes"], 2);
        assert_eq!(api["items"][1]["rule"]["service"]["percent_bps"], 800);
        let page = reqwest::get(format!("{}/transparency", server.url))
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(
            page.contains("Commissione servizi al 6 %"),
            "the vote is cited"
        );

        // The stored result equals a recount of the ballot history: each
        // voter's last ballot before closing.
        let recount = |choice: &str| {
            format!(
            "SELECT COUNT(*) FROM ballot_history h JOIN proposals p ON p.id = h.proposal_id \
             WHERE h.choice = '{choice}' AND h.cast_at < p.closes_at \
             AND h.member_id IN (SELECT member_id FROM proposal_voters v WHERE v.proposal_id = p.id) \
             AND NOT EXISTS (SELECT 1 FROM ballot_history l WHERE l.proposal_id = h.proposal_id \
               AND l.member_id = h.member_id AND l.cast_at < p.closes_at \
               AND (l.cast_at > h.cast_at OR (l.cast_at = h.cast_at AND l.id > h.id)))"
        )
        };
        assert_eq!(db.query_i64(&recount("yes")).await, 2);
        assert_eq!(db.query_i64(&recount("no")).await, 1);
        assert_eq!(
        db.query_i64("SELECT COALESCE(SUM(yes), 0) * 10 + COALESCE(SUM(no), 0) FROM proposals WHERE status <> 'open'")
            .await,
        21
    );

        // The audit log has it all, and keeps it.
        for kind in ["proposal_opened", "proposal_closed", "fee_rule_enacted"] {
            assert_eq!(
                db.query_i64(&format!(
                    "SELECT COUNT(*) FROM audit_events WHERE kind = '{kind}'"
                ))
                .await,
                1,
                "{kind}"
            );
        }
        // The board reads it, filtered by kind; nobody else does.
        let log = call(&m.board, "audit-log", &[("kind", "fee_rule_enacted")])
            .await
            .expect("audit log");
        let events = log["events"].as_array().cloned().unwrap_or_default();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["actor"], Value::Null, "the system enacted it");
        assert!(log["kinds"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "proposal_opened")));
        assert_eq!(
            call(&m.anna, "audit-log", &[]).await.err().map(|e| e.0),
            Some(403)
        );
        // In words, in the reader's language: who did what to which vote.
        let opened = call(&m.board, "audit-log", &[("kind", "proposal_opened")])
            .await
            .expect("audit log");
        assert_eq!(
            opened["events"][0]["subject_label"],
            "«Commissione servizi al 6 %»"
        );
        let page = m
            .board
            .get("/board/audit")
            .await
            .text()
            .await
            .expect("page");
        assert!(
            page.contains("ha aperto la votazione")
                && page.contains("«Commissione servizi al 6 %»")
                && page.contains("ha messo in vigore la regola delle commissioni"),
            "the log reads as sentences"
        );
        assert!(!page.contains("<code>proposal_opened"), "no internal codes");
        db.assert_append_only(&[
            "UPDATE audit_events SET detail = 'x'",
            "DELETE FROM audit_events",
            "UPDATE ballot_history SET choice = 'no'",
            "DELETE FROM ballot_history",
            "DELETE FROM proposal_voters",
        ])
        .await;
    }
);

on_both_databases!(the_board_admits_by_vote, |backend| async move {
    let db = TestDb::new(backend).await;
    let clock = Clock::new(&db);
    let server = TestServer::start_with(&db, &clock.env());
    let m = market(&server).await;
    // Anna and Carlo, both members, take board seats.
    db.execute(
        "INSERT INTO board_seats (id, user_id, started_at) SELECT id, id, created_at \
         FROM users WHERE email IN ('anna@coop.example', 'carlo@coop.example')",
    )
    .await;
    let nina = customer(&server, "nina@example.org").await;
    call(
        &nina,
        "apply",
        &[
            ("class", "worker"),
            ("motivation", "Riparo biciclette da dieci anni."),
            ("shares", "1"),
        ],
    )
    .await
    .expect("apply");
    let nina_id = mutua_tests::coop::user_id(&nina).await.to_string();
    assert_eq!(
        put_to_vote(&m.customer, &nina_id).await.err().map(|e| e.0),
        Some(403)
    );
    put_to_vote(&m.anna, &nina_id).await.expect("put to a vote");
    // One open vote per application.
    assert_eq!(
        put_to_vote(&m.carlo, &nina_id).await.err().map(|e| e.0),
        Some(409)
    );
    let home = call(&m.anna, "governance", &[]).await.expect("governance");
    let p = &home["proposals"][0];
    assert_eq!(p["kind"], "admit_member");
    let id = p["id"].as_str().expect("id").to_owned();
    let view = proposal(&m.anna, &id).await;
    assert_eq!(view["voters"], "board");
    assert_eq!(view["eligible"], 2, "the two members with a seat");
    // A seat without a membership, or a membership without a seat: no vote.
    assert_eq!(
        vote(&m.board, &id, "yes").await.err().map(|e| e.0),
        Some(403)
    );
    let lia = member(&server, "lia@coop.example", "worker").await;
    assert_eq!(vote(&lia, &id, "yes").await.err().map(|e| e.0), Some(403));
    vote(&m.anna, &id, "yes").await.expect("anna");

    // A day before closing, the one who has not voted is reminded, once.
    let closes_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(view["closes_at"].clone()).expect("closes_at");
    clock.advance((closes_at - chrono::Utc::now()).num_seconds() - 12 * 3600);
    let reminders = "SELECT COUNT(*) FROM email_outbox \
                     WHERE subject = 'Promemoria: la votazione chiude domani'";
    for _ in 0..100 {
        if db.query_i64(reminders).await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(db.query_i64(reminders).await, 1, "Carlo only, once");
    vote(&m.carlo, &id, "yes").await.expect("carlo");
    clock.advance((closes_at - chrono::Utc::now()).num_seconds() + 1);
    let active = "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
                  WHERE u.email = 'nina@example.org' AND m.status = 'active'";
    for _ in 0..100 {
        if db.query_i64(active).await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(db.query_i64(active).await, 1, "admitted by the vote");
    assert_eq!(proposal(&m.anna, &id).await["status"], "passed");
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM audit_events WHERE kind = 'member_admitted'")
            .await,
        1,
        "Nina, by the vote"
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM audit_events WHERE kind = 'member_founded'")
            .await,
        3,
        "Anna, Carlo and Lia, founders entered by the operator"
    );
});
