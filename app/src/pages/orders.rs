//! Ordering and following orders: the order form of a listing, an order's
//! page (breakdown, lines, actions, timeline, messages), the customer's
//! orders, the courier's day and the board's list.

use crate::api::orders::{
    board_orders, courier_day, get_order, load_order_form, my_orders, ActOnOrder, DeliveryView,
    EventView, LineView, OrderForm, OrderSummary, OrderView, PaymentView, PlaceOrder, PostMessage,
    Quote, WorkItem,
};
use crate::components::form::{Field, FormError, FormMessage, Select, TextArea};
use crate::components::listing::{kind_name, load_error, price_text};
use crate::error::AppError;
use crate::i18n::{format_date, use_i18n, use_locale, Locale, Strings};
use crate::pages::governance::terms_text;
use crate::pages::listing::path_id;
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::availability::format_time;
use domain::listing::{ListingKind, PriceModel};
use domain::order::{Method, Status, Step};
#[cfg(feature = "hydrate")]
use domain::order_form::OrderInput;
use domain::order_form::PackageSize;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub fn status_name(t: &Strings, s: Status) -> &'static str {
    match s {
        Status::PendingPayment => t.order_status_pending_payment,
        Status::Paid => t.order_status_paid,
        Status::Accepted => t.order_status_accepted,
        Status::InProgress => t.order_status_in_progress,
        Status::Fulfilled => t.order_status_fulfilled,
        Status::Completed => t.order_status_completed,
        Status::Declined => t.order_status_declined,
        Status::Cancelled => t.order_status_cancelled,
        Status::Refunded => t.order_status_refunded,
        Status::Disputed => t.order_status_disputed,
        Status::Resolved => t.order_status_resolved,
        Status::Placed => t.order_status_placed,
    }
}

pub fn method_name(t: &Strings, m: Method) -> &'static str {
    match m {
        Method::Cash => t.pay_method_cash,
        Method::Bank => t.pay_method_bank,
        Method::Card => t.pay_method_card,
    }
}

/// The label of an action's button (or timeline entry); line actions read
/// differently for a courier's leg.
fn action_label(t: &Strings, action: &str, kind: Option<ListingKind>) -> &'static str {
    let delivery = kind == Some(ListingKind::Delivery);
    match action {
        "place" => t.order_act_place,
        "confirm_payment" => t.order_act_confirm_payment,
        "accept" => t.order_act_accept,
        "decline" => t.order_act_decline,
        "start" if delivery => t.order_act_picked_up,
        "start" => t.order_act_start,
        "fulfil" if delivery => t.order_act_delivered,
        "fulfil" => t.order_act_done,
        "complete" => t.order_act_complete,
        "dispute" => t.order_act_dispute,
        "cancel" => t.order_act_cancel,
        "resolve_release" => t.order_act_resolve_release,
        "resolve_refund" => t.order_act_resolve_refund,
        "resolve_partial" => t.order_act_resolve_partial,
        "expire" => t.order_act_expire,
        "auto_decline" => t.order_act_auto_decline,
        "auto_complete" => t.order_act_auto_complete,
        _ => t.order_act_other,
    }
}

fn size_name(t: &Strings, size: &str) -> &'static str {
    match size {
        "small" => t.size_small,
        "medium" => t.size_medium,
        _ => t.size_large,
    }
}

fn date_time(locale: Locale, at: NaiveDateTime) -> String {
    format!("{} {}", format_date(locale, at.date()), at.format("%H:%M"))
}

pub(crate) fn moment(locale: Locale, at: DateTime<Utc>) -> String {
    date_time(locale, at.naive_utc())
}

fn status_badge(t: &'static Strings, s: Status) -> impl IntoView {
    view! { <span class=format!("badge order-{}", s.as_str()) data-status=s.as_str()>{status_name(t, s)}</span> }
}

// ---------------------------------------------------------------------------
// Order form

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

// ---------------------------------------------------------------------------
// One order

