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

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineState {
    pub provider: Uuid,
    pub status: Status,
    /// When the work begins (the booked opening, the delivery window):
    /// it cannot be marked done before.
    pub begins: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderState {
    pub customer: Uuid,
    pub status: Status,
    pub method: Method,
    /// Cash orders: the member the customer pays.
    pub collector: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Bank and card orders: when an unpaid order expires.
    pub pay_by: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub fulfilled_at: Option<DateTime<Utc>>,
    /// When the customer was told of the last fulfilment (its e-mail went
    /// out); `None` while a notice waits to be sent.
    pub told_done_at: Option<DateTime<Utc>>,
    pub lines: Vec<LineState>,
}

/// The changes an action makes: the order's status and each changed line
/// (index, from, to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub order_from: Status,
    pub order_to: Status,
    pub lines: Vec<(usize, Status, Status)>,
    /// The customer's money arrives with this transition.
    pub paid: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// This person may not do this to this order.
    #[error("not allowed for this person")]
    NotAllowed,
    /// The order or line is not in a state that allows it.
    #[error("not allowed in this state")]
    WrongState,
    /// Its time has passed (an unpaid order expired, acceptance window over).
    #[error("too late")]
    TooLate,
    /// A timed transition asked for before its time.
    #[error("not yet due")]
    NotDue,
    /// Work marked done before it was due to begin.
    #[error("the work has not begun")]
    TooEarly,
    /// A board member acting as the cooperative on an order they are a
    /// party to (customer, provider or courier): another must.
    #[error("a party to the order")]
    Party,
    /// A cash order whose cash has not been confirmed yet.
    #[error("not paid yet")]
    Unpaid,
    #[error("no such line")]
    NoSuchLine,
}

impl OrderState {
    fn is_customer(&self, who: Who) -> bool {
        who.id == Some(self.customer)
    }
    fn is_provider(&self, who: Who, line: usize) -> bool {
        who.id.is_some() && self.lines.get(line).map(|l| Some(l.provider)) == Some(who.id)
    }
    fn is_any_provider(&self, who: Who) -> bool {
        who.id.is_some() && self.lines.iter().any(|l| Some(l.provider) == who.id)
    }
    /// The customer, a provider or the courier: someone with an interest
    /// in the order's money.
    pub fn is_party(&self, who: Who) -> bool {
        self.is_customer(who) || self.is_any_provider(who)
    }
    /// Acting as the cooperative: a board member who is not a party.
    fn check_board(&self, who: Who) -> Result<(), TransitionError> {
        if !who.board {
            Err(TransitionError::NotAllowed)
        } else if self.is_party(who) {
            Err(TransitionError::Party)
        } else {
            Ok(())
        }
    }

