//! Payment methods as the world has them: cash in the hands of the member
//! who collects it, bank transfers with a reference confirmed only by a
//! board member who is not a party, and nobody acting as the cooperative
//! on an order of their own. Each scenario ends with `ledger verify` and
//! with the ledger's balances equal to who really holds the money.

use mutua_tests::coop::{call, operator_account, user_id, PASSWORD};
use mutua_tests::market::{
    act, composite, composite_paid_by, leg, line_id, market, opening, order_form, place, status,
    view, work_time, Market,
};
use mutua_tests::{on_both_databases, TestDb, TestServer};
use serde_json::Value;
use uuid::Uuid;

fn minor(v: &Value) -> i64 {
    v["minor"].as_i64().unwrap_or(i64::MIN)
}

/// The signed balance of one ledger account (debit +, credit −).
async fn balance(db: &TestDb, account: &str) -> i64 {
    db.query_i64(&format!(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM ledger_postings \
         WHERE account_code = '{account}'"
    ))
    .await
}

async fn work_through(m: &Market, order: Uuid) {
    let v = view(&m.anna, order).await.expect("view");
    for step in ["accept", "start", "fulfil"] {
        let _at = if step == "fulfil" {
            Some(work_time(m, order).await)
        } else {
            None
        };
        act(&m.anna, order, step, Some(&line_id(&v, 0)))
            .await
            .expect(step);
        act(&m.carlo, order, step, Some(&line_id(&v, 1)))
            .await
            .expect(step);
    }
}

async fn save_iban(c: &mutua_tests::Client, holder: &str, iban: &str) {
    call(
        c,
        "payout-account",
        &[("holder", holder), ("iban", iban), ("password", PASSWORD)],
    )
    .await
    .expect("payout account");
}

fn refusal(e: &(u16, Value)) -> (u16, String) {
    (e.0, e.1["Refused"].as_str().unwrap_or_default().to_owned())
}

