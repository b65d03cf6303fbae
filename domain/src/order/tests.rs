//! Unit and property tests of `order`.

use super::*;
use chrono::{DateTime, Utc};

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
