//! Turning failures into answers: the right status for JSON clients, a
//! logged cause and a reference for internal errors.

use crate::error::AppError;
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

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

pub fn state() -> Result<super::AppState, AppError> {
    use_context::<super::AppState>().ok_or_else(|| internal("AppState missing from context"))
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
