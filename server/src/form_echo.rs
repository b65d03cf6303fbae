//! Forms posted without JavaScript and refused come back to their page with
//! the error in the URL (`__path`, `__err`, as Leptos reads them) but not
//! what was typed: that waits in the session for the page that shows the
//! form again (`app::server::flash`). A retry replaces the last error in
//! the URL instead of adding one more.

use app::error::AppError;
use app::server::flash::{FormEcho, SESSION_KEY};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use tower_sessions::Session;

const PATH: &str = "__path";
const ERR: &str = "__err";

/// A refused form's way back: its page's URL with one error and no typed
/// value, the server function's path, and what was typed.
#[derive(Debug, PartialEq)]
struct Back {
    location: String,
    path: String,
    echo: Vec<(String, String)>,
}

fn pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Reads the redirect Leptos answered a refused form post with; `None`
/// when it carries no error.
fn split_back(location: &str) -> Option<Back> {
    let (base, query) = location.split_once('?')?;
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let all = pairs(query);
    // The newest error is the last one (Leptos appends to the referer).
    let path = all.iter().rev().find(|(k, _)| k == PATH)?.1.clone();
    let err = &all.iter().rev().find(|(k, _)| k == ERR)?.1;
    let mut error: AppError = URL_SAFE
        .decode(err)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())?;
    let echo = error.take_echo();
    let bare = serde_json::to_vec(&error).ok()?;
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in all.iter().filter(|(k, _)| k != PATH && k != ERR) {
        out.append_pair(k, v);
    }
    out.append_pair(PATH, &path);
    out.append_pair(ERR, &URL_SAFE.encode(bare));
    let mut location = format!("{base}?{}", out.finish());
    if let Some(f) = fragment {
        location.push('#');
        location.push_str(f);
    }
    Some(Back {
        location,
        path,
        echo,
    })
}

/// The form error a page request shows, if any: its server function's path.
fn error_path(query: Option<&str>) -> Option<String> {
    let all = pairs(query?);
    all.iter().any(|(k, _)| k == ERR).then_some(())?;
    all.into_iter().find(|(k, _)| k == PATH).map(|(_, v)| v)
}

pub async fn form_echo(mut req: Request, next: Next) -> Response {
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return next.run(req).await;
    };
    let form_post = req.method() == Method::POST && req.uri().path().starts_with("/fn/");
    if !form_post {
        if req.method() == Method::GET {
            if let Some(path) = error_path(req.uri().query()) {
                match session.remove::<FormEcho>(SESSION_KEY).await {
                    Ok(Some(f)) if f.path == path => {
                        req.extensions_mut().insert(f);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "reading a refused form's values"),
                }
            }
        }
        return next.run(req).await;
    }
    let mut res = next.run(req).await;
    if !res.status().is_redirection() {
        return res;
    }
    let Some(back) = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(split_back)
    else {
        return res;
    };
    let kept = if back.echo.is_empty() {
        session.remove::<FormEcho>(SESSION_KEY).await.map(|_| ())
    } else {
        let flash = FormEcho {
            path: back.path,
            echo: back.echo,
        };
        session.insert(SESSION_KEY, flash).await
    };
    if let Err(e) = kept {
        tracing::warn!(error = %e, "keeping a refused form's values");
    }
    match HeaderValue::from_str(&back.location) {
        Ok(v) => {
            res.headers_mut().insert(header::LOCATION, v);
        }
        Err(_) => tracing::warn!("a refused form's way back is not a header value"),
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::validation::FieldProblem;

    fn encoded(e: &AppError) -> String {
        URL_SAFE.encode(serde_json::to_vec(e).unwrap_or_default())
    }

    #[test]
    fn typed_values_leave_the_url_and_errors_do_not_pile_up() {
        let typed = AppError::invalid(
            vec![AppError::field("password", FieldProblem::PasswordTooShort)],
            &[("email", "lia@example.it"), ("display_name", "Lia Neri")],
        );
        let older = AppError::invalid(vec![], &[("email", "old@example.it")]);
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("next", "/orders")
            .append_pair(PATH, "/fn/register")
            .append_pair(ERR, &encoded(&older))
            .append_pair(PATH, "/fn/register")
            .append_pair(ERR, &encoded(&typed));
        let location = format!("http://127.0.0.1:3000/register?{}", q.finish());
        let Some(back) = split_back(&location) else {
            panic!("no error read from {location}")
        };
        assert_eq!(back.path, "/fn/register");
        assert_eq!(
            back.echo,
            vec![
                ("email".to_owned(), "lia@example.it".to_owned()),
                ("display_name".to_owned(), "Lia Neri".to_owned())
            ]
        );
        let url = back.location;
        assert!(
            url.starts_with("http://127.0.0.1:3000/register?next=%2Forders&"),
            "{url}"
        );
        let all = pairs(url.split_once('?').map(|(_, q)| q).unwrap_or_default());
        assert_eq!(all.iter().filter(|(k, _)| k == ERR).count(), 1);
        let err = all
            .iter()
            .find(|(k, _)| k == ERR)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let decoded =
            String::from_utf8(URL_SAFE.decode(err).unwrap_or_default()).unwrap_or_default();
        assert!(decoded.contains("PasswordTooShort"), "{decoded}");
        assert!(
            !decoded.contains("example.it") && !decoded.contains("Lia"),
            "{decoded}"
        );
        assert_eq!(
            error_path(url.split_once('?').map(|(_, q)| q)),
            Some("/fn/register".into())
        );
    }

    #[test]
    fn other_redirects_pass_unchanged() {
        assert_eq!(split_back("/register/sent"), None);
        assert_eq!(split_back("http://127.0.0.1:3000/listings?page=2"), None);
        assert_eq!(error_path(Some("page=2&__path=/fn/x")), None);
    }
}
