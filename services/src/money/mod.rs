//! Money as people see it: a member's earnings and statement, their payout
//! account, ledger entries, the board's balances, payout batches with their
//! SEPA file, refunds owed and reconciliation. Every figure is read from
//! the ledger; everything that moves money writes ledger entries in the
//! same transaction.

use crate::accounts::display_names as names;
use crate::entities::{
    coop_settings, ledger_entries, ledger_postings, order_lines, orders, payout_accounts,
    payout_batches, payouts,
};
use crate::ledger::{self, Context};
use crate::orders::numbers as order_numbers;
use crate::service::ServiceError;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use domain::calendar::{parse_month, start_of};
use domain::iban::{pain001, valid_bic, Debtor, Iban, Transfer};
use domain::ledger::{self as book, Account, EntryKind};
use domain::money::{Currency, Money};
use domain::order_form::parse_text;
use domain::validation::FieldError;
use domain::validation::FieldProblem;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use std::collections::HashMap;
use uuid::Uuid;
use wire::money::{
    BalanceView, BankLineView, BatchView, BoardMoney, CoopBank, DisputeOutcome, Earnings, EntryRow,
    EntryView, PayeeView, PayoutAccountView, PendingLine, PostingView, ReceivableView,
    Reconciliation, RefundOwed,
};
use wire::viewer::Viewer;

mod bank;
mod batches;
mod board;
mod earnings;
mod entries;
mod settle;

pub use bank::*;
pub use batches::*;
pub use board::*;
pub use earnings::*;
pub use entries::*;
pub use settle::*;

/// The cooperative's currency (one per cooperative).
const CURRENCY: Currency = Currency::Eur;
const HOLDER_MAX: usize = 70;

pub(crate) fn eur(minor: i64) -> Money {
    Money::new(minor, CURRENCY)
}

/// The placeholder for the `n`-th bound value in raw SQL.
pub(crate) fn ph(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

fn next_month(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(first)
}
