use crate::api::account::Login;
use crate::components::form::{Field, FormError, FormMessage};
use crate::i18n::use_i18n;
use domain::path::{return_path, with_next};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The page a login or registration form returns to (`?next=`), if it is
/// one worth returning to.
pub fn next_of_query() -> Option<String> {
    use_query_map()
        .read_untracked()
        .get("next")
        .filter(|n| return_path(n).is_some())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let t = use_i18n();
    let action = ServerAction::<Login>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    let next = next_of_query();
    let register = with_next("/register", next.as_deref().unwrap_or_default());
    view! {
        <Title text=t.login_title/>
        <section class="card narrow">
            <h1>{t.login_title}</h1>
            {next.is_some().then(|| view! { <p class="alert alert-info" data-testid="login-reason">{t.login_reason}</p> })}
            <ActionForm action=action attr:novalidate="" attr:class="stack">
                <FormMessage error/>
                {next.clone().map(|n| view! { <input type="hidden" name="next" value=n/> })}
                <Field error name="email" label=t.field_email input_type="email" autocomplete="username"/>
                <Field error name="password" label=t.field_password input_type="password" autocomplete="current-password"/>
                <button type="submit" class="button" disabled=move || action.pending().get()>{t.submit_login}</button>
            </ActionForm>
            <p class="muted">{t.no_account_yet}" "<a href=register>{t.nav_register}</a></p>
        </section>
    }
}
