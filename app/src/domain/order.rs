//! The order state machine, per order and per line. Pure: given the current
//! state, an action, who asks and the time, it answers the changes to make
//! or why not. The server applies the answer in one transaction.
//!
//! ```text
//! pending_payment → paid → accepted → in_progress → fulfilled → completed
//!        ↓            ↓        ↓                        ↓
//!    cancelled    refunded  refunded               disputed → resolved
//! ```
//! A line may also be `declined` by its provider (or after 24 h unanswered):
//! the whole order is then refunded and its other lines cancelled.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Unpaid orders expire after this long.
pub const PAYMENT_WINDOW: Duration = Duration::minutes(30);
/// Lines not accepted this long after payment are declined.
pub const ACCEPT_WINDOW: Duration = Duration::hours(24);
/// Fulfilled orders complete by themselves after this long.
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
}

impl Status {
    pub const ALL: [Status; 11] = [
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineState {
    pub provider: Uuid,
    pub status: Status,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderState {
    pub customer: Uuid,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub lines: Vec<LineState>,
}

/// The changes an action makes: the order's status and each changed line
/// (index, from, to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub order_from: Status,
    pub order_to: Status,
    pub lines: Vec<(usize, Status, Status)>,
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

    fn payment_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.created_at + PAYMENT_WINDOW
    }
    fn acceptance_over(&self, now: DateTime<Utc>) -> bool {
        self.paid_at.is_some_and(|p| now >= p + ACCEPT_WINDOW)
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
            })
        };
        let system = who.id.is_none();
        match action {
            Action::ConfirmPayment => {
                // People confirm money received by hand; the system confirms
                // what a card processor reports (even late: the money was
                // taken, so the order is paid if it is still open).
                if !(system || who.board || self.is_any_provider(who)) {
                    return Err(TransitionError::NotAllowed);
                }
                if order != PendingPayment {
                    return Err(TransitionError::WrongState);
                }
                if !system && self.payment_expired(now) {
                    return Err(TransitionError::TooLate);
                }
                done(Paid, self.all_open_lines(Paid))
            }
            Action::Accept(i) | Action::Decline(i) | Action::Start(i) | Action::Fulfil(i) => {
                let line = self.lines.get(i).ok_or(TransitionError::NoSuchLine)?;
                if !self.is_provider(who, i) {
                    return Err(TransitionError::NotAllowed);
                }
                let step = (action, order, line.status);
                match step {
                    (Action::Accept(_), Paid, Paid) => {
                        if self.acceptance_over(now) {
                            return Err(TransitionError::TooLate);
                        }
                        let all = self
                            .lines
                            .iter()
                            .enumerate()
                            .all(|(j, l)| j == i || l.status == Accepted);
                        done(if all { Accepted } else { Paid }, vec![(i, Paid, Accepted)])
                    }
                    (Action::Decline(_), Paid, Paid) => {
                        let mut lines = vec![(i, Paid, Declined)];
                        lines.extend(
                            self.all_open_lines(Cancelled)
                                .into_iter()
                                .filter(|(j, _, _)| *j != i),
                        );
                        done(Refunded, lines)
                    }
                    (Action::Start(_), Accepted | InProgress, Accepted) => {
                        done(InProgress, vec![(i, Accepted, InProgress)])
                    }
                    (Action::Fulfil(_), Accepted | InProgress, Accepted | InProgress) => {
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
                    (Action::Complete, Fulfilled) => {
                        done(Completed, self.all_open_lines(Completed))
                    }
                    (Action::Dispute, Accepted | InProgress | Fulfilled) => {
                        done(Disputed, self.all_open_lines(Disputed))
                    }
                    (Action::Cancel, PendingPayment) => {
                        done(Cancelled, self.all_open_lines(Cancelled))
                    }
                    (Action::Cancel, Paid | Accepted) => {
                        done(Refunded, self.all_open_lines(Cancelled))
                    }
                    _ => Err(TransitionError::WrongState),
                }
            }
            Action::Resolve(resolution) => {
                if !who.board {
                    return Err(TransitionError::NotAllowed);
                }
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
                    (Action::AutoDecline, Paid) => {
                        if !self.acceptance_over(now) {
                            return Err(TransitionError::NotDue);
                        }
                        let lines = self
                            .lines
                            .iter()
                            .enumerate()
                            .filter(|(_, l)| !l.status.is_final())
                            .map(|(i, l)| {
                                let to = if l.status == Paid {
                                    Declined
                                } else {
                                    Cancelled
                                };
                                (i, l.status, to)
                            })
                            .collect();
                        done(Refunded, lines)
                    }
                    (Action::AutoComplete, Fulfilled) => {
                        if self.fulfilled_at.is_none_or(|f| now < f + CONFIRM_WINDOW) {
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
        if t.order_to == Status::Paid && t.order_from == Status::PendingPayment {
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
            created_at: at(0),
            paid_at: None,
            fulfilled_at: None,
            lines: vec![
                LineState {
                    provider: a,
                    status: Status::PendingPayment,
                },
                LineState {
                    provider: b,
                    status: Status::PendingPayment,
                },
            ],
        }
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
        let (c, a, b) = (
            Who::person(customer, false),
            Who::person(a, false),
            Who::person(b, false),
        );
        let mut o = composite();
        assert_eq!(step(&mut o, Action::ConfirmPayment, a, at(5)), Status::Paid);
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
        step(&mut o, Action::ConfirmPayment, Who::person(a, false), at(1));
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
        assert_eq!(
            o.plan(Action::ConfirmPayment, Who::person(a, false), at(31)),
            Err(TransitionError::TooLate)
        );
        let mut paid = composite();
        step(
            &mut paid,
            Action::ConfirmPayment,
            Who::person(a, false),
            at(1),
        );
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
        step(&mut o, Action::ConfirmPayment, Who::person(a, false), at(1));
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
        match o.status {
            PendingPayment => all(&|s| s == PendingPayment),
            Paid => all(&|s| matches!(s, Paid | Accepted)),
            Accepted => all(&|s| s == Accepted),
            InProgress => all(&|s| matches!(s, Accepted | InProgress | Fulfilled)),
            Fulfilled => all(&|s| s == Fulfilled),
            Completed => all(&|s| s == Completed),
            Cancelled => all(&|s| s == Cancelled),
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
            steps in proptest::collection::vec((action(), 0u8..5, 0i64..4_000), 0..25),
        ) {
            let people: Vec<Uuid> = (1..=5).map(Uuid::from_u128).collect();
            let mut o = OrderState {
                customer: people[0],
                status: Status::PendingPayment,
                created_at: at(0),
                paid_at: None,
                fulfilled_at: None,
                lines: (0..n_lines)
                    .map(|i| LineState { provider: people[1 + i], status: Status::PendingPayment })
                    .collect(),
            };
            let mut now = at(0);
            for (action, who, advance) in steps {
                now += Duration::minutes(advance);
                let who = match who {
                    0..=3 => Who::person(people[usize::from(who)], false),
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
                            prop_assert!(consistent(&o), "{:?} after {:?}", o, action);
                        }
                        Err(_) => prop_assert_eq!(&o, &before),
                    }
                }
            }
        }
    }
}
