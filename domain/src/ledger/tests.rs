//! Unit and property tests of `ledger`.

use super::*;
use crate::money::Money;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// An order paid to the cooperative (bank or card).
fn facts(status: &str, total: i64) -> OrderFacts<'_> {
    OrderFacts {
        status,
        total,
        cash: false,
        paid: false,
    }
}

fn line(n: u128, provider: u128, price: i64, fee: i64) -> LineMoney {
    LineMoney {
        id: id(1000 + n),
        provider: id(provider),
        price,
        fee,
    }
}

#[test]
fn the_design_example_posts_as_described() {
    // Customer pays 50,00; the provider gets 42,50, the coop 7,50.
    let order = id(9);
    let lines = [line(1, 1, 5000, 750)];
    let mut book = Book::default();
    assert_eq!(
        book.post(payment(order, Currency::Eur, &lines, Account::PlatformCash)),
        Ok(true)
    );
    assert_eq!(book.balance(Account::PlatformCash), 5000);
    assert_eq!(book.balance(Account::OrderClearing), -5000);
    assert_eq!(
        book.post(completion(order, Currency::Eur, &lines)),
        Ok(true)
    );
    assert_eq!(book.balance(Account::OrderClearing), 0);
    assert_eq!(book.balance(Account::MemberPayable(id(1))), -4250);
    assert_eq!(book.balance(Account::CoopFeeRevenue), -750);
    let p = payout(id(77), id(1), Money::eur(4250));
    assert_eq!(book.post(p.clone()), Ok(true));
    assert_eq!(book.balance(Account::MemberPayable(id(1))), 0);
    assert_eq!(book.balance(Account::PlatformCash), 750);
    // The same entry again is a no-op.
    assert_eq!(book.post(p), Ok(false));
    assert_eq!(book.balance(Account::PlatformCash), 750);
    assert!(check_order(facts("completed", 5000), &book.order_money(order)).is_empty());
}

#[test]
fn a_partial_refund_reverses_lines_and_fees_proportionally() {
    // Service 30,00 (fee 2,40) and delivery 10,00 (fee 0,50); refund 10,00.
    let order = id(5);
    let lines = [line(1, 1, 3000, 240), line(2, 2, 1000, 50)];
    let Ok(entries) = settlement(order, Currency::Eur, &lines, 1000) else {
        panic!("settlement refused")
    };
    assert_eq!(entries.len(), 2);
    let refund = &entries[0];
    let clearing: Vec<i64> = refund
        .postings
        .iter()
        .filter(|p| p.account == Account::OrderClearing)
        .map(|p| p.amount)
        .collect();
    assert_eq!(clearing, vec![750, 250]);
    let done = &entries[1];
    let credit = |a: Account| -> i64 {
        done.postings
            .iter()
            .filter(|p| p.account == a)
            .map(|p| -p.amount)
            .sum()
    };
    // Line 1 keeps 22,50: fee 1,80, net 20,70. Line 2 keeps 7,50: fee
    // 0,375 → 0,38 (largest remainder), net 7,12.
    assert_eq!(credit(Account::MemberPayable(id(1))), 2070);
    assert_eq!(credit(Account::MemberPayable(id(2))), 712);
    assert_eq!(credit(Account::CoopFeeRevenue), 180 + 38);
    assert!(entries.iter().all(Entry::is_balanced));
    assert_eq!(
        settlement(order, Currency::Eur, &lines, 4001),
        Err(LedgerError::OutOfRange)
    );
}

#[test]
fn order_checks_name_what_is_wrong() {
    let order = id(3);
    let lines = [line(1, 1, 1000, 80)];
    let mut book = Book::default();
    assert!(check_order(facts("pending_payment", 1000), &book.order_money(order)).is_empty());
    assert_eq!(
        check_order(facts("paid", 1000), &book.order_money(order)),
        vec!["is paid but has no payment entry".to_owned()]
    );
    assert_eq!(
        book.post(payment(order, Currency::Eur, &lines, Account::PlatformCash)),
        Ok(true)
    );
    assert!(check_order(facts("accepted", 1000), &book.order_money(order)).is_empty());
    assert!(!check_order(facts("accepted", 1200), &book.order_money(order)).is_empty());
    assert!(!check_order(facts("completed", 1000), &book.order_money(order)).is_empty());
    assert_eq!(
        book.post(full_refund(order, Currency::Eur, &lines)),
        Ok(true)
    );
    assert!(check_order(facts("refunded", 1000), &book.order_money(order)).is_empty());
    assert!(!check_order(facts("completed", 1000), &book.order_money(order)).is_empty());
    // Paid by card after it was cancelled: fine once owed back whole.
    assert!(check_order(facts("cancelled", 1000), &book.order_money(order)).is_empty());
    let late = id(4);
    let mut book = Book::default();
    assert_eq!(
        book.post(payment(late, Currency::Eur, &lines, Account::PlatformCash)),
        Ok(true)
    );
    assert_eq!(
        check_order(facts("cancelled", 1000), &book.order_money(late)),
        vec!["is cancelled and was paid 1000 late, but 0 is owed back".to_owned()]
    );
}

