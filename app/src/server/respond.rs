//! Turning failures into answers: the right status for JSON clients, a
//! logged cause and a reference for internal errors.

use crate::error::AppError;
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use services::service::ServiceError;
use services::throttle::Turn;
use std::time::Duration;

/// Header that carries the per-request id (set by the server's middleware).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

fn wants_html(parts: &Parts) -> bool {
    parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Sets the HTTP status of a failed server function. A plain HTML form post
/// (no JavaScript) keeps the redirect back to its page, where the error is
/// shown, so its status is left alone.
pub fn fail(err: AppError) -> AppError {
    let html = use_context::<Parts>().is_some_and(|p| wants_html(&p));
    if !html {
        if let Some(res) = use_context::<ResponseOptions>() {
            if let Ok(code) = http::StatusCode::from_u16(err.status()) {
                res.set_status(code);
            }
            if let AppError::TooManyRequests { retry_after_secs } = &err {
                if let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                    res.insert_header(http::header::RETRY_AFTER, v);
                }
            }
        }
    }
    err
}

/// Logs an internal failure with the request id, and answers with only that id.
pub fn internal(cause: impl std::fmt::Display) -> AppError {
    let reference = use_context::<Parts>()
        .and_then(|p| {
            p.headers
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    tracing::error!(%reference, "internal error: {cause}");
    fail(AppError::Internal { reference })
}

pub fn state() -> Result<services::AppState, AppError> {
    use_context::<services::AppState>().ok_or_else(|| internal("AppState missing from context"))
}

/// The client's address: the peer's, or what a trusted proxy says it is.
pub async fn client_ip() -> Result<std::net::IpAddr, AppError> {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let state = state()?;
    let ConnectInfo(peer) = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map_err(internal)?;
    let headers = use_context::<Parts>()
        .map(|p| p.headers)
        .unwrap_or_default();
    Ok(state.trusted_proxies.client(peer.ip(), &headers))
}

/// A service's refusal as the browser gets it: field problems with what the
/// user typed (`echo`), statuses set; database causes logged, never sent.
pub trait IntoApp {
    fn into_app(self, echo: &[(&str, &str)]) -> AppError;
}

impl IntoApp for ServiceError {
    fn into_app(self, echo: &[(&str, &str)]) -> AppError {
        match self {
            ServiceError::Invalid(fields) => fail(AppError::invalid(fields, echo)),
            ServiceError::Credentials => fail(AppError::InvalidCredentials {
                echo: echo
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            }),
            ServiceError::NotFound => fail(AppError::NotFound),
            ServiceError::Forbidden => fail(AppError::Forbidden),
            ServiceError::Conflict => fail(AppError::Conflict),
            ServiceError::Refused(r) => fail(AppError::Refused(r)),
            ServiceError::Limited(retry_after_secs) => {
                fail(AppError::TooManyRequests { retry_after_secs })
            }
            ServiceError::Db(e) => internal(e),
            ServiceError::Internal(e) => internal(e),
        }
    }
}

/// Counts one rate-limited `action` by `who`: the refusal as the browser
/// gets it.
pub async fn rate_check(action: services::rate::Action, who: &str) -> Result<(), AppError> {
    let state = state()?;
    services::rate::allow(&state.db, action, who, state.clock.now())
        .await
        .map_err(|e| e.into_app(&[]))
}

/// The current request's turn, when the server limits requests in flight.
fn current_turn() -> Option<Turn> {
    use_context::<Parts>().and_then(|p| p.extensions.get::<Turn>().cloned())
}

/// Waits `pause` before a refusal, without holding a turn: the request does
/// no more work afterwards.
pub async fn pause_before_refusal(pause: Duration) {
    if let Some(turn) = current_turn() {
        turn.give_back();
    }
    tokio::time::sleep(pause).await;
}

/// Waits `pause` without holding a turn, then takes one again to go on.
pub async fn pause_then_work(pause: Duration) {
    let turn = current_turn();
    if let Some(turn) = &turn {
        turn.give_back();
    }
    tokio::time::sleep(pause).await;
    if let Some(turn) = &turn {
        turn.take_again().await;
    }
}
