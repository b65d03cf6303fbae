//! A fee change's impact, computed on the last months' real lines.

use super::*;

/// How many days of completed orders the impact preview replays.
pub const PREVIEW_DAYS: i64 = 90;

/// What the fee terms typed in `form` would have collected over the last
/// 90 days' completed orders, next to what those orders paid.
pub async fn preview(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    form: &ProposalForm,
) -> Result<domain::governance::Impact, ServiceError> {
    use crate::entities::{order_lines, orders};
    use domain::governance::{impact, PastLine};

    let mut fields = Vec::new();
    let rule = fee_rule_of(form, &mut fields);
    let Some(rule) = rule.filter(|_| fields.is_empty()) else {
        return Err(ServiceError::Invalid(fields));
    };
    let since = now - Duration::days(PREVIEW_DAYS);
    let lines: Vec<PastLine> = order_lines::Entity::find()
        .filter(
            order_lines::Column::OrderId.in_subquery(
                Query::select()
                    .column(orders::Column::Id)
                    .from(orders::Entity)
                    .and_where(Expr::col(orders::Column::Status).is_in(["completed", "resolved"]))
                    .and_where(Expr::col(orders::Column::ClosedAt).gte(since))
                    .to_owned(),
            ),
        )
        .filter(order_lines::Column::Status.eq("completed"))
        .all(db)
        .await?
        .into_iter()
        .map(|l| PastLine {
            kind: *l.kind,
            category: l.category_slug,
            provider: l.provider_id,
            price: l.price_minor,
            fee: l.fee_minor,
        })
        .collect();
    Ok(impact(&lines, &rule))
}
