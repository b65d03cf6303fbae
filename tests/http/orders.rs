//! Orders: a composite order's whole life, who may do what, illegal
//! transitions, the slot race and idempotent submits, timed transitions
//! with a moved clock, delivery pricing errors, append-only history.

use mutua_tests::coop::{call, customer, field_problems};
use mutua_tests::market::{
    act, composite, leg, line_id, market, opening, order_form, place, status, view, work_time,
};
use mutua_tests::{on_both_databases, Backend, Clock, TestDb, TestServer};
use serde_json::Value;
use std::time::Duration;
use uuid::Uuid;

fn minor(v: &Value) -> i64 {
    v["minor"].as_i64().unwrap_or(i64::MIN)
}

/// Events of the only order in the database.
async fn events(db: &TestDb, _order: Uuid) -> i64 {
    count(db, "order_events").await
}

async fn count(db: &TestDb, table: &str) -> i64 {
    db.query_i64(&format!("SELECT COUNT(*) FROM {table}")).await
}

on_both_databases!(composite_order_lives_its_whole_life, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let m = market(&server).await;
    let order = composite(&m).await;

    // The customer sees the breakdown: 45,00 + (4,00 + 3 km × 1,20).
    let v = view(&m.customer, order).await.expect("customer sees it");
    assert_eq!(status(&v), "PendingPayment");
    assert_eq!(v["lines"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["lines"][1]["delivery"]["distance_km"], 3);
    assert_eq!(minor(&v["lines"][0]["price"]), 4500);
    assert_eq!(minor(&v["lines"][1]["price"]), 760);
    assert_eq!(minor(&v["total"]), 5260);
    // 8 % of 45,00 = 3,60; 5 % of 7,60 = 0,38, below the 0,50 minimum.
    assert_eq!(minor(&v["fee"]), 410);
    assert_eq!(v["fee_rule_version"], 1);
    // The courier was assigned automatically: Carlo is the only one.
    assert_eq!(v["lines"][1]["provider_name"], "carlo");
    assert_eq!(v["actions"], serde_json::json!(["cancel"]));

    // Anna sees her net, not the courier's money nor the order total.
    let a = view(&m.anna, order).await.expect("provider sees it");
    assert_eq!(minor(&a["lines"][0]["net"]), 4140);
    assert!(a["lines"][1]["price"].is_null());
    assert!(a["total"].is_null());
    // A transfer to the cooperative is confirmed by the board, not by
    // the members who are paid from it.
    assert_eq!(a["actions"], serde_json::json!([]));

    // Strangers: 404 for reading, acting and messaging, like a missing order.
    let stranger = customer(&server, "curioso@example.org").await;
    assert_eq!(view(&stranger, order).await.err().map(|e| e.0), Some(404));
    assert_eq!(
        act(&stranger, order, "cancel", None)
            .await
            .err()
            .map(|e| e.0),
        Some(404)
    );
    let msg = call(
        &stranger,
        "order-message",
        &[("id", &order.to_string()), ("body", "ciao")],
    )
    .await;
    assert_eq!(msg.err().map(|e| e.0), Some(404));
    assert_eq!(
        stranger.get(&format!("/orders/{order}")).await.status(),
        404
    );
    let missing = Uuid::now_v7();
    assert_eq!(view(&stranger, missing).await.err().map(|e| e.0), Some(404));
    // Visitors are sent to the login page, and the server functions say 401.
    let visitor = server.client();
    for path in [
        "/orders".to_owned(),
        format!("/orders/{order}"),
        format!("/listings/{}/order", m.service),
    ] {
        let res = visitor.get(&path).await;
        assert_eq!(res.status(), 302, "{path}");
        // To log in, and back to the page afterwards.
        assert_eq!(mutua_tests::location(&res), format!("/login?next={path}"));
    }
    assert_eq!(view(&visitor, order).await.err().map(|e| e.0), Some(401));
    // Nobody but the customer cancels; the board only resolves disputes.
    assert_eq!(
        act(&m.anna, order, "cancel", None).await.err().map(|e| e.0),
        Some(403)
    );
    assert_eq!(
        act(&m.board, order, "cancel", None)
            .await
            .err()
            .map(|e| e.0),
        Some(403)
    );
    let before = events(&db, order).await;
    assert_eq!(before, 1);

    // Illegal in this state: 409, nothing written.
    let line0 = line_id(&v, 0);
    let line1 = line_id(&v, 1);
    assert_eq!(
        act(&m.anna, order, "accept", Some(&line0))
            .await
            .err()
            .map(|e| e.0),
        Some(409)
    );
    assert_eq!(
        act(&m.customer, order, "complete", None)
            .await
            .err()
            .map(|e| e.0),
        Some(409)
    );
    for provider in [&m.anna, &m.carlo] {
        assert_eq!(
            act(provider, order, "confirm_payment", None)
                .await
                .err()
                .map(|e| e.0),
            Some(403)
        );
    }
    // Carlo may not accept Anna's line.
    act(&m.board, order, "confirm_payment", None)
        .await
        .expect("the board confirms the transfer");
    assert_eq!(
        act(&m.carlo, order, "accept", Some(&line0))
            .await
            .err()
            .map(|e| e.0),
        Some(403)
    );
    assert_eq!(events(&db, order).await, before + 3);

    act(&m.anna, order, "accept", Some(&line0))
        .await
        .expect("anna accepts");
    assert_eq!(status(&view(&m.customer, order).await.expect("v")), "Paid");
    act(&m.carlo, order, "accept", Some(&line1))
        .await
        .expect("carlo accepts");
    assert_eq!(
        status(&view(&m.customer, order).await.expect("v")),
        "Accepted"
    );
    // Not before the work's time: the opening begins later.
    assert_eq!(
        act(&m.anna, order, "fulfil", Some(&line0))
            .await
            .err()
            .map(|e| e.0),
        Some(409)
    );
    let _at = work_time(&m, order).await;
    act(&m.anna, order, "fulfil", Some(&line0))
        .await
        .expect("repaired");
    act(&m.carlo, order, "start", Some(&line1))
        .await
        .expect("picked up");
    assert_eq!(
        status(&view(&m.customer, order).await.expect("v")),
        "InProgress"
    );
    // Once started, the customer can no longer cancel.
    assert_eq!(
        act(&m.customer, order, "cancel", None)
            .await
            .err()
            .map(|e| e.0),
        Some(409)
    );
    act(&m.carlo, order, "fulfil", Some(&line1))
        .await
        .expect("delivered");
    let v = view(&m.customer, order).await.expect("v");
    assert_eq!(status(&v), "Fulfilled");
    assert_eq!(v["actions"], serde_json::json!(["complete", "dispute"]));
    act(&m.customer, order, "complete", None)
        .await
        .expect("confirmed");
    let v = view(&m.customer, order).await.expect("v");
    assert_eq!(status(&v), "Completed");
    assert!(v["lines"]
        .as_array()
        .is_some_and(|l| l.iter().all(|l| l["status"] == "Completed")));
    // place 1, payment 1+2, accepts 1 then 1+1, repaired 1+1, picked up 1
    // (the order was in progress already), delivered 1+1, complete 1+2:
    // every transition of the order and of each line.
    assert_eq!(events(&db, order).await, 15);
    assert_eq!(
        v["events"].as_array().map(Vec::len),
        Some(15),
        "timeline shows every event"
    );
    // The price never changed.
    assert_eq!(minor(&v["total"]), 5260);

    // The thread: customer and providers write; the board reads.
    call(
        &m.customer,
        "order-message",
        &[("id", &order.to_string()), ("body", "Grazie, perfetto!")],
    )
    .await
    .expect("message");
    let bad = call(
        &m.carlo,
        "order-message",
        &[("id", &order.to_string()), ("body", "  ")],
    )
    .await
    .expect_err("empty message");
    assert_eq!(
        field_problems(&bad.1),
        vec![("body".to_owned(), "Required".to_owned())]
    );
    let b = view(&m.board, order).await.expect("board sees it");
    assert_eq!(b["messages"][0]["body"], "Grazie, perfetto!");
    assert_eq!(minor(&b["fee"]), 410);

    // Lists: the customer's own, the provider's work, the board's filter.
    let mine = call(&m.customer, "my-orders", &[]).await.expect("mine");
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    assert!(call(&stranger, "my-orders", &[])
        .await
        .expect("theirs")
        .as_array()
        .is_some_and(Vec::is_empty));
    let done = call(&m.board, "board-orders", &[("status", "completed")])
        .await
        .expect("board list");
    assert_eq!(done.as_array().map(Vec::len), Some(1));
    assert_eq!(
        call(&m.anna, "board-orders", &[]).await.err().map(|e| e.0),
        Some(403)
    );
    // Eight e-mails about the order: the customer's confirmation, two
    // new-order, accepted, repaired, delivered, two completed.
    assert_eq!(
        db.query_i64(
            "SELECT COUNT(*) FROM email_outbox WHERE notice IS NULL OR notice <> 'registration'"
        )
        .await,
        8
    );
});

