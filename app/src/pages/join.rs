//! `/join`: apply for membership, or see where the application stands.

use crate::api::membership::{my_membership, ApplyMembership, MembershipInfo, MembershipStatus};
use crate::components::form::{Field, FormError, FormMessage, Select, TextArea};
use crate::components::listing::load_error;
use crate::i18n::{format_date, use_i18n, use_locale, Strings};
use domain::account::AddressForm;
use domain::money::Money;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// A membership's status, agreeing with the member's chosen form.
pub fn status_text(t: &Strings, s: MembershipStatus, form: AddressForm) -> &'static str {
    use AddressForm::{Feminine, Masculine, Neutral};
    match (s, form) {
        (MembershipStatus::Applicant, _) => t.status_applicant,
        (MembershipStatus::Active, Feminine) => t.status_member_active_f,
        (MembershipStatus::Active, Masculine) => t.status_member_active,
        (MembershipStatus::Active, Neutral) => t.status_member_active_n,
        (MembershipStatus::Suspended, Feminine) => t.status_suspended_f,
        (MembershipStatus::Suspended, Masculine) => t.status_suspended,
        (MembershipStatus::Suspended, Neutral) => t.status_suspended_n,
        (MembershipStatus::Withdrawn, Feminine) => t.status_withdrawn_f,
        (MembershipStatus::Withdrawn, Masculine) => t.status_withdrawn,
        (MembershipStatus::Withdrawn, Neutral) => t.status_withdrawn_n,
    }
}

#[component]
pub fn JoinPage() -> impl IntoView {
    let t = use_i18n();
    let membership = Resource::new(|| (), |_| my_membership());
    view! {
        <Title text=t.join_title/>
        <h1>{t.join_title}</h1>
        <p class="lead">{t.join_lead}</p>
        <Suspense fallback=|| ()>
            {move || membership.get().map(|r| match r {
                Ok(m) => view! { <JoinState membership=m/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn JoinState(membership: MembershipInfo) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let query = use_query_map();
    let applied = move || query.with(|q| q.get("saved")).as_deref() == Some("applied");
    let share = Money::eur(membership.share_value_minor);
    match membership.status {
        Some(status) => view! {
            {move || applied().then(|| view! { <p class="alert alert-ok" role="status">{t.join_applied}</p> })}
            <section class="card">
                <h2>{t.join_status}</h2>
                <p data-testid="membership-status"><strong>{status_text(t, status, membership.form)}</strong></p>
                <dl class="facts">
                    <dt>{t.field_class}</dt><dd>{membership.class.as_deref().map(|c| crate::components::listing::class_name(t, c, membership.form))}</dd>
                    <dt>{t.dashboard_shares}</dt><dd>{membership.shares}" × "{share.format(locale)}</dd>
                    {membership.since.map(|s| view! { <dt>{t.member_since}</dt><dd>{format_date(locale, s.date_naive())}</dd> })}
                </dl>
            </section>
        }.into_any(),
        None => {
            let action = ServerAction::<ApplyMembership>::new();
            let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
            let form = membership.form;
            let name = |c| crate::components::listing::class_name(t, c, form);
            let classes = vec![
                ("worker".to_owned(), format!("{} ({})", name("worker"), t.class_worker_hint)),
                ("user".to_owned(), format!("{} ({})", name("user"), t.class_user_hint)),
                ("supporter".to_owned(), format!("{} ({})", name("supporter"), t.class_supporter_hint)),
            ];
            view! {
                {membership.last_rejection.clone().map(|reason| view! {
                    <p class="alert alert-error" data-testid="rejection">{t.join_rejected}" "{reason}" "{t.join_apply_again}</p>
                })}
                <section class="card narrow">
                    <ActionForm action=action attr:novalidate="" attr:class="stack">
                        <FormMessage error/>
                        <Select error name="class" label=t.field_class options=classes value="worker"/>
                        <TextArea error name="motivation" label=t.field_motivation/>
                        <Field error name="shares" label=t.field_shares input_type="number" value="1"/>
                        <p class="muted" data-testid="share-value">{t.join_share_value}": "{share.format(locale)}</p>
                        <button type="submit" class="button">{t.submit_apply}</button>
                    </ActionForm>
                </section>
            }.into_any()
        }
    }
}
