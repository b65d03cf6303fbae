//! The member's dashboard: membership and shares, my listings, and the
//! listing editor (details, pictures, zones, availability, status).

use crate::api::catalog::{list_categories, list_zones, Category, Zone};
use crate::api::listings::{
    listing_editor, my_listings, AddClosed, AddSlot, AddZone, EditableListing, ListingPart,
    RemovePart, SaveListing, SetListingStatus,
};
use crate::api::membership::my_membership;
use crate::components::form::{Checkbox, Field, FormError, FormMessage, Select, TextArea};
use crate::components::layout::use_viewer;
use crate::components::listing::{
    kind_name, load_error, price_text, status_name, thumb_url, viewer_allowed,
};
use crate::error::{problem_message, AppError};
use crate::i18n::{format_date, use_i18n, use_locale};
use crate::pages::join::status_text;
use crate::pages::listing::path_id;
use crate::viewer::Viewer;
use domain::availability::format_time;
use domain::listing::{ListingInput, ListingStatus};
use domain::money::Money;
use domain::validation::FieldProblem;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let membership = Resource::new(|| (), |_| my_membership());
    let viewer = use_viewer();
    let is_worker = move || {
        viewer
            .and_then(|v| v.get())
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|v| v.is_worker())
    };
    let listings = Resource::new(|| (), |_| my_listings());
    let act = ServerAction::<crate::api::orders::ActOnOrder>::new();
    let work = Resource::new(
        move || act.version().get(),
        |_| crate::api::orders::load_my_work(),
    );
    view! {
        <Title text=t.dashboard_title/>
        <h1>{t.dashboard_title}</h1>
        <Suspense fallback=|| ()>
            {move || membership.get().map(|r| match r {
                Ok(m) => view! {
                    <section class="card">
                        <h2>{t.dashboard_membership}</h2>
                        {match m.status {
                            Some(s) => view! {
                                <p data-testid="membership-status"><strong>{status_text(t, s, m.form)}</strong></p>
                                <p>{t.dashboard_shares}": "{m.shares}" × "{Money::eur(m.share_value_minor).format(locale)}</p>
                            }.into_any(),
                            None => view! { <p>{t.dashboard_not_member}" "<a href="/join">{t.nav_join}</a></p> }.into_any(),
                        }}
                    </section>
                }.into_any(),
                Err(e) => load_error(e),
            })}
            {move || is_worker().then(|| view! { <crate::pages::orders::lists::WorkSection work act/> })}
            <section class="card">
                <h2>{t.dashboard_my_listings}</h2>
                {move || if is_worker() {
                    view! {
                        <p><a href="/dashboard/listings/new" class="button" data-testid="new-listing">{t.dashboard_new_listing}</a></p>
                        {move || listings.get().and_then(Result::ok).map(|list| if list.is_empty() {
                            view! { <p class="muted">{t.dashboard_no_listings}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="my-listings" data-testid="my-listings">
                                    {list.into_iter().map(|l| view! {
                                        <li>
                                            <a href=format!("/dashboard/listings/{}", l.id)>{l.title.clone()}</a>
                                            " "<span class=format!("badge status-{}", l.status.as_str())>{status_name(t, l.status)}</span>
                                            <span class="muted">" "{kind_name(t, l.kind)}" · "{l.category_name.clone()}" · "{price_text(t, locale, &l.price)}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        })}
                    }.into_any()
                } else {
                    view! { <p class="muted">{t.dashboard_not_worker}</p> }.into_any()
                }}
            </section>
        </Suspense>
    }
}

/// The fields of a listing, shared by the new and edit pages.
#[component]
fn ListingFields(
    error: FormError,
    input: ListingInput,
    categories: Vec<Category>,
) -> impl IntoView {
    let t = use_i18n();
    let kinds = vec![
        ("service".to_owned(), t.kind_service.to_owned()),
        ("delivery".to_owned(), t.kind_delivery.to_owned()),
    ];
    let models = vec![
        ("fixed".to_owned(), t.model_fixed.to_owned()),
        ("hourly".to_owned(), t.model_hourly.to_owned()),
        ("distance".to_owned(), t.model_distance.to_owned()),
    ];
    let categories: Vec<(String, String)> =
        categories.into_iter().map(|c| (c.slug, c.name)).collect();
    view! {
        <FormMessage error/>
        <Select error name="kind" label=t.field_kind options=kinds value=input.kind.clone()/>
        <Select error name="category" label=t.field_category options=categories value=input.category.clone() placeholder="—"/>
        <Field error name="title" label=t.field_title value=input.title.clone()/>
        <TextArea error name="description" label=t.field_description hint=t.description_hint value=input.description.clone() rows=8/>
        <Select error name="price_model" label=t.field_price_model options=models value=input.price_model.clone()/>
        <Field error name="price" label=t.field_price hint=t.price_hint value=input.price.clone()/>
        <Field error name="duration_minutes" label=t.field_duration input_type="number" required=false value=input.duration_minutes.clone()/>
        <Checkbox error name="at_customer" label=t.field_at_customer hint=t.at_customer_hint checked=input.at_customer == "on"/>
        <fieldset class="subfields">
            <legend>{t.hourly_fields}</legend>
            <Field error name="min_hours" label=t.field_min_hours input_type="number" required=false value=input.min_hours.clone()/>
            <Field error name="max_hours" label=t.field_max_hours input_type="number" required=false value=input.max_hours.clone()/>
        </fieldset>
        <fieldset class="subfields">
            <legend>{t.delivery_fields}</legend>
            <Field error name="per_km" label=t.field_per_km required=false value=input.per_km.clone()/>
            <Field error name="max_km" label=t.field_max_km input_type="number" required=false value=input.max_km.clone()/>
        </fieldset>
    }
}

#[component]
pub fn NewListingPage() -> impl IntoView {
    let t = use_i18n();
    let categories = Resource::new(|| (), |_| list_categories());
    let action = ServerAction::<SaveListing>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    let defaults = ListingInput {
        kind: "service".into(),
        price_model: "fixed".into(),
        duration_minutes: "60".into(),
        ..ListingInput::default()
    };
    view! {
        <Title text=t.listing_new_title/>
        <Suspense fallback=|| ()>
            {move || match (viewer_allowed(Viewer::is_worker), categories.get()) {
                (Some(Err(e)), _) | (_, Some(Err(e))) => Some(load_error(e)),
                (Some(Ok(_)), Some(Ok(categories))) => Some({
                    let input = defaults.clone();
                    view! {
                    <section class="card">
                        <h1>{t.listing_new_title}</h1>
                        <ActionForm action=action attr:novalidate="" attr:class="stack" attr:data-testid="listing-form">
                            <ListingFields error input categories/>
                            <button type="submit" class="button">{t.submit_create_listing}</button>
                        </ActionForm>
                    </section>
                }.into_any()}),
                _ => None,
            }}
        </Suspense>
    }
}

#[component]
pub fn EditListingPage() -> impl IntoView {
    let id = path_id("id");
    let editor = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => listing_editor(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let categories = Resource::new(|| (), |_| list_categories());
    let zones = Resource::new(|| (), |_| list_zones());
    view! {
        <Suspense fallback=|| ()>
            {move || match (editor.get(), categories.get(), zones.get()) {
                (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => Some(load_error(e)),
                (Some(Ok(l)), Some(Ok(c)), Some(Ok(z))) => Some(view! { <ListingEditorView listing=l categories=c zones=z/> }.into_any()),
                _ => None,
            }}
        </Suspense>
    }
}

#[component]
fn ListingEditorView(
    listing: EditableListing,
    categories: Vec<Category>,
    zones: Vec<Zone>,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let query = use_query_map();
    let saved = move || query.with(|q| q.get("saved"));
    let image_error = move || {
        query.with(|q| q.get("image_error")).map(|code| {
            let problem = match code.as_str() {
                "too_large" => FieldProblem::ImageTooLarge,
                "too_many" => FieldProblem::ImageTooMany,
                "required" => FieldProblem::Required,
                _ => FieldProblem::ImageType,
            };
            problem_message(t, problem)
        })
    };
    let id = listing.id;
    let update = ServerAction::<SaveListing>::new();
    let update_error: FormError =
        Signal::derive(move || update.value().get().and_then(Result::err));
    let status = ServerAction::<SetListingStatus>::new();
    let status_error: FormError =
        Signal::derive(move || status.value().get().and_then(Result::err));
    let remove = ServerAction::<RemovePart>::new();
    let add_zone = ServerAction::<AddZone>::new();
    let add_zone_error: FormError =
        Signal::derive(move || add_zone.value().get().and_then(Result::err));
    let add_slot = ServerAction::<AddSlot>::new();
    let slot_error: FormError =
        Signal::derive(move || add_slot.value().get().and_then(Result::err));
    let add_closed = ServerAction::<AddClosed>::new();
    let closed_error: FormError =
        Signal::derive(move || add_closed.value().get().and_then(Result::err));

    let transitions: Vec<(ListingStatus, &'static str)> = [
        (
            ListingStatus::Active,
            if listing.status == ListingStatus::Draft {
                t.action_publish
            } else {
                t.action_resume
            },
        ),
        (ListingStatus::Paused, t.action_pause),
        (ListingStatus::Archived, t.action_archive),
    ]
    .into_iter()
    .filter(|(next, _)| listing.status.can_become(*next))
    .collect();
    let zone_options: Vec<(String, String)> = zones
        .iter()
        .filter(|z| !listing.zones.iter().any(|s| s.id == z.id))
        .map(|z| (z.id.to_string(), z.name.clone()))
        .collect();
    let weekday_options: Vec<(String, String)> = t
        .weekdays
        .iter()
        .enumerate()
        .map(|(i, d)| (i.to_string(), (*d).to_owned()))
        .collect();
    let can_add_image = listing.images.len() < domain::listing::MAX_IMAGES
        && listing.status != ListingStatus::Archived;

    view! {
        <Title text=t.listing_edit_title/>
        <h1>{t.listing_edit_title}": "{listing.input.title.clone()}</h1>
        {move || saved().map(|s| view! {
            <p class="alert alert-ok" role="status">{if s == "created" { t.listing_created } else { t.saved }}</p>
        })}
        <section class="card" id="status">
            <h2>{t.listing_status_label}": "<span data-testid="listing-status">{status_name(t, listing.status)}</span></h2>
            <FormMessage error=status_error/>
            <div class="button-row">
                {transitions.into_iter().map(|(next, label)| view! {
                    <ActionForm action=status attr:class="inline-form">
                        <input type="hidden" name="id" value=id.to_string()/>
                        <input type="hidden" name="status" value=next.as_str()/>
                        <button type="submit" class="button" data-testid=format!("status-{}", next.as_str())>{label}</button>
                    </ActionForm>
                }).collect_view()}
                <a class="button button-secondary" href=format!("/listings/{}", listing.id)>{t.action_view}</a>
            </div>
        </section>

        <section class="card" id="details">
            <h2>{t.listing_details}</h2>
            <ActionForm action=update attr:novalidate="" attr:class="stack" attr:data-testid="listing-form">
                <input type="hidden" name="id" value=id.to_string()/>
                <ListingFields error=update_error input=listing.input.clone() categories/>
                <button type="submit" class="button">{t.submit_save}</button>
            </ActionForm>
        </section>

        <section class="card" id="images">
            <h2>{t.images_title}</h2>
            <ul class="image-list">
                {listing.images.clone().into_iter().map(|img| view! {
                    <li>
                        <img src=thumb_url(img) alt=t.image_alt width="240" height="180"/>
                        <ActionForm action=remove attr:class="inline-form">
                            <input type="hidden" name="id" value=id.to_string()/>
                            <input type="hidden" name="part" value=ListingPart::Image.as_str()/>
                            <input type="hidden" name="item" value=img.to_string()/>
                            <button type="submit" class="link-button">{t.action_remove}</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
            {can_add_image.then(|| view! {
                <form method="post" action=format!("/dashboard/listings/{}/images", listing.id) enctype="multipart/form-data" class="stack" data-testid="image-form">
                    <div class="field" class:field-invalid=move || image_error().is_some()>
                        <label for="field-image">{t.field_image}</label>
                        <p class="field-hint" id="field-image-hint">{t.images_hint}</p>
                        <input id="field-image" type="file" name="image" accept="image/jpeg,image/png,image/webp" required
                            aria-describedby="field-image-hint field-image-error" aria-invalid=move || image_error().map(|_| "true")/>
                        <p class="field-error" id="field-image-error" role="alert">{image_error}</p>
                    </div>
                    <button type="submit" class="button button-secondary">{t.submit_upload}</button>
                </form>
            })}
        </section>

        <section class="card" id="zones">
            <h2>{t.zones_title}</h2>
            {if listing.zones.is_empty() {
                view! { <p class="muted">{t.no_zones}</p> }.into_any()
            } else {
                view! {
                    <ul class="chip-list">
                        {listing.zones.clone().into_iter().map(|z| view! {
                            <li>
                                {z.name.clone()}
                                <ActionForm action=remove attr:class="inline-form">
                                    <input type="hidden" name="id" value=id.to_string()/>
                                    <input type="hidden" name="part" value=ListingPart::Zone.as_str()/>
                                    <input type="hidden" name="item" value=z.id.to_string()/>
                                    <button type="submit" class="link-button" aria-label=format!("{} {}", t.action_remove, z.name)>"×"</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!zone_options.is_empty()).then(|| view! {
                <ActionForm action=add_zone attr:class="inline-fields">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <Select error=add_zone_error name="zone" label=t.field_zone options=zone_options.clone()/>
                    <button type="submit" class="button button-secondary">{t.submit_add}</button>
                </ActionForm>
            })}
        </section>

        <section class="card" id="availability">
            <h2>{t.availability_title}</h2>
            {if listing.slots.is_empty() {
                view! { <p class="muted">{t.no_slots}</p> }.into_any()
            } else {
                view! {
                    <ul class="slot-list" data-testid="slots">
                        {listing.slots.clone().into_iter().map(|(slot_id, s)| view! {
                            <li>
                                {t.weekdays[usize::from(s.weekday) % 7]}" "{format_time(s.start)}"–"{format_time(s.end)}
                                <ActionForm action=remove attr:class="inline-form">
                                    <input type="hidden" name="id" value=id.to_string()/>
                                    <input type="hidden" name="part" value=ListingPart::Slot.as_str()/>
                                    <input type="hidden" name="item" value=slot_id.to_string()/>
                                    <button type="submit" class="link-button">{t.action_remove}</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <ActionForm action=add_slot attr:novalidate="" attr:class="inline-fields">
                <input type="hidden" name="id" value=id.to_string()/>
                <Select error=slot_error name="weekday" label=t.field_weekday options=weekday_options/>
                <Field error=slot_error name="start" label=t.field_start input_type="time" value="09:00"/>
                <Field error=slot_error name="end" label=t.field_end input_type="time" value="13:00"/>
                <button type="submit" class="button button-secondary">{t.submit_add}</button>
            </ActionForm>
            <h3>{t.closed_title}</h3>
            {if listing.closed.is_empty() {
                view! { <p class="muted">{t.no_closed}</p> }.into_any()
            } else {
                view! {
                    <ul class="slot-list">
                        {listing.closed.clone().into_iter().map(|(closed_id, d)| view! {
                            <li>
                                {format_date(locale, d)}
                                <ActionForm action=remove attr:class="inline-form">
                                    <input type="hidden" name="id" value=id.to_string()/>
                                    <input type="hidden" name="part" value=ListingPart::Closed.as_str()/>
                                    <input type="hidden" name="item" value=closed_id.to_string()/>
                                    <button type="submit" class="link-button">{t.action_remove}</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <ActionForm action=add_closed attr:novalidate="" attr:class="inline-fields">
                <input type="hidden" name="id" value=id.to_string()/>
                <Field error=closed_error name="closed_on" label=t.field_closed_on input_type="date"/>
                <button type="submit" class="button button-secondary">{t.submit_add}</button>
            </ActionForm>
        </section>
    }
}
