//! Fixtures for catalog tests: a board member, members admitted through the
//! real application flow, listings created through the real forms.

use super::{location, Client, Response, TestServer};
use serde_json::Value;
use uuid::Uuid;

pub const PASSWORD: &str = "bici-cargo-sul-Naviglio";

/// Calls a server function the way the app's JavaScript does; `Ok` is the
/// JSON body of a 2xx answer, `Err` the status and body of any other.
pub async fn call(
    c: &Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> Result<Value, (u16, Value)> {
    let res = c.post_form(&format!("/fn/{endpoint}"), form).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        Ok(body)
    } else {
        Err((status, body))
    }
}

/// The first field problem of an error body, e.g. `("price", "AmountNegative")`.
pub fn field_problems(body: &Value) -> Vec<(String, String)> {
    body["Invalid"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or_default().to_owned(),
                        f["problem"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An account made with `mutua create-user EMAIL --name NAME OPTIONS…`, as
/// an operator makes one, and logged in.
pub async fn operator_account(
    server: &TestServer,
    email: &str,
    name: &str,
    options: &[&str],
) -> Client {
    let mut args = vec!["create-user", email, "--name", name];
    args.extend_from_slice(options);
    let out = server.cli(&args, PASSWORD);
    assert!(
        out.status.success(),
        "create-user: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = server.client();
    assert_eq!(c.login(email, PASSWORD).await.status(), 200);
    c
}

/// A logged-in board member with a seat and no membership.
pub async fn board(server: &TestServer) -> Client {
    operator_account(server, "board@coop.example", "Consiglio", &["--board"]).await
}

/// A registered, logged-in account with no membership.
pub async fn customer(server: &TestServer, email: &str) -> Client {
    let c = server.client();
    let name = email.split('@').next().unwrap_or("someone");
    let res = server.sign_up(&c, email, name, PASSWORD).await;
    assert_eq!(res.status(), 200, "register {email}");
    assert_eq!(location(&res), "/account");
    c
}

pub async fn user_id(c: &Client) -> Uuid {
    let v = call(c, "viewer", &[]).await.expect("viewer");
    Uuid::parse_str(v["id"].as_str().expect("logged in")).expect("uuid")
}

/// A logged-in founding member of `class`, entered with the CLI as an
/// operator enters the founders (later members are admitted by a board
/// vote; `tests/http/membership.rs` walks that path).
pub async fn member(server: &TestServer, email: &str, class: &str) -> Client {
    let name = email.split('@').next().unwrap_or("someone");
    operator_account(server, email, name, &["--member", class]).await
}

/// The form of a valid fixed-price service, with `overrides` applied.
pub fn service_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("kind", "service"),
        ("category", "pulizie"),
        ("title", "Pulizie di casa"),
        ("description", "Pulisco bene, con prodotti ecologici."),
        ("price_model", "fixed"),
        ("price", "45,00"),
        ("duration_minutes", "120"),
    ];
    for (k, v) in overrides {
        if let Some(slot) = form.iter_mut().find(|(key, _)| key == k) {
            slot.1 = v;
        } else {
            form.push((k, v));
        }
    }
    form
}

/// The listing id the app was sent to after creating it.
pub fn created_id(res: &Response) -> Uuid {
    let loc = location(res);
    let id = loc
        .strip_prefix("/dashboard/listings/")
        .and_then(|rest| rest.split('?').next())
        .unwrap_or_else(|| panic!("unexpected location {loc}"));
    Uuid::parse_str(id).expect("listing id")
}

/// Creates a listing and publishes it; returns its id.
pub async fn published(c: &Client, overrides: &[(&str, &str)]) -> Uuid {
    let res = c
        .post_form("/fn/listing-save", &service_form(overrides))
        .await;
    assert_eq!(res.status(), 200, "create listing");
    let id = created_id(&res);
    let ids = id.to_string();
    call(c, "listing-status", &[("id", &ids), ("status", "active")])
        .await
        .expect("publish");
    id
}

/// A small PNG picture, made here.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 120]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode png");
    out
}

/// Uploads `bytes` as the listing's picture `file_name`, as the plain form does.
pub async fn upload(
    c: &Client,
    listing: Uuid,
    file_name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(file_name.to_owned())
        .mime_str(mime)
        .expect("mime");
    let form = reqwest::multipart::Form::new().part("image", part);
    c.http
        .post(format!("{}/dashboard/listings/{listing}/images", c.base))
        .header("origin", &c.base)
        .header("sec-fetch-site", "same-origin")
        .multipart(form)
        .send()
        .await
        .expect("upload")
}
