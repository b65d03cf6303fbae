//! What a person typed into a form that was posted without JavaScript and
//! refused. The server sends them back to the form's page with only the
//! error in the URL (field names and problems); what they typed waits in
//! their session for that one page, so it never lands in a URL, a browser
//! history or a proxy's log.

use serde::{Deserialize, Serialize};

/// The session key of the waiting echo.
pub const SESSION_KEY: &str = "form_echo";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormEcho {
    /// The server function whose form was refused (`/fn/register`).
    pub path: String,
    /// The non-secret fields as typed.
    pub echo: Vec<(String, String)>,
}

/// The echo waiting for the page being rendered, if the server put one in
/// this request.
pub fn current() -> Option<FormEcho> {
    leptos::prelude::use_context::<http::request::Parts>()?
        .extensions
        .get::<FormEcho>()
        .cloned()
}