on_both_databases!(two_customers_race_for_one_slot, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let m = market(&server).await;
    let other = customer(&server, "marco@example.org").await;
    let form = order_form(&m.customer, m.service).await;
    let slot = opening(&form, 0);
    let fields = [("slot", slot.clone())];
    let (a, b) = tokio::join!(
        place(&m.customer, m.service, "race-key-aaaa", &fields),
        place(&other, m.service, "race-key-bbbb", &fields),
    );
    let results = [a, b];
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "exactly one order: {results:?}");
    let lost = results
        .iter()
        .find_map(|r| r.as_ref().err())
        .expect("a loser");
    assert_eq!(lost.0, 422);
    assert_eq!(
        field_problems(&lost.1),
        vec![("slot".to_owned(), "SlotTaken".to_owned())]
    );
    assert_eq!(count(&db, "orders").await, 1);
    assert_eq!(count(&db, "slot_units").await, 8);
    // The taken opening is no longer offered; a cancelled order frees it.
    let again = order_form(&other, m.service).await;
    assert_ne!(opening(&again, 0), slot);
    let winner_client = if results[0].is_ok() {
        &m.customer
    } else {
        &other
    };
    let winner = results
        .iter()
        .find_map(|r| r.as_ref().ok())
        .expect("winner");
    act(winner_client, *winner, "cancel", None)
        .await
        .expect("cancelled");
    assert_eq!(count(&db, "slot_units").await, 0);
    assert_eq!(opening(&order_form(&other, m.service).await, 0), slot);
});

on_both_databases!(
    the_same_form_sent_ten_times_makes_one_order,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let m = market(&server).await;
        let form = order_form(&m.customer, m.service).await;
        let key = form["key"].as_str().expect("key").to_owned();
        let fields = vec![("slot", opening(&form, 1))];
        let tries = (0..10).map(|_| place(&m.customer, m.service, &key, &fields));
        let results = futures_util::future::join_all(tries).await;
        let ids: std::collections::HashSet<Uuid> = results
            .iter()
            .map(|r| {
                *r.as_ref()
                    .unwrap_or_else(|e| panic!("every submit answers with the order: {e:?}"))
            })
            .collect();
        assert_eq!(ids.len(), 1, "{results:?}");
        assert_eq!(count(&db, "orders").await, 1);
        assert_eq!(count(&db, "order_lines").await, 1);
        assert_eq!(count(&db, "order_events").await, 1);
        // Sent once more later: still the same order.
        let again = place(&m.customer, m.service, &key, &fields)
            .await
            .expect("again");
        assert!(ids.contains(&again));
        // A bad key is refused before anything happens.
        let bad = place(&m.customer, m.service, "x", &fields)
            .await
            .expect_err("bad key");
        assert_eq!(bad.0, 422);
    }
);

