//! One order's page (`/orders/:id`): breakdown, payment, lines with their
//! steps, timeline and messages.

use super::{
    action_label, method_name, size_name, status_badge, status_name, ActButton, StepButtons,
};
use crate::api::orders::{
    get_order, ActOnOrder, DeliveryView, EventView, LineView, OrderView, PaymentView, PostMessage,
};
use crate::components::form::{FormError, FormMessage, TextArea};
use crate::components::format::moment;
use crate::components::listing::{kind_name, load_error};
use crate::error::AppError;
use crate::i18n::{format_date, use_i18n, use_locale, Locale, Strings};
use crate::pages::listing::path_id;
use domain::availability::format_time;
use domain::listing::ListingKind;
use domain::order::{Method, Status, Step};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

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
