//! Board pages: membership applications, categories and zones.

use crate::api::board::{AddCategory, AddZone};
use crate::api::catalog::{list_categories, list_zones};
use crate::api::membership::{pending_applications, DecideApplication};
use crate::components::form::{Field, FormError, FormMessage};
use crate::components::listing::{class_name, load_error, viewer_allowed};
use crate::i18n::{format_date, use_i18n, use_locale};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let query = use_query_map();
    let applications = Resource::new(|| (), |_| pending_applications());
    let decide = ServerAction::<DecideApplication>::new();
    let error: FormError = Signal::derive(move || decide.value().get().and_then(Result::err));
    view! {
        <Title text=t.board_applications_title/>
        <Suspense fallback=|| ()>
            {move || applications.get().map(|r| match r {
                Ok(list) => view! {
                    <h1>{t.board_applications_title}</h1>
                    {move || (query.with(|q| q.get("saved")).as_deref() == Some("decided")).then(|| view! {
                        <p class="alert alert-ok" role="status">{t.board_decided}</p>
                    })}
                    <FormMessage error/>
                    {list.is_empty().then(|| view! { <p class="card" data-testid="no-applications">{t.board_no_applications}</p> })}
                    <ul class="applications" data-testid="applications">
                        {list.into_iter().map(|a| {
                            let uid = a.user_id.to_string();
                            let reason_id = format!("reason-{}", a.user_id);
                            view! {
                                <li class="card application" data-testid="application">
                                    <h2>{a.display_name.clone()}</h2>
                                    <p><span class="badge">{class_name(t, &a.class, a.form)}</span>" · "{t.shares_count.count(u64::try_from(a.shares).unwrap_or(0))}
                                        " · "{t.board_applied_on}" "{format_date(locale, a.applied_at.date_naive())}</p>
                                    <blockquote>{a.motivation.clone()}</blockquote>
                                    <ActionForm action=decide attr:class="stack">
                                        <input type="hidden" name="user_id" value=uid/>
                                        <div class="field">
                                            <label for=reason_id.clone()>{t.field_reason}</label>
                                            <input id=reason_id name="reason" type="text"/>
                                        </div>
                                        <div class="button-row">
                                            <button type="submit" name="decision" value="vote" class="button" data-testid="put-to-vote">{t.submit_put_to_vote}</button>
                                            <button type="submit" name="decision" value="reject" class="button button-secondary" data-testid="reject">{t.submit_reject}</button>
                                        </div>
                                    </ActionForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let t = use_i18n();
    let categories = Resource::new(|| (), |_| list_categories());
    let zones = Resource::new(|| (), |_| list_zones());
    let add_zone = ServerAction::<AddZone>::new();
    let zone_error: FormError =
        Signal::derive(move || add_zone.value().get().and_then(Result::err));
    let add_category = ServerAction::<AddCategory>::new();
    let category_error: FormError =
        Signal::derive(move || add_category.value().get().and_then(Result::err));
    view! {
        <Title text=t.board_catalog_title/>
        <Suspense fallback=|| ()>
            {move || match (viewer_allowed(|v| v.board), categories.get(), zones.get()) {
                (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => Some(load_error(e)),
                (Some(Ok(_)), Some(Ok(categories)), Some(Ok(zones))) => Some(view! {
                    <h1>{t.board_catalog_title}</h1>
                    <section class="card">
                        <h2>{t.board_zones}</h2>
                        <ul class="plain-list" data-testid="zones">
                            {zones.into_iter().map(|z| view! { <li><strong>{z.name}</strong>" — "{z.postcodes.replace(',', ", ")}</li> }).collect_view()}
                        </ul>
                        <ActionForm action=add_zone attr:novalidate="" attr:class="stack">
                            <FormMessage error=zone_error/>
                            <Field error=zone_error name="name" label=t.field_zone_name/>
                            <Field error=zone_error name="postcodes" label=t.field_postcodes/>
                            <Field error=zone_error name="latitude" label=t.field_latitude/>
                            <Field error=zone_error name="longitude" label=t.field_longitude/>
                            <button type="submit" class="button button-secondary">{t.submit_add_zone}</button>
                        </ActionForm>
                    </section>
                    <section class="card">
                        <h2>{t.board_categories}</h2>
                        <ul class="plain-list" data-testid="categories">
                            {categories.into_iter().map(|c| view! { <li><strong>{c.name}</strong>" ("{c.slug}")"</li> }).collect_view()}
                        </ul>
                        <ActionForm action=add_category attr:novalidate="" attr:class="stack">
                            <FormMessage error=category_error/>
                            <Field error=category_error name="slug" label=t.field_slug/>
                            <Field error=category_error name="name_it" label=t.field_name_it/>
                            <Field error=category_error name="name_en" label=t.field_name_en/>
                            <Field error=category_error name="name_es" label=t.field_name_es/>
                            <button type="submit" class="button button-secondary">{t.submit_add_category}</button>
                        </ActionForm>
                    </section>
                }.into_any()),
                _ => None,
            }}
        </Suspense>
    }
}