on_both_databases!(delivery_errors_are_clear, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let m = market(&server).await;
    let key = "delivery-key-1";
    // A postcode no zone has.
    let mut fields = leg();
    fields.retain(|(k, _)| *k != "dropoff_postcode");
    fields.push(("dropoff_postcode", "20121".into()));
    let err = place(&m.customer, m.courier, key, &fields)
        .await
        .expect_err("unknown");
    assert_eq!(
        field_problems(&err.1),
        vec![("dropoff_postcode".to_owned(), "PostcodeUnknown".to_owned())]
    );
    // Far-apart postcodes with near-identical coordinates: the customer's
    // points are not believed away from their zones, the full price stands.
    let mut bent = leg();
    bent.extend([
        ("pickup_lat", "44.5050".to_owned()),
        ("pickup_lon", "11.3435".to_owned()),
        ("dropoff_lat", "44.5051".to_owned()),
        ("dropoff_lon", "11.3436".to_owned()),
    ]);
    let bent = place(&m.customer, m.courier, "bent-key", &bent)
        .await
        .expect("delivery");
    let v = view(&m.customer, bent).await.expect("view");
    assert_eq!(minor(&v["total"]), 760, "4,00 + 3 km × 1,20");
    assert_eq!(v["lines"][0]["delivery"]["distance_km"], 3);
    // Points near their zones' centres are believed: Centro's centre to a
    // door farther north in Navile is 4 km.
    let mut exact = leg();
    exact.extend([
        ("pickup_lat", "44.4938".to_owned()),
        ("pickup_lon", "11.3430".to_owned()),
        ("dropoff_lat", "44.5240".to_owned()),
        ("dropoff_lon", "11.3440".to_owned()),
    ]);
    let exact = place(&m.customer, m.courier, "exact-key", &exact)
        .await
        .expect("delivery");
    let v = view(&m.customer, exact).await.expect("view");
    assert_eq!(v["lines"][0]["delivery"]["distance_km"], 4);
    act(&m.customer, bent, "cancel", None)
        .await
        .expect("cancel");
    act(&m.customer, exact, "cancel", None)
        .await
        .expect("cancel");
    // Bad fields are all named at once, and what was typed comes back.
    let err = place(
        &m.customer,
        m.courier,
        key,
        &[
            ("pickup_address", "<script>x</script>".into()),
            ("weight_kg", "900".into()),
        ],
    )
    .await
    .expect_err("bad fields");
    let problems = field_problems(&err.1);
    assert!(problems.contains(&("pickup_address".into(), "HtmlNotAllowed".into())));
    assert!(problems.contains(&("weight_kg".into(), "NumberOutOfRange".into())));
    assert!(problems.contains(&("window_date".into(), "Required".into())));
    assert!(err.1["Invalid"]["echo"]
        .as_array()
        .is_some_and(|e| e.iter().any(|p| p[0] == "weight_kg" && p[1] == "900")));
    // Members do not order their own listings.
    let own = place(&m.carlo, m.courier, key, &leg())
        .await
        .expect_err("own");
    assert_eq!(
        field_problems(&own.1),
        vec![("listing".to_owned(), "OwnListing".to_owned())]
    );
    assert_eq!(count(&db, "orders").await, 2);
    // A delivery alone, priced by distance: 4,00 + 3 × 1,20.
    let id = place(&m.customer, m.courier, key, &leg())
        .await
        .expect("delivery");
    let v = view(&m.customer, id).await.expect("view");
    assert_eq!(minor(&v["total"]), 760);
    assert_eq!(minor(&v["fee"]), 50);
});

on_both_databases!(history_is_append_only, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let m = market(&server).await;
    let order = composite(&m).await;
    call(
        &m.customer,
        "order-message",
        &[("id", &order.to_string()), ("body", "Suono al citofono?")],
    )
    .await
    .expect("message");
    db.assert_append_only(&[
        "UPDATE order_events SET to_status = 'completed'",
        "DELETE FROM order_events",
        "UPDATE order_messages SET body = 'changed'",
        "DELETE FROM order_messages",
        "UPDATE fee_rule_versions SET rule = '{}'",
        "DELETE FROM fee_rule_versions",
    ])
    .await;
    assert_eq!(count(&db, "order_events").await, 1);
    assert_eq!(count(&db, "order_messages").await, 1);
});

