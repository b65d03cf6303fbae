//! Card payments against a real fake Stripe (localstripe): the order's
//! PaymentIntent, the processor's signed webhook paying the order, and the
//! webhook endpoint's guarantees — signatures and timestamps checked before
//! anything is written, every event handled once however often and however
//! concurrently it arrives, and no order moved backwards by a late event.

use mutua_tests::coop::call;
use mutua_tests::market::{act, composite, fulfil_all, market, service_order, view, Market};
use mutua_tests::stripe::{signature, FakeStripe, WEBHOOK_SECRET};
use mutua_tests::{location, on_both_databases, TestDb, TestServer};
use serde_json::{json, Value};
use uuid::Uuid;

async fn stripe_server(db: &TestDb, fake: &FakeStripe) -> TestServer {
    let env = fake.env();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The job runner sends card refunds; tick every second.
    env.push(("MUTUA_JOB_INTERVAL_SECS", "1"));
    TestServer::start_with(db, &env)
}

/// The order's PaymentIntent id (created on first call).
async fn intent(m: &Market, order: Uuid) -> String {
    let pay = call(&m.customer, "order-pay", &[("id", &order.to_string())])
        .await
        .expect("card payment started");
    assert!(pay["client_secret"]
        .as_str()
        .is_some_and(|s| s.contains("_secret_")));
    pay["payment_intent"].as_str().expect("intent").to_owned()
}

fn event(id: &str, kind: &str, intent: &Value) -> String {
    json!({
        "id": id,
        "object": "event",
        "type": kind,
        "data": { "object": intent },
    })
    .to_string()
}

/// The PaymentIntent as the fake Stripe has it, as a `succeeded` event
/// carries it (all of its amount received).
async fn paid_intent(fake: &FakeStripe, pi: &str) -> Value {
    let mut intent = fake.get(&format!("/v1/payment_intents/{pi}")).await;
    intent["amount_received"] = intent["amount"].clone();
    intent["status"] = json!("succeeded");
    intent
}

