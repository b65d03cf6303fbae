//! The order form of a listing (`/listings/:id/order`): what is bought
//! from whom, when, where, how it is paid, and a live total.

use super::{method_name, size_name};
use crate::api::orders::{load_order_form, OrderForm, PlaceOrder, Quote};
use crate::components::form::{Field, FormError, FormMessage, Select, TextArea};
use crate::components::format::terms_text;
use crate::components::listing::{kind_name, load_error, price_text};
use crate::error::AppError;
use crate::i18n::{format_date, use_i18n, use_locale, Strings};
use crate::pages::listing::path_id;
use domain::availability::format_time;
use domain::listing::{ListingKind, PriceModel};
#[cfg(feature = "hydrate")]
use domain::order_form::OrderInput;
use domain::order_form::PackageSize;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OrderNewPage() -> impl IntoView {
    let id = path_id("id");
    let form = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => load_order_form(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || form.get().map(|r| match r {
                Ok(f) => view! { <OrderFormView form=f/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

/// The start times of the form, by day: (date, [(value, start)]).
type Days = Vec<(chrono::NaiveDate, Vec<(String, u16)>)>;

fn by_day(openings: &[(String, chrono::NaiveDate, u16, u16)]) -> Days {
    let mut days: Days = Vec::new();
    for (value, date, start, _) in openings {
        match days.last_mut() {
            Some((d, times)) if d == date => times.push((value.clone(), *start)),
            _ => days.push((*date, vec![(value.clone(), *start)])),
        }
    }
    days
}

/// What is bought, from whom and how it is priced, above the form.
#[component]
fn OrderWhat(form: OrderForm) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let length = match (&form.price, form.minutes) {
        (
            PriceModel::Hourly {
                min_hours,
                max_hours,
                ..
            },
            _,
        ) => Some(format!("{}: {min_hours}–{max_hours}", t.hours_range)),
        (_, Some(m)) => Some(format!("{}: {}", t.duration, duration_text(t, m))),
        _ => None,
    };
    let fee = terms_text(locale, &form.fee_terms);
    view! {
        <div class="order-what" data-testid="order-what">
            <p class="muted">{kind_name(t, form.kind)}</p>
            <h2 class="order-title" data-testid="order-listing-title">{form.title.clone()}</h2>
            <p>{t.listing_provider}" "<a href=format!("/members/{}", form.provider_id)>{form.provider_name.clone()}</a></p>
            <p class="price" data-testid="order-price">{price_text(t, locale, &form.price)}</p>
            {length.map(|l| view! { <p class="muted">{l}</p> })}
            {form.at_customer.then(|| view! { <p class="muted">{t.order_at_customer}</p> })}
            <p class="muted small">{t.order_fee_terms}": "{fee}</p>
        </div>
    }
}

fn duration_text(t: &Strings, minutes: u16) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} {}", t.minutes),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} {}", t.minutes),
    }
}

