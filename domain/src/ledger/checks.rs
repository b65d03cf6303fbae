//! The checks `mutua ledger verify` runs: account floors, each order's
//! money against its state, and the whole book.

use super::{Account, Entry, EntryKind, LedgerError};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// The lowest natural balance an account may have. Every account of this
/// chart is bounded below by zero: the cooperative never owes a member less
/// than nothing, never holds negative cash, never earns negative fees.
pub fn floor(_account: Account) -> i64 {
    0
}

/// What one order's entries add up to, by entry kind and account kind
/// (signed sums), as `ledger verify` reads them from the database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderMoney {
    sums: BTreeMap<(String, String), i64>,
}

impl OrderMoney {
    pub fn add(&mut self, entry_kind: &str, account_kind: &str, amount: i64) {
        *self
            .sums
            .entry((entry_kind.to_owned(), account_kind.to_owned()))
            .or_default() += amount;
    }

    pub fn of(&self, entry: EntryKind, account_kind: &str) -> i64 {
        self.sums
            .get(&(entry.as_str().to_owned(), account_kind.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    fn has(&self, entry: EntryKind) -> bool {
        self.sums.keys().any(|(k, _)| k == entry.as_str())
    }

    fn clearing(&self) -> i64 {
        self.sums
            .iter()
            .filter(|((_, a), _)| a == "order_clearing")
            .map(|(_, v)| v)
            .sum()
    }
}

/// An order as `check_order` reads it.
#[derive(Clone, Copy, Debug)]
pub struct OrderFacts<'a> {
    /// The stored status name.
    pub status: &'a str,
    /// The order's price.
    pub total: i64,
    /// Paid in cash to a member (else to the cooperative).
    pub cash: bool,
    /// When the money was confirmed (cash orders are paid at the end).
    pub paid: bool,
}

/// How an order's money stands, given its status: answers what is wrong,
/// or nothing.
pub fn check_order(o: OrderFacts<'_>, m: &OrderMoney) -> Vec<String> {
    let OrderFacts { status, total, .. } = o;
    let mut out = Vec::new();
    let paid = m.has(EntryKind::Payment);
    let (held_by, not_held_by) = if o.cash {
        ("member_cash_held", "platform_cash")
    } else {
        ("platform_cash", "member_cash_held")
    };
    let received = m.of(EntryKind::Payment, held_by);
    let released = -(m.of(EntryKind::Completion, "member_payable")
        + m.of(EntryKind::Completion, "coop_fee_revenue"));
    let refunded = -m.of(EntryKind::Refund, "refunds_payable");
    let clearing = m.clearing();
    let expect_paid = if o.cash {
        o.paid
    } else {
        !matches!(status, "pending_payment" | "cancelled")
    };
    // A card payment that arrived after the order was cancelled unpaid is
    // booked and owed straight back, whole.
    if !o.cash && status == "cancelled" && paid && total != 0 {
        if received != total || refunded != total || released != 0 || clearing != 0 {
            out.push(format!(
                "is cancelled and was paid {received} late, but {refunded} is owed back"
            ));
        }
        return out;
    }
    // An order of nothing has no money to book (its entries are empty).
    if paid != expect_paid && total != 0 {
        out.push(if paid {
            format!("is {status} but has a payment entry")
        } else {
            format!("is {status} but has no payment entry")
        });
        return out;
    }
    if !paid || total == 0 {
        if !paid && (m.has(EntryKind::Completion) || m.has(EntryKind::Refund)) {
            out.push("has money entries but was never paid".to_owned());
        }
        return out;
    }
    if received != total {
        out.push(format!("received {received}, total is {total}"));
    }
    if m.of(EntryKind::Payment, not_held_by) != 0 {
        out.push(format!("its payment is booked to {not_held_by}"));
    }
    let collected = -m.of(EntryKind::Collection, "member_cash_held");
    if o.cash {
        // The collector's cash for this order is what is still to be
        // handed back to the customer; what was released was settled.
        let still_held: i64 = [
            EntryKind::Payment,
            EntryKind::Collection,
            EntryKind::RefundPaid,
        ]
        .into_iter()
        .map(|k| m.of(k, "member_cash_held"))
        .sum();
        let refund_owed = -(m.of(EntryKind::Refund, "refunds_payable")
            + m.of(EntryKind::RefundPaid, "refunds_payable"));
        if collected != released {
            out.push(format!(
                "released {released} but its collector settled {collected}"
            ));
        }
        if matches!(status, "completed" | "refunded" | "resolved") && still_held != refund_owed {
            out.push(format!(
                "its collector still holds {still_held}, {refund_owed} is owed back"
            ));
        }
    } else if collected != 0 {
        out.push("is not a cash order but has a collection".to_owned());
    }
    match status {
        "completed" | "refunded" | "resolved" => {
            if clearing != 0 {
                out.push(format!("is {status} but {} is still held", -clearing));
            }
            if released + refunded != total {
                out.push(format!(
                    "released {released} and refunded {refunded}, total is {total}"
                ));
            }
            if status == "completed" && refunded != 0 {
                out.push(format!("is completed but refunded {refunded}"));
            }
            if status == "refunded" && released != 0 {
                out.push(format!("is refunded but released {released}"));
            }
        }
        _ => {
            if clearing != -total {
                out.push(format!(
                    "is {status}: holds {}, total is {total}",
                    -clearing
                ));
            }
            if released != 0 || refunded != 0 {
                out.push(format!("is {status} but money left the order"));
            }
        }
    }
    out
}

/// An in-memory ledger with the database's rules: entries must balance, a
/// used key is a no-op. Used by the property tests and the demo checks.
#[derive(Clone, Debug, Default)]
pub struct Book {
    keys: HashSet<String>,
    pub entries: Vec<Entry>,
    balances: BTreeMap<Account, i64>,
}

impl Book {
    /// Writes `e`; `Ok(false)` when its key was already written.
    pub fn post(&mut self, e: Entry) -> Result<bool, LedgerError> {
        if !e.is_balanced() {
            return Err(LedgerError::OutOfRange);
        }
        if !self.keys.insert(e.key.clone()) {
            return Ok(false);
        }
        for p in &e.postings {
            let b = self.balances.entry(p.account).or_default();
            *b = b.checked_add(p.amount).ok_or(LedgerError::OutOfRange)?;
        }
        self.entries.push(e);
        Ok(true)
    }

    /// The signed balance of an account.
    pub fn balance(&self, a: Account) -> i64 {
        self.balances.get(&a).copied().unwrap_or(0)
    }

    pub fn balances(&self) -> impl Iterator<Item = (Account, i64)> + '_ {
        self.balances.iter().map(|(a, b)| (*a, *b))
    }

    /// What an order's entries add up to, for `check_order`.
    pub fn order_money(&self, order: Uuid) -> OrderMoney {
        let mut m = OrderMoney::default();
        for e in self.entries.iter().filter(|e| e.order == Some(order)) {
            for p in &e.postings {
                m.add(e.kind.as_str(), p.account.kind(), p.amount);
            }
        }
        m
    }
}