#[test]
fn account_codes_round_trip() {
    for a in [
        Account::PlatformCash,
        Account::OrderClearing,
        Account::MemberPayable(id(42)),
        Account::CoopFeeRevenue,
        Account::ProcessorFees,
        Account::RefundsPayable,
        Account::PatronageReserve,
        Account::MemberCashHeld(id(7)),
        Account::MemberReceivable(id(8)),
        Account::CardDisputes,
    ] {
        assert_eq!(Account::parse(&a.code()), Some(a));
    }
    assert_eq!(Account::parse("member_payable:nope"), None);
}

#[test]
fn a_clawback_takes_the_owed_refund_first_then_the_released_shares() -> Result<(), LedgerError> {
    let (anna, carlo) = (id(1), id(2));
    let released = Released {
        refund_owed: 1000,
        parts: vec![
            (Account::MemberPayable(anna), 4140),
            (Account::MemberPayable(carlo), 710),
            (Account::CoopFeeRevenue, 650),
        ],
    };
    let e = clawback(
        "k".into(),
        id(9),
        Currency::Eur,
        3750,
        Account::CardDisputes,
        &released,
    )?;
    assert!(e.is_balanced());
    let of = |a: Account| {
        e.postings
            .iter()
            .filter(|p| p.account == a)
            .map(|p| p.amount)
            .sum::<i64>()
    };
    assert_eq!(of(Account::RefundsPayable), 1000);
    // 2750 split 4140 : 710 : 650 of 5500.
    assert_eq!(of(Account::MemberReceivable(anna)), 2070);
    assert_eq!(of(Account::MemberReceivable(carlo)), 355);
    assert_eq!(of(Account::CoopFeeRevenue), 325);
    assert_eq!(of(Account::ProcessorFees), 0);
    assert_eq!(of(Account::CardDisputes), -3750);
    // More than the order ever released: the rest is the cooperative's loss.
    let e = clawback(
        "k".into(),
        id(9),
        Currency::Eur,
        9000,
        Account::PlatformCash,
        &released,
    )?;
    assert!(e.is_balanced());
    assert_eq!(
        e.postings
            .iter()
            .find(|p| p.account == Account::ProcessorFees)
            .map(|p| p.amount),
        Some(2500)
    );
    assert!(clawback(
        "k".into(),
        id(9),
        Currency::Eur,
        -1,
        Account::PlatformCash,
        &released
    )
    .is_err());
    Ok(())
}

proptest! {
    /// A clawback always balances, never takes more from a share than
    /// it holds, and takes from `from` exactly the amount.
    #[test]
    fn clawbacks_balance_and_stay_within_the_shares(
        amount in 0i64..1_000_000,
        owed in -100i64..100_000,
        shares in proptest::collection::vec(0i64..100_000, 0..5),
    ) {
        let parts: Vec<(Account, i64)> = shares
            .iter()
            .enumerate()
            .map(|(n, &a)| (Account::MemberPayable(id(n as u128 + 1)), a))
            .collect();
        let released = Released { refund_owed: owed, parts: parts.clone() };
        let e = clawback("k".into(), id(9), Currency::Eur, amount, Account::PlatformCash, &released)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(e.is_balanced());
        let from: i64 = e.postings.iter().filter(|p| p.account == Account::PlatformCash).map(|p| p.amount).sum();
        prop_assert_eq!(from, -amount);
        for (n, &share) in shares.iter().enumerate() {
            let m = id(n as u128 + 1);
            let taken: i64 = e.postings.iter().filter(|p| p.account == Account::MemberReceivable(m)).map(|p| p.amount).sum();
            prop_assert!((0..=share).contains(&taken));
        }
        prop_assert!(e.postings.iter().all(|p| p.account == Account::PlatformCash || p.amount > 0));
    }
}

