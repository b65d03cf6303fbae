//! The page frame: skip link, header with navigation, language switcher and
//! login state, main content, footer.

use crate::error::AppError;
use crate::i18n::{use_i18n, use_locale, Locale};
use crate::viewer::Viewer;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

pub type ViewerResource = Resource<Result<Option<Viewer>, AppError>>;

pub fn use_viewer() -> Option<ViewerResource> {
    use_context::<ViewerResource>()
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let t = use_i18n();
    view! {
        <a class="skip-link" href="#main">{t.skip_to_content}</a>
        <Header/>
        <main id="main" tabindex="-1">{children()}</main>
        <footer class="site-footer">
            <p>{t.footer_text}" · "<a href="/transparency">{t.nav_transparency}</a></p>
            <LanguageSwitcher/>
        </footer>
    }
}

/// The page shown, path and query, as the router sees it now.
pub fn here() -> Signal<String> {
    let location = use_location();
    Signal::derive(move || {
        let search = location.search.get();
        if search.is_empty() {
            location.pathname.get()
        } else {
            format!("{}?{}", location.pathname.get(), search)
        }
    })
}

#[component]
fn Header() -> impl IntoView {
    let t = use_i18n();
    let viewer = use_viewer();
    let page = here();
    let login = move || domain::path::login_for(&page.get());
    let register = move || domain::path::with_next("/register", &page.get());
    let account = move || {
        viewer.and_then(|v| v.get()).map(|r| match r.ok().flatten() {
            Some(v) => view! {
                {if v.member_class.is_some() {
                    view! {
                        <li><a href="/dashboard">{t.nav_dashboard}</a></li>
                        <li><a href="/members">{t.nav_members}</a></li>
                    }.into_any()
                } else {
                    view! { <li><a href="/join">{t.nav_join}</a></li> }.into_any()
                }}
                <li><a href="/orders">{t.nav_orders}</a></li>
                {v.member_class.is_some().then(|| view! { <li><a href="/earnings">{t.nav_earnings}</a></li> })}
                {v.member_class.is_some().then(|| view! { <li><a href="/governance">{t.nav_governance}</a></li> })}
                {v.board.then(|| view! { <li><a href="/board/money">{t.nav_money}</a></li> })}
                {v.board.then(|| view! { <li><a href="/board/applications">{t.nav_board}</a></li> })}
                <li><a href="/account" class="nav-account">{t.nav_account}<span class="visually-hidden">": "</span><span class="nav-name">{v.display_name}</span></a></li>
                <li>
                    <form method="post" action="/logout" class="inline-form">
                        <button type="submit" class="link-button" data-testid="logout">{t.nav_logout}</button>
                    </form>
                </li>
            }
            .into_any(),
            None => view! {
                <li><a href=login>{t.nav_login}</a></li>
                <li><a href=register class="button button-small">{t.nav_register}</a></li>
            }
            .into_any(),
        })
    };
    view! {
        <header class="site-header">
            <a href="/" class="brand" aria-label=t.site_name>
                <svg aria-hidden="true" width="28" height="28" viewBox="0 0 32 32"><circle cx="11" cy="16" r="9" fill="currentColor" opacity=".55"/><circle cx="21" cy="16" r="9" fill="currentColor"/></svg>
                <span>{t.site_name}</span>
            </a>
            // A signed-in phone folds its many links behind this toggle
            // (CSS only: it works without JavaScript).
            <input type="checkbox" id="nav-toggle" class="nav-toggle" aria-controls="site-nav"/>
            <label for="nav-toggle" class="nav-toggle-label" data-testid="nav-toggle">
                <span aria-hidden="true">"☰ "</span>{t.nav_menu_button}
            </label>
            <nav aria-label=t.nav_menu_label id="site-nav">
                <ul class="nav-list">
                    <li><a href="/">{t.nav_home}</a></li>
                    <li><a href="/search">{t.nav_search}</a></li>
                    <Transition fallback=|| ()>{account}</Transition>
                </ul>
            </nav>
        </header>
    }
}

/// A plain form posting to `/locale`: works with and without JavaScript
/// (the page reloads in the chosen language). It changes the page's
/// language only; a signed-in person whose account (and mail) is in
/// another language is asked whether to change that too.
#[component]
pub fn LanguageSwitcher() -> impl IntoView {
    let t = use_i18n();
    let current = use_locale();
    let next = here();
    let viewer = use_viewer();
    let ask = move || {
        let saved = viewer
            .and_then(|v| v.get())
            .and_then(|r| r.ok().flatten())
            .map(|v| v.locale)
            .filter(|l| *l != current)?;
        Some(view! {
            <form method="post" action="/locale" class="lang-account" data-testid="lang-account">
                <input type="hidden" name="next" value=next/>
                <input type="hidden" name="lang" value=current.code()/>
                <input type="hidden" name="save" value="1"/>
                <span>{t.lang_account_uses}" "<span lang=saved.code()>{saved.endonym()}</span>". "</span>
                <button type="submit" class="link-button">{t.lang_account_save}</button>
            </form>
        })
    };
    view! {
        <Transition fallback=|| ()>{ask}</Transition>
        <form method="post" action="/locale" class="lang-switcher" aria-label=t.language>
            <input type="hidden" name="next" value=next/>
            <span class="lang-label">{t.language}": "</span>
            {Locale::ALL
                .into_iter()
                .map(|l| {
                    view! {
                        <button
                            type="submit"
                            name="lang"
                            value=l.code()
                            lang=l.code()
                            aria-pressed=if l == current { "true" } else { "false" }
                            data-testid=format!("lang-{}", l.code())
                        >
                            {l.endonym()}
                        </button>
                    }
                })
                .collect_view()}
        </form>
    }
}
