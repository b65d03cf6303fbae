//! The axum application: Leptos pages and server functions, plain routes,
//! sessions, and the protective layers around all of them.

use crate::config::Config;
use crate::middleware::{self, Origins};
use crate::{api, downloads, form_echo, routes, statements, uploads, webhooks};
use app::{shell, App};
use axum::body::Body;
use axum::extract::{FromRef, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use services::session_store::DbSessionStore;
use services::AppState;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The longest a page, call or download may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, FromRef)]
pub struct ServerState {
    pub leptos: LeptosOptions,
    pub app: AppState,
    pub origins: Origins,
}

/// Name of the session cookie: `__Host-` prefixed (Secure, no Domain,
/// Path=/) when served over HTTPS; a plain name on http://localhost.
pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-mutua_session"
    } else {
        "mutua_session"
    }
}

async fn server_fn_handler(
    State(state): State<ServerState>,
    req: Request<Body>,
) -> impl IntoResponse {
    let app = state.app.clone();
    leptos_axum::handle_server_fns_with_context(move || provide_context(app.clone()), req).await
}

/// The pages' routes. Made once per process, before any page is served:
/// while Leptos makes them it holds back every resource that starts loading
/// anywhere in the process (a process-wide switch), and a page whose
/// resource started then would never finish.
pub fn routes() -> Vec<AxumRouteListing> {
    generate_route_list(App)
}

pub fn router(
    config: &Config,
    leptos: LeptosOptions,
    app: AppState,
    origins: Origins,
    routes: Vec<AxumRouteListing>,
) -> Router {
    let https = origins.is_https();
    let sessions = SessionManagerLayer::new(DbSessionStore::new(app.db.clone()))
        .with_name(session_cookie_name(https))
        .with_secure(https)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            config.session_idle_minutes,
        )));

    let state = ServerState {
        leptos: leptos.clone(),
        app: app.clone(),
        origins: origins.clone(),
    };
    let page_ctx = {
        let app = app.clone();
        move || provide_context(app.clone())
    };
    let fallback_ctx = page_ctx.clone();

    Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .route("/logout", post(routes::logout))
        .route("/locale", post(routes::set_locale))
        .route("/fn/{*name}", get(server_fn_handler).post(server_fn_handler))
        .route("/api/v1/listings", get(api::list_listings))
        .route("/api/v1/listings/{id}", get(api::get_listing))
        .route("/api/v1/fee-rules", get(api::list_fee_rules))
        .route("/api/v1/transparency", get(api::transparency))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/images/{file}", get(uploads::serve_image))
        .route("/earnings/statement.csv", get(downloads::statement_csv))
        .route("/webhooks/stripe", post(webhooks::stripe))
        .route("/board/payouts/{id}/sepa.xml", get(downloads::sepa_xml))
        .route(
            "/board/bank-statements",
            post(statements::upload)
                .layer(axum::extract::DefaultBodyLimit::max(statements::BODY_MAX_BYTES)),
        )
        .leptos_routes_with_context(&state, routes, page_ctx, {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        // No page or call may hold its connection forever: a stalled one
        // answers 503 (and is logged as a server error). Uploads, added
        // below, may take longer on a slow line.
        .route_layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .route(
            "/dashboard/listings/{id}/images",
            post(uploads::upload_image).layer(axum::extract::DefaultBodyLimit::max(
                app.max_image_bytes.saturating_mul(3).max(16 * 1024 * 1024),
            )),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<ServerState, _>(fallback_ctx, shell))
        .layer(axum::middleware::from_fn(form_echo::form_echo))
        .layer(sessions)
        .layer(axum::middleware::from_fn(middleware::refresh_after_writes))
        .layer(axum::middleware::from_fn(middleware::cache_headers))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(origins.clone(), middleware::csrf))
        .layer(axum::middleware::from_fn_with_state(origins, middleware::security_headers))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::from_fn(middleware::in_flight))
        .with_state(state)
}