on_both_databases!(
    cash_to_the_courier_pays_everyone_once,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let m = market(&server).await;
        let anna = user_id(&m.anna).await;
        let carlo = user_id(&m.carlo).await;
        let order = composite_paid_by(&m, "cash").await;

        // A cash order waits for its members, not for money.
        let v = view(&m.customer, order).await.expect("view");
        assert_eq!(status(&v), "Placed");
        assert_eq!(v["payment"]["method"], "cash");
        assert_eq!(v["payment"]["collector_name"], "carlo");
        assert!(v["payment"]["pay_by"].is_null());
        // Nothing to confirm before the work is accepted.
        assert_eq!(
            act(&m.carlo, order, "confirm_payment", None)
                .await
                .err()
                .map(|e| e.0),
            Some(409)
        );
        work_through(&m, order).await;
        assert_eq!(
            status(&view(&m.customer, order).await.expect("v")),
            "Fulfilled"
        );
        // Unpaid: the customer cannot complete it yet, and is told why.
        let refused = act(&m.customer, order, "complete", None)
            .await
            .expect_err("unpaid");
        assert_eq!(refusal(&refused), (409, "Unpaid".to_owned()));
        // Only the collector confirms the cash: not Anna, not the board.
        for other in [&m.anna, &m.board] {
            assert_eq!(
                act(other, order, "confirm_payment", None)
                    .await
                    .err()
                    .map(|e| e.0),
                Some(403)
            );
        }
        act(&m.carlo, order, "confirm_payment", None)
            .await
            .expect("Carlo took the cash");
        // The money is in Carlo's pocket, not the cooperative's bank.
        assert_eq!(
            balance(&db, &format!("member_cash_held:{carlo}")).await,
            5260
        );
        assert_eq!(balance(&db, "platform_cash").await, 0);
        act(&m.customer, order, "complete", None)
            .await
            .expect("completed");

        // Carlo keeps his own 7,10 and owes the cooperative the rest: its fee
        // (4,10) and Anna's share (41,40).
        assert_eq!(balance(&db, &format!("member_cash_held:{carlo}")).await, 0);
        assert_eq!(
            balance(&db, &format!("member_receivable:{carlo}")).await,
            4550
        );
        assert_eq!(balance(&db, &format!("member_payable:{carlo}")).await, 0);
        assert_eq!(balance(&db, &format!("member_payable:{anna}")).await, -4140);
        // Carlo's earnings page says what he holds for the cooperative.
        let e = call(&m.carlo, "earnings", &[]).await.expect("earnings");
        assert_eq!(minor(&e["owed_to_coop"]), 4550);

        // The completion entry: the customer sees it whole; each co-provider
        // only the postings of their own line and accounts.
        let v = view(&m.customer, order).await.expect("view");
        let completion = v["money"]
            .as_array()
            .and_then(|a| a.iter().find(|e| e["kind"] == "completion"))
            .and_then(|e| e["id"].as_str())
            .expect("completion entry")
            .to_owned();
        let whole = call(&m.customer, "ledger-entry", &[("id", &completion)])
            .await
            .expect("customer");
        assert_eq!(whole["partial"], false);
        for (who, me, other) in [(&m.anna, anna, carlo), (&m.carlo, carlo, anna)] {
            let part = call(who, "ledger-entry", &[("id", &completion)])
                .await
                .expect("co-provider");
            assert_eq!(part["partial"], true);
            let accounts: Vec<&str> = part["postings"]
                .as_array()
                .map(|a| a.iter().filter_map(|p| p["account"].as_str()).collect())
                .unwrap_or_default();
            assert!(
                accounts.contains(&format!("member_payable:{me}").as_str()),
                "{accounts:?}"
            );
            assert!(
                !accounts.iter().any(|a| a.contains(&other.to_string())),
                "{accounts:?}"
            );
            assert!(accounts.len() < whole["postings"].as_array().map_or(0, Vec::len));
        }

        // A second order, paid by transfer, earns Carlo 7,10 more.
        let bank = place(&m.customer, m.courier, "leg-by-bank", &{
            let mut f = leg();
            f.push(("payment", "bank".to_owned()));
            f
        })
        .await
        .expect("delivery");
        act(&m.board, bank, "confirm_payment", None)
            .await
            .expect("transfer arrived");
        let line = line_id(&view(&m.carlo, bank).await.expect("v"), 0);
        for step in ["accept", "start"] {
            act(&m.carlo, bank, step, Some(&line)).await.expect(step);
        }
        let at = work_time(&m, bank).await;
        act(&m.carlo, bank, "fulfil", Some(&line))
            .await
            .expect("fulfil");
        drop(at);
        act(&m.customer, bank, "complete", None)
            .await
            .expect("completed");

        // The payout batch nets Carlo's 7,10 from what he holds (he is sent
        // nothing), and sends Anna only what the bank really has: 7,60. The
        // rest of her share is still in Carlo's pocket.
        save_iban(&m.anna, "Anna", "IT60 X054 2811 1010 0000 0123 456").await;
        save_iban(&m.carlo, "Carlo", "DE89 3704 0044 0532 0130 00").await;
        let money = call(&m.board, "board-money", &[]).await.expect("money");
        assert_eq!(money["payees"].as_array().map(Vec::len), Some(1));
        assert_eq!(minor(&money["payees"][0]["available"]), 760);
        let today = chrono::Utc::now().date_naive().to_string();
        let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
        let batch = [("until", today.as_str()), ("execution", tomorrow.as_str())];
        call(&m.board, "payout-batch", &batch).await.expect("batch");
        // What a member was sent, read from the payouts' ledger entries.
        let paid = |member: Uuid| {
            let db = &db;
            async move {
                db.query_i64(&format!(
                "SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) FROM ledger_postings p \
                 JOIN ledger_entries e ON e.id = p.entry_id \
                 WHERE e.kind = 'payout' AND p.account_code = 'member_payable:{member}'"
            ))
                .await
            }
        };
        assert_eq!(paid(carlo).await, 0, "nobody is sent money they hold");
        assert_eq!(paid(anna).await, 760);
        assert_eq!(balance(&db, "platform_cash").await, 0);
        assert_eq!(
            balance(&db, &format!("member_receivable:{carlo}")).await,
            3840
        );
        let money = call(&m.board, "board-money", &[]).await.expect("money");
        assert_eq!(minor(&money["receivables"][0]["owed"]), 3840);
        assert!(money["payees"].as_array().is_some_and(Vec::is_empty));

        // Carlo pays the rest into the bank; he cannot record it himself, and
        // no more than he owes can be recorded.
        let carlo_id = carlo.to_string();
        let own = call(
            &m.carlo,
            "receivable-paid",
            &[("member", &carlo_id), ("amount", "38,40")],
        )
        .await
        .expect_err("not his to record");
        assert_eq!(own.0, 403);
        let too_much = call(
            &m.board,
            "receivable-paid",
            &[("member", &carlo_id), ("amount", "38,41")],
        )
        .await
        .expect_err("more than owed");
        assert_eq!(too_much.0, 422);
        let form = [("member", carlo_id.as_str()), ("amount", "38,40")];
        call(&m.board, "receivable-paid", &form)
            .await
            .expect("recorded");
        // The same form again records nothing more.
        let _ = call(&m.board, "receivable-paid", &form).await;
        assert_eq!(balance(&db, &format!("member_receivable:{carlo}")).await, 0);
        assert_eq!(balance(&db, "platform_cash").await, 3840);
        // Now the bank can pay Anna the rest of her share.
        call(&m.board, "payout-batch", &batch)
            .await
            .expect("second batch");
        assert_eq!(paid(anna).await, 4140);
        assert_eq!(paid(carlo).await, 0);

        // The world: the bank got 7,60 by transfer and 38,40 from Carlo and
        // sent Anna 41,40: it holds the two fees (4,10 + 0,50). Carlo kept
        // 52,60 − 38,40 = 14,20, his two nets; Anna got her net once.
        assert_eq!(balance(&db, "platform_cash").await, 760 + 3840 - 4140);
        assert_eq!(balance(&db, "coop_fee_revenue").await, -(410 + 50));
        assert_eq!(balance(&db, &format!("member_payable:{carlo}")).await, 0);
        assert_eq!(balance(&db, &format!("member_payable:{anna}")).await, 0);
        let (ok, out) = server.ledger_verify();
        assert!(ok, "{out}");
    }
);

