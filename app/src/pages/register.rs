use crate::api::account::Register;
use crate::components::form::{Field, FormError, FormMessage};
use crate::i18n::use_i18n;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let t = use_i18n();
    let action = ServerAction::<Register>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text=t.register_title/>
        <section class="card narrow">
            <h1>{t.register_title}</h1>
            <ActionForm action=action attr:novalidate="" attr:class="stack">
                <FormMessage error/>
                <Field error name="display_name" label=t.field_display_name autocomplete="name"/>
                <Field error name="email" label=t.field_email input_type="email" autocomplete="email"/>
                <Field error name="password" label=t.field_password input_type="password" autocomplete="new-password" hint=t.password_hint/>
                <button type="submit" class="button" disabled=move || action.pending().get()>{t.submit_register}</button>
            </ActionForm>
            <p class="muted">{t.have_account}" "<a href="/login">{t.nav_login}</a></p>
        </section>
    }
}
