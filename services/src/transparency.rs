//! The public figures: every fee rule version with the vote that enacted
//! it, fees kept and money paid out per month, and ledger totals. Nothing
//! here names a member or an order.

use super::entities::{fee_rule_versions, orders, proposals};
use super::ledger;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::fee::FeeRule;
use domain::ledger::Account;
use domain::money::Money;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, Statement,
};
use std::collections::HashMap;
use wire::governance::{FeeVersionView, MonthFigures, Transparency, VoteCitation};

fn eur(minor: i64) -> Money {
    Money::eur(minor)
}

/// The first day of the month `back` months before `day`'s.
fn month_start(day: NaiveDate, back: u32) -> NaiveDate {
    let months = day.year() * 12 + day.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(day)
}

/// Every fee rule version, newest first, with the vote that enacted it.
pub async fn fee_versions(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<FeeVersionView>, DbErr> {
    let rows = fee_rule_versions::Entity::find()
        .order_by_asc(fee_rule_versions::Column::Version)
        .all(db)
        .await?;
    let active = crate::fees::active_rule(db, now).await?.0;
    let ids: Vec<_> = rows.iter().filter_map(|r| r.proposal_id).collect();
    let cited: HashMap<_, _> = proposals::Entity::find()
        .filter(proposals::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut versions = Vec::new();
    for r in rows.into_iter().rev() {
        let rule: FeeRule = serde_json::from_str(&r.rule)
            .map_err(|e| DbErr::Custom(format!("fee rule {} unreadable: {e}", r.version)))?;
        versions.push(FeeVersionView {
            version: r.version,
            effective_from: r.effective_from,
            active: r.version == active,
            rule,
            proposal: r
                .proposal_id
                .and_then(|id| cited.get(&id))
                .map(|p| VoteCitation {
                    id: p.id,
                    title: p.title.clone(),
                    result: super::governance::result_of(p),
                }),
        });
    }
    Ok(versions)
}

pub async fn figures(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Transparency, DbErr> {
    let versions = fee_versions(db, now).await?;
    #[derive(FromQueryResult)]
    struct Month {
        month: String,
        fees: Option<i64>,
        paid: Option<i64>,
    }
    let backend = db.get_database_backend();
    let (month_expr, placeholder) = match backend {
        DbBackend::Postgres => ("to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM')", "$1"),
        _ => ("substr(e.created_at, 1, 7)", "?"),
    };
    let first = month_start(now.date_naive(), 11);
    let since = first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let sql = format!(
        "SELECT {month_expr} AS month, \
           CAST(SUM(CASE WHEN a.kind = 'coop_fee_revenue' THEN -p.amount_minor ELSE 0 END) AS BIGINT) AS fees, \
           CAST(SUM(CASE WHEN a.kind = 'member_payable' AND p.amount_minor > 0 THEN p.amount_minor ELSE 0 END) AS BIGINT) AS paid \
         FROM ledger_postings p \
         JOIN ledger_entries e ON e.id = p.entry_id \
         JOIN ledger_accounts a ON a.code = p.account_code \
         WHERE e.created_at >= {placeholder} AND a.kind IN ('coop_fee_revenue', 'member_payable') \
         GROUP BY {month_expr}"
    );
    let by_month: HashMap<String, (i64, i64)> =
        Month::find_by_statement(Statement::from_sql_and_values(backend, sql, [since.into()]))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.month, (m.fees.unwrap_or(0), m.paid.unwrap_or(0))))
            .collect();
    let months = (0..12)
        .rev()
        .map(|back| {
            let m = month_start(now.date_naive(), back)
                .format("%Y-%m")
                .to_string();
            let (fees, paid) = by_month.get(&m).copied().unwrap_or((0, 0));
            MonthFigures {
                month: m,
                fees: eur(fees),
                paid_out: eur(paid),
            }
        })
        .collect();

    #[derive(FromQueryResult)]
    struct Sum {
        total: Option<i64>,
    }
    let paid_out_total = Sum::find_by_statement(Statement::from_string(
        backend,
        "SELECT CAST(SUM(p.amount_minor) AS BIGINT) AS total FROM ledger_postings p \
         JOIN ledger_accounts a ON a.code = p.account_code \
         WHERE a.kind = 'member_payable' AND p.amount_minor > 0",
    ))
    .one(db)
    .await?
    .and_then(|s| s.total)
    .unwrap_or(0);
    let completed_orders = orders::Entity::find()
        .filter(orders::Column::Status.is_in(["completed", "resolved"]))
        .count(db)
        .await?;
    Ok(Transparency {
        versions,
        months,
        fees_total: eur(-ledger::balance(db, Account::CoopFeeRevenue).await?),
        paid_out_total: eur(paid_out_total),
        processor_fees_total: eur(ledger::balance(db, Account::ProcessorFees).await?),
        completed_orders,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_count_back_across_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(month_start(d(2026, 11, 24), 0), d(2026, 11, 1));
        assert_eq!(month_start(d(2026, 11, 24), 11), d(2025, 12, 1));
        assert_eq!(month_start(d(2026, 1, 31), 1), d(2025, 12, 1));
        assert_eq!(month_start(d(2026, 3, 5), 26), d(2024, 1, 1));
    }
}