/// Waits until the order reaches `expected` (the job runner runs every second).
async fn wait_for(c: &mutua_tests::Client, order: Uuid, expected: &str) -> Value {
    for _ in 0..100 {
        let v = view(c, order).await.expect("view");
        if status(&v) == expected {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("order {order} never became {expected}");
}

on_both_databases!(timed_transitions_follow_the_clock, |backend| async move {
    let db = TestDb::new(backend).await;
    let clock = Clock::new(&db);
    let server = TestServer::start_with(&db, &clock.env());
    let m = market(&server).await;
    let form = order_form(&m.customer, m.service).await;
    let unpaid = place(
        &m.customer,
        m.service,
        "timed-unpaid",
        &[("slot", opening(&form, 0))],
    )
    .await
    .expect("unpaid");
    let unanswered = place(
        &m.customer,
        m.service,
        "timed-unanswered",
        &[("slot", opening(&form, 1))],
    )
    .await
    .expect("unanswered");
    act(&m.board, unanswered, "confirm_payment", None)
        .await
        .expect("paid");
    let done = place(&m.customer, m.courier, "timed-delivered", &leg())
        .await
        .expect("delivery");
    let line = line_id(&view(&m.customer, done).await.expect("v"), 0);
    act(&m.board, done, "confirm_payment", None)
        .await
        .expect("board confirms");
    act(&m.carlo, done, "accept", Some(&line))
        .await
        .expect("accepted");
    act(&m.carlo, done, "start", Some(&line))
        .await
        .expect("picked up");
    // Delivered once its window began (tomorrow): the clock stays there.
    let _at = work_time(&m, done).await;
    let delivered_at = clock.offset();
    act(&m.carlo, done, "fulfil", Some(&line))
        .await
        .expect("delivered");

    // Nothing is due yet.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        status(&view(&m.customer, unpaid).await.expect("v")),
        "PendingPayment"
    );

    // 25 hours on: the paid order nobody accepted is declined and refunded;
    // a bank transfer still has days to arrive.
    clock.advance(delivered_at + 25 * 3600);
    let v = wait_for(&m.customer, unanswered, "Refunded").await;
    assert_eq!(v["lines"][0]["status"], "Declined");
    assert_eq!(
        status(&view(&m.customer, done).await.expect("v")),
        "Fulfilled"
    );
    assert_eq!(
        status(&view(&m.customer, unpaid).await.expect("v")),
        "PendingPayment"
    );

    // 50 hours after delivery (and its e-mail): completed by itself.
    clock.advance(delivered_at + 50 * 3600);
    wait_for(&m.customer, done, "Completed").await;

    // A day before its deadline, the customer is reminded of the transfer, once.
    clock.advance(4 * 24 * 3600 + 3600);
    let reminders =
        "SELECT COUNT(*) FROM email_outbox WHERE subject LIKE 'Promemoria: pagamento dell''ordine · Ordine %'";
    for _ in 0..100 {
        if db.query_i64(reminders).await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(db.query_i64(reminders).await, 1);

    // Five days and a minute: the unpaid order expired and its opening is free.
    clock.advance(5 * 24 * 3600 + 60);
    let v = wait_for(&m.customer, unpaid, "Cancelled").await;
    assert_eq!(
        v["events"]
            .as_array()
            .and_then(|e| e.last())
            .map(|e| e["action"].clone()),
        Some("expire".into())
    );
    assert!(v["events"]
        .as_array()
        .and_then(|e| e.last())
        .is_some_and(|e| e["actor_name"].is_null()));
    // The customer is told, in Italian.
    assert_eq!(
        db.query_i64(
            "SELECT COUNT(*) FROM email_outbox WHERE subject LIKE 'Ordine scaduto · Ordine %'"
        )
        .await,
        1
    );
    // Paying for it now is too late.
    assert_eq!(
        act(&m.board, unpaid, "confirm_payment", None)
            .await
            .err()
            .map(|e| e.0),
        Some(409)
    );
    // Each timed transition happened once, even with the runner ticking.
    let expired = db
        .query_i64("SELECT COUNT(*) FROM order_events WHERE action = 'expire' AND line_id IS NULL")
        .await;
    assert_eq!(expired, 1);
    let completed = db
        .query_i64(
            "SELECT COUNT(*) FROM order_events WHERE action = 'auto_complete' AND line_id IS NULL",
        )
        .await;
    assert_eq!(completed, 1);
});

on_both_databases!(
    completion_by_itself_counts_from_the_work_done_mail,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let clock = Clock::new(&db);
        // No mail can be sent: the SMTP server does not answer.
        let mut env = clock.env().to_vec();
        env.push(("MUTUA_SMTP_URL", "smtp://127.0.0.1:9"));
        let mut server = TestServer::start_with(&db, &env);
        let m = market(&server).await;
        let order = mutua_tests::market::service_order(&m, 0).await;
        let line = line_id(&view(&m.customer, order).await.expect("v"), 0);
        act(&m.board, order, "confirm_payment", None)
            .await
            .expect("paid");
        act(&m.anna, order, "accept", Some(&line))
            .await
            .expect("accepted");
        let _at = work_time(&m, order).await;
        let done_at = clock.offset();
        act(&m.anna, order, "fulfil", Some(&line))
            .await
            .expect("repaired");
        // The customer is told in Italian, with the link to confirm or
        // dispute, even for a service (not only a delivery).
        let told = format!(
            "SELECT COUNT(*) FROM email_outbox WHERE notice = 'work_done' \
             AND subject LIKE 'Lavoro svolto · Ordine %' \
             AND body LIKE '%/orders/{order}%'"
        );
        assert_eq!(db.query_i64(&told).await, 1);

        // Three days on, the mail has still not gone out: the order waits.
        clock.advance(done_at + 72 * 3600);
        tokio::time::sleep(Duration::from_millis(3000)).await;
        let v = view(&m.customer, order).await.expect("v");
        assert_eq!(status(&v), "Fulfilled", "never told, never completed");

        // The mail goes out now (to the outbox directory, once the killed
        // process's one-minute mail lease is over); 47 hours later
        // the order still waits, 49 hours later it completed by itself.
        server.restart_with(&clock.env());
        let sent = format!(
            "SELECT COUNT(*) FROM email_outbox WHERE notice = 'work_done' \
             AND body LIKE '%/orders/{order}%' AND sent_at IS NOT NULL"
        );
        for _ in 0..900 {
            if db.query_i64(&sent).await == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(db.query_i64(&sent).await, 1);
        // The same browser (its session cookie), at the new address.
        let customer = mutua_tests::Client {
            http: m.customer.http.clone(),
            base: server.url.clone(),
        };
        clock.advance(done_at + (72 + 47) * 3600);
        tokio::time::sleep(Duration::from_millis(3000)).await;
        let v = view(&customer, order).await.expect("v");
        assert_eq!(status(&v), "Fulfilled", "47 hours after the mail");
        clock.advance(done_at + (72 + 49) * 3600);
        wait_for(&customer, order, "Completed").await;
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_the_job_runner_on_postgres() {
    let db = TestDb::new(Backend::Postgres).await;
    let clock = Clock::new(&db);
    let first = TestServer::start_with(&db, &clock.env());
    let _second = TestServer::start_with(&db, &clock.env());
    let m = market(&first).await;
    let form = order_form(&m.customer, m.service).await;
    let mut orders = Vec::new();
    for n in 0..6 {
        let key = format!("two-servers-{n}");
        orders.push(
            place(&m.customer, m.service, &key, &[("slot", opening(&form, n))])
                .await
                .expect("placed"),
        );
    }
    clock.advance(5 * 24 * 3600 + 60);
    for o in &orders {
        wait_for(&m.customer, *o, "Cancelled").await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let expired = db
        .query_i64("SELECT COUNT(*) FROM order_events WHERE action = 'expire' AND line_id IS NULL")
        .await;
    assert_eq!(expired, 6, "each order expired exactly once");
}

on_both_databases!(
    emails_reach_a_real_smtp_server_in_each_language,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let sink = mutua_tests::market::SmtpSink::start(&db.data_dir().join("smtp"));
        let smtp = sink.url();
        let server = TestServer::start_with(
            &db,
            &[
                ("MUTUA_SMTP_URL", smtp.as_str()),
                ("MUTUA_JOB_INTERVAL_SECS", "1"),
            ],
        );
        let m = market(&server).await;
        // An English-speaking customer.
        let english = server.client();
        let res = english
            .post_form_with(
                "/fn/register",
                &[
                    ("email", "emma@example.org"),
                    ("display_name", "Emma"),
                    ("password", mutua_tests::coop::PASSWORD),
                ],
                &[
                    ("accept", "application/json"),
                    ("accept-language", "en-GB,en;q=0.8"),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
        // The link comes in her language too.
        let mail = server.last_mail("emma@example.org").await.expect("mail");
        assert!(mail.contains("To create your Mutua account"), "{mail}");
        let token = mutua_tests::registration_token(&mail).expect("link");
        let res = english
            .post_form("/fn/confirm-registration", &[("token", &token)])
            .await;
        assert_eq!(res.status(), 200);
        let order = place(&english, m.courier, "mail-order-1", &leg())
            .await
            .expect("placed");
        // Her confirmation comes in English, with the order's number.
        let number = view(&english, order).await.expect("v")["number"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let placed = sink
            .wait_for("emma@example.org", "We have your order")
            .await;
        assert_eq!(
            placed["subject"],
            format!("We have your order · Order {number}").as_str()
        );
        assert!(
            placed["body"]
                .as_str()
                .is_some_and(|b| b.contains("Thank you!")),
            "{placed}"
        );
        // The courier is Italian: the new order reaches him in Italian.
        let new = sink
            .wait_for("carlo@coop.example", "Nuovo ordine su Mutua")
            .await;
        let link = format!("{}/orders/{order}", server.url);
        assert!(
            new["body"].as_str().is_some_and(|b| b.contains(&link)),
            "{new}"
        );
        let line = line_id(&view(&english, order).await.expect("v"), 0);
        act(&m.board, order, "confirm_payment", None)
            .await
            .expect("paid");
        act(&m.carlo, order, "accept", Some(&line))
            .await
            .expect("accepted");
        sink.wait_for("emma@example.org", "Your order was accepted")
            .await;
        act(&m.carlo, order, "start", Some(&line))
            .await
            .expect("picked up");
        let at = work_time(&m, order).await;
        act(&m.carlo, order, "fulfil", Some(&line))
            .await
            .expect("delivered");
        drop(at);
        sink.wait_for("emma@example.org", "Delivered").await;
        act(&english, order, "complete", None)
            .await
            .expect("completed");
        sink.wait_for("carlo@coop.example", "Ordine completato")
            .await;
        // Each queued mail was sent exactly once and marked so: the two
        // customers' registration links and the order's five.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let subjects: Vec<Value> = sink
            .messages()
            .iter()
            .map(|m| m["subject"].clone())
            .collect();
        assert_eq!(subjects.len(), 7, "{subjects:?}");
        let links = [
            "Conferma il tuo indirizzo per Mutua",
            "Confirm your address for Mutua",
        ];
        assert!(
            links.iter().all(|l| subjects.iter().any(|s| s == l)),
            "{subjects:?}"
        );
        assert_eq!(
            db.query_i64("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL")
                .await,
            0
        );
    }
);

on_both_databases!(
    without_smtp_mail_goes_to_the_outbox_directory,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start_with(&db, &[("MUTUA_JOB_INTERVAL_SECS", "1")]);
        let m = market(&server).await;
        place(&m.customer, m.courier, "outbox-order", &leg())
            .await
            .expect("placed");
        let dir = db.data_dir().join("outbox");
        let to_carlo = || -> Vec<String> {
            std::fs::read_dir(&dir)
                .map(|d| {
                    d.flatten()
                        .filter_map(|f| std::fs::read_to_string(f.path()).ok())
                        .filter(|m| m.contains("To: carlo@coop.example"))
                        .collect()
                })
                .unwrap_or_default()
        };
        for _ in 0..50 {
            if to_carlo().len() == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let mails = to_carlo();
        assert_eq!(mails.len(), 1, "the new order, once");
        assert!(mails[0].contains("Nuovo ordine su Mutua"), "{}", mails[0]);
    }
);

on_both_databases!(
    disputes_and_declines_end_in_the_right_state,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let m = market(&server).await;

        // Declined by the repairer: the whole order is refunded, the courier's
        // line cancelled, the opening offered again.
        let order = composite(&m).await;
        let v = view(&m.customer, order).await.expect("v");
        let slot = v["lines"][0]["slot"].clone();
        act(&m.board, order, "confirm_payment", None)
            .await
            .expect("paid");
        act(&m.carlo, order, "accept", Some(&line_id(&v, 1)))
            .await
            .expect("carlo accepts");
        act(&m.anna, order, "decline", Some(&line_id(&v, 0)))
            .await
            .expect("anna declines");
        let v = view(&m.customer, order).await.expect("v");
        assert_eq!(status(&v), "Refunded");
        assert_eq!(v["lines"][0]["status"], "Declined");
        assert_eq!(v["lines"][1]["status"], "Cancelled");
        assert!(v["actions"].as_array().is_some_and(Vec::is_empty));
        assert_eq!(count(&db, "slot_units").await, 0);
        assert!(slot.is_array());

        // A dispute needs a reason; only the board resolves it.
        let form = order_form(&m.customer, m.service).await;
        let second = place(
            &m.customer,
            m.service,
            "dispute-order",
            &[("slot", opening(&form, 2))],
        )
        .await
        .expect("placed");
        let v = view(&m.customer, second).await.expect("v");
        let line = line_id(&v, 0);
        act(&m.board, second, "confirm_payment", None)
            .await
            .expect("paid");
        act(&m.anna, second, "accept", Some(&line))
            .await
            .expect("accepted");
        let at = work_time(&m, second).await;
        act(&m.anna, second, "fulfil", Some(&line))
            .await
            .expect("done");
        drop(at);
        let no_reason = act(&m.customer, second, "dispute", None)
            .await
            .expect_err("reason needed");
        assert_eq!(
            field_problems(&no_reason.1),
            vec![("reason".to_owned(), "Required".to_owned())]
        );
        let id = second.to_string();
        call(
            &m.customer,
            "order-act",
            &[
                ("id", &id),
                ("action", "dispute"),
                ("reason", "La catena salta ancora."),
            ],
        )
        .await
        .expect("disputed");
        assert_eq!(
            status(&view(&m.customer, second).await.expect("v")),
            "Disputed"
        );
        assert_eq!(
            act(&m.anna, second, "resolve_release", None)
                .await
                .err()
                .map(|e| e.0),
            Some(403)
        );
        let disputes = call(&m.board, "board-orders", &[("status", "disputed")])
            .await
            .expect("disputes");
        assert_eq!(disputes.as_array().map(Vec::len), Some(1));
        let b = view(&m.board, second).await.expect("board view");
        assert_eq!(
            b["actions"],
            serde_json::json!(["resolve_release", "resolve_refund", "resolve_partial"])
        );
        act(&m.board, second, "resolve_refund", None)
            .await
            .expect("resolved");
        let v = view(&m.customer, second).await.expect("v");
        assert_eq!(status(&v), "Resolved");
        assert_eq!(v["resolution"], "refund");
        assert_eq!(v["lines"][0]["status"], "Refunded");
        // The reason is in the timeline.
        assert!(v["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["reason"] == "La catena salta ancora.")));
        // Final: nothing more happens.
        assert_eq!(
            act(&m.board, second, "resolve_release", None)
                .await
                .err()
                .map(|e| e.0),
            Some(409)
        );
    }
);

on_both_databases!(
    a_new_fee_rule_prices_new_orders_only,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let m = market(&server).await;
        let form = order_form(&m.customer, m.service).await;
        let before = place(
            &m.customer,
            m.service,
            "fee-order-1",
            &[("slot", opening(&form, 0))],
        )
        .await
        .expect("placed");
        // Version 2 in force since yesterday (what a passed vote will write):
        // services 6 %. Version 3 only from tomorrow.
        let rule = |bps: u32| {
            format!(
                r#"{{"service":{{"percent_bps":{bps},"fixed_minor":0,"min_minor":50,"max_minor":null}},"delivery":{{"percent_bps":500,"fixed_minor":0,"min_minor":50,"max_minor":null}},"categories":{{}}}}"#
            )
        };
        let at = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
        for (version, bps, from) in [(2, 600, at(-1)), (3, 100, at(1))] {
            db.execute(&format!(
            "INSERT INTO fee_rule_versions (version, effective_from, rule, created_at) VALUES ({version}, '{from}', '{}', '{}')",
            rule(bps),
            at(0)
        ))
        .await;
        }
        let after = place(
            &m.customer,
            m.service,
            "fee-order-2",
            &[("slot", opening(&form, 1))],
        )
        .await
        .expect("placed");
        let old = view(&m.customer, before).await.expect("v");
        let new = view(&m.customer, after).await.expect("v");
        assert_eq!(
            (old["fee_rule_version"].clone(), minor(&old["fee"])),
            (1.into(), 360)
        );
        assert_eq!(
            (new["fee_rule_version"].clone(), minor(&new["fee"])),
            (2.into(), 270)
        );
        assert_eq!(minor(&new["lines"][0]["net"]), 4230);
    }
);

on_both_databases!(
    orders_carry_a_human_number_everywhere,
    |backend| async move {
        use chrono::Datelike;
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let m = market(&server).await;
        mutua_tests::market::save_coop_bank(&m.board, "IT60 X054 2811 1010 0000 0123 456").await;
        let year = chrono::Utc::now().year();
        let mut orders = Vec::new();
        for (n, payment) in ["cash", "bank"].into_iter().enumerate() {
            let form = order_form(&m.customer, m.service).await;
            let key = form["key"].as_str().expect("key").to_owned();
            let order = place(
                &m.customer,
                m.service,
                &key,
                &[("slot", opening(&form, 0)), ("payment", payment.to_owned())],
            )
            .await
            .expect("placed");
            // The same form sent again is the same order: no new number.
            let again = place(
                &m.customer,
                m.service,
                &key,
                &[("slot", opening(&form, 0)), ("payment", payment.to_owned())],
            )
            .await
            .expect("repeat");
            assert_eq!(again, order);
            let v = view(&m.customer, order).await.expect("view");
            assert_eq!(v["number"], format!("{year}-{:04}", n + 1), "{payment}");
            orders.push((order, v));
        }
        let (cash, cash_view) = &orders[0];
        let (bank, bank_view) = &orders[1];
        let bank_number = bank_view["number"].as_str().expect("number").to_owned();
        let cash_number = cash_view["number"].as_str().expect("number").to_owned();

        // The bank reference carries the number, with ISO 11649's check digits.
        let reference = bank_view["payment"]["reference"]
            .as_str()
            .expect("reference")
            .to_owned();
        assert!(reference.starts_with("RF"), "{reference}");
        assert!(
            reference
                .replace(' ', "")
                .ends_with(&bank_number.replace('-', "")),
            "{reference}"
        );

        // The customer's confirmation, in her language: the number, what to
        // pay, how and by when.
        let subject = db
            .query_text(&format!(
                "SELECT subject FROM email_outbox WHERE recipient = 'giulia@example.org' \
             AND notice = 'placed' AND subject LIKE '%{bank_number}%'"
            ))
            .await;
        assert_eq!(
            subject,
            Some(format!(
                "Abbiamo ricevuto il tuo ordine · Ordine {bank_number}"
            ))
        );
        let mail = server.last_mail("giulia@example.org").await.expect("mail");
        for expected in [
            bank_number.as_str(),
            "45,00",
            "bonifico",
            "IBAN: IT60 X054 2811 1010 0000 0123 456",
            reference.as_str(),
            "Cooperativa Mutua",
        ] {
            assert!(mail.contains(expected), "{expected:?} in {mail}");
        }
        let cash_mail = db
            .query_text(&format!(
            "SELECT body FROM email_outbox WHERE notice = 'placed' AND body LIKE '%{cash_number}%'"
        ))
            .await
            .unwrap_or_default();
        assert!(
            cash_mail.contains(&format!("/orders/{cash}")),
            "{cash_mail}"
        );
        assert!(cash_mail.contains("in contanti a anna"), "{cash_mail}");
        // The provider's mail names the number too.
        let anna_mail = server.last_mail("anna@coop.example").await.expect("mail");
        assert!(anna_mail.contains(&bank_number), "{anna_mail}");

        // Pages: the order's own, the customer's list, the provider's dashboard.
        let page = m
            .customer
            .get(&format!("/orders/{bank}"))
            .await
            .text()
            .await
            .unwrap_or_default();
        assert!(page.contains(&bank_number), "order page");
        let list = m
            .customer
            .get("/orders")
            .await
            .text()
            .await
            .unwrap_or_default();
        assert!(list.contains(&bank_number) && list.contains(&cash_number));
        let dashboard = m
            .anna
            .get("/dashboard")
            .await
            .text()
            .await
            .unwrap_or_default();
        assert!(dashboard.contains(&cash_number), "dashboard");
        // It says what the cash order waits for: Anna.
        assert!(
            dashboard.contains("Aspetta te: accetta il lavoro"),
            "what it waits for"
        );

        // Unique in the database, and the year's counter knows the last one.
        assert_eq!(
            db.query_i64("SELECT COUNT(DISTINCT number) FROM orders")
                .await,
            2
        );
        assert_eq!(
            db.query_i64(&format!(
                "SELECT CAST(last AS BIGINT) FROM order_numbers WHERE year = {year}"
            ))
            .await,
            2
        );
    }
);

/// The start times of `form` on the day of its first one, as `HH:MM`.
fn first_day_times(form: &Value) -> (String, Vec<String>) {
    let all = form["openings"].as_array().cloned().unwrap_or_default();
    let day = all
        .first()
        .and_then(|o| o[0].as_str())
        .and_then(|s| s.split_once('T'))
        .map(|(d, _)| d.to_owned())
        .unwrap_or_else(|| panic!("no openings in {form}"));
    let times = all
        .iter()
        .filter_map(|o| o[0].as_str())
        .filter_map(|s| s.split_once('T'))
        .filter(|(d, _)| *d == day)
        .map(|(_, t)| t.to_owned())
        .collect();
    (day, times)
}

on_both_databases!(
    a_booking_takes_its_own_time_and_a_home_service_asks_where,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let m = market(&server).await;

        // A two-hour service in 08:00–12:00 offers 08:00 and 10:00; booking
        // 08:00 leaves 10:00 free (once, the whole window went).
        let form = order_form(&m.customer, m.service).await;
        assert_eq!(form["title"], "Riparazione bicicletta");
        assert_eq!(form["minutes"], 120);
        assert_eq!(minor(&form["quote"]["total"]), 4500);
        assert_eq!(minor(&form["quote"]["fee"]), 360);
        let (day, times) = first_day_times(&form);
        let morning: Vec<&String> = times.iter().filter(|t| t.as_str() < "12:00").collect();
        if morning.len() == 2 {
            assert_eq!(morning, ["08:00", "10:00"]);
            place(
                &m.customer,
                m.service,
                "own-time-1",
                &[("slot", format!("{day}T08:00"))],
            )
            .await
            .expect("08:00 booked");
            let (again_day, again) = first_day_times(&order_form(&m.customer, m.service).await);
            assert_eq!(again_day, day);
            assert_eq!(again.first().map(String::as_str), Some("10:00"));
            assert_eq!(count(&db, "slot_units").await, 8);
        }

        // By the hour: two hours at 08:00 hold 08:00–10:00 only; three hours
        // at 10:00 overrun the window; nine are out of the listing's range.
        let hourly = mutua_tests::coop::published(
            &m.anna,
            &[
                ("category", "riparazioni"),
                ("title", "Piccole riparazioni a ore"),
                ("price_model", "hourly"),
                ("price", "20,00"),
                ("min_hours", "1"),
                ("max_hours", "4"),
                ("duration_minutes", "60"),
            ],
        )
        .await;
        mutua_tests::market::open_every_day(&m.anna, hourly).await;
        let form = order_form(&m.customer, hourly).await;
        let (day, _) = first_day_times(&form);
        let tomorrow = if first_day_times(&form).1.len() < 8 {
            // Today's morning may be over: use the next day, whole.
            let all = form["openings"].as_array().cloned().unwrap_or_default();
            all.iter()
                .filter_map(|o| o[0].as_str())
                .filter_map(|s| s.split_once('T').map(|(d, _)| d.to_owned()))
                .find(|d| *d != day)
                .unwrap_or_else(|| panic!("a second day in {form}"))
        } else {
            day
        };
        place(
            &m.customer,
            hourly,
            "own-time-2",
            &[("slot", format!("{tomorrow}T08:00")), ("hours", "2".into())],
        )
        .await
        .expect("two hours at 08:00");
        let quote = call(
            &m.customer,
            "order-quote",
            &[
                ("input[listing]", &hourly.to_string()),
                ("input[hours]", "3"),
            ],
        )
        .await
        .expect("quote");
        assert_eq!(minor(&quote["total"]), 6000);
        assert_eq!(minor(&quote["fee"]), 480);
        assert_eq!(quote["lines"][0]["hours"], 3);
        let err = place(
            &m.customer,
            hourly,
            "own-time-3",
            &[("slot", format!("{tomorrow}T09:00")), ("hours", "1".into())],
        )
        .await
        .expect_err("09:00 is taken");
        assert_eq!(
            field_problems(&err.1),
            vec![("slot".to_owned(), "SlotTaken".to_owned())]
        );
        let err = place(
            &m.customer,
            hourly,
            "own-time-4",
            &[("slot", format!("{tomorrow}T10:00")), ("hours", "3".into())],
        )
        .await
        .expect_err("10:00 + 3 h is past 12:00");
        assert_eq!(
            field_problems(&err.1),
            vec![("hours".to_owned(), "HoursDoNotFit".to_owned())]
        );
        let err = place(
            &m.customer,
            hourly,
            "own-time-5",
            &[("slot", format!("{tomorrow}T10:00")), ("hours", "9".into())],
        )
        .await
        .expect_err("nine hours");
        assert_eq!(err.1["Invalid"]["fields"][0]["field"], "hours");
        assert_eq!(err.1["Invalid"]["fields"][0]["problem"], "NumberOutOfRange");
        assert_eq!(
            err.1["Invalid"]["fields"][0]["limits"],
            serde_json::json!([1, 4])
        );
        place(
            &m.customer,
            hourly,
            "own-time-6",
            &[("slot", format!("{tomorrow}T10:00")), ("hours", "2".into())],
        )
        .await
        .expect("10:00–12:00 is free");

        // A service at the customer's place, in Centro only.
        let zones = mutua_tests::market::zone_ids(&m.board).await;
        let home = mutua_tests::coop::published(
            &m.anna,
            &[("title", "Pulizie a casa tua"), ("at_customer", "on")],
        )
        .await;
        mutua_tests::market::open_every_day(&m.anna, home).await;
        let centro: Vec<(String, String)> = zones
            .iter()
            .filter(|(n, _)| n == "Centro")
            .cloned()
            .collect();
        mutua_tests::market::serve_zones(&m.anna, home, &centro).await;
        let form = order_form(&m.customer, home).await;
        assert_eq!(form["at_customer"], true);
        let slot = opening(&form, 0);
        // Every wrong field in one round, each with its own rule.
        let err = place(
            &m.customer,
            home,
            "home-key-1",
            &[("slot", slot.clone()), ("place_postcode", "4012".into())],
        )
        .await
        .expect_err("no address, no postcode");
        assert_eq!(
            field_problems(&err.1),
            vec![
                ("place_address".to_owned(), "Required".to_owned()),
                ("place_postcode".to_owned(), "PostcodeInvalid".to_owned()),
            ]
        );
        for (postcode, problem) in [("20121", "PostcodeUnknown"), ("40128", "PlaceNotServed")] {
            let err = place(
                &m.customer,
                home,
                "home-key-2",
                &[
                    ("slot", slot.clone()),
                    ("place_address", "Via Saffi 20".into()),
                    ("place_postcode", postcode.into()),
                ],
            )
            .await
            .expect_err(postcode);
            assert_eq!(
                field_problems(&err.1),
                vec![("place_postcode".to_owned(), problem.to_owned())]
            );
        }
        let order = place(
            &m.customer,
            home,
            "home-key-3",
            &[
                ("slot", slot),
                ("place_address", "Via Zamboni 1".into()),
                ("place_postcode", "40126".into()),
                ("access_notes", "Citofono Neri, terzo piano".into()),
            ],
        )
        .await
        .expect("placed");
        let provider_view = view(&m.anna, order).await.expect("anna sees it");
        let place_seen = &provider_view["lines"][0]["place"];
        assert_eq!(place_seen["address"], "Via Zamboni 1");
        assert_eq!(place_seen["postcode"], "40126");
        assert_eq!(place_seen["notes"], "Citofono Neri, terzo piano");

        // A delivery asked for with no addresses yet: no total until priced.
        let quote = call(
            &m.customer,
            "order-quote",
            &[
                ("input[listing]", &m.service.to_string()),
                ("input[with_delivery]", "on"),
            ],
        )
        .await
        .expect("quote");
        assert_eq!(quote["delivery_pending"], true);
        assert!(quote["total"].is_null());
        let mut fields: Vec<(String, String)> = vec![
            ("input[listing]".into(), m.service.to_string()),
            ("input[with_delivery]".into(), "on".into()),
        ];
        fields.extend(leg().into_iter().map(|(k, v)| (format!("input[{k}]"), v)));
        let form: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let quote = call(&m.customer, "order-quote", &form)
            .await
            .expect("quote");
        assert_eq!(quote["delivery_pending"], false);
        assert_eq!(minor(&quote["total"]), 5260);
    }
);
