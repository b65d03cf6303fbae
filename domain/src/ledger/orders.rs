//! The entries an order's money writes: payment, completion, refunds,
//! settlement of a dispute, a cash collector's collection, the processor's
//! fee, a card dispute's funds and a clawback of what a customer got back.

use super::{order_key, total, Account, Entry, EntryKind, LedgerError, LineMoney};
use crate::money::{Currency, Money};
use uuid::Uuid;

/// The customer's money arrived, and is now held by `holder`.
pub fn payment(order: Uuid, currency: Currency, lines: &[LineMoney], holder: Account) -> Entry {
    let mut e = Entry::new(
        order_key(order, EntryKind::Payment),
        EntryKind::Payment,
        currency,
    );
    e.order = Some(order);
    e.post(holder, total(lines), None);
    for l in lines {
        e.post(Account::OrderClearing, -l.price, Some(l.id));
    }
    e
}

/// The order is done: each provider is owed the line's net, the
/// cooperative keeps the fee. `kept` says how much of each line stays with
/// them (the full price unless part was refunded).
fn completion_of(order: Uuid, currency: Currency, lines: &[(LineMoney, i64)]) -> Entry {
    let mut e = Entry::new(
        order_key(order, EntryKind::Completion),
        EntryKind::Completion,
        currency,
    );
    e.order = Some(order);
    for &(l, kept) in lines {
        let (fee, net) = if kept == l.price {
            (l.fee, l.net())
        } else {
            fee_and_net(l, kept)
        };
        e.post(Account::OrderClearing, kept, Some(l.id));
        e.post(Account::MemberPayable(l.provider), -net, Some(l.id));
        e.post(Account::CoopFeeRevenue, -fee, Some(l.id));
    }
    e
}

/// Splits what is kept of a line between fee and net in the proportion the
/// line was priced with.
fn fee_and_net(l: LineMoney, kept: i64) -> (i64, i64) {
    let weights = [l.fee.max(0).unsigned_abs(), l.net().max(0).unsigned_abs()];
    match Money::eur(kept).split(&weights) {
        Ok(parts) => (parts[0].minor(), parts[1].minor()),
        // A line priced at zero keeps nothing to split.
        Err(_) => (0, kept),
    }
}

pub fn completion(order: Uuid, currency: Currency, lines: &[LineMoney]) -> Entry {
    let kept: Vec<_> = lines.iter().map(|&l| (l, l.price)).collect();
    completion_of(order, currency, &kept)
}

/// Refund parts per line: `amount` split across lines by price.
fn refund_parts(lines: &[LineMoney], amount: i64) -> Result<Vec<i64>, LedgerError> {
    let weights: Vec<u64> = lines
        .iter()
        .map(|l| l.price.max(0).unsigned_abs())
        .collect();
    Ok(Money::eur(amount)
        .split(&weights)?
        .into_iter()
        .map(Money::minor)
        .collect())
}

fn refund_of(order: Uuid, currency: Currency, lines: &[LineMoney], parts: &[i64]) -> Entry {
    let mut e = Entry::new(
        order_key(order, EntryKind::Refund),
        EntryKind::Refund,
        currency,
    );
    e.order = Some(order);
    for (l, &r) in lines.iter().zip(parts) {
        e.post(Account::OrderClearing, r, Some(l.id));
    }
    e.post(Account::RefundsPayable, -parts.iter().sum::<i64>(), None);
    e
}

/// The whole order goes back to the customer (cancelled, declined,
/// a dispute settled for the customer).
pub fn full_refund(order: Uuid, currency: Currency, lines: &[LineMoney]) -> Entry {
    let parts: Vec<i64> = lines.iter().map(|l| l.price).collect();
    refund_of(order, currency, lines, &parts)
}

/// A dispute settled in part: `refund` goes back to the customer, split
/// across the lines by price; the rest completes the order, each line's
/// remainder split between its fee and its provider. Answers the refund
/// entry and the completion entry (either may be absent when zero).
pub fn settlement(
    order: Uuid,
    currency: Currency,
    lines: &[LineMoney],
    refund: i64,
) -> Result<Vec<Entry>, LedgerError> {
    let whole = total(lines);
    if refund < 0 || refund > whole {
        return Err(LedgerError::OutOfRange);
    }
    if whole == 0 {
        return Ok(Vec::new());
    }
    let parts = refund_parts(lines, refund)?;
    let mut out = Vec::new();
    if refund > 0 {
        out.push(refund_of(order, currency, lines, &parts));
    }
    if refund < whole {
        let kept: Vec<_> = lines
            .iter()
            .zip(&parts)
            .map(|(&l, &r)| (l, l.price - r))
            .collect();
        out.push(completion_of(order, currency, &kept));
    }
    Ok(out)
}

