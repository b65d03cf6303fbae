//! The page's language and its strings, read from the request on the server
//! and from `<html lang>` in the browser; the tables live in the `i18n` crate.

pub use ::i18n::*;

/// The language of the request being served (server side).
#[cfg(feature = "ssr")]
pub fn request_locale() -> Locale {
    use leptos::prelude::use_context;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Locale::default();
    };
    locale_from_headers(
        parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
        parts
            .headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// The page's language: from the request on the server, from `<html lang>`
/// (written by the server) in the browser.
pub fn page_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        request_locale()
    }
    #[cfg(not(feature = "ssr"))]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|l| Locale::parse(&l))
            .unwrap_or_default()
    }
}

/// The strings of the current page (provided by `App`).
pub fn use_i18n() -> &'static Strings {
    use_locale().strings()
}

pub fn use_locale() -> Locale {
    leptos::prelude::use_context::<Locale>().unwrap_or_default()
}
