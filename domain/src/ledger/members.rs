//! The entries of members' money: netting and receivables paid in,
//! payouts, transfers to a connected account, patronage refunds.

use super::{Account, Entry, EntryKind};
use crate::money::Money;
use uuid::Uuid;

/// What a member owes the cooperative is taken from what it owes them
/// (in a payout batch), so that no one is paid money they already hold.
pub fn netting(key: String, member: Uuid, amount: Money) -> Entry {
    let mut e = Entry::new(key, EntryKind::Netting, amount.currency());
    e.post(Account::MemberPayable(member), amount.minor(), None);
    e.post(Account::MemberReceivable(member), -amount.minor(), None);
    e
}

/// A member paid what they owed the cooperative into its bank account.
pub fn receivable_paid(key: String, member: Uuid, amount: Money) -> Entry {
    let mut e = Entry::new(key, EntryKind::ReceivablePaid, amount.currency());
    e.post(Account::PlatformCash, amount.minor(), None);
    e.post(Account::MemberReceivable(member), -amount.minor(), None);
    e
}

pub fn payout_key(payout: Uuid) -> String {
    format!("payout/{payout}")
}

/// A member was paid what the cooperative owed them.
pub fn payout(payout: Uuid, member: Uuid, amount: Money) -> Entry {
    let mut e = Entry::new(payout_key(payout), EntryKind::Payout, amount.currency());
    e.payout = Some(payout);
    e.post(Account::MemberPayable(member), amount.minor(), None);
    e.post(Account::PlatformCash, -amount.minor(), None);
    e
}

/// The key of the transfer paying one line of a card-paid order.
pub fn transfer_key(order: Uuid, line: Uuid) -> String {
    format!("order/{order}/transfer/{line}")
}

/// A provider's share of a card-paid order left the platform's Stripe
/// balance for the member's connected account: a payout of one line.
pub fn transfer(order: Uuid, line: Uuid, member: Uuid, amount: Money) -> Entry {
    let mut e = Entry::new(
        transfer_key(order, line),
        EntryKind::Payout,
        amount.currency(),
    );
    e.order = Some(order);
    e.post(Account::MemberPayable(member), amount.minor(), Some(line));
    e.post(Account::PlatformCash, -amount.minor(), None);
    e
}

pub fn patronage_reserve_key(year: i32) -> String {
    format!("patronage/{year}/reserve")
}

pub fn patronage_share_key(year: i32, member: Uuid) -> String {
    format!("patronage/{year}/member/{member}")
}

/// The year's surplus, as the board declared it, leaves the fees earned
/// for the patronage reserve.
pub fn patronage_reserve(year: i32, surplus: Money) -> Entry {
    let mut e = Entry::new(
        patronage_reserve_key(year),
        EntryKind::Patronage,
        surplus.currency(),
    );
    e.post(Account::CoopFeeRevenue, surplus.minor(), None);
    e.post(Account::PatronageReserve, -surplus.minor(), None);
    e
}

/// One member's patronage refund leaves the reserve: the cash part is owed
/// to them (paid with the next payout), the retained part adds to their
/// share capital. One entry per member, so each sees only their own.
pub fn patronage_share(year: i32, member: Uuid, cash: Money, retained: Money) -> Entry {
    let mut e = Entry::new(
        patronage_share_key(year, member),
        EntryKind::Patronage,
        cash.currency(),
    );
    e.post(
        Account::PatronageReserve,
        cash.minor() + retained.minor(),
        None,
    );
    e.post(Account::MemberPayable(member), -cash.minor(), None);
    e.post(Account::MemberCapital(member), -retained.minor(), None);
    e
}