async fn deliver(server: &TestServer, payload: &str, sig: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/webhooks/stripe", server.url))
        .header("content-type", "application/json")
        .header("stripe-signature", sig)
        .body(payload.to_owned())
        .send()
        .await
        .expect("webhook delivery")
        .status()
        .as_u16()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn wait_for_status(m: &Market, order: Uuid, expected: &str) -> Value {
    for _ in 0..100 {
        let v = view(&m.customer, order).await.expect("view");
        if v["status"] == expected {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("order {order} never became {expected}");
}

on_both_databases!(a_card_payment_pays_the_order, |backend| async move {
    let db = TestDb::new(backend).await;
    let fake = FakeStripe::start();
    let server = stripe_server(&db, &fake).await;
    fake.send_webhooks_to(&format!("{}/webhooks/stripe", server.url))
        .await;
    let m = market(&server).await;
    let order = service_order(&m, 0).await;
    let v = view(&m.customer, order).await.expect("view");
    assert_eq!(v["payment_provider"], "stripe");
    // Nobody confirms a card payment by hand.
    assert!(v["actions"]
        .as_array()
        .is_some_and(|a| !a.iter().any(|x| x == "confirm_payment")));
    assert_eq!(
        act(&m.anna, order, "confirm_payment", None)
            .await
            .err()
            .map(|e| e.0),
        Some(403)
    );
    // One PaymentIntent per order, however often payment starts; it carries
    // the order as its transfer group.
    let pi = intent(&m, order).await;
    assert_eq!(intent(&m, order).await, pi);
    assert_eq!(db.query_i64("SELECT COUNT(*) FROM payments").await, 1);
    let remote = reqwest::Client::new()
        .get(format!("{}/v1/payment_intents/{pi}", fake.url))
        .basic_auth(mutua_tests::stripe::SECRET_KEY, Some(""))
        .send()
        .await
        .expect("intent")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(remote["transfer_group"], order.to_string());
    assert_eq!(remote["amount"], 4500);
    // Only the order's customer starts its payment.
    assert_eq!(
        call(&m.anna, "order-pay", &[("id", &order.to_string())])
            .await
            .err()
            .map(|e| e.0),
        Some(404)
    );

    // The customer pays; the fake Stripe tells the server by a signed webhook.
    fake.pay(&pi).await;
    let v = wait_for_status(&m, order, "Paid").await;
    assert_eq!(v["money"][0]["kind"], "payment");
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM payments WHERE status = 'succeeded'")
            .await,
        1
    );
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM webhook_events WHERE outcome = 'applied'")
            .await,
        1
    );
    let (ok, report) = server.ledger_verify();
    assert!(ok, "{report}");
});

on_both_databases!(
    webhooks_are_verified_and_handled_once,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let fake = FakeStripe::start();
        let server = stripe_server(&db, &fake).await;
        let m = market(&server).await;
        let order = service_order(&m, 0).await;
        let pi = intent(&m, order).await;
        fake.pay(&pi).await;
        let paid = paid_intent(&fake, &pi).await;
        let payload = event("evt_paid_1", "payment_intent.succeeded", &paid);
        let rows = || async {
            db.query_i64("SELECT COUNT(*) FROM webhook_events").await
            + db.query_i64("SELECT COUNT(*) FROM ledger_entries").await
            + db.query_i64("SELECT COUNT(*) FROM order_events WHERE action = 'confirm_payment' AND line_id IS NULL")
                .await
        };

        // Wrong secret, changed body, a timestamp 301 s old, no header: 400, and
        // nothing written.
        let t = now();
        assert_eq!(
            deliver(&server, &payload, &signature("whsec_other", t, &payload)).await,
            400
        );
        let tampered = payload.replace("succeeded", "processing");
        assert_eq!(
            deliver(&server, &tampered, &signature(WEBHOOK_SECRET, t, &payload)).await,
            400
        );
        assert_eq!(
            deliver(
                &server,
                &payload,
                &signature(WEBHOOK_SECRET, t - 301, &payload)
            )
            .await,
            400
        );
        assert_eq!(deliver(&server, &payload, "").await, 400);
        // A signed event with no id, or one too long to store whole, could
        // not be told apart from another: refused, never truncated.
        for id in [String::new(), format!("evt_{}", "x".repeat(300))] {
            let odd = event(&id, "payment_intent.succeeded", &paid);
            assert_eq!(
                deliver(&server, &odd, &signature(WEBHOOK_SECRET, now(), &odd)).await,
                400,
                "event id of {} characters",
                id.len()
            );
        }
        assert_eq!(rows().await, 0);

        // The same signed event 1,000 times, 50 at a time: every delivery is
        // acknowledged, the order and the ledger change once.
        let sig = signature(WEBHOOK_SECRET, now(), &payload);
        for _ in 0..20 {
            let batch = (0..50).map(|_| deliver(&server, &payload, &sig));
            let statuses = futures_util::future::join_all(batch).await;
            assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        }
        assert_eq!(
            view(&m.customer, order).await.expect("view")["status"],
            "Paid"
        );
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM webhook_events").await, 1);
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM ledger_entries").await, 1);
        assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM order_events WHERE action = 'confirm_payment' AND line_id IS NULL")
            .await,
        1
    );

        // The customer cancels (refunded); a late `succeeded` event with another
        // id does not bring the order back.
        act(&m.customer, order, "cancel", None)
            .await
            .expect("cancelled");
        let late = event("evt_paid_2", "payment_intent.succeeded", &paid);
        assert_eq!(
            deliver(&server, &late, &signature(WEBHOOK_SECRET, now(), &late)).await,
            200
        );
        assert_eq!(
            view(&m.customer, order).await.expect("view")["status"],
            "Refunded"
        );
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM webhook_events WHERE outcome = 'ignored'")
                .await,
            1
        );
        // An unpaid order cancelled before its payment arrives stays
        // cancelled; the money is owed back and the job runner refunds it.
        let other = service_order(&m, 0).await;
        let other_pi = intent(&m, other).await;
        act(&m.customer, other, "cancel", None)
            .await
            .expect("cancelled");
        fake.pay(&other_pi).await;
        let paid_late = event(
            "evt_paid_3",
            "payment_intent.succeeded",
            &paid_intent(&fake, &other_pi).await,
        );
        assert_eq!(
            deliver(
                &server,
                &paid_late,
                &signature(WEBHOOK_SECRET, now(), &paid_late)
            )
            .await,
            200
        );
        assert_eq!(
            view(&m.customer, other).await.expect("view")["status"],
            "Cancelled"
        );
        let owed_back = "SELECT COUNT(*) FROM webhook_events WHERE outcome = 'refunded'";
        assert_eq!(db.query_i64(owed_back).await, 1);
        // Both orders' money went back to the card: the first one's
        // refund, and this late payment.
        wait_for(
            &db,
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'refund_paid'",
            2,
        )
        .await;
        let (ok, report) = server.ledger_verify();
        assert!(ok, "{report}");
    }
);

