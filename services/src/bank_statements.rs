//! The cooperative's bank statement (camt.053) read against its open bank
//! transfer orders: a credit whose amount, currency and reference match an
//! order awaiting its transfer confirms that order's payment, each in its
//! own transaction together with the row that remembers the bank's entry;
//! every other credit is kept for a board member to decide. The bank's
//! entry reference is unique, so a statement uploaded again confirms
//! nothing twice.

use super::entities::{bank_statement_lines as lines, orders};
use super::orders::{apply_in, load};
use super::service::ServiceError;
use chrono::{DateTime, Utc};
use domain::camt::{self, Credit};
use domain::iban::Iban;
use domain::order::{Action, Method, Status, Who};
use domain::validation::FieldProblem;
use domain::validation::Refusal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::Serialize;
use uuid::Uuid;
use wire::viewer::Viewer;

/// What Mutua made of one credited line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The order's transfer is confirmed (now, or by an earlier upload).
    Confirmed,
    /// No reference of an order of ours.
    Unknown,
    /// Less than the order's total.
    Partial,
    /// More than the order's total.
    Excess,
    /// The order is not waiting for a transfer (paid already, expired,
    /// cancelled, or paid another way).
    NotPayable,
    /// The uploader is a party to the order: another board member decides.
    Party,
    /// Not the order's currency.
    Currency,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Confirmed => "confirmed",
            Outcome::Unknown => "unknown",
            Outcome::Partial => "partial",
            Outcome::Excess => "excess",
            Outcome::NotPayable => "not_payable",
            Outcome::Party => "party",
            Outcome::Currency => "currency",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Confirmed,
            Outcome::Unknown,
            Outcome::Partial,
            Outcome::Excess,
            Outcome::NotPayable,
            Outcome::Party,
            Outcome::Currency,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineReport {
    /// The bank's entry reference.
    pub entry: String,
    pub amount_minor: i64,
    pub currency: String,
    pub reference: Option<String>,
    pub order: Option<Uuid>,
    pub outcome: Outcome,
    /// Seen in an earlier upload, where it confirmed its order.
    pub earlier: bool,
}

/// The answer to an upload: every credit with its outcome, and the counts
/// of what was not Mutua's to match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub statements: Vec<String>,
    pub lines: Vec<LineReport>,
    pub debits: usize,
    pub skipped: usize,
    pub unreadable: usize,
}

impl Report {
    /// Lines that found their order by reference.
    pub fn matched(&self) -> impl Iterator<Item = &LineReport> {
        self.lines.iter().filter(|l| l.order.is_some())
    }
    /// Orders confirmed by this upload.
    pub fn confirmed(&self) -> impl Iterator<Item = &LineReport> {
        self.lines
            .iter()
            .filter(|l| l.outcome == Outcome::Confirmed && !l.earlier)
    }
    /// Lines a person must decide.
    pub fn open(&self) -> impl Iterator<Item = &LineReport> {
        self.lines
            .iter()
            .filter(|l| l.outcome != Outcome::Confirmed)
    }
}

/// The largest statement accepted (a month of a small cooperative's
/// account is a few hundred kilobytes).
pub const STATEMENT_MAX_BYTES: usize = 4 * 1024 * 1024;

/// Reads `xml` and confirms what matches exactly. Board members only; the
/// statement must be of the cooperative's own account when it names one.
pub async fn import(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    viewer: &Viewer,
    xml: &[u8],
) -> Result<Report, ServiceError> {
    if !viewer.board {
        return Err(ServiceError::Forbidden);
    }
    let bad = || ServiceError::field("statement", FieldProblem::StatementInvalid);
    let xml = std::str::from_utf8(xml).map_err(|_| bad())?;
    let statements = camt::parse(xml).map_err(|_| bad())?;
    let ours = super::money::coop_bank(db)
        .await?
        .and_then(|b| Iban::parse(&b.iban).ok());
    let other_account =
        statements
            .iter()
            .any(|s| match (s.iban.as_deref().map(Iban::parse), &ours) {
                (Some(Ok(theirs)), Some(ours)) => &theirs != ours,
                (Some(Err(_)), _) => true,
                _ => false,
            });
    if other_account {
        return Err(ServiceError::field(
            "statement",
            FieldProblem::StatementAccount,
        ));
    }
    let mut report = Report::default();
    for statement in &statements {
        report.statements.push(statement.id.clone());
        report.debits += statement.debits;
        report.skipped += statement.skipped;
        report.unreadable += statement.unreadable;
        for credit in &statement.credits {
            let line = import_credit(db, now, viewer, &statement.id, credit).await?;
            report.lines.push(line);
        }
    }
    let confirmed = report.confirmed().count();
    let open = report.open().count();
    super::audit::record(
        db,
        now,
        Some(viewer.id),
        "bank_statement_uploaded",
        &format!("statement:{}", report.statements.join(",")),
        &format!(
            "{} credits, {confirmed} confirmed, {open} open",
            report.lines.len()
        ),
    )
    .await?;
    tracing::info!(
        credits = report.lines.len(),
        confirmed,
        open,
        "bank statement read"
    );
    Ok(report)
}

/// The order a credit names, if any: the first of its references that is
/// an order's.
async fn order_named(
    db: &impl ConnectionTrait,
    credit: &Credit,
) -> Result<Option<orders::Model>, DbErr> {
    if credit.references.is_empty() {
        return Ok(None);
    }
    let refs: Vec<&str> = credit.references.iter().map(|r| r.as_str()).collect();
    let found = orders::Entity::find()
        .filter(orders::Column::PaymentReference.is_in(refs.clone()))
        .all(db)
        .await?;
    Ok(refs.iter().find_map(|r| {
        found
            .iter()
            .find(|o| o.payment_reference.as_deref() == Some(r))
            .cloned()
    }))
}

