//! Plain HTTP routes beside the Leptos pages: health, logout, language.

use app::server::auth;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use i18n::{locale_cookie, Locale};
use serde::Deserialize;
use services::{accounts, AppState};
use tower_sessions::Session;

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::error!("readiness check failed: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `POST /logout`: deletes the session on the server and goes home.
pub async fn logout(session: Session) -> Response {
    if let Err(e) = session.delete().await {
        tracing::error!("cannot delete session: {e}");
        return (StatusCode::INTERNAL_SERVER_ERROR, "logout failed").into_response();
    }
    Redirect::to("/").into_response()
}

#[derive(Deserialize)]
pub struct LocaleForm {
    lang: String,
    next: Option<String>,
    /// Also make it the account's language (mail included); otherwise only
    /// the pages change.
    save: Option<String>,
}

/// Only local paths: never an open redirect.
fn safe_next(next: Option<&str>) -> &str {
    next.and_then(domain::path::local_path).unwrap_or("/")
}

/// `POST /locale`: remembers the language (cookie, and the account's
/// preference when asked to with `save=1`) and goes back to the page.
pub async fn set_locale(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<LocaleForm>,
) -> Response {
    let Some(locale) = Locale::parse(&form.lang) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "unknown language").into_response();
    };
    let save = form.save.as_deref() == Some("1");
    match auth::viewer_of(&state, &session).await {
        Ok(Some(viewer)) if save => {
            if let Err(e) = accounts::set_locale(&state.db, viewer.id, locale).await {
                tracing::error!("cannot save language: {e}");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::error!("cannot read session: {e}"),
    }
    let mut res = Redirect::to(safe_next(form.next.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&locale_cookie(locale)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_is_always_local() {
        use super::safe_next;
        assert_eq!(safe_next(Some("/account?x=1")), "/account?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