// -----------------------------------------------------------------------
// Random histories

/// What an entry credits to each provider line: (order, line, member,
/// amount), as the completion of a card-paid order owes in transfers.
fn released(e: &Entry) -> Vec<(Uuid, Uuid, Uuid, i64)> {
    e.postings
        .iter()
        .filter_map(|p| match (p.account, p.line, e.order) {
            (Account::MemberPayable(m), Some(l), Some(o)) if p.amount < 0 => {
                Some((o, l, m, -p.amount))
            }
            _ => None,
        })
        .collect()
}

#[derive(Clone, Debug)]
enum Op {
    /// Lines (provider, price, fee in basis points); how it is paid
    /// (0 cash to the last line's provider, 1 bank, 2 card).
    Order(Vec<(u8, i64, u16)>, u8),
    Pay(usize),
    Complete(usize),
    Refund(usize),
    Settle(usize, u16),
    ReturnRefund(usize),
    ProcessorFee(usize, i64),
    Payout(u8),
    /// A member pays what they owe the cooperative into its bank.
    SettleReceivable(u8),
    /// One owed Stripe transfer of a card-paid line is sent.
    Transfer(usize),
    /// A retry: the last entry written once more.
    Retry,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (proptest::collection::vec((0u8..4, 0i64..200_000, 0u16..=2_000), 1..4), 0u8..3)
            .prop_map(|(ls, method)| Op::Order(ls, method)),
        3 => (0usize..64).prop_map(Op::Pay),
        2 => (0usize..64).prop_map(Op::Complete),
        1 => (0usize..64).prop_map(Op::Refund),
        1 => ((0usize..64), 0u16..=10_000).prop_map(|(o, f)| Op::Settle(o, f)),
        1 => (0usize..64).prop_map(Op::ReturnRefund),
        1 => ((0usize..64), 0i64..500).prop_map(|(o, f)| Op::ProcessorFee(o, f)),
        2 => (0u8..4).prop_map(Op::Payout),
        1 => (0u8..4).prop_map(Op::SettleReceivable),
        2 => (0usize..64).prop_map(Op::Transfer),
        1 => Just(Op::Retry),
    ]
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum St {
    Pending,
    Paid,
    Completed,
    Refunded,
    Resolved,
}

