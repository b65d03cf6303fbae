//! The cooperative's bank statement (camt.053) uploaded by the board:
//! exact transfers confirm their orders, once, whatever is uploaded again;
//! the rest waits for a person; the ledger's bank is the statement's
//! confirmed credits.

use mutua_tests::coop::{call, field_problems, operator_account};
use mutua_tests::market::{
    camt053, leg, market, order_form, place, status, upload_statement, view, Credit,
};
use mutua_tests::{location, on_both_databases, TestDb, TestServer};
use serde_json::Value;
use uuid::Uuid;

const COOP_IBAN: &str = "IT60X0542811101000000123456";
/// The standard's own example: valid check digits, no order of ours.
const STRANGER_REF: &str = "RF18539007547034";

async fn bank_leg(c: &mutua_tests::Client, listing: Uuid) -> Uuid {
    let key = order_form(c, listing).await["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let mut form = leg();
    form.push(("payment", "bank".to_owned()));
    place(c, listing, &key, &form).await.expect("placed")
}

/// The reference and the amount (cents) a customer is asked to transfer.
async fn to_pay(c: &mutua_tests::Client, order: Uuid) -> (String, i64) {
    let v = view(c, order).await.expect("view");
    (
        v["payment"]["reference"].as_str().expect("ref").to_owned(),
        v["payment"]["amount"]["minor"].as_i64().expect("amount"),
    )
}

async fn platform_cash(db: &TestDb) -> i64 {
    db.query_i64(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM ledger_postings \
         WHERE account_code = 'platform_cash'",
    )
    .await
}

fn outcomes(report: &Value, list: &str) -> Vec<String> {
    report[list]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| l["outcome"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

on_both_databases!(
    a_statement_confirms_each_transfer_once,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let m = market(&server).await;
        mutua_tests::market::save_coop_bank(&m.board, COOP_IBAN).await;
        let exact = bank_leg(&m.customer, m.courier).await;
        let spaced = bank_leg(&m.customer, m.courier).await;
        let short = bank_leg(&m.customer, m.courier).await;
        // The board member who uploads ordered one herself.
        let own = bank_leg(&m.board, m.courier).await;
        let (exact_ref, total) = to_pay(&m.customer, exact).await;
        let (spaced_ref, _) = to_pay(&m.customer, spaced).await;
        let (short_ref, _) = to_pay(&m.customer, short).await;
        let (own_ref, _) = to_pay(&m.board, own).await;
        // Payers write references as they like: spaced, lower case, in a
        // sentence.
        let pretty: String = spaced_ref
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).to_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        let sentence = format!("pagamento ordine {pretty} grazie");
        let statement = camt053(
            COOP_IBAN,
            &[
                Credit {
                    entry: "E1",
                    minor: total,
                    structured: Some(&exact_ref),
                    text: None,
                },
                Credit {
                    entry: "E2",
                    minor: total,
                    structured: None,
                    text: Some(&sentence),
                },
                Credit {
                    entry: "E3",
                    minor: total - 100,
                    structured: Some(&short_ref),
                    text: None,
                },
                Credit {
                    entry: "E4",
                    minor: 2500,
                    structured: Some(STRANGER_REF),
                    text: None,
                },
                Credit {
                    entry: "E5",
                    minor: total,
                    structured: Some(&own_ref),
                    text: None,
                },
                // The customer paid the first order twice.
                Credit {
                    entry: "E6",
                    minor: total,
                    structured: Some(&exact_ref),
                    text: None,
                },
            ],
        );

        // Only the board reads the bank.
        let res = upload_statement(&m.anna, &statement, true).await;
        assert_eq!(res.status().as_u16(), 403);

        let res = upload_statement(&m.board, &statement, true).await;
        assert_eq!(res.status().as_u16(), 200);
        let report: Value = res.json().await.expect("report");
        assert_eq!(outcomes(&report, "confirmed"), ["confirmed", "confirmed"]);
        assert_eq!(
            outcomes(&report, "open"),
            ["partial", "unknown", "party", "not_payable"]
        );
        assert_eq!(report["matched"].as_array().map(Vec::len), Some(5));
        assert_eq!(report["debits"], 1);
        for (order, want) in [
            (exact, "Paid"),
            (spaced, "Paid"),
            (short, "PendingPayment"),
            (own, "PendingPayment"),
        ] {
            assert_eq!(status(&view(&m.board, order).await.expect("v")), want);
        }
        // The ledger's bank holds the statement's credits less the lines
        // waiting for a person.
        let credited = 4 * total + (total - 100) + 2500;
        let open = (total - 100) + 2500 + total + total;
        assert_eq!(platform_cash(&db).await, credited - open);
        let payments = "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'payment'";
        assert_eq!(db.query_i64(payments).await, 2);

        // The same file again, by the form: nothing confirmed twice.
        let res = upload_statement(&m.board, &statement, false).await;
        assert_eq!(res.status().as_u16(), 303);
        assert_eq!(
            location(&res),
            "/board/money?confirmed=0&open=4&earlier=2#bank-statement"
        );
        assert_eq!(db.query_i64(payments).await, 2);
        assert_eq!(platform_cash(&db).await, 2 * total);

        // Another board member, no party to her order, confirms it from the
        // same file.
        let luca = operator_account(&server, "luca@coop.example", "Luca", &["--board"]).await;
        let report: Value = upload_statement(&luca, &statement, true)
            .await
            .json()
            .await
            .expect("report");
        assert_eq!(outcomes(&report, "confirmed"), ["confirmed"]);
        assert_eq!(status(&view(&m.board, own).await.expect("v")), "Paid");
        assert_eq!(platform_cash(&db).await, 3 * total);

        // What is left waits on the money page until someone handles it.
        let money = call(&m.board, "board-money", &[]).await.expect("money");
        let lines = money["bank_lines"].as_array().cloned().unwrap_or_default();
        let kinds: Vec<&str> = lines.iter().filter_map(|l| l["outcome"].as_str()).collect();
        assert_eq!(kinds, ["partial", "unknown", "not_payable"]);
        let page = m
            .board
            .get("/board/money")
            .await
            .text()
            .await
            .unwrap_or_default();
        assert!(page.contains("Giulia Bianchi"), "the payer is shown");
        let id = lines[1]["id"].as_str().expect("id");
        call(&m.board, "bank-line-handled", &[("line", id)])
            .await
            .expect("handled");
        assert_eq!(
            call(&m.board, "bank-line-handled", &[("line", id)])
                .await
                .err()
                .map(|e| e.0),
            Some(409)
        );
        let money = call(&m.board, "board-money", &[]).await.expect("money");
        assert_eq!(money["bank_lines"].as_array().map(Vec::len), Some(2));

        // A statement of another account, or not a statement: refused next to
        // the field, nothing read.
        let other = camt053(
            "DE89370400440532013000",
            &[Credit {
                entry: "X1",
                minor: total,
                structured: Some(&short_ref),
                text: None,
            }],
        );
        let res = upload_statement(&m.board, &other, true).await;
        assert_eq!(res.status().as_u16(), 422);
        let body: Value = res.json().await.expect("json");
        assert_eq!(
            field_problems(&body),
            [("statement".to_owned(), "StatementAccount".to_owned())]
        );
        let res = upload_statement(&m.board, "<html>no</html>", false).await;
        assert_eq!(
            location(&res),
            "/board/money?statement_error=invalid#bank-statement"
        );
        // Only an unknown reference: nothing confirmed.
        let stranger = camt053(
            COOP_IBAN,
            &[Credit {
                entry: "S1",
                minor: total,
                structured: Some(STRANGER_REF),
                text: None,
            }],
        );
        let report: Value = upload_statement(&m.board, &stranger, true)
            .await
            .json()
            .await
            .expect("report");
        assert_eq!(outcomes(&report, "open"), ["unknown"]);
        assert!(report["confirmed"].as_array().is_some_and(Vec::is_empty));
        assert_eq!(platform_cash(&db).await, 3 * total);
        let (ok, out) = server.ledger_verify();
        assert!(ok, "{out}");
    }
);
