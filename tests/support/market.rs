//! A small working cooperative for order tests: two zones, a repairer with
//! a service open every day, a courier serving both zones, a customer.

use super::coop::{board, call, customer, member, published};
use super::{Client, TestServer};
use serde_json::Value;
use uuid::Uuid;

pub struct Market {
    pub board: Client,
    /// Worker offering the service.
    pub anna: Client,
    /// Courier.
    pub carlo: Client,
    pub customer: Client,
    pub service: Uuid,
    pub courier: Uuid,
    /// The server's clock offset file.
    pub clock: std::path::PathBuf,
}

/// Puts the server's clock back where it was when dropped.
pub struct ClockBack {
    file: std::path::PathBuf,
    offset: String,
}

impl Drop for ClockBack {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.file, &self.offset);
    }
}

/// Moves the server's clock to a minute after every line of `order` has
/// begun (its booked opening or delivery window), until the returned guard
/// is dropped: work is marked done only once it happens.
pub async fn work_time(m: &Market, order: Uuid) -> ClockBack {
    let v = view(&m.board, order).await.expect("view");
    let begins = v["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["begins"].as_str())
        .filter_map(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .max();
    let offset = std::fs::read_to_string(&m.clock).unwrap_or_else(|_| "0".into());
    let now: i64 = offset.trim().parse().unwrap_or(0);
    if let Some(dir) = m.clock.parent() {
        std::fs::create_dir_all(dir).expect("data dir");
    }
    if let Some(b) = begins {
        let ahead = (b.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds() + 60;
        std::fs::write(&m.clock, now.max(ahead).to_string()).expect("clock");
    }
    ClockBack {
        file: m.clock.clone(),
        offset,
    }
}

/// Centro and Navile, about 2.5 km apart (3 billable km).
pub const CENTRO: (&str, &str, &str, &str) = (
    "Centro",
    "40121,40122,40123,40124,40125,40126",
    "44.4938",
    "11.3430",
);
pub const NAVILE: (&str, &str, &str, &str) = ("Navile", "40128,40129", "44.5160", "11.3440");

pub async fn zone_ids(c: &Client) -> Vec<(String, String)> {
    let zones = call(c, "zones", &[]).await.expect("zones");
    zones
        .as_array()
        .map(|a| {
            a.iter()
                .map(|z| {
                    (
                        z["name"].as_str().unwrap_or_default().to_owned(),
                        z["id"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every day 08:00–12:00 and 14:00–18:00.
pub async fn open_every_day(c: &Client, listing: Uuid) {
    let id = listing.to_string();
    for day in 0..7 {
        let d = day.to_string();
        for (start, end) in [("08:00", "12:00"), ("14:00", "18:00")] {
            call(
                c,
                "listing-slot-add",
                &[("id", &id), ("weekday", &d), ("start", start), ("end", end)],
            )
            .await
            .expect("slot");
        }
    }
}

pub async fn serve_zones(c: &Client, listing: Uuid, zones: &[(String, String)]) {
    let id = listing.to_string();
    for (_, zone) in zones {
        call(c, "listing-zone-add", &[("id", &id), ("zone", zone)])
            .await
            .expect("zone served");
    }
}

pub async fn market(server: &TestServer) -> Market {
    let board = board(server).await;
    for (name, postcodes, lat, lon) in [CENTRO, NAVILE] {
        call(
            &board,
            "zone-add",
            &[
                ("name", name),
                ("postcodes", postcodes),
                ("latitude", lat),
                ("longitude", lon),
            ],
        )
        .await
        .expect("zone");
    }
    let zones = zone_ids(&board).await;
    let anna = member(server, "anna@coop.example", "worker").await;
    let service = published(
        &anna,
        &[
            ("category", "riparazioni"),
            ("title", "Riparazione bicicletta"),
            ("price", "45,00"),
        ],
    )
    .await;
    open_every_day(&anna, service).await;
    let carlo = member(server, "carlo@coop.example", "worker").await;
    let courier = published(
        &carlo,
        &[
            ("kind", "delivery"),
            ("category", "consegne"),
            ("title", "Consegne in cargo bike"),
            ("price_model", "distance"),
            ("price", "4,00"),
            ("per_km", "1,20"),
            ("max_km", "10"),
            ("duration_minutes", ""),
        ],
    )
    .await;
    serve_zones(&carlo, courier, &zones).await;
    let customer = customer(server, "giulia@example.org").await;
    Market {
        board,
        anna,
        carlo,
        customer,
        service,
        courier,
        clock: server.clock_file(),
    }
}

/// The order form of `listing` as `c` gets it (key, openings).
pub async fn order_form(c: &Client, listing: Uuid) -> Value {
    call(c, "order-form", &[("listing", &listing.to_string())])
        .await
        .expect("order form")
}

/// The value of the `n`-th free opening on the form.
pub fn opening(form: &Value, n: usize) -> String {
    form["openings"][n][0]
        .as_str()
        .unwrap_or_else(|| panic!("no opening {n} in {form}"))
        .to_owned()
}

/// A delivery leg from Centro to Navile, tomorrow afternoon.
pub fn leg() -> Vec<(&'static str, String)> {
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .date_naive()
        .to_string();
    vec![
        ("pickup_address", "Via Zamboni 1".into()),
        ("pickup_postcode", "40126".into()),
        ("dropoff_address", "Via di Corticella 30".into()),
        ("dropoff_postcode", "40128".into()),
        ("package_size", "large".into()),
        ("weight_kg", "14".into()),
        ("window_date", tomorrow),
        ("window_from", "15:00".into()),
        ("window_to", "17:00".into()),
    ]
}

/// A composite order by the customer: Anna's repair at the first free
/// opening (45,00, fee 3,60) with a courier leg assigned automatically
/// (7,60, fee 0,50), and a note.
pub async fn composite(m: &Market) -> Uuid {
    composite_paid_by(m, "").await
}

/// The composite order, paid as `payment` says (`cash`, `bank`, `card`;
/// empty for the cooperative's default).
pub async fn composite_paid_by(m: &Market, payment: &str) -> Uuid {
    let form = order_form(&m.customer, m.service).await;
    let key = form["key"].as_str().expect("key").to_owned();
    let mut fields = vec![
        ("slot", opening(&form, 0)),
        ("with_delivery", "on".to_owned()),
        ("courier", "auto".to_owned()),
        ("note", "La ruota posteriore è storta.".to_owned()),
        ("payment", payment.to_owned()),
    ];
    fields.extend(leg());
    place(&m.customer, m.service, &key, &fields)
        .await
        .expect("order placed")
}

/// The customer orders Anna's repair at the `n`-th free opening.
pub async fn service_order(m: &Market, n: usize) -> Uuid {
    let form = order_form(&m.customer, m.service).await;
    let key = form["key"].as_str().expect("key").to_owned();
    place(&m.customer, m.service, &key, &[("slot", opening(&form, n))])
        .await
        .expect("order placed")
}

/// Places an order; `Ok(id)` or the refusal (status, body).
pub async fn place(
    c: &Client,
    listing: Uuid,
    key: &str,
    fields: &[(&str, String)],
) -> Result<Uuid, (u16, Value)> {
    let listing = listing.to_string();
    let mut form: Vec<(&str, &str)> = vec![("listing", &listing), ("key", key)];
    form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
    call(c, "order-place", &form)
        .await
        .map(|v| Uuid::parse_str(v.as_str().unwrap_or_default()).expect("order id"))
}

pub async fn view(c: &Client, order: Uuid) -> Result<Value, (u16, Value)> {
    call(c, "order", &[("id", &order.to_string())]).await
}

/// Takes an action on an order (on `line`, for line actions).
pub async fn act(
    c: &Client,
    order: Uuid,
    action: &str,
    line: Option<&str>,
) -> Result<Value, (u16, Value)> {
    let id = order.to_string();
    let mut form = vec![("id", id.as_str()), ("action", action)];
    if let Some(l) = line {
        form.push(("line", l));
    }
    call(c, "order-act", &form).await
}

/// Every line of a paid order is accepted, started and fulfilled by its
/// provider (Anna's service, Carlo's deliveries); the customer completes.
pub async fn fulfil_all(m: &Market, order: Uuid) {
    let v = view(&m.anna, order).await.expect("view");
    let lines = v["lines"].as_array().map(Vec::len).unwrap_or(0);
    let who = |i: usize| {
        if v["lines"][i]["kind"] == "Delivery" {
            &m.carlo
        } else {
            &m.anna
        }
    };
    // Work starts once every line is accepted, and is done once it began.
    for step in ["accept", "start", "fulfil"] {
        let _at = if step == "fulfil" {
            Some(work_time(m, order).await)
        } else {
            None
        };
        for i in 0..lines {
            act(who(i), order, step, Some(&line_id(&v, i)))
                .await
                .expect(step);
        }
    }
    act(&m.customer, order, "complete", None)
        .await
        .expect("completed");
}

/// The id of line `n` of an order view.
pub fn line_id(view: &Value, n: usize) -> String {
    view["lines"][n]["id"].as_str().expect("line id").to_owned()
}

pub fn status(view: &Value) -> String {
    view["status"].as_str().unwrap_or_default().to_owned()
}

/// A real SMTP server (aiosmtpd) on loopback, writing what it receives
/// to a file; stopped when dropped.
pub struct SmtpSink {
    child: std::process::Child,
    pub port: u16,
    file: std::path::PathBuf,
}

impl SmtpSink {
    pub fn start(dir: &std::path::Path) -> SmtpSink {
        std::fs::create_dir_all(dir).expect("sink dir");
        let file = dir.join("mail.jsonl");
        let (child, port) = super::start_python_helper("smtp_sink.py", &[file.as_os_str()]);
        SmtpSink { child, port, file }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Waits until a message to `to` with `subject` arrives.
    pub async fn wait_for(&self, to: &str, subject: &str) -> Value {
        for _ in 0..150 {
            if let Some(m) = self.messages().into_iter().find(|m| {
                m["to"][0] == to
                    && m["subject"]
                        .as_str()
                        .is_some_and(|s| s.starts_with(subject))
            }) {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        panic!("no mail {subject:?} to {to}; got {:?}", self.messages());
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A credit on a bank statement: the bank's entry reference, the amount in
/// cents and what the payer wrote (structured `RF…` reference or free text).
pub struct Credit<'a> {
    pub entry: &'a str,
    pub minor: i64,
    pub structured: Option<&'a str>,
    pub text: Option<&'a str>,
}

/// A camt.053.001.02 statement of `iban` with `credits` and one debit, as
/// an Italian bank sends it.
pub fn camt053(iban: &str, credits: &[Credit<'_>]) -> String {
    let entries: String = credits
        .iter()
        .map(|c| {
            let strd = c
                .structured
                .map(|r| format!("<Strd><CdtrRefInf><Ref>{r}</Ref></CdtrRefInf></Strd>"))
                .unwrap_or_default();
            let ustrd = c
                .text
                .map(|t| format!("<Ustrd>{t}</Ustrd>"))
                .unwrap_or_default();
            format!(
                "<Ntry><Amt Ccy=\"EUR\">{}.{:02}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
                 <BookgDt><Dt>2026-12-01</Dt></BookgDt><ValDt><Dt>2026-12-01</Dt></ValDt>\
                 <AcctSvcrRef>{}</AcctSvcrRef><BkTxCd/><NtryDtls><TxDtls>\
                 <RltdPties><Dbtr><Nm>Giulia Bianchi</Nm></Dbtr></RltdPties>\
                 <RmtInf>{ustrd}{strd}</RmtInf></TxDtls></NtryDtls></Ntry>",
                c.minor / 100,
                c.minor % 100,
                c.entry
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>\
         <GrpHdr><MsgId>MSG-20261201</MsgId><CreDtTm>2026-12-01T20:00:00</CreDtTm></GrpHdr>\
         <Stmt><Id>STMT-20261201</Id><CreDtTm>2026-12-01T20:00:00</CreDtTm>\
         <Acct><Id><IBAN>{iban}</IBAN></Id></Acct>{entries}\
         <Ntry><Amt Ccy=\"EUR\">12.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>\
         <BookgDt><Dt>2026-12-01</Dt></BookgDt><AcctSvcrRef>FEE-1</AcctSvcrRef></Ntry>\
         </Stmt></BkToCstmrStmt></Document>"
    )
}

/// Uploads a statement as the board's form does; `json` asks for the report.
pub async fn upload_statement(c: &Client, xml: &str, json: bool) -> crate::Response {
    let part = reqwest::multipart::Part::bytes(xml.as_bytes().to_vec())
        .file_name("estratto.xml")
        .mime_str("application/xml")
        .expect("mime");
    let form = reqwest::multipart::Form::new().part("statement", part);
    let mut req = c
        .http
        .post(format!("{}/board/bank-statements", c.base))
        .header("origin", &c.base)
        .header("sec-fetch-site", "same-origin")
        .multipart(form);
    if json {
        req = req.header("accept", "application/json");
    }
    req.send().await.expect("upload")
}

/// The board saves the cooperative's bank account (customers are shown it
/// for transfers); `iban` as typed.
pub async fn save_coop_bank(board: &Client, iban: &str) {
    call(
        board,
        "coop-bank",
        &[("name", "Cooperativa Mutua"), ("iban", iban), ("bic", "")],
    )
    .await
    .expect("bank saved");
}
