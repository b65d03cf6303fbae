//! The order state machine, per order and per line. Pure: given the current
//! state, an action, who asks and the time, it answers the changes to make
//! or why not. The server applies the answer in one transaction.
//!
//! ```text
//! card, bank:  pending_payment → paid → accepted → in_progress → fulfilled → completed
//!                     ↓            ↓        ↓                        ↓
//!                 cancelled    refunded  refunded               disputed → resolved
//! cash:        placed → accepted → in_progress → fulfilled → completed
//!                ↓          ↓      (the collector confirms the cash on the way)
//!            cancelled  cancelled or refunded
//! ```
//! A line may also be `declined` by its provider (or after 24 h unanswered):
//! the whole order is then refunded (or, unpaid, cancelled) and its other
//! lines cancelled.
//!
//! Cash is paid at the end, to the member who does the work (the courier on
//! a composite order): a cash order is worked on before any money exists,
//! and the collector confirms the cash when it is handed over, which
//! changes no status but books the money. It completes only once the cash
//! is confirmed. A bank transfer has days to arrive, a card minutes; only
//! a board member who is not a party to the order confirms a transfer, and
//! only the processor a card.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod plan;

pub use plan::{LineState, OrderState, Transition, TransitionError};

/// Unpaid card orders expire after this long.
pub const PAYMENT_WINDOW: Duration = Duration::minutes(30);
/// Bank transfers have this many days to arrive unless the cooperative
/// sets another number.
pub const BANK_TRANSFER_DAYS: i64 = 5;
/// Lines not accepted this long after payment are declined.
pub const ACCEPT_WINDOW: Duration = Duration::hours(24);
/// Fulfilled orders complete by themselves this long after the customer
/// was told the work is done.
pub const CONFIRM_WINDOW: Duration = Duration::hours(48);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    PendingPayment,
    Paid,
    Accepted,
    InProgress,
    Fulfilled,
    Completed,
    /// Lines only: refused by the provider or unanswered.
    Declined,
    Cancelled,
    Refunded,
    Disputed,
    Resolved,
    /// A cash order waiting for its providers: nothing is paid until the
    /// work is done.
    Placed,
}

impl Status {
    pub const ALL: [Status; 12] = [
        Status::PendingPayment,
        Status::Paid,
        Status::Accepted,
        Status::InProgress,
        Status::Fulfilled,
        Status::Completed,
        Status::Declined,
        Status::Cancelled,
        Status::Refunded,
        Status::Disputed,
        Status::Resolved,
        Status::Placed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingPayment => "pending_payment",
            Status::Paid => "paid",
            Status::Accepted => "accepted",
            Status::InProgress => "in_progress",
            Status::Fulfilled => "fulfilled",
            Status::Completed => "completed",
            Status::Declined => "declined",
            Status::Cancelled => "cancelled",
            Status::Refunded => "refunded",
            Status::Disputed => "disputed",
            Status::Resolved => "resolved",
            Status::Placed => "placed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Nothing happens to an order or line after these.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Completed
                | Status::Declined
                | Status::Cancelled
                | Status::Refunded
                | Status::Resolved
        )
    }
}

/// How the customer pays an order, chosen when ordering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Cash to the member who does the work (the courier on a composite
    /// order), handed over when the work is done.
    Cash,
    /// A bank transfer to the cooperative with the order's reference.
    Bank,
    /// A card, through the payment processor.
    Card,
}

impl Method {
    pub const ALL: [Method; 3] = [Method::Cash, Method::Bank, Method::Card];

    /// The name in forms (`order-place`'s `payment`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::Bank => "bank",
            Method::Card => "card",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The name stored in `orders.payment_provider` and `payments.provider`.
    pub fn provider(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::Bank => "bank",
            Method::Card => "stripe",
        }
    }

    /// The method of a stored provider name (`manual`, from before the
    /// methods were told apart, was money held by the cooperative).
    pub fn of_provider(s: &str) -> Option<Method> {
        match s {
            "cash" => Some(Method::Cash),
            "bank" | "manual" => Some(Method::Bank),
            "stripe" => Some(Method::Card),
            _ => None,
        }
    }

    /// The status a new order starts in.
    pub fn first_status(self) -> Status {
        match self {
            Method::Cash => Status::Placed,
            Method::Bank | Method::Card => Status::PendingPayment,
        }
    }
}

/// Who asks for a transition. `id` is `None` for the job runner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Who {
    pub id: Option<Uuid>,
    pub board: bool,
}

impl Who {
    pub const SYSTEM: Who = Who {
        id: None,
        board: false,
    };
    pub fn person(id: Uuid, board: bool) -> Who {
        Who {
            id: Some(id),
            board,
        }
    }
}

