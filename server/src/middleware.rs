//! Request-wide protections: request ids, CSRF origin checks and security
//! headers on every response.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Origins allowed to send non-GET requests.
#[derive(Clone, Debug)]
pub struct Origins {
    allowed: Arc<Vec<String>>,
    https: bool,
}

impl Origins {
    /// `public_url` when configured; otherwise the loopback names of the
    /// bound port (development).
    pub fn new(public_url: Option<&str>, port: u16) -> Origins {
        let allowed: Vec<String> = match public_url {
            Some(url) => vec![origin_of(url)],
            None => vec![
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
            ],
        };
        let https = allowed.iter().all(|o| o.starts_with("https://"));
        Origins {
            allowed: Arc::new(allowed),
            https,
        }
    }

    pub fn is_https(&self) -> bool {
        self.https
    }
}

/// `https://coop.example/path` → `https://coop.example`.
fn origin_of(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            let host = rest.split('/').next().unwrap_or(rest);
            format!("{}://{}", &url[..i], host).to_lowercase()
        }
        None => url.to_lowercase(),
    }
}

/// Refuses cross-site writes: `Sec-Fetch-Site: cross-site`, or an `Origin`
/// other than ours. Webhooks (signed by their sender) are exempt.
pub fn csrf_verdict(method: &Method, path: &str, headers: &HeaderMap, origins: &Origins) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || path.starts_with("/webhooks/")
    {
        return true;
    }
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    if get("sec-fetch-site") == Some("cross-site") {
        return false;
    }
    match get("origin") {
        Some(origin) => origins
            .allowed
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin)),
        // No Origin: not a browser form or fetch (browsers send one on every
        // POST); accept only when nothing says it came from another site.
        None => matches!(
            get("sec-fetch-site"),
            None | Some("same-origin") | Some("none")
        ),
    }
}

pub async fn csrf(State(origins): State<Origins>, req: Request, next: Next) -> Response {
    if csrf_verdict(req.method(), req.uri().path(), req.headers(), &origins) {
        next.run(req).await
    } else {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        (StatusCode::FORBIDDEN, "cross-site request refused").into_response()
    }
}

/// Security headers on every response. HTML pages set their own CSP (with a
/// per-request script nonce); everything else gets one with no scripts.
pub async fn security_headers(
    State(origins): State<Origins>,
    req: Request,
    next: Next,
) -> Response<Body> {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'none'; img-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(self), payment=(self)"),
    );
    if origins.is_https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    res
}

/// A write that succeeded may have changed what public pages show: the
/// public reads kept for a moment (`services::fresh`) are dropped.
/// Reads and private writes leave them (`fresh::changes_public`).
pub async fn refresh_after_writes(req: Request, next: Next) -> Response {
    let write = services::fresh::changes_public(req.method(), req.uri().path());
    let res = next.run(req).await;
    if write && (res.status().is_success() || res.status().is_redirection()) {
        services::fresh::changed();
    }
    res
}

/// Long caching for content-hashed bundle files, short for other assets.
pub async fn cache_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let immutable = path.starts_with("/pkg/");
    // Data answers may depend on the viewer or change at any time.
    let data = path.starts_with("/fn/") || path.starts_with("/api/");
    let mut res = next.run(req).await;
    if res.status().is_success() && !res.headers().contains_key(header::CACHE_CONTROL) {
        let is_html = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let value = if is_html {
            "no-store"
        } else if data {
            "no-cache"
        } else if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=3600"
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    res
}

static IN_FLIGHT: std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>> =
    std::sync::OnceLock::new();

/// Sets how many requests the process handles at once (once, at start).
pub fn limit_in_flight(n: usize) {
    let _ = IN_FLIGHT.set(std::sync::Arc::new(tokio::sync::Semaphore::new(n.max(1))));
}

/// Bounds the requests handled at once in the whole process (and so its
/// memory): one more waits up to 2 s for a turn, then is answered 503. The
/// turn goes in the request's extensions, so a request that only waits (a
/// throttled login) can give it back meanwhile.
pub async fn in_flight(mut req: Request, next: Next) -> Response {
    let Some(turns) = IN_FLIGHT.get() else {
        return next.run(req).await;
    };
    match tokio::time::timeout(
        std::time::Duration::from_secs(2),
        turns.clone().acquire_owned(),
    )
    .await
    {
        Ok(Ok(permit)) => {
            let turn = services::throttle::Turn::new(turns.clone(), permit);
            req.extensions_mut().insert(turn.clone());
            let _back = services::throttle::GiveBack(turn);
            next.run(req).await
        }
        _ => {
            tracing::warn!("request refused: too many in flight");
            let mut res = (StatusCode::SERVICE_UNAVAILABLE, "busy, try again").into_response();
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn csrf_rules() {
        let o = Origins::new(Some("https://coop.example/"), 3000);
        let post = Method::POST;
        assert!(csrf_verdict(
            &Method::GET,
            "/",
            &headers(&[("sec-fetch-site", "cross-site")]),
            &o
        ));
        assert!(csrf_verdict(
            &post,
            "/fn/login",
            &headers(&[("origin", "https://coop.example")]),
            &o
        ));
        assert!(!csrf_verdict(
            &post,
            "/fn/login",
            &headers(&[("origin", "https://evil.example")]),
            &o
        ));
        assert!(!csrf_verdict(
            &post,
            "/fn/login",
            &headers(&[
                ("origin", "https://coop.example"),
                ("sec-fetch-site", "cross-site")
            ]),
            &o
        ));
        assert!(!csrf_verdict(
            &post,
            "/logout",
            &headers(&[("sec-fetch-site", "same-site")]),
            &o
        ));
        assert!(csrf_verdict(&post, "/logout", &headers(&[]), &o));
        assert!(csrf_verdict(
            &post,
            "/webhooks/stripe",
            &headers(&[("origin", "https://evil.example")]),
            &o
        ));
        assert!(o.is_https());
        let dev = Origins::new(None, 4000);
        assert!(csrf_verdict(
            &post,
            "/x",
            &headers(&[("origin", "http://localhost:4000")]),
            &dev
        ));
        assert!(!csrf_verdict(
            &post,
            "/x",
            &headers(&[("origin", "http://localhost:4001")]),
            &dev
        ));
        assert!(!dev.is_https());
    }
}