    fn payment_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.pay_by.unwrap_or(self.created_at + PAYMENT_WINDOW)
    }
    /// Lines wait this long for their providers: from payment, or for cash
    /// from the order.
    fn acceptance_over(&self, now: DateTime<Utc>) -> bool {
        let from = match self.method {
            Method::Cash => Some(self.created_at),
            Method::Bank | Method::Card => self.paid_at,
        };
        from.is_some_and(|p| now >= p + ACCEPT_WINDOW)
    }
    /// Where the order waits for its providers' acceptance.
    fn awaiting(&self) -> Status {
        match self.method {
            Method::Cash => Status::Placed,
            Method::Bank | Method::Card => Status::Paid,
        }
    }
    /// An order that is over without work gives back what was paid (bank
    /// and card orders past `pending_payment` always were).
    fn ended(&self) -> Status {
        if self.method != Method::Cash || self.paid_at.is_some() {
            Status::Refunded
        } else {
            Status::Cancelled
        }
    }

    /// Every line not yet final moves to `to`.
    fn all_open_lines(&self, to: Status) -> Vec<(usize, Status, Status)> {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.status.is_final() && l.status != to)
            .map(|(i, l)| (i, l.status, to))
            .collect()
    }

    /// The changes `action` by `who` at `now` makes, or why it is refused.
    pub fn plan(
        &self,
        action: Action,
        who: Who,
        now: DateTime<Utc>,
    ) -> Result<Transition, TransitionError> {
        use Status::*;
        let order = self.status;
        let done = |order_to: Status, lines: Vec<(usize, Status, Status)>| {
            Ok(Transition {
                order_from: order,
                order_to,
                lines,
                paid: false,
            })
        };
        let system = who.id.is_none();
        let unpaid_cash = self.method == Method::Cash && self.paid_at.is_none();
        match action {
            Action::ConfirmPayment => match self.method {
                // The member who took the cash says so, once the work is
                // under way (never before anyone accepted it).
                Method::Cash => {
                    if system || who.id != self.collector {
                        return Err(TransitionError::NotAllowed);
                    }
                    if self.paid_at.is_some() || !matches!(order, Accepted | InProgress | Fulfilled)
                    {
                        return Err(TransitionError::WrongState);
                    }
                    Ok(Transition {
                        order_from: order,
                        order_to: order,
                        lines: Vec::new(),
                        paid: true,
                    })
                }
                // The processor's word for a card (even late: the money
                // was taken, so the order is paid if it is still open); a
                // board member who is not a party for a transfer (or the
                // system on a matched bank statement).
                Method::Bank | Method::Card => {
                    if !system {
                        if self.method == Method::Card {
                            return Err(TransitionError::NotAllowed);
                        }
                        self.check_board(who)?;
                    }
                    if order != PendingPayment {
                        return Err(TransitionError::WrongState);
                    }
                    if !system && self.payment_expired(now) {
                        return Err(TransitionError::TooLate);
                    }
                    Ok(Transition {
                        order_from: order,
                        order_to: Paid,
                        lines: self.all_open_lines(Paid),
                        paid: true,
                    })
                }
            },
            Action::Accept(i) | Action::Decline(i) | Action::Start(i) | Action::Fulfil(i) => {
                let line = self.lines.get(i).ok_or(TransitionError::NoSuchLine)?;
                if !self.is_provider(who, i) {
                    return Err(TransitionError::NotAllowed);
                }
                let step = (action, order, line.status);
                let waiting = self.awaiting();
                match step {
                    (Action::Accept(_), o, l) if o == waiting && l == waiting => {
                        if self.acceptance_over(now) {
                            return Err(TransitionError::TooLate);
                        }
                        let all = self
                            .lines
                            .iter()
                            .enumerate()
                            .all(|(j, l)| j == i || l.status == Accepted);
                        done(
                            if all { Accepted } else { waiting },
                            vec![(i, waiting, Accepted)],
                        )
                    }
                    (Action::Decline(_), o, l) if o == waiting && l == waiting => {
                        let mut lines = vec![(i, waiting, Declined)];
                        lines.extend(
                            self.all_open_lines(Cancelled)
                                .into_iter()
                                .filter(|(j, _, _)| *j != i),
                        );
                        done(self.ended(), lines)
                    }
                    (Action::Start(_), Accepted | InProgress, Accepted) => {
                        done(InProgress, vec![(i, Accepted, InProgress)])
                    }
                    (Action::Fulfil(_), Accepted | InProgress, Accepted | InProgress) => {
                        if line.begins.is_some_and(|b| now < b) {
                            return Err(TransitionError::TooEarly);
                        }
                        let all = self
                            .lines
                            .iter()
                            .enumerate()
                            .all(|(j, l)| j == i || l.status == Fulfilled);
                        done(
                            if all { Fulfilled } else { InProgress },
                            vec![(i, line.status, Fulfilled)],
                        )
                    }
                    _ => Err(TransitionError::WrongState),
                }
            }
            Action::Complete | Action::Dispute | Action::Cancel => {
                if !self.is_customer(who) {
                    return Err(TransitionError::NotAllowed);
                }
                match (action, order) {
                    (Action::Complete | Action::Dispute, Accepted | InProgress | Fulfilled)
                        if unpaid_cash =>
                    {
                        Err(TransitionError::Unpaid)
                    }
                    (Action::Complete, Fulfilled) => {
                        done(Completed, self.all_open_lines(Completed))
                    }
                    (Action::Dispute, Accepted | InProgress | Fulfilled) => {
                        done(Disputed, self.all_open_lines(Disputed))
                    }
                    (Action::Cancel, PendingPayment | Placed) => {
                        done(Cancelled, self.all_open_lines(Cancelled))
                    }
                    (Action::Cancel, Paid | Accepted) => {
                        done(self.ended(), self.all_open_lines(Cancelled))
                    }
                    _ => Err(TransitionError::WrongState),
                }
            }
            Action::Resolve(resolution) => {
                self.check_board(who)?;
                if order != Disputed {
                    return Err(TransitionError::WrongState);
                }
                let to = match resolution {
                    Resolution::Release | Resolution::Partial(_) => Completed,
                    Resolution::Refund => Refunded,
                };
                done(Resolved, self.all_open_lines(to))
            }
            Action::Expire | Action::AutoDecline | Action::AutoComplete => {
                if !system {
                    return Err(TransitionError::NotAllowed);
                }
                match (action, order) {
                    (Action::Expire, PendingPayment) => {
                        if !self.payment_expired(now) {
                            return Err(TransitionError::NotDue);
                        }
                        done(Cancelled, self.all_open_lines(Cancelled))
                    }
                    (Action::AutoDecline, Paid | Placed) if order == self.awaiting() => {
                        if !self.acceptance_over(now) {
                            return Err(TransitionError::NotDue);
                        }
                        let lines = self
                            .lines
                            .iter()
                            .enumerate()
                            .filter(|(_, l)| !l.status.is_final())
                            .map(|(i, l)| {
                                let to = if l.status == order {
                                    Declined
                                } else {
                                    Cancelled
                                };
                                (i, l.status, to)
                            })
                            .collect();
                        done(self.ended(), lines)
                    }
                    (Action::AutoComplete, Fulfilled) if unpaid_cash => {
                        Err(TransitionError::Unpaid)
                    }
                    (Action::AutoComplete, Fulfilled) => {
                        if self.told_done_at.is_none_or(|t| now < t + CONFIRM_WINDOW) {
                            return Err(TransitionError::NotDue);
                        }
                        done(Completed, self.all_open_lines(Completed))
                    }
                    _ => Err(TransitionError::WrongState),
                }
            }
        }
    }

    /// Applies a planned transition to this snapshot (what the database
    /// will hold after it), setting the timestamps it implies.
    pub fn apply(&mut self, t: &Transition, now: DateTime<Utc>) {
        self.status = t.order_to;
        for &(i, _, to) in &t.lines {
            if let Some(l) = self.lines.get_mut(i) {
                l.status = to;
            }
        }
        if t.paid {
            self.paid_at = Some(now);
        }
        if t.order_to == Status::Fulfilled {
            self.fulfilled_at = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_name_their_actions() {
        for step in Step::ALL {
            let action = step.action(Some(0), Some(1));
            assert_eq!(action.and_then(Step::of), Some(step));
            assert_eq!(action.map(Action::name), Some(step.as_str()));
            assert_eq!(Step::parse(step.as_str()), Some(step));
        }
        assert_eq!(Step::Accept.action(None, None), None);
        assert_eq!(Step::of(Action::Expire), None);
    }
    use proptest::prelude::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(minutes)
    }

    fn ids() -> (Uuid, Uuid, Uuid, Uuid) {
        (
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            Uuid::from_u128(4),
        )
    }

    /// A composite order: line 0 a service by A, line 1 a delivery by B.
    fn composite() -> OrderState {
        let (customer, a, b, _) = ids();
        OrderState {
            customer,
            status: Status::PendingPayment,
            method: Method::Bank,
            collector: None,
            created_at: at(0),
            pay_by: Some(at(30)),
            paid_at: None,
            fulfilled_at: None,
            told_done_at: None,
            lines: vec![
                LineState {
                    provider: a,
                    status: Status::PendingPayment,
                    begins: Some(at(4)),
                },
                LineState {
                    provider: b,
                    status: Status::PendingPayment,
                    begins: Some(at(4)),
                },
            ],
        }
    }

    /// Someone without a board seat.
    fn people(id: Uuid) -> Who {
        Who::person(id, false)
    }

    fn step(o: &mut OrderState, a: Action, who: Who, now: DateTime<Utc>) -> Status {
        match o.plan(a, who, now) {
            Ok(t) => {
                o.apply(&t, now);
                o.status
            }
            Err(e) => panic!("{a:?} refused: {e}"),
        }
    }

    #[test]
    fn happy_path_of_a_composite_order() {
        let (customer, a, b, _) = ids();
        let (c, a, b) = (people(customer), people(a), people(b));
        let mut o = composite();
        let treasurer = Who::person(ids().3, true);
        assert_eq!(
            step(&mut o, Action::ConfirmPayment, treasurer, at(5)),
            Status::Paid
        );
        assert_eq!(step(&mut o, Action::Accept(0), a, at(6)), Status::Paid);
        assert_eq!(step(&mut o, Action::Accept(1), b, at(7)), Status::Accepted);
        assert_eq!(
            step(&mut o, Action::Fulfil(0), a, at(8)),
            Status::InProgress
        );
        assert_eq!(step(&mut o, Action::Start(1), b, at(9)), Status::InProgress);
        assert_eq!(
            step(&mut o, Action::Fulfil(1), b, at(10)),
            Status::Fulfilled
        );
        assert_eq!(o.fulfilled_at, Some(at(10)));
        assert_eq!(step(&mut o, Action::Complete, c, at(11)), Status::Completed);
        assert!(o.lines.iter().all(|l| l.status == Status::Completed));
    }

    #[test]
    fn work_is_done_once_it_begins() {
        let (_, a, b, _) = ids();
        let (a, b) = (people(a), people(b));
        let mut o = composite();
        o.lines[1].begins = Some(at(100));
        step(
            &mut o,
            Action::ConfirmPayment,
            Who::person(ids().3, true),
            at(1),
        );
        step(&mut o, Action::Accept(0), a, at(2));
        step(&mut o, Action::Accept(1), b, at(2));
        // Starting early is fine (setting off to the customer); done is not.
        step(&mut o, Action::Start(1), b, at(3));
        assert_eq!(
            o.plan(Action::Fulfil(0), a, at(3)),
            Err(TransitionError::TooEarly)
        );
        assert_eq!(
            step(&mut o, Action::Fulfil(0), a, at(4)),
            Status::InProgress
        );
        assert_eq!(
            o.plan(Action::Fulfil(1), b, at(99)),
            Err(TransitionError::TooEarly)
        );
        assert_eq!(
            step(&mut o, Action::Fulfil(1), b, at(100)),
            Status::Fulfilled
        );
    }

    #[test]
    fn completion_by_itself_waits_48_hours_from_the_notice() {
        let (_, a, b, _) = ids();
        let (a, b) = (people(a), people(b));
        let mut o = composite();
        step(
            &mut o,
            Action::ConfirmPayment,
            Who::person(ids().3, true),
            at(1),
        );
        step(&mut o, Action::Accept(0), a, at(2));
        step(&mut o, Action::Accept(1), b, at(2));
        step(&mut o, Action::Fulfil(0), a, at(4));
        step(&mut o, Action::Fulfil(1), b, at(5));
        let late = at(5 + 72 * 60);
        // The customer has not been told yet (the mail waits): no clock runs.
        assert_eq!(
            o.plan(Action::AutoComplete, Who::SYSTEM, late),
            Err(TransitionError::NotDue)
        );
        // Told a day after the work was done: 48 hours from then.
        o.told_done_at = Some(at(5 + 24 * 60));
        assert_eq!(
            o.plan(Action::AutoComplete, Who::SYSTEM, at(5 + 72 * 60 - 1)),
            Err(TransitionError::NotDue)
        );
        assert!(o.plan(Action::AutoComplete, Who::SYSTEM, late).is_ok());
    }

    #[test]
    fn wrong_people_are_refused() {
        let (customer, a, b, stranger) = ids();
        let mut o = composite();
        let s = Who::person(stranger, false);
        assert_eq!(
            o.plan(Action::ConfirmPayment, s, at(1)),
            Err(TransitionError::NotAllowed)
        );
        // Only the customer cancels: not a provider, not the board.
        for who in [Who::person(a, false), Who::person(stranger, true)] {
            assert_eq!(
                o.plan(Action::Cancel, who, at(1)),
                Err(TransitionError::NotAllowed)
            );
        }
        // A provider cannot say a transfer arrived; a board member can.
        assert_eq!(
            o.plan(Action::ConfirmPayment, Who::person(a, false), at(1)),
            Err(TransitionError::NotAllowed)
        );
        step(
            &mut o,
            Action::ConfirmPayment,
            Who::person(stranger, true),
            at(1),
        );
        // B cannot accept A's line.
        assert_eq!(
            o.plan(Action::Accept(0), Who::person(b, false), at(2)),
            Err(TransitionError::NotAllowed)
        );
        assert_eq!(
            o.plan(Action::Expire, Who::person(customer, true), at(99)),
            Err(TransitionError::NotAllowed)
        );
    }

    #[test]
    fn timed_transitions_wait_for_their_time() {
        let (_, a, _, _) = ids();
        let o = composite();
        assert_eq!(
            o.plan(Action::Expire, Who::SYSTEM, at(29)),
            Err(TransitionError::NotDue)
        );
        assert!(o.plan(Action::Expire, Who::SYSTEM, at(30)).is_ok());
        // After expiry the payment can no longer be confirmed.
        let treasurer = Who::person(ids().3, true);
        assert_eq!(
            o.plan(Action::ConfirmPayment, treasurer, at(31)),
            Err(TransitionError::TooLate)
        );
        let mut paid = composite();
        step(&mut paid, Action::ConfirmPayment, treasurer, at(1));
        step(&mut paid, Action::Accept(0), Who::person(a, false), at(2));
        assert_eq!(
            paid.plan(Action::AutoDecline, Who::SYSTEM, at(1 + 24 * 60 - 1)),
            Err(TransitionError::NotDue)
        );
        let t = paid.plan(Action::AutoDecline, Who::SYSTEM, at(1 + 24 * 60));
        assert_eq!(
            t.map(|t| t.lines),
            Ok(vec![
                (0, Status::Accepted, Status::Cancelled),
                (1, Status::Paid, Status::Declined)
            ])
        );
    }

    #[test]
    fn cancel_before_work_starts_only() {
        let (customer, a, b, _) = ids();
        let c = Who::person(customer, false);
        let mut o = composite();
        step(
            &mut o,
            Action::ConfirmPayment,
            Who::person(ids().3, true),
            at(1),
        );
        step(&mut o, Action::Accept(0), Who::person(a, false), at(2));
        step(&mut o, Action::Accept(1), Who::person(b, false), at(2));
        let mut started = o.clone();
        assert_eq!(step(&mut o, Action::Cancel, c, at(3)), Status::Refunded);
        step(&mut started, Action::Start(1), Who::person(b, false), at(3));
        assert_eq!(
            started.plan(Action::Cancel, c, at(4)),
            Err(TransitionError::WrongState)
        );
    }

    /// The composite order paid in cash to the courier B.
    fn cash() -> OrderState {
        OrderState {
            status: Status::Placed,
            method: Method::Cash,
            collector: Some(ids().2),
            pay_by: None,
            lines: composite()
                .lines
                .into_iter()
                .map(|l| LineState {
                    status: Status::Placed,
                    ..l
                })
                .collect(),
            ..composite()
        }
    }

    #[test]
    fn cash_is_worked_first_and_confirmed_by_its_collector() {
        let (customer, a, b, stranger) = ids();
        let (c, a, b) = (people(customer), people(a), people(b));
        let mut o = cash();
        // Nothing to confirm before the work is accepted; cash never expires.
        assert_eq!(
            o.plan(Action::ConfirmPayment, b, at(1)),
            Err(TransitionError::WrongState)
        );
        assert_eq!(
            o.plan(Action::Expire, Who::SYSTEM, at(10_000)),
            Err(TransitionError::WrongState)
        );
        assert_eq!(step(&mut o, Action::Accept(0), a, at(2)), Status::Placed);
        assert_eq!(step(&mut o, Action::Accept(1), b, at(3)), Status::Accepted);
        step(&mut o, Action::Fulfil(0), a, at(4));
        assert_eq!(step(&mut o, Action::Fulfil(1), b, at(5)), Status::Fulfilled);
        // Not paid: neither the customer nor the clock completes it.
        assert_eq!(
            o.plan(Action::Complete, c, at(6)),
            Err(TransitionError::Unpaid)
        );
        assert_eq!(
            o.plan(Action::AutoComplete, Who::SYSTEM, at(6 + 72 * 60)),
            Err(TransitionError::Unpaid)
        );
        // Only the courier who took the cash confirms it: not the other
        // provider, not the board, not the customer.
        for who in [a, c, Who::person(stranger, true)] {
            assert_eq!(
                o.plan(Action::ConfirmPayment, who, at(7)),
                Err(TransitionError::NotAllowed)
            );
        }
        let t = o.plan(Action::ConfirmPayment, b, at(7));
        assert_eq!(
            t,
            Ok(Transition {
                order_from: Status::Fulfilled,
                order_to: Status::Fulfilled,
                lines: vec![],
                paid: true
            })
        );
        step(&mut o, Action::ConfirmPayment, b, at(7));
        assert_eq!(o.paid_at, Some(at(7)));
        assert_eq!(
            o.plan(Action::ConfirmPayment, b, at(8)),
            Err(TransitionError::WrongState)
        );
        assert_eq!(step(&mut o, Action::Complete, c, at(8)), Status::Completed);
    }

    #[test]
    fn unpaid_cash_orders_end_cancelled_not_refunded() {
        let (customer, a, _, _) = ids();
        let mut o = cash();
        step(&mut o, Action::Accept(0), Who::person(a, false), at(1));
        assert_eq!(
            step(&mut o, Action::AutoDecline, Who::SYSTEM, at(24 * 60)),
            Status::Cancelled
        );
        let mut o = cash();
        assert_eq!(
            step(&mut o, Action::Cancel, Who::person(customer, false), at(1)),
            Status::Cancelled
        );
    }

    #[test]
    fn no_board_member_acts_on_an_order_of_their_own() {
        let (customer, a, b, _) = ids();
        // The board member is the customer, then a provider.
        for insider in [customer, a] {
            let mut o = composite();
            assert_eq!(
                o.plan(Action::ConfirmPayment, Who::person(insider, true), at(1)),
                Err(TransitionError::Party)
            );
            step(
                &mut o,
                Action::ConfirmPayment,
                Who::person(ids().3, true),
                at(1),
            );
            step(&mut o, Action::Accept(0), Who::person(a, false), at(2));
            step(&mut o, Action::Accept(1), Who::person(b, false), at(2));
            step(&mut o, Action::Dispute, Who::person(customer, false), at(3));
            for r in [
                Resolution::Release,
                Resolution::Refund,
                Resolution::Partial(100),
            ] {
                assert_eq!(
                    o.plan(Action::Resolve(r), Who::person(insider, true), at(4)),
                    Err(TransitionError::Party)
                );
            }
            assert!(o
                .plan(
                    Action::Resolve(Resolution::Release),
                    Who::person(ids().3, true),
                    at(4)
                )
                .is_ok());
        }
    }

    fn action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::ConfirmPayment),
            (0usize..3).prop_map(Action::Accept),
            (0usize..3).prop_map(Action::Decline),
            (0usize..3).prop_map(Action::Start),
            (0usize..3).prop_map(Action::Fulfil),
            Just(Action::Complete),
            Just(Action::Dispute),
            Just(Action::Resolve(Resolution::Release)),
            Just(Action::Resolve(Resolution::Refund)),
            Just(Action::Cancel),
            Just(Action::Expire),
            Just(Action::AutoDecline),
            Just(Action::AutoComplete),
        ]
    }

    /// The order's status agrees with its lines'.
    fn consistent(o: &OrderState) -> bool {
        use Status::*;
        let all = |pred: &dyn Fn(Status) -> bool| o.lines.iter().all(|l| pred(l.status));
        if o.method == Method::Cash
            && o.paid_at.is_none()
            && matches!(o.status, Completed | Refunded | Disputed | Resolved)
        {
            return false;
        }
        match o.status {
            PendingPayment => all(&|s| s == PendingPayment),
            Placed => all(&|s| matches!(s, Placed | Accepted)),
            Paid => all(&|s| matches!(s, Paid | Accepted)),
            Accepted => all(&|s| s == Accepted),
            InProgress => all(&|s| matches!(s, Accepted | InProgress | Fulfilled)),
            Fulfilled => all(&|s| s == Fulfilled),
            Completed => all(&|s| s == Completed),
            Cancelled => all(&|s| matches!(s, Cancelled | Declined)),
            Refunded => all(&|s| matches!(s, Cancelled | Declined | Refunded)),
            Disputed => all(&|s| s == Disputed),
            Resolved => all(&|s| matches!(s, Completed | Refunded)),
            Declined => false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// Any sequence of actions by anyone at any time keeps the order
        /// consistent with its lines, never leaves a final state, and a
        /// refused action changes nothing.
        #[test]
        fn random_histories_stay_consistent(
            n_lines in 1usize..4,
            method in 0usize..3,
            steps in proptest::collection::vec((action(), 0u8..6, 0i64..4_000), 0..25),
        ) {
            let people: Vec<Uuid> = (1..=5).map(Uuid::from_u128).collect();
            let method = Method::ALL[method];
            let first = method.first_status();
            let mut o = OrderState {
                customer: people[0],
                status: first,
                method,
                collector: (method == Method::Cash).then(|| people[n_lines]),
                created_at: at(0),
                pay_by: (method != Method::Cash).then(|| at(30)),
                paid_at: None,
                fulfilled_at: None,
                told_done_at: None,
                lines: (0..n_lines)
                    .map(|i| LineState {
                        provider: people[1 + i],
                        status: first,
                        begins: Some(at(i64::try_from(i).unwrap_or(0) * 500)),
                    })
                    .collect(),
            };
            let mut now = at(0);
            for (action, who, advance) in steps {
                now += Duration::minutes(advance);
                let who = match who {
                    0..=4 => Who::person(people[usize::from(who)], false),
                    _ => Who::SYSTEM,
                };
                let board = Who { board: true, ..who };
                for who in [who, board] {
                    let before = o.clone();
                    match o.plan(action, who, now) {
                        Ok(t) => {
                            prop_assert!(!before.status.is_final(), "{:?} left final {:?}", action, before.status);
                            for &(i, from, to) in &t.lines {
                                prop_assert_eq!(before.lines[i].status, from);
                                prop_assert!(!from.is_final());
                                prop_assert_ne!(from, to);
                            }
                            o.apply(&t, now);
                            // The customer's notice goes out at once.
                            if o.status == Status::Fulfilled && o.told_done_at.is_none() {
                                o.told_done_at = Some(now);
                            }
                            prop_assert!(consistent(&o), "{:?} after {:?}", o, action);
                        }
                        Err(_) => prop_assert_eq!(&o, &before),
                    }
                }
            }
        }
    }
}
