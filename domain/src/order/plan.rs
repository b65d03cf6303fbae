//! `OrderState::plan`: given an order's stored state, an action, who asks
//! and the time, the changes to make or why not.

use super::{
    Action, Method, Resolution, Status, Who, ACCEPT_WINDOW, CONFIRM_WINDOW, PAYMENT_WINDOW,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

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