/// A cash order was released to its providers (`completion` is the entry
/// that did it): the collector keeps their own net out of the cash in
/// hand, and owes the cooperative the rest (its fee, the other providers'
/// shares). `None` when nothing was released.
pub fn collection(order: Uuid, collector: Uuid, completion: &Entry) -> Option<Entry> {
    let kept: i64 = completion
        .postings
        .iter()
        .filter(|p| p.account == Account::OrderClearing)
        .map(|p| p.amount)
        .sum();
    let own: i64 = -completion
        .postings
        .iter()
        .filter(|p| p.account == Account::MemberPayable(collector))
        .map(|p| p.amount)
        .sum::<i64>();
    if kept <= 0 {
        return None;
    }
    let mut e = Entry::new(
        order_key(order, EntryKind::Collection),
        EntryKind::Collection,
        completion.currency,
    );
    e.order = Some(order);
    e.post(Account::MemberPayable(collector), own, None);
    e.post(Account::MemberReceivable(collector), kept - own, None);
    e.post(Account::MemberCashHeld(collector), -kept, None);
    Some(e)
}

/// An owed refund was handed back to the customer out of `from`: the
/// cooperative's money (by hand, or by the processor), or the cash the
/// collecting member still holds for a cash order.
pub fn refund_paid(order: Uuid, currency: Currency, amount: i64, from: Account) -> Entry {
    let mut e = Entry::new(
        order_key(order, EntryKind::RefundPaid),
        EntryKind::RefundPaid,
        currency,
    );
    e.order = Some(order);
    e.post(Account::RefundsPayable, amount, None);
    e.post(from, -amount, None);
    e
}

/// What a payment processor charged for an order's payment.
pub fn processor_fee(order: Uuid, currency: Currency, amount: i64) -> Entry {
    let mut e = Entry::new(
        order_key(order, EntryKind::ProcessorFee),
        EntryKind::ProcessorFee,
        currency,
    );
    e.order = Some(order);
    e.post(Account::ProcessorFees, amount, None);
    e.post(Account::PlatformCash, -amount, None);
    e
}

/// The key of the entry booking a card dispute's money leaving (or coming
/// back to) the cooperative's processor balance: one per balance
/// transaction the processor reports.
pub fn dispute_funds_key(dispute: &str, balance_txn: &str) -> String {
    format!("dispute/{dispute}/funds/{balance_txn}")
}

/// The processor took `amount` of an order's payment back from the
/// cooperative's balance for a customer's card dispute (`amount` < 0: it
/// gave it back), and charged `fee` for the dispute.
pub fn dispute_funds(key: String, order: Uuid, currency: Currency, amount: i64, fee: i64) -> Entry {
    let mut e = Entry::new(key, EntryKind::DisputeFunds, currency);
    e.order = Some(order);
    e.post(Account::CardDisputes, amount, None);
    e.post(Account::ProcessorFees, fee, None);
    e.post(Account::PlatformCash, -(amount + fee), None);
    e
}

/// Where an order's money went, as its entries say, for taking some back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Released {
    /// Refunds owed to the customer, not yet handed back.
    pub refund_owed: i64,
    /// What each provider was credited for the order and the cooperative
    /// kept as its fee, less what was taken back before (`MemberPayable`
    /// or `CoopFeeRevenue`, with the amount).
    pub parts: Vec<(Account, i64)>,
}

/// The customer got `amount` of an order's money back outside Mutua (a
/// card dispute lost, a refund made at the processor), out of `from`. It
/// is borne as the order's money went: first a refund still owed (now
/// handed back), then, split by largest remainder, what was released —
/// each provider owes their part back (netted from their next payouts)
/// and the cooperative gives back its fee; the rest, money the customer
/// got twice, is the cooperative's loss, booked as a processor cost.
pub fn clawback(
    key: String,
    order: Uuid,
    currency: Currency,
    amount: i64,
    from: Account,
    released: &Released,
) -> Result<Entry, LedgerError> {
    if amount < 0 {
        return Err(LedgerError::OutOfRange);
    }
    let mut e = Entry::new(key, EntryKind::Clawback, currency);
    e.order = Some(order);
    let owed = amount.min(released.refund_owed.max(0));
    e.post(Account::RefundsPayable, owed, None);
    let rest = amount - owed;
    let parts: Vec<(Account, i64)> = released
        .parts
        .iter()
        .filter(|(_, a)| *a > 0)
        .copied()
        .collect();
    let available: i64 = parts.iter().map(|(_, a)| a).sum();
    let taken = rest.min(available);
    if taken > 0 {
        let weights: Vec<u64> = parts.iter().map(|(_, a)| a.unsigned_abs()).collect();
        for ((account, _), part) in parts
            .iter()
            .zip(Money::new(taken, currency).split(&weights)?)
        {
            let debit = match *account {
                Account::MemberPayable(m) => Account::MemberReceivable(m),
                other => other,
            };
            e.post(debit, part.minor(), None);
        }
    }
    e.post(Account::ProcessorFees, rest - taken, None);
    e.post(from, -amount, None);
    Ok(e)
}