on_both_databases!(
    card_money_must_match_its_order_and_races_are_quiet,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let fake = FakeStripe::start();
        let server = stripe_server(&db, &fake).await;
        let m = market(&server).await;
        let order = service_order(&m, 0).await;
        let pi = intent(&m, order).await;
        let paid = paid_intent(&fake, &pi).await;
        // Less than the total, another currency, another order's id: each
        // is recorded for the board, and nothing is paid.
        let mut short = paid.clone();
        short["amount_received"] = json!(100);
        let mut dollars = paid.clone();
        dollars["currency"] = json!("usd");
        let mut elsewhere = paid.clone();
        elsewhere["metadata"]["order_id"] = json!(Uuid::now_v7().to_string());
        for (n, bad) in [short, dollars, elsewhere].iter().enumerate() {
            let payload = event(&format!("evt_bad_{n}"), "payment_intent.succeeded", bad);
            let sig = signature(WEBHOOK_SECRET, now(), &payload);
            assert_eq!(deliver(&server, &payload, &sig).await, 200);
        }
        assert_eq!(
            view(&m.customer, order).await.expect("view")["status"],
            "PendingPayment"
        );
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM webhook_events WHERE outcome = 'mismatch'")
                .await,
            3
        );
        let money = call(&m.board, "board-money", &[]).await.expect("money");
        assert_eq!(money["card_mismatches"].as_array().map(Vec::len), Some(3));
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM ledger_entries").await, 0);

        // Forty events with different ids for the same payment at once: all
        // acknowledged, one pays the order, the rest are ignored.
        let payloads: Vec<String> = (0..40)
            .map(|n| event(&format!("evt_race_{n}"), "payment_intent.succeeded", &paid))
            .collect();
        let statuses = futures_util::future::join_all(payloads.iter().map(|p| {
            let sig = signature(WEBHOOK_SECRET, now(), p);
            let server = &server;
            async move { deliver(server, p, &sig).await }
        }))
        .await;
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM webhook_events WHERE outcome = 'applied'")
                .await,
            1
        );
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM webhook_events WHERE outcome = 'ignored'")
                .await,
            39
        );
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'payment'")
                .await,
            1
        );
        let (ok, report) = server.ledger_verify();
        assert!(ok, "{report}");
    }
);

