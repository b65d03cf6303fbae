//! Account server functions: who am I, register, log in, change password,
//! preferences. Mounted under `/fn/…`.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::respond::IntoApp;
use crate::viewer::Viewer;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod imp {

    use crate::i18n::{locale_cookie, Locale};

    use leptos::prelude::*;

    /// Marks this browser as one that logged in to the account (a year).
    pub fn set_device_cookie(value: &str, secure: bool) {
        let cookie = format!(
            "{}={value}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{}",
            services::login_throttle::DEVICE_COOKIE,
            if secure { "; Secure" } else { "" }
        );
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(v) = http::HeaderValue::from_str(&cookie) {
                res.append_header(http::header::SET_COOKIE, v);
            }
        }
    }

    /// Remembers the language in a cookie for a year.
    pub fn set_locale_cookie(locale: Locale) {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(v) = http::HeaderValue::from_str(&locale_cookie(locale)) {
                res.append_header(http::header::SET_COOKIE, v);
            }
        }
    }
}

/// The current viewer, or `None` for a visitor.
#[server(prefix = "/fn", endpoint = "viewer")]
pub async fn get_viewer() -> Result<Option<Viewer>, AppError> {
    crate::server::auth::viewer().await
}

/// Asks for an account. The answer is the same whether or not the address
/// has one (a page saying a link was mailed); only the address's owner
/// learns which, by the mail they get.
#[server(prefix = "/fn", endpoint = "register")]
pub async fn register(
    email: String,
    display_name: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::server::respond;
    use services::accounts;
    let state = respond::state()?;
    let ip = respond::client_ip().await?;
    if let Err(retry_after_secs) = state.registrations.check(ip) {
        tracing::warn!(%ip, "registration throttled");
        crate::server::respond::pause_before_refusal(services::throttle::REFUSAL_PAUSE).await;
        return Err(respond::fail(AppError::TooManyRequests {
            retry_after_secs,
        }));
    }
    let locale = crate::i18n::request_locale();
    let echo = [
        ("email", email.as_str()),
        ("display_name", display_name.as_str()),
    ];
    let requested = accounts::request_registration(
        &state.db,
        &state.hasher,
        accounts::NewAccount {
            email: &email,
            display_name: &display_name,
            password: &password,
            locale,
        },
        next.as_deref().and_then(domain::path::return_path),
        services::clock::wall_now(),
    )
    .await
    .map_err(|e| e.into_app(&echo))?;
    if requested == accounts::Requested::Quiet {
        tracing::warn!(%ip, "registration mails to one address held back for the hour");
    }
    leptos_axum::redirect("/register/sent");
    Ok(())
}

/// Who a registration link is for (`None` once used or expired).
#[server(prefix = "/fn", endpoint = "registration")]
pub async fn registration(token: String) -> Result<Option<(String, String)>, AppError> {
    use crate::server::respond;
    use services::accounts;
    let state = respond::state()?;
    accounts::registration_for(&state.db, &token, services::clock::wall_now())
        .await
        .map_err(respond::internal)
}

/// Creates the account of a registration link and logs this browser in.
#[server(prefix = "/fn", endpoint = "confirm-registration")]
pub async fn confirm_registration(token: String) -> Result<(), AppError> {
    use crate::server::{auth, respond};
    use services::{accounts, login_throttle};
    let state = respond::state()?;
    let session = auth::session().await?;
    let (user, next) =
        accounts::confirm_registration(&state.db, &token, services::clock::wall_now())
            .await
            .map_err(|e| e.into_app(&[]))?;
    auth::start_session(&session, user.id, &user.password_hash).await?;
    imp::set_locale_cookie(crate::i18n::Locale::parse(&user.locale).unwrap_or_default());
    let value = login_throttle::device_cookie(&state.db, &user.email)
        .await
        .map_err(respond::internal)?;
    imp::set_device_cookie(&value, state.secure_cookies);
    tracing::info!(user = %user.id, "account registered");
    leptos_axum::redirect(
        next.as_deref()
            .and_then(domain::path::return_path)
            .unwrap_or("/account"),
    );
    Ok(())
}