impl St {
    fn name(self) -> &'static str {
        match self {
            St::Pending => "pending_payment",
            St::Paid => "accepted",
            St::Completed => "completed",
            St::Refunded => "refunded",
            St::Resolved => "resolved",
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// Whatever happens, in whatever order, with retries: every entry
    /// balances, the ledger sums to zero, no balance falls below its
    /// floor, every order's postings equal its total, and the ledger
    /// says where the money is: each member's cash in hand, the
    /// cooperative's bank, what members owe.
    #[test]
    fn random_histories_keep_every_invariant(ops in proptest::collection::vec(op(), 1..40)) {
        let cur = Currency::Eur;
        let mut book = Book::default();
        let mut orders: Vec<(Uuid, Vec<LineMoney>, St)> = Vec::new();
        let mut card = Vec::new();
        // The cash collector of each order paid in cash.
        let mut cash: Vec<Option<Uuid>> = Vec::new();
        // The world, counted apart from the ledger: cash in each
        // member's pocket that is not theirs, and the cooperative's bank.
        let mut pocket: BTreeMap<Uuid, i64> = BTreeMap::new();
        let mut bank = 0i64;
        let mut paid_out: BTreeMap<Uuid, i64> = BTreeMap::new();
        // Card-paid lines released to their provider and not yet
        // transferred: (order, line, member, amount). A SEPA payout
        // leaves them alone, as `payable_until` does.
        let mut owed: Vec<(Uuid, Uuid, Uuid, i64)> = Vec::new();
        let mut payouts = 0u128;
        let mut last: Option<Entry> = None;
        for op in ops {
            // Answers whether the entry was new (a used key is a no-op).
            let mut write = |book: &mut Book, e: Entry| -> Result<bool, TestCaseError> {
                prop_assert!(e.is_balanced(), "unbalanced {e:?}");
                let new = book.post(e.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                last = Some(e);
                Ok(new)
            };
            let pick = |n: usize| if orders.is_empty() { None } else { Some(n % orders.len()) };
            // The bank's money that is the cooperative's to spend: not
            // customers' money for open orders, refunds or card
            // transfers owed (as `due_until` reckons it).
            let free = book.balance(Account::PlatformCash)
                - Account::RefundsPayable.natural(book.balance(Account::RefundsPayable))
                - owed.iter().map(|t| t.3).sum::<i64>()
                - orders.iter().enumerate()
                    .filter(|(n, o)| cash[*n].is_none() && o.2 == St::Paid)
                    .map(|(_, o)| o.1.iter().map(|l| l.price).sum::<i64>())
                    .sum::<i64>();
            match op {
                Op::Order(ls, method) => {
                    card.push(method == 2);
                    let n = orders.len() as u128;
                    let lines: Vec<LineMoney> = ls.iter().enumerate().map(|(i, &(p, price, bps))| LineMoney {
                        id: id(10_000 + n * 10 + i as u128),
                        provider: id(u128::from(p) + 1),
                        price,
                        fee: price * i64::from(bps) / 10_000,
                    }).collect();
                    cash.push((method == 0).then(|| lines[lines.len() - 1].provider));
                    orders.push((id(500 + n), lines, St::Pending));
                }
                Op::Pay(o) => if let Some(o) = pick(o) {
                    if orders[o].2 == St::Pending {
                        write(&mut book, payment(orders[o].0, cur, &orders[o].1, holder(cash[o])))?;
                        let whole: i64 = orders[o].1.iter().map(|l| l.price).sum();
                        match cash[o] {
                            Some(c) => *pocket.entry(c).or_default() += whole,
                            None => bank += whole,
                        }
                        orders[o].2 = St::Paid;
                    }
                },
                Op::Complete(o) => if let Some(o) = pick(o) {
                    if orders[o].2 == St::Paid {
                        let e = completion(orders[o].0, cur, &orders[o].1);
                        if card[o] {
                            owed.extend(released(&e));
                        }
                        let collect = cash[o].and_then(|c| collection(orders[o].0, c, &e));
                        write(&mut book, e)?;
                        if let Some(c) = collect {
                            write(&mut book, c)?;
                        }
                        orders[o].2 = St::Completed;
                    }
                },
                Op::Refund(o) => if let Some(o) = pick(o) {
                    if orders[o].2 == St::Paid {
                        write(&mut book, full_refund(orders[o].0, cur, &orders[o].1))?;
                        orders[o].2 = St::Refunded;
                    }
                },
                Op::Settle(o, share) => if let Some(o) = pick(o) {
                    if orders[o].2 == St::Paid {
                        let whole: i64 = orders[o].1.iter().map(|l| l.price).sum();
                        let refund = whole * i64::from(share) / 10_000;
                        for e in settlement(orders[o].0, cur, &orders[o].1, refund)
                            .map_err(|e| TestCaseError::fail(e.to_string()))? {
                            if card[o] {
                                owed.extend(released(&e));
                            }
                            let collect = match (cash[o], e.kind) {
                                (Some(c), EntryKind::Completion) => collection(orders[o].0, c, &e),
                                _ => None,
                            };
                            write(&mut book, e)?;
                            if let Some(c) = collect {
                                write(&mut book, c)?;
                            }
                        }
                        orders[o].2 = St::Resolved;
                    }
                },
                Op::ReturnRefund(o) => if let Some(o) = pick(o) {
                    let money = book.order_money(orders[o].0);
                    let owed = -(money.of(EntryKind::Refund, "refunds_payable")
                        + money.of(EntryKind::RefundPaid, "refunds_payable"));
                    if owed > 0 && write(&mut book, refund_paid(orders[o].0, cur, owed, holder(cash[o])))? {
                        match cash[o] {
                            Some(c) => *pocket.entry(c).or_default() -= owed,
                            None => bank -= owed,
                        }
                    }
                },
                Op::ProcessorFee(o, fee) => if let Some(o) = pick(o) {
                    // A processor only charges for money it received;
                    // the test keeps its fees within the fees earned
                    // (a coop whose costs outrun its fees is flagged
                    // by `ledger verify`, which is the point of it).
                    let earned = Account::CoopFeeRevenue.natural(book.balance(Account::CoopFeeRevenue))
                        - Account::ProcessorFees.natural(book.balance(Account::ProcessorFees));
                    // The fee is paid from the cooperative's own money.
                    if orders[o].2 != St::Pending && card[o] && fee <= earned && fee <= free
                        && write(&mut book, processor_fee(orders[o].0, cur, fee))? {
                        bank -= fee;
                    }
                },
                Op::Payout(m) => {
                    let member = id(u128::from(m) + 1);
                    let by_transfer: i64 = owed.iter().filter(|t| t.2 == member).map(|t| t.3).sum();
                    let due = -book.balance(Account::MemberPayable(member)) - by_transfer;
                    let receivable = book.balance(Account::MemberReceivable(member));
                    let netted = due.min(receivable);
                    let sent = (due - netted).min(free.max(0));
                    payouts += 1;
                    if netted > 0 {
                        write(&mut book, netting(format!("netting/{payouts}"), member, Money::eur(netted)))?;
                    }
                    if sent > 0 {
                        write(&mut book, payout(id(90_000 + payouts), member, Money::eur(sent)))?;
                        bank -= sent;
                        *paid_out.entry(member).or_default() += sent;
                    }
                }
                Op::SettleReceivable(m) => {
                    let member = id(u128::from(m) + 1);
                    let receivable = book.balance(Account::MemberReceivable(member));
                    if receivable > 0 {
                        payouts += 1;
                        write(&mut book, receivable_paid(format!("receivable/{payouts}"), member, Money::eur(receivable)))?;
                        bank += receivable;
                        *pocket.entry(member).or_default() -= receivable;
                    }
                }
                Op::Transfer(n) => if !owed.is_empty() {
                    let (order, line, member, amount) = owed.remove(n % owed.len());
                    write(&mut book, transfer(order, line, member, Money::eur(amount)))?;
                    bank -= amount;
                    *paid_out.entry(member).or_default() += amount;
                },
                Op::Retry => if let Some(e) = last.clone() {
                    let before = book.entries.len();
                    prop_assert!(!book.post(e).map_err(|e| TestCaseError::fail(e.to_string()))?);
                    prop_assert_eq!(book.entries.len(), before);
                },
            }
        }
        let sum: i128 = book.balances().map(|(_, b)| i128::from(b)).sum();
        prop_assert_eq!(sum, 0);
        for (a, b) in book.balances() {
            prop_assert!(a.natural(b) >= floor(a), "{a:?} at {b}");
        }
        for (n, (order, lines, st)) in orders.iter().enumerate() {
            let whole: i64 = lines.iter().map(|l| l.price).sum();
            let facts = OrderFacts {
                status: if cash[n].is_some() && *st == St::Pending { "placed" } else { st.name() },
                total: whole,
                cash: cash[n].is_some(),
                paid: *st != St::Pending,
            };
            let problems = check_order(facts, &book.order_money(*order));
            prop_assert!(problems.is_empty(), "{order}: {problems:?}");
        }
        // The ledger equals the world. The bank holds platform_cash.
        prop_assert_eq!(book.balance(Account::PlatformCash), bank);
        for m in (1..=4).map(id) {
            // What a member has in hand that is not theirs: the cash of
            // orders not done yet, plus what they owe the cooperative,
            // less what was netted from what it owed them.
            let in_hand = book.balance(Account::MemberCashHeld(m))
                + book.balance(Account::MemberReceivable(m));
            // The pocket counts all the cash taken, less what was
            // handed back or paid in; their own nets were kept from it.
            let own_kept: i64 = book.entries.iter()
                .filter(|e| matches!(e.kind, EntryKind::Collection | EntryKind::Netting))
                .flat_map(|e| e.postings.iter())
                .filter(|p| p.account == Account::MemberPayable(m))
                .map(|p| p.amount)
                .sum();
            prop_assert_eq!(in_hand + own_kept, pocket.get(&m).copied().unwrap_or(0), "member {}", m);
            // Nobody is paid twice: everything a member received in
            // money or kept in hand is at most what they earned.
            let earned: i64 = -book.entries.iter()
                .filter(|e| matches!(e.kind, EntryKind::Completion))
                .flat_map(|e| e.postings.iter())
                .filter(|p| p.account == Account::MemberPayable(m))
                .map(|p| p.amount)
                .sum::<i64>();
            let received = paid_out.get(&m).copied().unwrap_or(0) + own_kept;
            prop_assert!(received <= earned, "member {m} received {received} of {earned}");
            prop_assert_eq!(earned - received, -book.balance(Account::MemberPayable(m)));
        }
    }
}