/// Polls `sql` until it answers `expected` (the job runner ticks each second).
async fn wait_for(db: &TestDb, sql: &str, expected: i64) {
    for _ in 0..100 {
        if db.query_i64(sql).await == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{sql} never answered {expected}");
}

on_both_databases!(
    card_paid_work_is_transferred_to_connected_members,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let fake = FakeStripe::start();
        let server = stripe_server(&db, &fake).await;
        fake.send_webhooks_to(&format!("{}/webhooks/stripe", server.url))
            .await;
        let m = market(&server).await;
        let standing = |c: &'static str| {
            let client = match c {
                "anna" => &m.anna,
                _ => &m.carlo,
            };
            async move {
                call(client, "earnings", &[]).await.expect("earnings")["connect"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            }
        };
        assert_eq!(standing("anna").await, "none");

        // Anna goes to Stripe's onboarding; asking twice makes one account.
        let html = [("accept", "text/html")];
        let mut links = Vec::new();
        for _ in 0..2 {
            let res = m
                .anna
                .post_form_with("/fn/payout-connect", &[], &html)
                .await;
            assert!(res.status().is_redirection(), "{}", res.status());
            links.push(location(&res));
        }
        assert!(
            links[0].starts_with(&format!("{}/connect/onboarding/acct_", fake.url)),
            "{links:?}"
        );
        assert_eq!(
            fake.get("/v1/accounts").await["data"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        assert_eq!(standing("anna").await, "pending");
        // Customers have no payouts.
        assert_eq!(
            call(&m.customer, "payout-connect", &[])
                .await
                .err()
                .map(|e| e.0),
            Some(403)
        );

        // She finishes onboarding; Stripe's `account.updated` says so.
        fake.complete_onboarding(&links[1]).await;
        for _ in 0..100 {
            if standing("anna").await == "ready" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(standing("anna").await, "ready");
        assert_eq!(standing("carlo").await, "none");

        // A composite order paid by card completes: Anna's line (45,00 less
        // the 3,60 fee) is transferred from the order's charge; Carlo, with
        // no connected account, is left to the SEPA batch.
        let order = composite(&m).await;
        let pi = intent(&m, order).await;
        fake.pay(&pi).await;
        wait_for_status(&m, order, "Paid").await;
        fulfil_all(&m, order).await;
        wait_for(
            &db,
            "SELECT COUNT(*) FROM transfers WHERE status = 'sent'",
            1,
        )
        .await;
        assert_eq!(db.query_i64("SELECT COUNT(*) FROM transfers").await, 1);
        let sent = fake.get("/v1/transfers").await;
        let sent = sent["data"].as_array().cloned().unwrap_or_default();
        assert_eq!(sent.len(), 1);
        let charge = fake.get(&format!("/v1/payment_intents/{pi}")).await["latest_charge"].clone();
        assert_eq!(sent[0]["amount"], 4140);
        assert_eq!(sent[0]["source_transaction"], charge);
        assert_eq!(sent[0]["transfer_group"], order.to_string());
        assert!(sent[0]["destination"]
            .as_str()
            .is_some_and(|d| links[0].contains(d)));

        // Anna's earnings show it paid out; Carlo's 7,10 waits for SEPA.
        let anna = call(&m.anna, "earnings", &[]).await.expect("earnings");
        assert_eq!(anna["available"]["minor"], 0);
        assert_eq!(anna["paid_out"]["minor"], 4140);
        let board = call(&m.board, "board-money", &[])
            .await
            .expect("board money");
        let payees = board["payees"].as_array().cloned().unwrap_or_default();
        assert_eq!(payees.len(), 1, "{payees:?}");
        assert_eq!(payees[0]["available"]["minor"], 710);

        // A crash between Stripe's answer and the commit is retried with
        // the same idempotency key: no second transfer, no second entry.
        db.execute("UPDATE transfers SET status = 'owed', external_id = NULL, sent_at = NULL")
            .await;
        wait_for(
            &db,
            "SELECT COUNT(*) FROM transfers WHERE status = 'sent'",
            1,
        )
        .await;
        assert_eq!(
            fake.get("/v1/transfers").await["data"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        assert_eq!(
            db.query_i64(
                "SELECT COUNT(*) FROM ledger_entries WHERE idempotency_key LIKE '%/transfer/%'"
            )
            .await,
            1
        );
        let (ok, report) = server.ledger_verify();
        assert!(ok, "{report}");
    }
);

on_both_databases!(
    an_unpaid_card_orders_payment_is_cancelled_at_stripe,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let fake = FakeStripe::start();
        let server = stripe_server(&db, &fake).await;
        let m = market(&server).await;
        let order = service_order(&m, 0).await;
        let pi = intent(&m, order).await;
        act(&m.customer, order, "cancel", None)
            .await
            .expect("cancelled");
        // The job runner cancels the intent: it can no longer take money.
        wait_for(
            &db,
            "SELECT COUNT(*) FROM payments WHERE status = 'failed'",
            1,
        )
        .await;
        assert_eq!(
            fake.get(&format!("/v1/payment_intents/{pi}")).await["status"],
            "canceled"
        );
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM processor_retries").await,
            0
        );
        let (ok, report) = server.ledger_verify();
        assert!(ok, "{report}");
    }
);

on_both_databases!(
    a_refused_refund_waits_is_set_aside_and_tried_again_by_the_board,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let fake = FakeStripe::start();
        let server = stripe_server(&db, &fake).await;
        let clock = mutua_tests::Clock::new(&db);
        let m = market(&server).await;
        let (order, pi) = paid_card_order(&m, &fake, &server, 0).await;
        // Stripe will refuse the refund: it does not know this payment.
        db.execute("UPDATE payments SET external_id = 'pi_unknown_to_stripe'")
            .await;
        act(&m.customer, order, "cancel", None)
            .await
            .expect("cancelled after payment");
        let refund_attempts =
            "SELECT CAST(COALESCE(MAX(attempts), 0) AS BIGINT) FROM processor_retries WHERE kind = 'refund'";
        wait_for(&db, refund_attempts, 1).await;
        // Not tried again before its pause is over (the runner ticks each
        // second).
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(db.query_i64(refund_attempts).await, 1);
        // Each pause over, one more try; the eighth failure sets it aside.
        for n in 2..=8 {
            clock.advance(n * 7 * 3600);
            wait_for(&db, refund_attempts, n).await;
        }
        wait_for(
            &db,
            "SELECT COUNT(*) FROM processor_retries WHERE kind = 'refund' AND parked_at IS NOT NULL",
            1,
        )
        .await;
        clock.advance(30 * 24 * 3600);
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(db.query_i64(refund_attempts).await, 8, "parked: not tried");
        assert_eq!(
            fake.get("/v1/refunds").await["data"]
                .as_array()
                .map(Vec::len),
            Some(0)
        );
        // The board sees it, on its money page too.
        let money = call(&m.board, "board-money", &[]).await.expect("money");
        let problems = money["processor_problems"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let refund = problems
            .iter()
            .find(|p| p["kind"] == "refund")
            .cloned()
            .expect("the refund is listed");
        assert_eq!(refund["parked"], true);
        assert_eq!(refund["order_id"], order.to_string());
        let page = m
            .board
            .get("/board/money")
            .await
            .text()
            .await
            .expect("page");
        assert!(
            page.contains(r#"data-kind="refund" data-parked="true""#),
            "the money page lists the refund set aside"
        );
        // A customer cannot ask for it again.
        let key = refund["call"].as_str().expect("call").to_owned();
        assert_eq!(
            call(&m.customer, "processor-retry", &[("call", &key)])
                .await
                .err()
                .map(|e| e.0),
            Some(403)
        );
        // The board put things right at Stripe and tries again: refunded once.
        db.execute(&format!("UPDATE payments SET external_id = '{pi}'"))
            .await;
        call(&m.board, "processor-retry", &[("call", &key)])
            .await
            .expect("tried again");
        wait_for(
            &db,
            "SELECT COUNT(*) FROM processor_retries WHERE kind = 'refund'",
            0,
        )
        .await;
        let refunds = fake.get("/v1/refunds").await;
        let refunds = refunds["data"].as_array().cloned().unwrap_or_default();
        assert_eq!(refunds.len(), 1);
        assert_eq!(refunds[0]["amount"], 4500);
        let (ok, report) = server.ledger_verify();
        assert!(ok, "{report}");
    }
);

/// Delivers `object` as a signed event `kind` with id `id`; answers the
/// status.
async fn send(server: &TestServer, id: &str, kind: &str, object: &Value) -> u16 {
    let payload = event(id, kind, object);
    deliver(
        server,
        &payload,
        &signature(WEBHOOK_SECRET, now(), &payload),
    )
    .await
}

/// Delivers `object` as a signed event, which must be acknowledged.
async fn told(server: &TestServer, id: &str, kind: &str, object: &Value) {
    assert_eq!(send(server, id, kind, object).await, 200, "{kind} {id}");
}

/// A service order (opening `n`) paid by card at the fake Stripe, its
/// `succeeded` event delivered: answers the order and its PaymentIntent.
async fn paid_card_order(
    m: &Market,
    fake: &FakeStripe,
    server: &TestServer,
    n: usize,
) -> (Uuid, String) {
    let order = service_order(m, n).await;
    let pi = intent(m, order).await;
    fake.pay(&pi).await;
    let paid = paid_intent(fake, &pi).await;
    let id = format!("evt_paid_{order}");
    assert_eq!(
        send(server, &id, "payment_intent.succeeded", &paid).await,
        200
    );
    wait_for_status(m, order, "Paid").await;
    (order, pi)
}

/// A dispute as Stripe's `charge.dispute.*` events carry it, with the
/// balance transactions it made: (id, amount, fee).
fn dispute(id: &str, pi: &str, status: &str, moves: &[(&str, i64, i64)]) -> Value {
    json!({
        "id": id,
        "object": "dispute",
        "amount": 4500,
        "currency": "eur",
        "payment_intent": pi,
        "reason": "fraudulent",
        "status": status,
        "balance_transactions": moves
            .iter()
            .map(|(id, amount, fee)| json!({"id": id, "amount": amount, "fee": fee, "net": amount - fee}))
            .collect::<Vec<_>>(),
    })
}

/// The balance of the accounts whose code starts with `code`, signed
/// (debits positive), leaving out Stripe's card fees (posted whenever the
/// job runner reads them back).
async fn balance(db: &TestDb, code: &str) -> i64 {
    db.query_i64(&format!(
        "SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) FROM ledger_postings p \
         JOIN ledger_entries e ON e.id = p.entry_id \
         WHERE p.account_code LIKE '{code}%' AND e.kind <> 'processor_fee'"
    ))
    .await
}

on_both_databases!(
    money_stripe_gives_back_by_itself_is_taken_from_the_orders_shares,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let fake = FakeStripe::start();
        let server = stripe_server(&db, &fake).await;
        let m = market(&server).await;
        // Three card orders of 45,00 (Anna's share 41,40, the fee 3,60).
        let (refunded, pi_refunded) = paid_card_order(&m, &fake, &server, 0).await;
        let (lost, pi_lost) = paid_card_order(&m, &fake, &server, 1).await;
        let (won, pi_won) = paid_card_order(&m, &fake, &server, 2).await;
        fulfil_all(&m, refunded).await;
        fulfil_all(&m, lost).await;

        // Someone refunds 15,00 of a completed order at Stripe: Anna owes
        // back her part (13,80), the cooperative gives back its fee's (1,20).
        let charge = |amount: i64| {
            json!({"id": "ch_1", "object": "charge", "payment_intent": pi_refunded,
                   "amount_refunded": amount, "currency": "eur"})
        };
        told(&server, "evt_rf_1", "charge.refunded", &charge(1500)).await;
        wait_for(
            &db,
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'clawback'",
            1,
        )
        .await;
        assert_eq!(balance(&db, "member_receivable:").await, 1380);
        // Told again, or an older total: nothing more.
        told(&server, "evt_rf_2", "charge.refunded", &charge(1500)).await;
        told(&server, "evt_rf_0", "charge.refunded", &charge(700)).await;
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'clawback'")
                .await,
            1
        );
        // More than the order holds is not this order's money.
        told(&server, "evt_rf_9", "charge.refunded", &charge(9000)).await;
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM webhook_events WHERE event_id = 'evt_rf_9' AND outcome = 'mismatch'").await,
            1
        );

        // A dispute on the second: Stripe takes the 45,00 and a 15,00 fee
        // while it is open.
        let taken = ("txn_lost_1", -4500, 1500);
        let opened = dispute("dp_lost", &pi_lost, "needs_response", &[taken]);
        told(&server, "evt_dp_1", "charge.dispute.created", &opened).await;
        assert_eq!(balance(&db, "card_disputes").await, 4500);
        // Delivered twice: booked once.
        told(
            &server,
            "evt_dp_1b",
            "charge.dispute.funds_withdrawn",
            &opened,
        )
        .await;
        assert_eq!(balance(&db, "card_disputes").await, 4500);
        // Lost: Anna owes her 41,40 back, the fee is given back; a late
        // `updated` does not reopen it.
        let closed = dispute("dp_lost", &pi_lost, "lost", &[taken]);
        told(&server, "evt_dp_2", "charge.dispute.closed", &closed).await;
        told(&server, "evt_dp_3", "charge.dispute.updated", &opened).await;
        wait_for(
            &db,
            "SELECT COUNT(*) FROM card_disputes WHERE booked_at IS NOT NULL",
            1,
        )
        .await;
        assert_eq!(balance(&db, "card_disputes").await, 0);
        assert_eq!(balance(&db, "member_receivable:").await, 1380 + 4140);
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM card_disputes WHERE status = 'lost'")
                .await,
            1
        );

        // A dispute on the order still open is lost: its booking waits for
        // the order, listed for the board; once the work is done and the
        // board asks again, it is booked.
        let taken = ("txn_won_1", -4500, 1500);
        let opened = dispute("dp_open", &pi_won, "needs_response", &[taken]);
        told(&server, "evt_do_1", "charge.dispute.created", &opened).await;
        let closed = dispute("dp_open", &pi_won, "lost", &[taken]);
        told(&server, "evt_do_2", "charge.dispute.closed", &closed).await;
        wait_for(
            &db,
            "SELECT COUNT(*) FROM processor_retries WHERE kind = 'chargeback'",
            1,
        )
        .await;
        let money = call(&m.board, "board-money", &[]).await.expect("money");
        let waiting = money["processor_problems"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .find(|p| p["kind"] == "chargeback")
            .expect("the lost dispute is listed");
        assert_eq!(waiting["order_id"], won.to_string());
        let page = m
            .board
            .get("/board/money")
            .await
            .text()
            .await
            .expect("page");
        let item = page
            .split(r#"data-kind="chargeback""#)
            .nth(1)
            .and_then(|rest| rest.split("</li>").next())
            .expect("the money page lists it");
        assert!(item.contains(r#"data-testid="processor-retry""#), "{item}");
        assert_eq!(balance(&db, "card_disputes").await, 4500);
        fulfil_all(&m, won).await;
        let key = waiting["call"].as_str().expect("call").to_owned();
        call(&m.board, "processor-retry", &[("call", &key)])
            .await
            .expect("tried again");
        wait_for(
            &db,
            "SELECT COUNT(*) FROM card_disputes WHERE booked_at IS NOT NULL",
            2,
        )
        .await;
        assert_eq!(balance(&db, "card_disputes").await, 0);
        assert_eq!(balance(&db, "member_receivable:").await, 1380 + 4140 + 4140);

        // The ledger says what Stripe holds: three payments, less the
        // refund, the two disputes and their fees (and its card fees).
        assert_eq!(
            balance(&db, "platform_cash").await,
            3 * 4500 - 1500 - 2 * (4500 + 1500)
        );
        let (ok, report) = server.ledger_verify();
        assert!(ok, "{report}");
    }
);

on_both_databases!(a_won_dispute_gives_the_money_back, |backend| async move {
    let db = TestDb::new(backend).await;
    let fake = FakeStripe::start();
    let server = stripe_server(&db, &fake).await;
    let m = market(&server).await;
    let (order, pi) = paid_card_order(&m, &fake, &server, 0).await;
    let taken = ("txn_1", -4500, 1500);
    let opened = dispute("dp_1", &pi, "needs_response", &[taken]);
    told(&server, "evt_1", "charge.dispute.created", &opened).await;
    assert_eq!(balance(&db, "card_disputes").await, 4500);
    // Won: the money comes back (the fee stays with Stripe).
    let won = dispute("dp_1", &pi, "won", &[taken, ("txn_2", 4500, 0)]);
    told(&server, "evt_2", "charge.dispute.closed", &won).await;
    assert_eq!(balance(&db, "card_disputes").await, 0);
    assert_eq!(balance(&db, "processor_fees").await, 1500);
    assert_eq!(balance(&db, "platform_cash").await, 4500 - 1500);
    // Nothing is taken from anyone, and the order goes on.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        db.query_i64("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'clawback'")
            .await,
        0
    );
    fulfil_all(&m, order).await;
    assert_eq!(balance(&db, "member_receivable:").await, 0);
    let (ok, report) = server.ledger_verify();
    assert!(ok, "{report}");
});

on_both_databases!(
    an_unpaid_card_order_is_reminded_once_then_expires,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let fake = FakeStripe::start();
        let server = stripe_server(&db, &fake).await;
        let clock = mutua_tests::Clock::new(&db);
        let m = market(&server).await;
        let order = service_order(&m, 0).await;
        let reminders = "SELECT COUNT(*) FROM email_outbox \
             WHERE subject LIKE 'Promemoria: paga il tuo ordine con la carta · Ordine %'";
        // Ten minutes in: nothing yet (the order has half an hour).
        clock.advance(10 * 60);
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(db.query_i64(reminders).await, 0);
        // A quarter of an hour before it expires: reminded, once.
        clock.advance(16 * 60);
        wait_for(&db, reminders, 1).await;
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(db.query_i64(reminders).await, 1);
        // Past its half hour the order expires by itself.
        clock.advance(31 * 60);
        let v = wait_for_status(&m, order, "Cancelled").await;
        assert_eq!(v["payment"]["paid"], false);
    }
);