/// The price of the order as the form stands, shown just above the button
/// and kept up to date while the form is filled in (with JavaScript).
#[component]
fn OrderTotal(quote: Signal<Quote>, rate: Option<domain::money::Money>) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        <section class="order-total" data-testid="order-total" aria-live="polite" aria-labelledby="order-total-title">
            <h2 id="order-total-title">{t.order_total_title}</h2>
            {move || {
                let q = quote.get();
                view! {
                    <table>
                        <tbody>
                            {q.lines.iter().map(|l| {
                                let detail = match (l.hours, rate) {
                                    (Some(h), Some(r)) => format!("{h} h × {}", r.format(locale)),
                                    _ => l.provider_name.clone(),
                                };
                                view! {
                                    <tr data-kind=l.kind.as_str()>
                                        <th scope="row">{l.title.clone()}<span class="muted small block">{detail}</span></th>
                                        <td class="num">{l.price.format(locale)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                            {q.delivery_pending.then(|| view! {
                                <tr data-kind="delivery"><th scope="row">{t.order_delivery}</th><td class="muted small" data-testid="delivery-pending">{t.order_delivery_pending}</td></tr>
                            })}
                        </tbody>
                        <tfoot>
                            <tr>
                                <th scope="row">{t.order_total}</th>
                                <td class="num" data-testid="quote-total" data-minor=q.total.map(|m| m.minor().to_string())>
                                    {q.total.map(|m| m.format(locale)).unwrap_or_else(|| "—".to_owned())}
                                </td>
                            </tr>
                            <tr>
                                <th scope="row" class="muted">{t.order_of_which_coop}</th>
                                <td class="num muted" data-testid="quote-fee">{q.fee.map(|m| m.format(locale)).unwrap_or_else(|| "—".to_owned())}</td>
                            </tr>
                        </tfoot>
                    </table>
                }
            }}
            <p class="muted small">{t.order_total_hint}</p>
        </section>
    }
}

/// The form as it stands, read in the browser for a new quote.
#[cfg(feature = "hydrate")]
fn typed_order(el: &web_sys::Element) -> Option<OrderInput> {
    use wasm_bindgen::JsCast;
    let form: web_sys::HtmlFormElement = el.closest("form").ok()??.dyn_into().ok()?;
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    let get = |k: &str| data.get(k).as_string().unwrap_or_default();
    Some(OrderInput {
        listing: get("listing"),
        key: get("key"),
        slot: get("slot"),
        hours: get("hours"),
        with_delivery: get("with_delivery"),
        courier: get("courier"),
        pickup_address: get("pickup_address"),
        pickup_postcode: get("pickup_postcode"),
        pickup_lat: get("pickup_lat"),
        pickup_lon: get("pickup_lon"),
        dropoff_address: get("dropoff_address"),
        dropoff_postcode: get("dropoff_postcode"),
        dropoff_lat: get("dropoff_lat"),
        dropoff_lon: get("dropoff_lon"),
        package_size: get("package_size"),
        weight_kg: get("weight_kg"),
        window_date: get("window_date"),
        window_from: get("window_from"),
        window_to: get("window_to"),
        ..OrderInput::default()
    })
}

#[component]
fn OrderFormView(form: OrderForm) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let place = ServerAction::<PlaceOrder>::new();
    let error: FormError = Signal::derive(move || place.value().get().and_then(Result::err));
    let echoed = move |name: &'static str| error.get().and_then(|e| e.echoed(name));
    let slot_message = move || error.get().and_then(|e| e.field_message(t, "slot"));
    let is_service = form.kind == ListingKind::Service;
    let sizes: Vec<(String, String)> = PackageSize::ALL
        .into_iter()
        .map(|s| (s.as_str().to_owned(), size_name(t, s.as_str()).to_owned()))
        .collect();
    let mut couriers = vec![("auto".to_owned(), t.order_courier_auto.to_owned())];
    couriers.extend(form.couriers.iter().map(|c| {
        (
            c.listing_id.to_string(),
            format!("{} — {}", c.title, c.provider_name),
        )
    }));
    let no_openings = is_service && form.openings.is_empty();
    let days = by_day(&form.openings);
    let first_slot = form.openings.first().map(|o| o.0.clone());
    let chosen = move || echoed("slot").or_else(|| first_slot.clone());
    let rate = match form.price {
        PriceModel::Hourly { rate, .. } => Some(rate),
        _ => None,
    };
    let quote = RwSignal::new(form.quote.clone());
    // With JavaScript: a new quote whenever a choice changes; an answer to
    // an older change is dropped.
    let asked = StoredValue::new(0u32);
    let requote = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = _ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| typed_order(&el))
            else {
                return;
            };
            let n = asked.get_value().wrapping_add(1);
            asked.set_value(n);
            leptos::task::spawn_local(async move {
                // The answer may come after the form is gone (the order was
                // placed and the page changed): then it is dropped.
                if let Ok(q) = crate::api::orders::quote_order(input).await {
                    if asked.try_get_value() == Some(n) {
                        let _ = quote.try_set(q);
                    }
                }
            });
        }
        let _ = asked;
    };
    let labels = vec![
        ("slot", t.order_choose_slot),
        ("hours", t.order_hours),
        ("note", t.order_note),
        ("place_address", t.order_place_address),
        ("place_postcode", t.order_place_postcode),
        ("access_notes", t.order_access_notes),
        ("courier", t.order_courier),
        ("pickup_address", t.order_pickup_address),
        ("pickup_postcode", t.order_pickup_postcode),
        ("dropoff_address", t.order_dropoff_address),
        ("dropoff_postcode", t.order_dropoff_postcode),
        ("package_size", t.order_package_size),
        ("weight_kg", t.order_weight),
        ("window_date", t.order_window_date),
        ("window_from", t.order_window_from),
        ("window_to", t.order_window_to),
        ("pickup_lat", t.order_pickup_lat),
        ("pickup_lon", t.order_pickup_lon),
        ("dropoff_lat", t.order_dropoff_lat),
        ("dropoff_lon", t.order_dropoff_lon),
        ("payment", t.pay_method),
    ];
    view! {
        <Title text=format!("{} · {}", t.order_new_title, form.title)/>
        <section class="card order-form-page">
            <p><a href=format!("/listings/{}", form.listing_id)>{t.order_back_to_listing}</a></p>
            <h1>{t.order_new_title}</h1>
            <OrderWhat form=form.clone()/>
            <ActionForm action=place attr:novalidate="" attr:class="stack order-form" attr:data-testid="order-form">
                <FormMessage error labels/>
                <div class="stack" on:change=requote>
                <input type="hidden" name="listing" value=form.listing_id.to_string()/>
                <input type="hidden" name="key" value=form.key.clone()/>
                {is_service.then(|| view! {
                    <fieldset class="openings-choice" id="field-slot" tabindex="-1"
                        class:group-invalid=move || slot_message().is_some() aria-describedby="field-slot-error">
                        <legend>{t.order_choose_slot}</legend>
                        {no_openings.then(|| view! { <p class="muted">{t.listing_no_slots}</p> })}
                        {days.iter().enumerate().map(|(d, (date, times))| {
                            let day_values: Vec<String> = times.iter().map(|(v, _)| v.clone()).collect();
                            let chosen_day = chosen.clone();
                            let open = move || chosen_day().is_some_and(|c| day_values.contains(&c));
                            let count = times.len();
                            view! {
                                <details class="day" name="order-day" open=open data-testid=format!("day-{d}")>
                                    <summary>
                                        <span>{t.weekdays[domain::availability::weekday_of(*date) as usize]}" "{format_date(locale, *date)}</span>
                                        <span class="muted small">{format!("{count} {}", if count == 1 { t.order_one_time } else { t.order_times })}</span>
                                    </summary>
                                    <div class="times">
                                        {times.iter().enumerate().map(|(i, (value, start))| {
                                            let id = format!("slot-{d}-{i}");
                                            let v = value.clone();
                                            let chosen = chosen.clone();
                                            let checked = move || chosen().is_some_and(|c| c == v);
                                            view! {
                                                <span class="time">
                                                    <input type="radio" id=id.clone() name="slot" value=value.clone() checked=checked/>
                                                    <label for=id>{format_time(*start)}</label>
                                                </span>
                                            }
                                        }).collect_view()}
                                    </div>
                                </details>
                            }
                        }).collect_view()}
                        <p class="field-error" id="field-slot-error" role="alert">{slot_message}</p>
                    </fieldset>
                })}
                {form.hours.map(|(min, max)| view! {
                    <Field error name="hours" label=t.order_hours input_type="number" value=min.to_string()/>
                    <p class="muted small">{t.hours_range}": "{format!("{min}–{max}")}</p>
                })}
                {form.at_customer.then(|| view! {
                    <fieldset class="subfields place-fields">
                        <legend>{t.order_place_legend}</legend>
                        <Field error name="place_address" label=t.order_place_address autocomplete="address-line1"/>
                        <Field error name="place_postcode" label=t.order_place_postcode autocomplete="postal-code" hint=t.postcode_hint/>
                        <TextArea error name="access_notes" label=t.order_access_notes hint=t.order_access_hint required=false rows=2/>
                    </fieldset>
                })}
                <TextArea error name="note" label=t.order_note required=false rows=3/>
                {is_service.then(|| view! {
                    <div class="checkbox">
                        <input type="checkbox" id="field-with_delivery" name="with_delivery" value="on"
                            aria-controls="delivery-fields"
                            checked=move || echoed("with_delivery").is_some_and(|v| v == "on")/>
                        <label for="field-with_delivery">{t.order_with_delivery}</label>
                    </div>
                })}
                <fieldset class="subfields delivery-fields" id="delivery-fields">
                    <legend>{if is_service { t.order_delivery_leg } else { t.order_delivery }}</legend>
                    {is_service.then(|| view! {
                        <Select error name="courier" label=t.order_courier options=couriers.clone() value="auto"/>
                    })}
                    <Field error name="pickup_address" label=t.order_pickup_address required=!is_service autocomplete="address-line1"/>
                    <Field error name="pickup_postcode" label=t.order_pickup_postcode required=!is_service autocomplete="postal-code" hint=t.postcode_hint/>
                    <Field error name="dropoff_address" label=t.order_dropoff_address required=!is_service/>
                    <Field error name="dropoff_postcode" label=t.order_dropoff_postcode required=!is_service hint=t.postcode_hint/>
                    <Select error name="package_size" label=t.order_package_size options=sizes value="small"/>
                    <Field error name="weight_kg" label=t.order_weight input_type="number" required=!is_service hint=t.weight_hint/>
                    <Field error name="window_date" label=t.order_window_date input_type="date" required=!is_service/>
                    <div class="field-row">
                        <Field error name="window_from" label=t.order_window_from input_type="time" required=!is_service/>
                        <Field error name="window_to" label=t.order_window_to input_type="time" required=!is_service/>
                    </div>
                    <details>
                        <summary>{t.order_coordinates}</summary>
                        <Field error name="pickup_lat" label=t.order_pickup_lat required=false/>
                        <Field error name="pickup_lon" label=t.order_pickup_lon required=false/>
                        <Field error name="dropoff_lat" label=t.order_dropoff_lat required=false/>
                        <Field error name="dropoff_lon" label=t.order_dropoff_lon required=false/>
                    </details>
                </fieldset>
                <fieldset class="payment-choice" id="field-payment" tabindex="-1" aria-describedby="field-payment-error"
                    class:group-invalid=move || error.get().and_then(|e| e.field_message(t, "payment")).is_some()>
                    <legend>{t.pay_method}</legend>
                    {form.payment_methods.iter().enumerate().map(|(i, m)| {
                        let id = format!("payment-{}", m.as_str());
                        let value = m.as_str();
                        let checked = move || echoed("payment").map_or(i == 0, |e| e == value);
                        view! {
                            <div class="radio">
                                <input type="radio" id=id.clone() name="payment" value=value checked=checked/>
                                <label for=id>{method_name(t, *m)}</label>
                            </div>
                        }
                    }).collect_view()}
                    <p class="field-error" id="field-payment-error" role="alert">{move || error.get().and_then(|e| e.field_message(t, "payment"))}</p>
                    <p class="muted small">{t.order_pay_manual}</p>
                </fieldset>
                </div>
                <OrderTotal quote=quote.into() rate/>
                <button type="submit" class="button" disabled=no_openings data-testid="place-order">{t.order_place}</button>
            </ActionForm>
        </section>
    }
    .into_any()
}
