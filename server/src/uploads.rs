//! Listing pictures: the multipart upload (a plain form, so it works
//! without JavaScript) and serving the stored files.

use app::error::AppError;
use app::server::auth;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Json, Redirect, Response};
use domain::validation::FieldProblem;
use services::images::{self, parse_file_name};
use services::listings;
use services::service::ServiceError;
use services::AppState;
use tower_sessions::Session;
use uuid::Uuid;

pub(crate) fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn problem_code(p: FieldProblem) -> &'static str {
    match p {
        FieldProblem::ImageTooLarge => "too_large",
        FieldProblem::ImageTooMany => "too_many",
        FieldProblem::Required => "required",
        _ => "type",
    }
}

/// A refused picture: back to the editor with the reason (forms), or 422 (JSON).
fn refused(json: bool, id: Uuid, problem: FieldProblem) -> Response {
    if json {
        let err = AppError::invalid(vec![AppError::field("image", problem)], &[]);
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(err)).into_response();
    }
    Redirect::to(&format!(
        "/dashboard/listings/{id}?image_error={}#images",
        problem_code(problem)
    ))
    .into_response()
}

pub(crate) fn status(json: bool, code: StatusCode, err: AppError) -> Response {
    if json {
        (code, Json(err)).into_response()
    } else {
        (code, code.canonical_reason().unwrap_or_default()).into_response()
    }
}

/// `POST /dashboard/listings/{id}/images` (multipart, field `image`).
pub async fn upload_image(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let json = wants_json(&headers);
    let Ok(id) = Uuid::parse_str(&id) else {
        return status(json, StatusCode::NOT_FOUND, AppError::NotFound);
    };
    let viewer = match auth::viewer_of(&state, &session).await {
        Ok(Some(v)) => v,
        Ok(None) if json => return status(json, StatusCode::UNAUTHORIZED, AppError::Unauthorized),
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => return status(json, StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    if !viewer.is_worker() {
        return status(json, StatusCode::FORBIDDEN, AppError::Forbidden);
    }
    use services::rate;
    match rate::allow(
        &state.db,
        rate::Action::Picture,
        &viewer.id.to_string(),
        state.clock.now(),
    )
    .await
    {
        Ok(()) => {}
        Err(services::service::ServiceError::Limited(secs)) => {
            let mut res = status(
                json,
                StatusCode::TOO_MANY_REQUESTS,
                AppError::TooManyRequests {
                    retry_after_secs: secs,
                },
            );
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return res;
        }
        Err(e) => {
            tracing::error!("rate limit: {e}");
            return status(
                json,
                StatusCode::INTERNAL_SERVER_ERROR,
                AppError::Internal {
                    reference: Uuid::now_v7().to_string(),
                },
            );
        }
    }
    let mut bytes = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("image") => match field.bytes().await {
                Ok(b) => bytes = Some(b.to_vec()),
                // The body limit was hit while reading: the file is too large.
                Err(_) => return refused(json, id, FieldProblem::ImageTooLarge),
            },
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return refused(json, id, FieldProblem::ImageTooLarge)
            }
            Err(_) => return refused(json, id, FieldProblem::ImageType),
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return refused(json, id, FieldProblem::Required);
    };
    match listings::parts::add_image(
        &state.db,
        &state.data_dir,
        viewer.id,
        id,
        bytes,
        state.max_image_bytes,
    )
    .await
    {
        Ok(image) => {
            tracing::info!(listing = %id, %image, "picture added");
            if json {
                (
                    StatusCode::CREATED,
                    Json(serde_json::json!({ "id": image })),
                )
                    .into_response()
            } else {
                Redirect::to(&format!("/dashboard/listings/{id}?saved=images#images"))
                    .into_response()
            }
        }
        Err(ServiceError::Invalid(fields)) => {
            let problem = fields
                .first()
                .map_or(FieldProblem::ImageType, |f| f.problem);
            refused(json, id, problem)
        }
        Err(ServiceError::NotFound) => status(json, StatusCode::NOT_FOUND, AppError::NotFound),
        Err(ServiceError::Conflict) => status(json, StatusCode::CONFLICT, AppError::Conflict),
        Err(ServiceError::Limited(secs)) => {
            tracing::warn!(listing = %id, "picture refused: decoders busy");
            let mut res = status(
                json,
                StatusCode::SERVICE_UNAVAILABLE,
                AppError::TooManyRequests {
                    retry_after_secs: secs,
                },
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            res
        }
        Err(e) => {
            let reference = Uuid::now_v7().to_string();
            tracing::error!(%reference, "picture upload failed: {e}");
            status(
                json,
                StatusCode::INTERNAL_SERVER_ERROR,
                AppError::Internal { reference },
            )
        }
    }
}

/// `GET /images/{file}`: only names we produced; cached for a year (a
/// picture never changes under its id).
pub async fn serve_image(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let Some((id, variant)) = parse_file_name(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path = images::images_dir(&state.data_dir).join(images::file_name(id, variant));
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg")),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
