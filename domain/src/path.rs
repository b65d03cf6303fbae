//! Where a person may be sent back to after logging in, registering or
//! changing the language: a path on this site, never another site.

/// The longest path kept.
pub const NEXT_MAX: usize = 1024;

/// `next` if it is a path on this site. Browsers drop tabs and line breaks
/// from URLs (`/\t/evil` becomes `//evil`), so no control character is let
/// through, nor a backslash (`/\evil` is `//evil` to some).
pub fn local_path(next: &str) -> Option<&str> {
    (next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= NEXT_MAX)
        .then_some(next)
}

/// `next` if it is a local page worth returning to after logging in or
/// registering (not the login or registration pages themselves, nor a
/// server call).
pub fn return_path(next: &str) -> Option<&str> {
    let path = local_path(next)?;
    let page = path.split(['?', '#']).next().unwrap_or_default();
    let account_page = ["/login", "/register", "/logout", "/fn/", "/locale"]
        .iter()
        .any(|p| {
            page == p.trim_end_matches('/')
                || page.starts_with(&format!("{}/", p.trim_end_matches('/')))
        });
    (!account_page && page != "/").then_some(path)
}

/// `s` as a URL query value (RFC 3986 unreserved characters kept).
pub fn query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The login page, with a way back to `from` when it is worth returning to.
pub fn login_for(from: &str) -> String {
    with_next("/login", from)
}

/// `page` with `?next=from` when `from` is worth returning to.
pub fn with_next(page: &str, from: &str) -> String {
    match return_path(from) {
        Some(p) => format!("{page}?next={}", query_value(p)),
        None => page.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths() {
        assert_eq!(local_path("/account?x=1"), Some("/account?x=1"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/\t/evil.example",
            "/\n/evil.example",
            "evil",
            "",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(NEXT_MAX))), None);
    }

    #[test]
    fn account_pages_are_not_returned_to() {
        assert_eq!(return_path("/orders/1?x=2"), Some("/orders/1?x=2"));
        assert_eq!(return_path("/listings/abc"), Some("/listings/abc"));
        assert_eq!(
            return_path("/registered-things"),
            Some("/registered-things")
        );
        for no in [
            "/",
            "/login",
            "/login?next=/x",
            "/register",
            "/register/confirm/t",
            "/fn/login",
            "/logout",
        ] {
            assert_eq!(return_path(no), None, "{no}");
        }
    }

    #[test]
    fn login_links_carry_the_way_back() {
        assert_eq!(
            login_for("/listings/abc?date=2026-12-03&x=a b"),
            "/login?next=/listings/abc%3Fdate%3D2026-12-03%26x%3Da%20b"
        );
        assert_eq!(login_for("/"), "/login");
        assert_eq!(login_for("//evil.example"), "/login");
    }
}
