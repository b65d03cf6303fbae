//! `POST /board/bank-statements`: the board uploads the cooperative's
//! camt.053 statement (multipart, field `statement`). A form goes back to
//! the money page with what was confirmed; `Accept: application/json`
//! gets the whole report.

use crate::uploads::{status, wants_json};
use app::error::AppError;
use app::server::auth;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Redirect, Response};
use services::bank_statements::{self, STATEMENT_MAX_BYTES};
use services::service::ServiceError;
use services::AppState;
use tower_sessions::Session;

/// The request body's limit: the statement and the form around it.
pub const BODY_MAX_BYTES: usize = STATEMENT_MAX_BYTES + 64 * 1024;

fn refused(json: bool, problem: domain::validation::FieldProblem) -> Response {
    if json {
        let err = AppError::invalid(vec![AppError::field("statement", problem)], &[]);
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(err)).into_response();
    }
    let code = match problem {
        domain::validation::FieldProblem::StatementAccount => "account",
        domain::validation::FieldProblem::Required => "required",
        domain::validation::FieldProblem::FileTooLarge => "too_large",
        _ => "invalid",
    };
    Redirect::to(&format!(
        "/board/money?statement_error={code}#bank-statement"
    ))
    .into_response()
}

pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    use domain::validation::FieldProblem;
    let json = wants_json(&headers);
    let viewer = match auth::viewer_of(&state, &session).await {
        Ok(Some(v)) => v,
        Ok(None) if json => return status(json, StatusCode::UNAUTHORIZED, AppError::Unauthorized),
        Ok(None) => return Redirect::to("/login?next=/board/money").into_response(),
        Err(e) => return status(json, StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    if !viewer.board {
        return status(json, StatusCode::FORBIDDEN, AppError::Forbidden);
    }
    let mut bytes = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("statement") => match field.bytes().await {
                Ok(b) => bytes = Some(b),
                Err(_) => return refused(json, FieldProblem::FileTooLarge),
            },
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return refused(json, FieldProblem::FileTooLarge)
            }
            Err(_) => return refused(json, FieldProblem::StatementInvalid),
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return refused(json, FieldProblem::Required);
    };
    if bytes.len() > STATEMENT_MAX_BYTES {
        return refused(json, FieldProblem::FileTooLarge);
    }
    match bank_statements::import(&state.db, state.clock.now(), &viewer, &bytes).await {
        Ok(report) if json => Json(serde_json::json!({
            "statements": report.statements,
            "matched": report.matched().collect::<Vec<_>>(),
            "confirmed": report.confirmed().collect::<Vec<_>>(),
            "open": report.open().collect::<Vec<_>>(),
            "lines": report.lines,
            "debits": report.debits,
            "skipped": report.skipped,
            "unreadable": report.unreadable,
        }))
        .into_response(),
        Ok(report) => {
            let earlier = report.lines.iter().filter(|l| l.earlier).count();
            Redirect::to(&format!(
                "/board/money?confirmed={}&open={}&earlier={earlier}#bank-statement",
                report.confirmed().count(),
                report.open().count(),
            ))
            .into_response()
        }
        Err(ServiceError::Invalid(fields)) => refused(
            json,
            fields
                .first()
                .map_or(FieldProblem::StatementInvalid, |f| f.problem),
        ),
        Err(ServiceError::Forbidden) => status(json, StatusCode::FORBIDDEN, AppError::Forbidden),
        Err(e) => {
            let reference = uuid::Uuid::now_v7().to_string();
            tracing::error!(%reference, "bank statement upload failed: {e}");
            status(
                json,
                StatusCode::INTERNAL_SERVER_ERROR,
                AppError::Internal { reference },
            )
        }
    }
}
