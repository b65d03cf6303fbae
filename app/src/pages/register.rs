use crate::api::account::{registration, ConfirmRegistration, Register};
use crate::components::form::{Field, FormError, FormMessage};
use crate::i18n::use_i18n;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let t = use_i18n();
    let action = ServerAction::<Register>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    let next = crate::pages::login::next_of_query();
    let login = domain::path::with_next("/login", next.as_deref().unwrap_or_default());
    view! {
        <Title text=t.register_title/>
        <section class="card narrow">
            <h1>{t.register_title}</h1>
            {next.is_some().then(|| view! { <p class="alert alert-info" data-testid="login-reason">{t.login_reason}</p> })}
            <ActionForm action=action attr:novalidate="" attr:class="stack">
                <FormMessage error/>
                {next.clone().map(|n| view! { <input type="hidden" name="next" value=n/> })}
                <Field error name="display_name" label=t.field_display_name autocomplete="name"/>
                <Field error name="email" label=t.field_email input_type="email" autocomplete="email"/>
                <Field error name="password" label=t.field_password input_type="password" autocomplete="new-password" hint=t.password_hint/>
                <button type="submit" class="button" disabled=move || action.pending().get()>{t.submit_register}</button>
            </ActionForm>
            <p class="muted">{t.have_account}" "<a href=login>{t.nav_login}</a></p>
        </section>
    }
}

/// After registering: the same page whether or not the address had an
/// account (only its owner's mailbox tells).
#[component]
pub fn RegisterSentPage() -> impl IntoView {
    let t = use_i18n();
    view! {
        <Title text=t.register_sent_title/>
        <section class="card narrow stack">
            <h1>{t.register_sent_title}</h1>
            <p>{t.register_sent_body}</p>
            <p class="muted">{t.register_sent_nothing}</p>
        </section>
    }
}

/// The mailed link: one button creates the account (a page, not the link
/// itself, so a mail scanner opening links creates nothing).
#[component]
pub fn RegisterConfirmPage() -> impl IntoView {
    let t = use_i18n();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let action = ServerAction::<ConfirmRegistration>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    let request = Resource::new(token, registration);
    view! {
        <Title text=t.register_confirm_title/>
        <section class="card narrow stack">
            <h1>{t.register_confirm_title}</h1>
            <Suspense fallback=|| ()>
                {move || request.get().map(|r| match r {
                    Ok(Some((name, email))) => view! {
                        <p>{t.register_confirm_for}" "<strong>{name}</strong>" ("{email}")"</p>
                        <ActionForm action=action attr:class="stack">
                            <FormMessage error/>
                            <input type="hidden" name="token" value=token()/>
                            <button type="submit" class="button" disabled=move || action.pending().get()>{t.submit_confirm_register}</button>
                        </ActionForm>
                    }.into_any(),
                    // Used or expired; after a refused confirmation, the refusal says which.
                    Ok(None) => view! {
                        <FormMessage error/>
                        <Show when=move || error.get().is_none()>
                            <p role="alert">{t.err_link_invalid}</p>
                        </Show>
                        <p><a href="/login">{t.nav_login}</a>" · "<a href="/register">{t.nav_register}</a></p>
                    }.into_any(),
                    Err(e) => view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
