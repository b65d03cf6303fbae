//! `/webhooks/stripe`: the raw body is verified against `Stripe-Signature`
//! before anything is read from it; an invalid or stale signature gets 400
//! and nothing is written. Verified events are handled once per event id.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use services::stripe::signature::verify_signature;
use services::stripe::webhook::{handle_event, Event, EVENT_ID_MAX};
use services::AppState;

pub async fn stripe(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(stripe) = state.stripe.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // The signature's timestamp is checked against real time, never the
    // test clock: it is about the delivery, not the cooperative's day.
    let now = services::clock::wall_now().timestamp();
    if let Err(e) = verify_signature(signature, &body, stripe.webhook_secret(), now) {
        tracing::warn!("stripe webhook refused: {e}");
        return (StatusCode::BAD_REQUEST, "invalid signature").into_response();
    }
    let event: Event = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(_) => return (StatusCode::BAD_REQUEST, "not an event").into_response(),
    };
    // Events are told apart by their whole id: one that cannot be stored
    // whole is refused rather than cut (two ids cut alike would collide).
    if event.id.trim().is_empty() || event.id.len() > EVENT_ID_MAX {
        return (StatusCode::BAD_REQUEST, "bad event id").into_response();
    }
    match handle_event(&state.db, &state.clock, &event).await {
        Ok(outcome) => (StatusCode::OK, format!("{outcome:?}")).into_response(),
        Err(e) => {
            // Stripe retries on any non-2xx answer; the retry is safe.
            tracing::error!(event = %event.id, "stripe webhook failed: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