#[component]
pub fn OrderPage() -> impl IntoView {
    let id = path_id("id");
    let act = ServerAction::<ActOnOrder>::new();
    let message = ServerAction::<PostMessage>::new();
    let order = Resource::new(
        move || (id.get(), act.version().get(), message.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_order(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || order.get().map(|r| match r {
                Ok(o) => view! { <OrderDetails order=o act message/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

/// A button that takes one action on the order (a real form: works without JavaScript).
#[component]
fn ActButton(
    act: ServerAction<ActOnOrder>,
    order: uuid::Uuid,
    action: Step,
    #[prop(optional)] line: Option<uuid::Uuid>,
    label: &'static str,
    #[prop(optional)] with_reason: Option<&'static str>,
    #[prop(optional)] with_refund: Option<&'static str>,
    #[prop(default = false)] secondary: bool,
    /// The page to come back to (see `back_to`), else the order's.
    #[prop(optional)]
    back: Option<String>,
) -> impl IntoView {
    let error: FormError = Signal::derive(move || act.value().get().and_then(Result::err));
    let testid = format!("act-{}", action.as_str());
    view! {
        <ActionForm action=act attr:class="act-form">
            <input type="hidden" name="id" value=order.to_string()/>
            <input type="hidden" name="action" value=action.as_str()/>
            {line.map(|l| view! { <input type="hidden" name="line" value=l.to_string()/> })}
            {back.map(|b| view! { <input type="hidden" name="back" value=b/> })}
            {with_reason.map(|label| view! {
                <TextArea error name="reason" label=label required=false rows=2/>
            })}
            {with_refund.map(|label| view! {
                <Field error name="refund" label=label input_type="text" autocomplete="off"/>
            })}
            <button type="submit" class=if secondary { "button button-secondary" } else { "button" } data-testid=testid>{label}</button>
        </ActionForm>
    }
}

/// The buttons for the steps open on one line; `back` is where a step
/// returns (the order's page when none).
#[component]
fn StepButtons(
    act: ServerAction<ActOnOrder>,
    order: uuid::Uuid,
    line: uuid::Uuid,
    kind: ListingKind,
    actions: Vec<Step>,
    #[prop(optional)] back: Option<String>,
) -> impl IntoView {
    let t = use_i18n();
    actions
        .into_iter()
        .map(|a| {
            let label = action_label(t, a.as_str(), Some(kind));
            let secondary = a == Step::Decline;
            match back.clone() {
                Some(back) => {
                    view! { <ActButton act order action=a line label secondary back/> }.into_any()
                }
                None => view! { <ActButton act order action=a line label secondary/> }.into_any(),
            }
        })
        .collect_view()
}

#[component]
fn OrderDetails(
    order: OrderView,
    act: ServerAction<ActOnOrder>,
    message: ServerAction<PostMessage>,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let act_error: FormError = Signal::derive(move || act.value().get().and_then(Result::err));
    let id = order.id;
    let number = order.number.clone();
    let kinds: Vec<ListingKind> = order.lines.iter().map(|l| l.kind).collect();
    let order_actions = order.actions.clone();
    view! {
        <Title text=format!("{} {number}", t.order_title)/>
        <article class="order-page" data-testid="order" data-status=order.status.as_str()>
            <header class="order-head">
                <h1>{t.order_title}" "<span class="order-number" data-testid="order-number">{number.clone()}</span></h1>
                <p>{status_badge(t, order.status)}" "<span class="muted">{moment(locale, order.created_at)}" · "{order.customer_name.clone()}</span></p>
            </header>
            <FormMessage error=act_error/>
            <Breakdown order=order.clone()/>
            {(order.is_customer || order.is_board || order.payment.mine).then(|| view! { <PaymentInfo payment=order.payment.clone()/> })}
            {(order.is_customer && order.status == Status::PendingPayment && order.payment.method == Method::Card)
                .then(|| view! { <CardPay order=id total=order.total/> })}
            {order.note.clone().map(|n| view! { <section class="card"><h2>{t.order_note}</h2><p>{n}</p></section> })}
            <section class="order-lines">
                {order.lines.iter().map(|l| view! { <LineCard line=l.clone() order=id act/> }).collect_view()}
            </section>
            {(!order_actions.is_empty()).then(|| view! {
                <section class="card order-actions" data-testid="order-actions">
                    <h2>{t.order_what_next}</h2>
                    {order_actions.iter().map(|&a| {
                        let label = action_label(t, a.as_str(), None);
                        let secondary = matches!(a, Step::Cancel | Step::Dispute | Step::ResolveRefund | Step::ResolvePartial);
                        match a {
                            Step::Dispute => view! { <ActButton act order=id action=a label with_reason=t.order_dispute_reason secondary/> }.into_any(),
                            Step::ResolvePartial => view! { <ActButton act order=id action=a label with_refund=t.order_refund_amount secondary/> }.into_any(),
                            _ => view! { <ActButton act order=id action=a label secondary/> }.into_any(),
                        }
                    }).collect_view()}
                </section>
            })}
            {(!order.money.is_empty()).then(|| view! { <crate::pages::money::OrderMoney entries=order.money.clone()/> })}
            <Timeline events=order.events.clone() kinds=kinds.clone()/>
            <Messages order=id messages=order.messages.clone() message/>
        </article>
    }
    .into_any()
}

/// How to pay and whether the money arrived: for cash, whom to pay; for a
/// transfer, the cooperative's account, the reference and the deadline.
#[component]
fn PaymentInfo(payment: PaymentView) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let bank = payment.method == Method::Bank;
    let amount = payment.amount.map(|m| m.format(locale)).unwrap_or_default();
    view! {
        <section class="card payment-info" data-testid="payment" data-method=payment.method.as_str() data-paid=payment.paid.to_string()>
            <h2>{t.pay_how}</h2>
            <dl class="facts">
                <dt>{t.pay_method}</dt><dd>{method_name(t, payment.method)}</dd>
                <dt>{t.pay_amount}</dt><dd data-testid="pay-amount" data-minor=payment.amount.map(|m| m.minor().to_string())>{amount}</dd>
                {payment.collector_name.clone().map(|n| view! { <dt>{t.pay_cash_to}</dt><dd>{n}</dd> })}
                {payment.beneficiary.clone().map(|n| view! { <dt>{t.pay_beneficiary}</dt><dd>{n}</dd> })}
                {payment.iban.clone().map(|i| view! { <dt>{t.pay_iban}</dt><dd class="mono" data-testid="pay-iban">{i}</dd> })}
                {payment.reference.clone().map(|r| view! { <dt>{t.pay_reference}</dt><dd class="mono" data-testid="pay-reference">{r}</dd> })}
                {payment.pay_by.map(|at| view! { <dt>{t.pay_by}</dt><dd>{moment(locale, at)}</dd> })}
                <dt>{t.pay_status}</dt><dd>{if payment.paid { t.pay_received } else { t.pay_not_yet }}</dd>
            </dl>
            {(bank && payment.reference.is_some() && !payment.paid).then(|| view! { <p class="muted small">{t.pay_reference_hint}</p> })}
            {(bank && payment.iban.is_none() && !payment.paid).then(|| view! { <p class="alert">{t.pay_bank_missing}</p> })}
        </section>
    }
}

/// The customer's card payment: Stripe's card field is mounted by the
/// card-payment script, which also reveals the form; without JavaScript
/// the fallback text says what to do.
#[component]
fn CardPay(order: uuid::Uuid, total: Option<domain::money::Money>) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let amount = total.map(|m| m.format(locale)).unwrap_or_default();
    view! {
        <section class="card" id="card-pay" data-testid="card-pay">
            <h2>{t.pay_title}</h2>
            <p class="alert" data-card-fallback="">{t.pay_fallback}</p>
            <form hidden data-card-pay="" data-order=order.to_string() data-paying=t.pay_paying
                data-done=t.pay_done data-failed=t.pay_failed>
                <p id="card-label" class="label">{t.pay_card}</p>
                <div class="card-element" data-card-element="" role="group" aria-labelledby="card-label"></div>
                <p role="status" aria-live="polite" data-card-status=""></p>
                <button type="submit" class="button" data-testid="card-pay-submit">{t.pay_button}" "{amount}</button>
            </form>
        </section>
    }
}

#[component]
fn Breakdown(order: OrderView) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        {order.total.map(|total| view! {
                <section class="card breakdown" data-testid="breakdown">
                    <h2>{t.order_breakdown}</h2>
                    <table>
                        <tbody>
                            {order.lines.iter().map(|l| view! {
                                <tr><th scope="row">{l.title.clone()}</th><td class="num">{l.price.map(|p| p.format(locale))}</td></tr>
                            }).collect_view()}
                        </tbody>
                        <tfoot>
                            <tr><th scope="row">{t.order_total}</th><td class="num" data-testid="total">{total.format(locale)}</td></tr>
                            <tr><th scope="row" class="muted">{t.order_of_which_coop}</th><td class="num muted" data-testid="coop-fee">{order.fee.map(|f| f.format(locale))}</td></tr>
                        </tfoot>
                    </table>
                    <p class="muted small">{t.order_fee_version}" "{order.fee_rule_version}" · "{t.order_pay_manual}</p>
                </section>
            })}
    }
    .into_any()
}

#[component]
fn Timeline(events: Vec<EventView>, kinds: Vec<ListingKind>) -> impl IntoView {
    let t = use_i18n();
    view! {
            <section class="card">
                <h2>{t.order_timeline}</h2>
                <ol class="timeline" data-testid="timeline">
                    {events.iter().map(|e| view! { <TimelineEntry event=e.clone() kinds=kinds.clone()/> }).collect_view()}
                </ol>
            </section>
    }
    .into_any()
}

#[component]
fn Messages(
    order: uuid::Uuid,
    messages: Vec<crate::api::orders::MessageView>,
    message: ServerAction<PostMessage>,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let msg_error: FormError = Signal::derive(move || message.value().get().and_then(Result::err));
    let id = order;
    view! {
            <section class="card" id="messages">
                <h2>{t.order_messages}</h2>
                {if messages.is_empty() {
                    view! { <p class="muted">{t.order_no_messages}</p> }.into_any()
                } else {
                    view! {
                        <ul class="messages" data-testid="messages">
                            {messages.iter().map(|m| view! {
                                <li class:mine=m.mine>
                                    <p class="muted small">{m.author_name.clone()}" · "{moment(locale, m.at)}</p>
                                    <p>{m.body.clone()}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <ActionForm action=message attr:class="stack" attr:novalidate="">
                    <FormMessage error=msg_error/>
                    <input type="hidden" name="id" value=id.to_string()/>
                    <TextArea error=msg_error name="body" label=t.order_message_label rows=3/>
                    <button type="submit" class="button button-secondary" data-testid="send-message">{t.order_send_message}</button>
                </ActionForm>
            </section>
    }
    .into_any()
}

fn delivery_lines(t: &'static Strings, locale: Locale, d: &DeliveryView) -> impl IntoView {
    let window = match (d.window_start, d.window_end) {
        (Some(a), Some(b)) => Some(format!("{}–{}", moment(locale, a), b.format("%H:%M"))),
        _ => None,
    };
    view! {
        <dl class="facts">
            <dt>{t.order_pickup}</dt><dd>{d.pickup_address.clone()}" ("{d.pickup_postcode.clone()}")"</dd>
            <dt>{t.order_dropoff}</dt><dd>{d.dropoff_address.clone()}" ("{d.dropoff_postcode.clone()}")"</dd>
            {window.map(|w| view! { <dt>{t.order_window}</dt><dd>{w}</dd> })}
            {d.distance_km.map(|km| view! { <dt>{t.order_distance}</dt><dd>{km}" km"</dd> })}
            <dt>{t.order_package}</dt><dd>{size_name(t, &d.package_size)}{d.weight_kg.map(|w| format!(", {w} kg"))}</dd>
        </dl>
    }
}

#[component]
fn LineCard(line: LineView, order: uuid::Uuid, act: ServerAction<ActOnOrder>) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let kind = line.kind;
    // The provider's work is under way but has not begun yet: say when it
    // can be marked done.
    let done_from = line.begins.filter(|_| {
        line.mine
            && matches!(line.status, Status::Accepted | Status::InProgress)
            && !line.actions.contains(&Step::Fulfil)
    });
    view! {
        <section class="card line-card" data-testid=format!("line-{}", line.position) data-status=line.status.as_str()>
            <h2>{line.title.clone()}</h2>
            <p class="muted">{kind_name(t, kind)}" · "{t.listing_provider}" "{line.provider_name.clone()}" "{status_badge(t, line.status)}</p>
            {line.slot.map(|(date, start, end)| view! {
                <p>{t.order_when}": "{t.weekdays[domain::availability::weekday_of(date) as usize]}" "{format_date(locale, date)}" "{format_time(start)}"–"{format_time(end)}</p>
            })}
            {line.hours.map(|h| view! { <p>{t.order_hours}": "{h}</p> })}
            {line.place.clone().map(|p| view! {
                <p data-testid="place">{t.order_place_where}": "{p.address}", "{p.postcode}</p>
                {p.notes.map(|n| view! { <p class="muted">{t.order_access_notes}": "{n}</p> })}
            })}
            {line.delivery.as_ref().map(|d| delivery_lines(t, locale, d))}
            {line.mine.then(|| view! {
                <p data-testid="net">{t.order_your_net}": "<strong>{line.net.map(|n| n.format(locale))}</strong>
                    <span class="muted">" ("{t.order_price}" "{line.price.map(|p| p.format(locale))}", "{t.order_fee}" "{line.fee.map(|f| f.format(locale))}")"</span></p>
            })}
            {done_from.map(|b| view! {
                <p class="muted" data-testid="done-from" data-begins=b.to_rfc3339()>
                    {t.order_done_from}" "<time datetime=b.to_rfc3339()>{moment(locale, b)}</time>
                </p>
            })}
            {(!line.actions.is_empty()).then(|| view! {
                <div class="actions">
                    <StepButtons act order line=line.id kind actions=line.actions.clone()/>
                </div>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn TimelineEntry(event: EventView, kinds: Vec<ListingKind>) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let kind = event
        .line
        .and_then(|l| kinds.get(usize::try_from(l).unwrap_or(usize::MAX)).copied());
    let who = event
        .actor_name
        .clone()
        .unwrap_or_else(|| t.order_actor_system.to_owned());
    view! {
        <li data-action=event.action.clone()>
            <time datetime=event.at.to_rfc3339()>{moment(locale, event.at)}</time>
            " · "<strong>{action_label(t, &event.action, kind)}</strong>
            {event.line.map(|l| format!(" ({} {})", t.order_line, l + 1))}
            " → "{status_name(t, event.to)}
            <span class="muted">" · "{who}</span>
            {event.reason.clone().map(|r| view! { <span class="muted">" — "{r}</span> })}
        </li>
    }
    .into_any()
}

// ---------------------------------------------------------------------------
// Lists

#[component]
fn OrderList(
    orders: Vec<OrderSummary>,
    #[prop(default = false)] show_customer: bool,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    if orders.is_empty() {
        // The board's list is only empty; a customer learns how to begin.
        return if show_customer {
            view! { <p class="muted empty">{t.orders_none}</p> }.into_any()
        } else {
            view! {
                <p class="muted empty" data-testid="orders-empty">{t.orders_none_customer}</p>
                <p><a class="button" href="/search">{t.orders_find}</a></p>
            }
            .into_any()
        };
    }
    view! {
        <ul class="order-list" data-testid="order-list">
            {orders.into_iter().map(|o| view! {
                <li>
                    <span class="order-number">{o.number.clone()}</span>" "
                    <a href=format!("/orders/{}", o.id)>{o.titles.join(" + ")}</a>
                    " "{status_badge(t, o.status)}
                    <span class="muted">" "{moment(locale, o.created_at)}" · "{o.total.format(locale)}
                        {show_customer.then(|| format!(" · {}", o.customer_name))}</span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn MyOrdersPage() -> impl IntoView {
    let t = use_i18n();
    let orders = Resource::new(|| (), |_| my_orders());
    view! {
        <Title text=t.orders_title/>
        <h1>{t.orders_title}</h1>
        <Suspense fallback=|| ()>
            {move || orders.get().map(|r| match r {
                Ok(list) => view! { <section class="card"><OrderList orders=list/></section> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
pub fn BoardOrdersPage() -> impl IntoView {
    let t = use_i18n();
    let query = use_query_map();
    let status = move || query.with(|q| q.get("status")).unwrap_or_default();
    let orders = Resource::new(status, board_orders);
    let options: Vec<(String, &'static str)> = Status::ALL
        .into_iter()
        .filter(|s| *s != Status::Declined)
        .map(|s| (s.as_str().to_owned(), status_name(t, s)))
        .collect();
    view! {
        <Title text=t.board_orders_title/>
        <h1>{t.board_orders_title}</h1>
        <form method="get" action="/board/orders" class="filters card">
            <label for="status-filter">{t.board_orders_filter}</label>
            <select id="status-filter" name="status">
                <option value="">{t.board_orders_all}</option>
                {options.into_iter().map(|(v, l)| {
                    let selected = status() == v;
                    view! { <option value=v selected=selected>{l}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class="button button-secondary">{t.action_filter}</button>
            <a href="/board/orders?status=disputed">{t.board_orders_disputes}</a>
        </form>
        <Suspense fallback=|| ()>
            {move || orders.get().map(|r| match r {
                Ok(list) => view! { <section class="card"><OrderList orders=list show_customer=true/></section> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

/// One line of work on the dashboard or the courier's day, with the steps
/// open to the member on it as buttons; `back` is where they return.
#[component]
pub fn WorkRow(item: WorkItem, act: ServerAction<ActOnOrder>, back: String) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    // What the line waits for: the member's first step, else someone else.
    let waits = match item.actions.first() {
        Some(Step::ConfirmPayment) => t.work_waits_confirm,
        Some(Step::Accept | Step::Decline) => t.work_waits_you,
        Some(Step::Start) => t.work_waits_start,
        Some(_) => t.work_waits_done,
        None => match item.status {
            Status::Placed | Status::Paid | Status::PendingPayment => t.work_waits_payment,
            Status::Accepted => t.work_waits_start,
            _ => t.work_waits_done,
        },
    };
    let kind = item.kind;
    let order = item.order_id;
    let line = item.line_id;
    view! {
        <li class="work-item" data-status=item.status.as_str() data-testid=format!("work-{}", item.order_number)>
            <span class="order-number">{item.order_number.clone()}</span>" "
            <a href=format!("/orders/{}", item.order_id)>{item.title.clone()}</a>
            " "{status_badge(t, item.status)}
            <p class="muted small">
                {item.when.map(|w| date_time(locale, w))}
                {item.until.map(|u| format!("–{}", u.format("%H:%M")))}
                " · "{item.customer_name.clone()}" · "{t.order_your_net}" "{item.net.format(locale)}
            </p>
            {item.delivery.as_ref().map(|d| view! {
                <p class="small">{t.order_pickup}": "{d.pickup_address.clone()}" → "{t.order_dropoff}": "{d.dropoff_address.clone()}</p>
            })}
            <p class="small work-next" data-testid="work-next">{waits}</p>
            <div class="actions work-actions">
                <StepButtons act order line kind actions=item.actions.clone() back/>
                <a class="button button-secondary" href=format!("/orders/{}", item.order_id)>{t.work_open}</a>
            </div>
        </li>
    }
}

/// The member's work on the dashboard: to act on, today, upcoming.
/// `work` and `act` are created by the page itself (resources made inside
/// a reactive branch lose the request's context during server rendering);
/// `work` follows `act`, so a step taken here shows at once.
#[component]
pub fn WorkSection(
    work: Resource<Result<crate::api::orders::MyWork, AppError>>,
    act: ServerAction<ActOnOrder>,
) -> impl IntoView {
    let t = use_i18n();
    let act_error: FormError = Signal::derive(move || act.value().get().and_then(Result::err));
    let group = move |title: &'static str,
                      testid: &'static str,
                      empty: &'static str,
                      items: Vec<WorkItem>| {
        view! {
            <h3>{title}</h3>
            {if items.is_empty() {
                view! { <p class="muted empty">{empty}</p> }.into_any()
            } else {
                view! {
                    <ul class="work-list" data-testid=testid>
                        {items.into_iter().map(|i| view! { <WorkRow item=i act back="dashboard".to_owned()/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        }
    };
    view! {
        <section class="card" id="work" data-testid="work">
            <h2>{t.work_title}</h2>
            <FormMessage error=act_error/>
            <p><a href="/dashboard/deliveries">{t.courier_day_title}</a></p>
            <Suspense fallback=|| ()>
                {move || work.get().and_then(Result::ok).map(|w| view! {
                    {group(t.work_to_act, "work-to-act", t.work_nothing_to_act, w.to_act)}
                    {group(t.work_today, "work-today", t.work_nothing_today, w.today)}
                    {group(t.work_upcoming, "work-upcoming", t.work_nothing_upcoming, w.upcoming)}
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn CourierDayPage() -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let query = use_query_map();
    let date = move || query.with(|q| q.get("date")).unwrap_or_default();
    let act = ServerAction::<ActOnOrder>::new();
    let act_error: FormError = Signal::derive(move || act.value().get().and_then(Result::err));
    let day = Resource::new(
        move || (date(), act.version().get()),
        |(date, _)| courier_day(date),
    );
    view! {
        <Title text=t.courier_day_title/>
        <h1>{t.courier_day_title}</h1>
        <form method="get" action="/dashboard/deliveries" class="filters card">
            <label for="day">{t.order_window_date}</label>
            <input id="day" type="date" name="date" value=date/>
            <button type="submit" class="button button-secondary">{t.action_show}</button>
        </form>
        <FormMessage error=act_error/>
        <Suspense fallback=|| ()>
            {move || day.get().map(|r| match r {
                Ok((d, items)) => view! {
                    <section class="card courier-day">
                        <h2>{format_date(locale, d)}</h2>
                        {if items.is_empty() {
                            view! { <p class="muted">{t.courier_day_none}</p> }.into_any()
                        } else {
                            view! {
                                <ol class="stops" data-testid="stops">
                                    {items.into_iter().map(|i| {
                                        let leg = i.delivery.clone();
                                        view! {
                                            <li class="stop" data-status=i.status.as_str()>
                                                <p><strong>{i.when.map(|w| w.format("%H:%M").to_string())}{i.until.map(|u| format!("–{}", u.format("%H:%M")))}</strong>" "{status_badge(t, i.status)}" "<span class="order-number">{i.order_number.clone()}</span></p>
                                                {leg.map(|leg| view! {
                                                    <p>{t.order_pickup}": "{leg.pickup_address}</p>
                                                    <p>{t.order_dropoff}": "{leg.dropoff_address}</p>
                                                })}
                                                <div class="actions">
                                                    <StepButtons act order=i.order_id line=i.line_id kind=i.kind actions=i.actions.clone() back=format!("deliveries:{d}")/>
                                                    <a class="button button-secondary" href=format!("/orders/{}", i.order_id)>{t.courier_open_order}</a>
                                                </div>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ol>
                            }.into_any()
                        }}
                    </section>
                }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}