/// How the board settles a dispute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resolution {
    /// The work stands: the providers are paid.
    Release,
    /// The customer gets the money back.
    Refund,
    /// This much (minor units) goes back to the customer; the rest is
    /// shared by the lines' providers and the cooperative in proportion.
    Partial(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Money received: a provider of the order or the board (manual
    /// payments), or the system on the processor's word.
    ConfirmPayment,
    Accept(usize),
    Decline(usize),
    /// A courier picked the parcel up; a provider started the work.
    Start(usize),
    /// Delivered, or the work is done.
    Fulfil(usize),
    /// The customer confirms the order was fulfilled.
    Complete,
    Dispute,
    Resolve(Resolution),
    /// Only the customer cancels, before any work has started.
    Cancel,
    /// Timed (job runner).
    Expire,
    AutoDecline,
    AutoComplete,
}

impl Action {
    /// The name stored in events and used in URLs.
    pub fn name(self) -> &'static str {
        match self {
            Action::ConfirmPayment => "confirm_payment",
            Action::Accept(_) => "accept",
            Action::Decline(_) => "decline",
            Action::Start(_) => "start",
            Action::Fulfil(_) => "fulfil",
            Action::Complete => "complete",
            Action::Dispute => "dispute",
            Action::Resolve(Resolution::Release) => "resolve_release",
            Action::Resolve(Resolution::Refund) => "resolve_refund",
            Action::Resolve(Resolution::Partial(_)) => "resolve_partial",
            Action::Cancel => "cancel",
            Action::Expire => "expire",
            Action::AutoDecline => "auto_decline",
            Action::AutoComplete => "auto_complete",
        }
    }
}

/// A step as a page offers it and a form sends it: an action's name,
/// without the line it is taken on or a settlement's amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    ConfirmPayment,
    Accept,
    Decline,
    Start,
    Fulfil,
    Complete,
    Dispute,
    Cancel,
    ResolveRelease,
    ResolveRefund,
    ResolvePartial,
}

impl Step {
    pub const ALL: [Step; 11] = [
        Step::ConfirmPayment,
        Step::Accept,
        Step::Decline,
        Step::Start,
        Step::Fulfil,
        Step::Complete,
        Step::Dispute,
        Step::Cancel,
        Step::ResolveRelease,
        Step::ResolveRefund,
        Step::ResolvePartial,
    ];

    /// The step a person takes for `action`; `None` for the timed ones.
    pub fn of(action: Action) -> Option<Step> {
        Some(match action {
            Action::ConfirmPayment => Step::ConfirmPayment,
            Action::Accept(_) => Step::Accept,
            Action::Decline(_) => Step::Decline,
            Action::Start(_) => Step::Start,
            Action::Fulfil(_) => Step::Fulfil,
            Action::Complete => Step::Complete,
            Action::Dispute => Step::Dispute,
            Action::Cancel => Step::Cancel,
            Action::Resolve(Resolution::Release) => Step::ResolveRelease,
            Action::Resolve(Resolution::Refund) => Step::ResolveRefund,
            Action::Resolve(Resolution::Partial(_)) => Step::ResolvePartial,
            Action::Expire | Action::AutoDecline | Action::AutoComplete => return None,
        })
    }

    /// The action this step is on line `line` (line steps need it) with
    /// `refund` (a partial settlement needs it).
    pub fn action(self, line: Option<usize>, refund: Option<i64>) -> Option<Action> {
        Some(match self {
            Step::ConfirmPayment => Action::ConfirmPayment,
            Step::Accept => Action::Accept(line?),
            Step::Decline => Action::Decline(line?),
            Step::Start => Action::Start(line?),
            Step::Fulfil => Action::Fulfil(line?),
            Step::Complete => Action::Complete,
            Step::Dispute => Action::Dispute,
            Step::Cancel => Action::Cancel,
            Step::ResolveRelease => Action::Resolve(Resolution::Release),
            Step::ResolveRefund => Action::Resolve(Resolution::Refund),
            Step::ResolvePartial => Action::Resolve(Resolution::Partial(refund?)),
        })
    }

    /// The name forms send (the action's name).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::ConfirmPayment => "confirm_payment",
            Step::Accept => "accept",
            Step::Decline => "decline",
            Step::Start => "start",
            Step::Fulfil => "fulfil",
            Step::Complete => "complete",
            Step::Dispute => "dispute",
            Step::Cancel => "cancel",
            Step::ResolveRelease => "resolve_release",
            Step::ResolveRefund => "resolve_refund",
            Step::ResolvePartial => "resolve_partial",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[cfg(test)]
mod tests;
