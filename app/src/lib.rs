//! Mutua's web application: pages, components and server functions, shared
//! by the server (`ssr`) and the browser bundle (`hydrate`).

// The order form's view types nest deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod i18n;
pub mod pages;
pub use wire::picture;
#[cfg(feature = "ssr")]
pub mod server;
pub use wire::viewer;

use crate::i18n::Locale;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let locale = i18n::page_locale();
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang=locale.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                {card_scripts()}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Stripe.js and the card-payment script, on every page when customers
/// can pay by card here (Stripe advises loading Stripe.js everywhere).
#[cfg(feature = "ssr")]
fn card_scripts() -> Option<impl IntoView> {
    const PAY_JS: &str = include_str!("pay.js");
    let state = server::respond::state().ok()?;
    let browser = state.stripe.as_ref()?.browser()?.clone();
    let nonce = use_nonce().map(|n| n.to_string());
    Some(view! {
        <script src=browser.js_url nonce=nonce.clone()></script>
        <script nonce=nonce data-stripe-key=browser.publishable_key inner_html=PAY_JS></script>
    })
}

#[cfg(not(feature = "ssr"))]
fn card_scripts() -> Option<()> {
    None
}

/// The CSP of an HTML page: scripts only with this response's nonce; with
/// card payments on, Stripe's script, API, frames and onboarding too.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    if let (Some(nonce), Some(res)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
        let stripe = server::respond::state()
            .ok()
            .and_then(|s| s.stripe.as_ref().map(|s| s.origins().clone()))
            .unwrap_or_default();
        let extra = |o: &str| {
            if o.is_empty() {
                String::new()
            } else {
                format!(" {o}")
            }
        };
        let csp = format!(
            "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'{script}; \
             style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'{connect}; \
             frame-src 'self'{frame}; form-action 'self'{form}; frame-ancestors 'none'; base-uri 'none'; \
             object-src 'none'",
            script = extra(&stripe.script),
            connect = extra(&stripe.connect),
            frame = extra(&stripe.frame),
            form = extra(&stripe.form),
        );
        if let Ok(v) = http::HeaderValue::from_str(&csp) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let locale: Locale = i18n::page_locale();
    provide_context(locale);
    let t = locale.strings();
    let viewer = Resource::new(|| (), |_| api::account::get_viewer());
    provide_context(viewer);

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="description" content=t.tagline/>
        <Title formatter=move |page: String| {
            if page.is_empty() { t.site_name.to_owned() } else { format!("{page} · {}", t.site_name) }
        }/>
        <Router>
            <components::layout::Layout>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("") view=pages::home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/register") view=pages::register::RegisterPage ssr=SsrMode::Async/>
                    <Route path=path!("/register/sent") view=pages::register::RegisterSentPage ssr=SsrMode::Async/>
                    <Route path=path!("/register/confirm/:token") view=pages::register::RegisterConfirmPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/search") view=pages::search::SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/listings/:id") view=pages::listing::ListingPage ssr=SsrMode::Async/>
                    <Route path=path!("/listings/:id/order") view=pages::orders::form::OrderNewPage ssr=SsrMode::Async/>
                    <Route path=path!("/orders") view=pages::orders::lists::MyOrdersPage ssr=SsrMode::Async/>
                    <Route path=path!("/orders/:id") view=pages::orders::order::OrderPage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard/deliveries") view=pages::orders::lists::CourierDayPage ssr=SsrMode::Async/>
                    <Route path=path!("/board/orders") view=pages::orders::lists::BoardOrdersPage ssr=SsrMode::Async/>
                    <Route path=path!("/board/money") view=pages::money::board::BoardMoneyPage ssr=SsrMode::Async/>
                    <Route path=path!("/board/audit") view=pages::governance::audit::AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/earnings") view=pages::money::earnings::EarningsPage ssr=SsrMode::Async/>
                    <Route path=path!("/earnings/patronage/:year") view=pages::patronage::StatementPage ssr=SsrMode::Async/>
                    <Route path=path!("/board/patronage") view=pages::patronage::BoardPatronagePage ssr=SsrMode::Async/>
                    <Route path=path!("/ledger/:id") view=pages::money::entry::LedgerEntryPage ssr=SsrMode::Async/>
                    <Route path=path!("/governance") view=pages::governance::list::GovernancePage ssr=SsrMode::Async/>
                    <Route path=path!("/governance/vote-rules") view=pages::governance::vote_rules::VoteRulesPage ssr=SsrMode::Async/>
                    <Route path=path!("/governance/:id") view=pages::governance::proposal::ProposalPage ssr=SsrMode::Async/>
                    <Route path=path!("/transparency") view=pages::governance::transparency::TransparencyPage ssr=SsrMode::Async/>
                    <Route path=path!("/members") view=pages::members::MembersPage ssr=SsrMode::Async/>
                    <Route path=path!("/members/:id") view=pages::members::MemberPage ssr=SsrMode::Async/>
                    <Route path=path!("/join") view=pages::join::JoinPage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard") view=pages::dashboard::DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard/listings/new") view=pages::dashboard::NewListingPage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard/listings/:id") view=pages::dashboard::EditListingPage ssr=SsrMode::Async/>
                    <Route path=path!("/board/applications") view=pages::board::ApplicationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/board/catalog") view=pages::board::CatalogPage ssr=SsrMode::Async/>
                </Routes>
            </components::layout::Layout>
        </Router>
    }
}