/// What a credit is worth to `order`, before anyone tries to confirm.
fn judge(order: &orders::Model, credit: &Credit) -> Outcome {
    let awaiting = Method::of_provider(&order.payment_provider) == Some(Method::Bank)
        && *order.status == Status::PendingPayment;
    if credit.currency != order.currency {
        Outcome::Currency
    } else if !awaiting {
        Outcome::NotPayable
    } else if credit.minor < order.total_minor {
        Outcome::Partial
    } else if credit.minor > order.total_minor {
        Outcome::Excess
    } else {
        Outcome::Confirmed
    }
}

/// One credit, in one transaction: the order's confirmation (when exact)
/// and the row that remembers the bank's entry commit together.
async fn import_credit(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    viewer: &Viewer,
    statement: &str,
    credit: &Credit,
) -> Result<LineReport, ServiceError> {
    let txn = super::txn::begin_write(db).await?;
    let seen = lines::Entity::find()
        .filter(lines::Column::EntryKey.eq(credit.key.as_str()))
        .one(&txn)
        .await?;
    if let Some(row) = seen.as_ref().filter(|r| r.outcome == "confirmed") {
        return Ok(LineReport {
            entry: credit.key.clone(),
            amount_minor: credit.minor,
            currency: credit.currency.clone(),
            reference: row.reference.clone(),
            order: row.order_id,
            outcome: Outcome::Confirmed,
            earlier: true,
        });
    }
    let order = order_named(&txn, credit).await?;
    let mut outcome = order
        .as_ref()
        .map_or(Outcome::Unknown, |o| judge(o, credit));
    if let (Outcome::Confirmed, Some(o)) = (outcome, &order) {
        let loaded = load(&txn, o.id).await?.ok_or(ServiceError::NotFound)?;
        let who = Who::person(viewer.id, viewer.board);
        let reason = format!("bank statement {statement}, entry {}", credit.key);
        let reason: String = reason.chars().take(200).collect();
        match apply_in(
            &txn,
            now,
            &loaded,
            Action::ConfirmPayment,
            who,
            Some(&reason),
        )
        .await
        {
            Ok(()) => {}
            Err(ServiceError::Refused(Refusal::Party)) => outcome = Outcome::Party,
            Err(ServiceError::Conflict | ServiceError::Forbidden) => outcome = Outcome::NotPayable,
            Err(e) => return Err(e),
        }
    }
    let reference = order
        .as_ref()
        .and_then(|o| o.payment_reference.clone())
        .or_else(|| credit.references.first().map(|r| r.as_str().to_owned()));
    let order_id = order.as_ref().map(|o| o.id);
    match seen {
        Some(row) => {
            lines::Entity::update_many()
                .col_expr(lines::Column::Outcome, Expr::value(outcome.as_str()))
                .col_expr(lines::Column::OrderId, Expr::value(order_id))
                .filter(lines::Column::Id.eq(row.id))
                .exec(&txn)
                .await?;
        }
        None => {
            lines::Entity::insert(lines::ActiveModel {
                id: Set(Uuid::now_v7()),
                entry_key: Set(credit.key.chars().take(255).collect()),
                statement_id: Set(statement.to_owned()),
                booked_on: Set(credit.booked_on),
                amount_minor: Set(credit.minor),
                currency: Set(credit.currency.clone()),
                reference: Set(reference.clone()),
                debtor: Set(credit.debtor.clone()),
                order_id: Set(order_id),
                outcome: Set(outcome.as_str().to_owned()),
                uploaded_by: Set(viewer.id),
                created_at: Set(now),
                handled_by: Set(None),
                handled_at: Set(None),
            })
            .exec(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(LineReport {
        entry: credit.key.clone(),
        amount_minor: credit.minor,
        currency: credit.currency.clone(),
        reference,
        order: order_id,
        outcome,
        earlier: false,
    })
}

/// Lines no one has decided yet, oldest first.
pub async fn open_lines(db: &impl ConnectionTrait) -> Result<Vec<lines::Model>, DbErr> {
    lines::Entity::find()
        .filter(lines::Column::Outcome.ne("confirmed"))
        .filter(lines::Column::HandledAt.is_null())
        .order_by_asc(lines::Column::CreatedAt)
        .order_by_asc(lines::Column::Id)
        .all(db)
        .await
}

/// A board member has dealt with an open line (refunded the payer,
/// confirmed the order by hand, asked for the rest).
pub async fn mark_handled(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    viewer: &Viewer,
    line: Uuid,
) -> Result<(), ServiceError> {
    if !viewer.board {
        return Err(ServiceError::Forbidden);
    }
    let txn = super::txn::begin_write(db).await?;
    let res = lines::Entity::update_many()
        .col_expr(lines::Column::HandledBy, Expr::value(viewer.id))
        .col_expr(lines::Column::HandledAt, Expr::value(now))
        .filter(lines::Column::Id.eq(line))
        .filter(lines::Column::Outcome.ne("confirmed"))
        .filter(lines::Column::HandledAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    super::audit::record(
        &txn,
        now,
        Some(viewer.id),
        "bank_line_handled",
        &format!("bank_statement_line:{line}"),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