on_both_databases!(
    a_transfer_is_confirmed_by_the_board_not_a_party,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let m = market(&server).await;
        // A board member who orders for herself is a customer like any other.
        let treasurer =
            operator_account(&server, "tesoriera@coop.example", "Tesoriera", &["--board"]).await;
        let form = order_form(&treasurer, m.service).await;
        let key = form["key"].as_str().expect("key").to_owned();
        let order = place(
            &treasurer,
            m.service,
            &key,
            &[("slot", opening(&form, 0)), ("payment", "bank".to_owned())],
        )
        .await
        .expect("placed");

        // She sees where to pay (once the cooperative's account is set), the
        // reference and the deadline.
        mutua_tests::market::save_coop_bank(&m.board, "IT60 X054 2811 1010 0000 0123 456").await;
        let v = view(&treasurer, order).await.expect("view");
        assert_eq!(v["payment"]["method"], "bank");
        assert_eq!(v["payment"]["iban"], "IT60 X054 2811 1010 0000 0123 456");
        let reference = v["payment"]["reference"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(reference.starts_with("RF"), "{reference}");
        assert!(!v["payment"]["pay_by"].is_null());
        let page = treasurer
            .get(&format!("/orders/{order}"))
            .await
            .text()
            .await
            .unwrap_or_default();
        assert!(page.contains(&reference), "the page shows the reference");
        // The provider does not confirm a transfer to the cooperative.
        assert_eq!(
            act(&m.anna, order, "confirm_payment", None)
                .await
                .err()
                .map(|e| e.0),
            Some(403)
        );
        // She may not confirm her own payment, though she holds a seat.
        let own = act(&treasurer, order, "confirm_payment", None)
            .await
            .expect_err("a party");
        assert_eq!(refusal(&own), (403, "Party".to_owned()));
        assert!(view(&treasurer, order).await.expect("v")["actions"]
            .as_array()
            .is_some_and(|a| !a.iter().any(|x| x == "confirm_payment")));
        act(&m.board, order, "confirm_payment", None)
            .await
            .expect("another board member confirms");
        assert_eq!(status(&view(&treasurer, order).await.expect("v")), "Paid");

        // Nor may she resolve the dispute she opens, nor record her own refund
        // as handed back.
        let line = line_id(&view(&m.anna, order).await.expect("v"), 0);
        act(&m.anna, order, "accept", Some(&line))
            .await
            .expect("accept");
        call(
            &treasurer,
            "order-act",
            &[
                ("id", &order.to_string()),
                ("action", "dispute"),
                ("reason", "Non è venuto nessuno."),
            ],
        )
        .await
        .expect("disputed");
        for action in ["resolve_refund", "resolve_release"] {
            let own = act(&treasurer, order, action, None)
                .await
                .expect_err("a party");
            assert_eq!(refusal(&own), (403, "Party".to_owned()), "{action}");
        }
        act(&m.board, order, "resolve_refund", None)
            .await
            .expect("resolved by another");
        let id = order.to_string();
        let own = call(&treasurer, "refund-returned", &[("order", &id)])
            .await
            .expect_err("a party");
        assert_eq!(refusal(&own), (403, "Party".to_owned()));
        call(&m.board, "refund-returned", &[("order", &id)])
            .await
            .expect("handed back");
        // The world: the transfer came in and went back out.
        assert_eq!(balance(&db, "platform_cash").await, 0);
        assert_eq!(balance(&db, "refunds_payable").await, 0);
        let (ok, out) = server.ledger_verify();
        assert!(ok, "{out}");
    }
);

