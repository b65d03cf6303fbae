//! Files people download: a member's monthly statement (CSV) and a payout
//! batch's SEPA credit transfer file (board only). Visitors are sent to
//! the login page; everyone else who may not see the file gets 404.

use app::server::auth;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use services::{money, AppState};
use tower_sessions::Session;
use uuid::Uuid;

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

fn attachment(content_type: &'static str, name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// The logged-in viewer, or the answer to give instead (to the login page,
/// and back to `uri` after it).
async fn viewer(
    state: &AppState,
    session: &Session,
    uri: &Uri,
) -> Result<wire::viewer::Viewer, Response> {
    match auth::viewer_of(state, session).await {
        Ok(Some(v)) => Ok(v),
        Ok(None) => {
            let here = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            Err(Redirect::to(&domain::path::login_for(here)).into_response())
        }
        Err(_) => Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    }
}

fn failed(e: impl std::fmt::Display) -> Response {
    tracing::error!("download failed: {e}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

pub async fn statement_csv(
    State(state): State<AppState>,
    session: Session,
    uri: Uri,
    Query(q): Query<MonthQuery>,
) -> Response {
    let viewer = match viewer(&state, &session, &uri).await {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    if viewer.member_class.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match money::statement_csv(&state.db, state.clock.now(), viewer.id, q.month.as_deref()).await {
        Ok((month, csv)) => attachment(
            "text/csv; charset=utf-8",
            format!("mutua-statement-{month}.csv"),
            csv,
        ),
        Err(e) => failed(e),
    }
}

pub async fn sepa_xml(
    State(state): State<AppState>,
    session: Session,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let viewer = match viewer(&state, &session, &uri).await {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !viewer.board {
        return StatusCode::NOT_FOUND.into_response();
    }
    match money::sepa_file(&state.db, state.clock.now(), id).await {
        Ok(xml) => attachment(
            "application/xml; charset=utf-8",
            format!("mutua-payouts-{}.xml", &id.simple().to_string()[..8]),
            xml,
        ),
        Err(services::service::ServiceError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        // The cooperative's bank account is not set yet.
        Err(services::service::ServiceError::Conflict) => StatusCode::CONFLICT.into_response(),
        Err(e) => failed(e),
    }
}
