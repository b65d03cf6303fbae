//! Ordering and following orders: the order form of a listing (`form`),
//! an order's page (`order`: breakdown, lines, actions, timeline,
//! messages), and the lists (`lists`: the customer's orders, the courier's
//! day, the board's list, the member's work). Here: the names of states,
//! methods and steps, and the step buttons they all show.

pub mod form;
pub mod lists;
pub mod order;
use crate::api::orders::ActOnOrder;
use crate::components::form::{Field, FormError, TextArea};
use crate::i18n::{use_i18n, Strings};
use domain::listing::ListingKind;
use domain::order::{Method, Status, Step};
use leptos::form::ActionForm;
use leptos::prelude::*;

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

fn status_badge(t: &'static Strings, s: Status) -> impl IntoView {
    view! { <span class=format!("badge order-{}", s.as_str()) data-status=s.as_str()>{status_name(t, s)}</span> }
}

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