on_both_databases!(
    cash_handed_back_comes_out_of_the_collectors_hands,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let m = market(&server).await;
        let carlo = user_id(&m.carlo).await;
        let order = composite_paid_by(&m, "cash").await;
        // Unknown methods are refused next to their field.
        let form = order_form(&m.customer, m.service).await;
        let key = form["key"].as_str().expect("key").to_owned();
        let refused = place(
            &m.customer,
            m.service,
            &key,
            &[("slot", opening(&form, 1)), ("payment", "card".to_owned())],
        )
        .await
        .expect_err("no cards without Stripe");
        assert_eq!(refused.0, 422);
        assert_eq!(
            mutua_tests::coop::field_problems(&refused.1)[0].0,
            "payment"
        );

        // The customer pays Carlo as the work starts, then disputes it.
        let v = view(&m.anna, order).await.expect("view");
        for (who, line) in [(&m.anna, 0), (&m.carlo, 1)] {
            act(who, order, "accept", Some(&line_id(&v, line)))
                .await
                .expect("accept");
        }
        act(&m.carlo, order, "confirm_payment", None)
            .await
            .expect("cash taken");
        call(
            &m.customer,
            "order-act",
            &[
                ("id", &order.to_string()),
                ("action", "dispute"),
                ("reason", "Ho cambiato idea."),
            ],
        )
        .await
        .expect("disputed");
        act(&m.board, order, "resolve_refund", None)
            .await
            .expect("refunded");
        // The refund is still in Carlo's pocket until the board records that
        // he gave it back; a card refund could never be recorded by hand.
        assert_eq!(
            balance(&db, &format!("member_cash_held:{carlo}")).await,
            5260
        );
        call(
            &m.board,
            "refund-returned",
            &[("order", &order.to_string())],
        )
        .await
        .expect("handed back");
        assert_eq!(balance(&db, &format!("member_cash_held:{carlo}")).await, 0);
        assert_eq!(balance(&db, "platform_cash").await, 0);
        let (ok, out) = server.ledger_verify();
        assert!(ok, "{out}");
        // A transfer never made: the order is cancelled, no money moved.
        let placed = composite(&m).await;
        act(&m.customer, placed, "cancel", None)
            .await
            .expect("cancelled");
        assert_eq!(
            status(&view(&m.customer, placed).await.expect("v")),
            "Cancelled"
        );
    }
);
