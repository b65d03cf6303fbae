//! The baseline for `bench/run.sh`: TechEmpower's "Fortunes" test written
//! the plain way on the same stack (axum, tokio, sqlx on PostgreSQL, the
//! same allocator and build profile as Mutua). Each request reads the 12
//! fortunes, adds one, sorts them by message and answers an HTML table
//! with every message escaped.
//!
//! `DATABASE_URL=postgres://… mutua-fortunes [ADDR]` creates and fills the
//! `fortune` table when it is missing and prints `listening on http://…`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::fmt::Write;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FORTUNES: [&str; 12] = [
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. \u{2014} Tom Christaensen",
    "Any program that runs right the first time is written by a poor programmer.",
    "Never hit a man with glasses.",
    "Computers make very fast, very accurate mistakes.",
    "<script>alert(\"This should not be displayed in a browser alert box.\");</script>",
    "\u{30d5}\u{30ec}\u{30fc}\u{30e0}\u{30ef}\u{30fc}\u{30af}\u{306e}\u{30d9}\u{30f3}\u{30c1}\u{30de}\u{30fc}\u{30af}",
    "A list is only as strong as its weakest link. \u{2014} Donald Knuth",
];

fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

async fn fortunes(State(pool): State<PgPool>) -> axum::response::Response {
    let rows: Result<Vec<(i32, String)>, _> = sqlx::query_as("SELECT id, message FROM fortune")
        .fetch_all(&pool)
        .await;
    let mut rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("fortunes: {e}");
            return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    rows.push((0, "Additional fortune added at request time.".to_owned()));
    rows.sort_unstable_by(|a, b| a.1.cmp(&b.1));
    let mut html = String::with_capacity(1200);
    html.push_str("<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>");
    for (id, message) in &rows {
        let _ = write!(html, "<tr><td>{id}</td><td>");
        escape(&mut html, message);
        html.push_str("</td></tr>");
    }
    html.push_str("</table></body></html>");
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn prepare(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS fortune (id integer PRIMARY KEY, message text NOT NULL)",
    )
    .execute(pool)
    .await?;
    for (i, message) in FORTUNES.iter().enumerate() {
        sqlx::query(
            "INSERT INTO fortune (id, message) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(i32::try_from(i + 1).unwrap_or(i32::MAX))
        .bind(*message)
        .execute(pool)
        .await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("mutua-fortunes: set DATABASE_URL to a PostgreSQL database");
        return std::process::ExitCode::FAILURE;
    };
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let result = async {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect(&url)
            .await?;
        prepare(&pool).await?;
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        println!("listening on http://{}", listener.local_addr()?);
        let app = Router::new()
            .route("/fortunes", get(fortunes))
            .with_state(pool);
        axum::serve(listener, app).await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    }
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mutua-fortunes: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
