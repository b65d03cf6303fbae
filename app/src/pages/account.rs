use crate::api::account::{ChangePassword, UpdatePreferences};
use crate::api::membership::UpdateBio;
use crate::components::form::{Field, FormError, FormMessage, TextArea};
use crate::components::layout::use_viewer;
use crate::i18n::{format_date, use_i18n, use_locale, Locale};
use crate::viewer::{Role, Viewer};
use domain::account::AddressForm;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Sends a visitor to the login page (a 302 during server rendering), with
/// the way back to the page they wanted.
pub fn redirect_to_login() {
    let to = domain::path::login_for(&crate::components::layout::here().get_untracked());
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(&to);
    #[cfg(not(feature = "ssr"))]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(&to);
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let t = use_i18n();
    let viewer = use_viewer();
    view! {
        <Title text=t.account_title/>
        <Suspense fallback=|| ()>
            {move || {
                viewer.and_then(|v| v.get()).map(|r| match r.ok().flatten() {
                    Some(v) => view! { <AccountDetails viewer=v/> }.into_any(),
                    None => {
                        redirect_to_login();
                        view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any()
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn AccountDetails(viewer: Viewer) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let query = use_query_map();
    let saved = move || query.with(|q| q.get("saved"));
    let role = match viewer.top_role() {
        Role::Board => t.role_board,
        Role::Member => match viewer.address_form {
            AddressForm::Feminine => t.role_member_f,
            AddressForm::Masculine => t.role_member,
            AddressForm::Neutral => t.role_member_n,
        },
        Role::Customer => t.role_customer,
    };
    let password = ServerAction::<ChangePassword>::new();
    let password_error: FormError =
        Signal::derive(move || password.value().get().and_then(Result::err));
    let bio = ServerAction::<UpdateBio>::new();
    let bio_error: FormError = Signal::derive(move || bio.value().get().and_then(Result::err));
    let current_bio = viewer.bio.clone().unwrap_or_default();
    let profile = viewer
        .member_class
        .is_some()
        .then(|| format!("/members/{}", viewer.id));
    let prefs = ServerAction::<UpdatePreferences>::new();
    let prefs_error: FormError = Signal::derive(move || prefs.value().get().and_then(Result::err));
    view! {
        <section class="card">
            <h1>{t.account_greeting}", "{viewer.display_name.clone()}</h1>
            <dl class="facts">
                <dt>{t.field_email}</dt><dd data-testid="account-email">{viewer.email.clone()}</dd>
                <dt>{t.account_role}</dt><dd data-testid="account-role">{role}</dd>
                <dt>{t.account_member_since}</dt><dd>{format_date(locale, viewer.joined.date_naive())}</dd>
            </dl>
        </section>
        <section class="card">
            <h2>{t.account_profile}</h2>
            {move || (saved().as_deref() == Some("bio")).then(|| view! { <p class="alert alert-ok" role="status">{t.bio_saved}</p> })}
            {profile.map(|href| view! { <p><a href=href>{t.view_profile}</a></p> })}
            <ActionForm action=bio attr:novalidate="" attr:class="stack">
                <FormMessage error=bio_error/>
                <TextArea error=bio_error name="bio" label=t.field_bio required=false value=current_bio rows=3/>
                <button type="submit" class="button button-secondary">{t.submit_save}</button>
            </ActionForm>
        </section>
        <section class="card">
            <h2>{t.account_preferences}</h2>
            {move || (saved().as_deref() == Some("preferences")).then(|| view! { <p class="alert alert-ok" role="status">{t.preferences_saved}</p> })}
            <ActionForm action=prefs attr:class="stack">
                <FormMessage error=prefs_error/>
                <div class="field">
                    <label for="field-locale">{t.field_language}</label>
                    <select id="field-locale" name="locale">
                        {Locale::ALL.into_iter().map(|l| view! {
                            <option value=l.code() selected=l == viewer.locale>{l.endonym()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <fieldset class="choices-stacked" data-testid="address-form">
                    <legend>{t.field_address_form}</legend>
                    <p class="field-hint">{t.address_form_hint}</p>
                    {AddressForm::ALL.into_iter().map(|f| {
                        let id = format!("address-form-{}", f.code());
                        let label = match f {
                            AddressForm::Feminine => t.address_form_f,
                            AddressForm::Masculine => t.address_form_m,
                            AddressForm::Neutral => t.address_form_n,
                        };
                        view! {
                            <div class="radio">
                                <input type="radio" id=id.clone() name="address_form" value=f.code() checked={f == viewer.address_form}/>
                                <label for=id>{label}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="button button-secondary">{t.submit_save}</button>
            </ActionForm>
        </section>
        <section class="card">
            <h2>{t.account_change_password}</h2>
            {move || (saved().as_deref() == Some("password")).then(|| view! { <p class="alert alert-ok" role="status">{t.password_changed}</p> })}
            <ActionForm action=password attr:novalidate="" attr:class="stack">
                <FormMessage error=password_error/>
                <Field error=password_error name="current_password" label=t.field_current_password input_type="password" autocomplete="current-password"/>
                <Field error=password_error name="new_password" label=t.field_new_password input_type="password" autocomplete="new-password" hint=t.password_hint/>
                <button type="submit" class="button button-secondary">{t.submit_change_password}</button>
            </ActionForm>
        </section>
    }
}
