use crate::api::account::Login;
use crate::components::form::{Field, FormError, FormMessage};
use crate::i18n::use_i18n;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let t = use_i18n();
    let action = ServerAction::<Login>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text=t.login_title/>
        <section class="card narrow">
            <h1>{t.login_title}</h1>
            <ActionForm action=action attr:novalidate="" attr:class="stack">
                <FormMessage error/>
                <Field error name="email" label=t.field_email input_type="email" autocomplete="username"/>
                <Field error name="password" label=t.field_password input_type="password" autocomplete="current-password"/>
                <button type="submit" class="button" disabled=move || action.pending().get()>{t.submit_login}</button>
            </ActionForm>
            <p class="muted">{t.no_account_yet}" "<a href="/register">{t.nav_register}</a></p>
        </section>
    }
}