#[server(prefix = "/fn", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{auth, respond};
    use services::{accounts, login_throttle};
    let state = respond::state()?;
    let session = auth::session().await?;
    let ip = respond::client_ip().await?;
    let account = email.trim().to_lowercase();
    let device = use_context::<http::request::Parts>().and_then(|p| {
        p.headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| {
                c.trim()
                    .strip_prefix(login_throttle::DEVICE_COOKIE)
                    .and_then(|rest| rest.strip_prefix('='))
                    .map(str::to_owned)
            })
    });
    let known = login_throttle::trusted_device(&state.db, &account, device.as_deref())
        .await
        .map_err(respond::internal)?;
    let now = services::clock::wall_now();
    let verdict = login_throttle::check(&state.db, state.login_limits, now, ip, &account, known)
        .await
        .map_err(respond::internal)?;
    match verdict {
        login_throttle::Verdict::Refused(retry_after_secs) => {
            tracing::warn!(%ip, "login throttled");
            // The refusal waits a moment (it costs no work and holds no
            // request turn meanwhile): each connection a password guesser
            // holds then tries about once a second, and the refusals cannot
            // crowd out everyone else's pages.
            crate::server::respond::pause_before_refusal(services::throttle::REFUSAL_PAUSE).await;
            return Err(respond::fail(AppError::TooManyRequests {
                retry_after_secs,
            }));
        }
        // A much-guessed account: every attempt from an unknown browser
        // waits a little longer.
        login_throttle::Verdict::Try(delay) if !delay.is_zero() => {
            crate::server::respond::pause_then_work(delay).await;
        }
        login_throttle::Verdict::Try(_) => {}
    }
    let echo = [("email", email.as_str())];
    match accounts::authenticate(&state.db, &state.hasher, &email, &password).await {
        Ok(user) => {
            login_throttle::succeeded(&state.db, ip, &account)
                .await
                .map_err(respond::internal)?;
            auth::start_session(&session, user.id, &user.password_hash).await?;
            imp::set_locale_cookie(crate::i18n::Locale::parse(&user.locale).unwrap_or_default());
            if !known {
                let value = login_throttle::device_cookie(&state.db, &account)
                    .await
                    .map_err(respond::internal)?;
                imp::set_device_cookie(&value, state.secure_cookies);
            }
            leptos_axum::redirect(
                next.as_deref()
                    .and_then(domain::path::return_path)
                    .unwrap_or("/account"),
            );
            Ok(())
        }
        Err(e) => {
            if matches!(e, services::service::ServiceError::Credentials) {
                login_throttle::failed(&state.db, state.login_limits, now, ip, &account)
                    .await
                    .map_err(respond::internal)?;
            }
            Err(e.into_app(&echo))
        }
    }
}

#[server(prefix = "/fn", endpoint = "change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::server::{auth, respond};
    use crate::viewer::Role;
    use services::accounts;
    let viewer = auth::require(Role::Customer).await?;
    let state = respond::state()?;
    let session = auth::session().await?;
    let hash = accounts::change_password(
        &state.db,
        &state.hasher,
        viewer.id,
        &current_password,
        &new_password,
    )
    .await
    .map_err(|e| e.into_app(&[]))?;
    // Other sessions of this account end (their credential fingerprint no
    // longer matches); this one continues under a new id.
    auth::renew_session(&session, &hash).await?;
    leptos_axum::redirect("/account?saved=password");
    Ok(())
}

#[server(prefix = "/fn", endpoint = "preferences")]
pub async fn update_preferences(
    locale: String,
    #[server(default)] address_form: String,
) -> Result<(), AppError> {
    use crate::server::{auth, respond};
    use crate::viewer::Role;
    use domain::validation::FieldProblem;
    use services::accounts;
    let viewer = auth::require(Role::Customer).await?;
    let state = respond::state()?;
    let Some(locale) = crate::i18n::Locale::parse(&locale) else {
        return Err(respond::fail(AppError::invalid(
            vec![AppError::field("locale", FieldProblem::Required)],
            &[],
        )));
    };
    let form = domain::account::AddressForm::parse(&address_form);
    accounts::set_preferences(&state.db, viewer.id, locale, form)
        .await
        .map_err(respond::internal)?;
    imp::set_locale_cookie(locale);
    leptos_axum::redirect("/account?saved=preferences");
    Ok(())
}
