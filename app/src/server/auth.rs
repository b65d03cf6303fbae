//! The one authorization layer: every server function and private route
//! asks here who the viewer is and whether they hold a role.

use super::respond;
use crate::error::{AppError, AppResult};
use crate::viewer::{Role, Viewer};
use services::accounts;
use tower_sessions::Session;
use uuid::Uuid;

const USER_ID: &str = "uid";
const AUTH_AT: &str = "auth_at";
/// Fingerprint of the password hash at login: a password change ends other sessions.
const CREDENTIAL: &str = "cred";
/// The roles the session last saw: when they change (admission, suspension,
/// a board seat) the session id is cycled.
const ROLES: &str = "roles";

pub fn credential_fingerprint(password_hash: &str) -> String {
    let tail = password_hash.len().saturating_sub(16);
    password_hash.get(tail..).unwrap_or_default().to_owned()
}

pub async fn session() -> AppResult<Session> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| respond::internal(format!("session layer missing: {e}")))
}

/// Loads the viewer of `session`, ending the session when it is past its
/// absolute lifetime or its credentials changed.
pub async fn viewer_of(state: &services::AppState, session: &Session) -> AppResult<Option<Viewer>> {
    let uid: Option<Uuid> = session.get(USER_ID).await.map_err(respond::internal)?;
    let Some(uid) = uid else { return Ok(None) };
    let auth_at: i64 = session
        .get(AUTH_AT)
        .await
        .map_err(respond::internal)?
        .unwrap_or(0);
    let cred: Option<String> = session.get(CREDENTIAL).await.map_err(respond::internal)?;
    let expired = services::clock::wall_now().timestamp() - auth_at > state.session_absolute_secs;
    let loaded = accounts::load_viewer(&state.db, uid)
        .await
        .map_err(respond::internal)?;
    match loaded {
        Some((viewer, hash))
            if !expired && cred.as_deref() == Some(&credential_fingerprint(&hash)) =>
        {
            let roles: Option<String> = session.get(ROLES).await.map_err(respond::internal)?;
            let now = viewer.roles_fingerprint();
            if roles.as_deref() != Some(now.as_str()) {
                if roles.is_some() {
                    session.cycle_id().await.map_err(respond::internal)?;
                }
                session
                    .insert(ROLES, now)
                    .await
                    .map_err(respond::internal)?;
            }
            Ok(Some(viewer))
        }
        _ => {
            session.flush().await.map_err(respond::internal)?;
            Ok(None)
        }
    }
}

pub async fn viewer() -> AppResult<Option<Viewer>> {
    let state = respond::state()?;
    let session = session().await?;
    viewer_of(&state, &session).await
}

/// The viewer, if they hold `role`: 401 for visitors, 403 for others.
pub async fn require(role: Role) -> AppResult<Viewer> {
    match viewer().await? {
        None => Err(respond::fail(AppError::Unauthorized)),
        Some(v) if v.has(role) => Ok(v),
        Some(_) => Err(respond::fail(AppError::Forbidden)),
    }
}

/// Logs `user` in on `session`, with a new session id (no fixation).
pub async fn start_session(session: &Session, user_id: Uuid, password_hash: &str) -> AppResult<()> {
    session.cycle_id().await.map_err(respond::internal)?;
    session
        .insert(USER_ID, user_id)
        .await
        .map_err(respond::internal)?;
    session
        .insert(AUTH_AT, services::clock::wall_now().timestamp())
        .await
        .map_err(respond::internal)?;
    session
        .insert(CREDENTIAL, credential_fingerprint(password_hash))
        .await
        .map_err(respond::internal)?;
    Ok(())
}

/// Called after a change of privilege or credentials: a new id, same login.
pub async fn renew_session(session: &Session, password_hash: &str) -> AppResult<()> {
    session.cycle_id().await.map_err(respond::internal)?;
    session
        .insert(CREDENTIAL, credential_fingerprint(password_hash))
        .await
        .map_err(respond::internal)?;
    Ok(())
}
