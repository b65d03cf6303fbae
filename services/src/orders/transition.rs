//! An order as stored and every step of its state machine: one transaction
//! with its events, money, notices and the payment record.

use super::*;

/// An order and its lines as stored, with the snapshot the state machine reads.
pub struct Loaded {
    pub order: orders::Model,
    pub lines: Vec<order_lines::Model>,
    /// A fulfilled order: when the customer was told (see `OrderState`).
    pub told_done_at: Option<DateTime<Utc>>,
}

/// When a line's work begins: its booked opening or its delivery window.
pub fn begins_of(l: &order_lines::Model) -> Option<DateTime<Utc>> {
    match (l.slot_date, l.slot_start) {
        (Some(date), Some(start)) => Some(
            date.and_time(chrono::NaiveTime::MIN).and_utc()
                + chrono::Duration::minutes(i64::from(start)),
        ),
        _ => l.window_start,
    }
}

/// When the customer of a fulfilled order was told its work is done: the
/// last "work done" mail's sending, `None` while one waits to go out. An
/// order without such mails (fulfilled before they were marked, or a
/// customer without an address) counts from its fulfilment.
pub(super) async fn told_done_at(
    db: &impl ConnectionTrait,
    order: &orders::Model,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let sent: Vec<Option<DateTime<Utc>>> = email_outbox::Entity::find()
        .select_only()
        .column(email_outbox::Column::SentAt)
        .filter(email_outbox::Column::OrderId.eq(order.id))
        .filter(email_outbox::Column::Notice.eq(notify::WORK_DONE))
        .into_tuple()
        .all(db)
        .await?;
    if sent.is_empty() {
        return Ok(order.fulfilled_at);
    }
    Ok(sent
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .and_then(|s| s.into_iter().max()))
}

impl Loaded {
    pub(super) fn state(&self) -> Result<OrderState, DbErr> {
        Ok(OrderState {
            customer: self.order.customer_id,
            status: *self.order.status,
            method: self.method()?,
            collector: self.order.collector_id,
            created_at: self.order.created_at,
            pay_by: self.order.pay_by,
            paid_at: self.order.paid_at,
            fulfilled_at: self.order.fulfilled_at,
            told_done_at: self.told_done_at,
            lines: self
                .lines
                .iter()
                .map(|l| {
                    Ok(LineState {
                        provider: l.provider_id,
                        status: *l.status,
                        begins: begins_of(l),
                    })
                })
                .collect::<Result<_, DbErr>>()?,
        })
    }

    pub fn method(&self) -> Result<Method, DbErr> {
        Method::of_provider(&self.order.payment_provider).ok_or_else(|| {
            DbErr::Custom(format!(
                "order {} has unknown payment provider {}",
                self.order.id, self.order.payment_provider
            ))
        })
    }

    pub(super) fn may_see(&self, viewer: &Viewer) -> bool {
        viewer.board
            || self.order.customer_id == viewer.id
            || self.lines.iter().any(|l| l.provider_id == viewer.id)
    }
}

pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Loaded>, DbErr> {
    let Some(order) = orders::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let lines = order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.eq(id))
        .order_by_asc(order_lines::Column::Position)
        .all(db)
        .await?;
    let told_done_at = if *order.status == Status::Fulfilled {
        told_done_at(db, &order).await?
    } else {
        None
    };
    Ok(Some(Loaded {
        order,
        lines,
        told_done_at,
    }))
}

/// What a person asks to do to an order, as the form sent it.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub action: Step,
    pub line: Option<Uuid>,
    pub reason: &'a str,
    /// `resolve_partial` only: the amount that goes back to the customer.
    pub refund: &'a str,
}

/// A person acts on an order (the server function's entry point).
pub async fn act_as(
    db: &DatabaseConnection,
    clock: &Clock,
    viewer: &Viewer,
    id: Uuid,
    req: Request<'_>,
) -> Result<(), ServiceError> {
    let Request {
        action,
        line,
        reason,
        refund,
    } = req;
    let reason =
        parse_text(reason, REASON_MAX, action == Step::Dispute).map_err(|p| one("reason", p))?;
    for attempt in 1..=ACT_ATTEMPTS {
        let loaded = load(db, id).await?.ok_or(ServiceError::NotFound)?;
        if !loaded.may_see(viewer) {
            return Err(ServiceError::NotFound);
        }
        let index = match line {
            Some(l) => Some(
                loaded
                    .lines
                    .iter()
                    .position(|x| x.id == l)
                    .ok_or(ServiceError::NotFound)?,
            ),
            None => None,
        };
        let refund = if action == Step::ResolvePartial {
            let currency = Currency::parse(&loaded.order.currency).unwrap_or(Currency::Eur);
            let amount = domain::listing::amount(refund, currency)
                .map_err(|p| one("refund", p))?
                .minor();
            if amount <= 0 || amount >= loaded.order.total_minor {
                return Err(one("refund", FieldProblem::RefundRange));
            }
            Some(amount)
        } else {
            None
        };
        let action = action.action(index, refund).ok_or(ServiceError::Conflict)?;
        let who = Who::person(viewer.id, viewer.board);
        match apply(db, clock.now(), &loaded, action, who, Some(reason.as_str())).await {
            Err(ServiceError::Conflict) if attempt < ACT_ATTEMPTS => {
                // Someone changed the order meanwhile: read it again.
                continue;
            }
            other => return other,
        }
    }
    Err(ServiceError::Conflict)
}

/// Plans `action` on `loaded` and writes it in one transaction: the order's
/// row (guarded by its revision), the lines (guarded by their status),
/// freed openings, events and e-mails. Writes nothing when refused.
pub async fn apply(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    loaded: &Loaded,
    action: Action,
    who: Who,
    reason: Option<&str>,
) -> Result<(), ServiceError> {
    let txn = crate::txn::begin_write(db).await?;
    apply_in(&txn, now, loaded, action, who, reason).await?;
    txn.commit().await?;
    tracing::info!(order = %loaded.order.id, action = action.name(), "order transition");
    Ok(())
}

/// `apply` inside the caller's transaction (a webhook records its event in
/// the same one). Nothing is written if it fails and the caller drops the
/// transaction.
pub async fn apply_in(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    loaded: &Loaded,
    action: Action,
    who: Who,
    reason: Option<&str>,
) -> Result<(), ServiceError> {
    let state = loaded.state()?;
    let t = match state.plan(action, who, now) {
        Ok(t) => t,
        Err(e) => return Err(e.into()),
    };
    let reason = reason.filter(|r| !r.is_empty());
    let order = &loaded.order;
    let mut update = orders::Entity::update_many()
        .col_expr(orders::Column::Status, Expr::value(t.order_to.as_str()))
        .col_expr(orders::Column::UpdatedAt, Expr::value(now))
        .col_expr(orders::Column::Revision, Expr::value(order.revision + 1));
    if t.paid {
        update = update.col_expr(orders::Column::PaidAt, Expr::value(now));
    }
    if t.order_to == Status::Fulfilled && t.order_from != Status::Fulfilled {
        update = update.col_expr(orders::Column::FulfilledAt, Expr::value(now));
    }
    if t.order_to.is_final() {
        update = update.col_expr(orders::Column::ClosedAt, Expr::value(now));
    }
    if let Action::Resolve(r) = action {
        let name = match r {
            Resolution::Release => "release",
            Resolution::Refund => "refund",
            Resolution::Partial(_) => "partial",
        };
        update = update.col_expr(orders::Column::Resolution, Expr::value(name));
    }
    let res = update
        .filter(orders::Column::Id.eq(order.id))
        .filter(orders::Column::Revision.eq(order.revision))
        .filter(orders::Column::Status.eq(t.order_from.as_str()))
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    let actor = who.id;
    let name = action.name();
    // Cash confirmed changes no status, but belongs in the timeline.
    if t.order_from != t.order_to || t.paid {
        record(
            txn,
            order.id,
            None,
            actor,
            name,
            Some(t.order_from),
            t.order_to,
            reason,
            now,
        )
        .await?;
    }
    for &(i, from, to) in &t.lines {
        let Some(line) = loaded.lines.get(i) else {
            return Err(ServiceError::Conflict);
        };
        let res = order_lines::Entity::update_many()
            .col_expr(order_lines::Column::Status, Expr::value(to.as_str()))
            .col_expr(order_lines::Column::UpdatedAt, Expr::value(now))
            .filter(order_lines::Column::Id.eq(line.id))
            .filter(order_lines::Column::Status.eq(from.as_str()))
            .exec(txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(ServiceError::Conflict);
        }
        if matches!(to, Status::Cancelled | Status::Declined | Status::Refunded) {
            slot_units::Entity::delete_many()
                .filter(slot_units::Column::LineId.eq(line.id))
                .exec(txn)
                .await?;
        }
        record(
            txn,
            order.id,
            Some(line.id),
            actor,
            name,
            Some(from),
            to,
            reason,
            now,
        )
        .await?;
        // Every line done is told to the customer (the order completes by
        // itself only 48 h after the last of these mails went out).
        if to == Status::Fulfilled {
            let notice = if *line.kind == ListingKind::Delivery {
                Notice::Delivered
            } else {
                Notice::Done
            };
            let about = notify::About {
                id: order.id,
                number: &order.number,
                title: &line.title,
            };
            notify::enqueue(txn, notice, order.customer_id, about, now).await?;
        }
    }
    if matches!(action, Action::Resolve(_) | Action::Dispute) {
        crate::audit::record(
            txn,
            now,
            actor,
            if matches!(action, Action::Dispute) {
                "order_disputed"
            } else {
                "dispute_resolved"
            },
            &format!("order:{}", order.id),
            &match action {
                Action::Resolve(Resolution::Partial(refund)) => {
                    format!("partial, {refund} minor units refunded")
                }
                Action::Resolve(Resolution::Refund) => "refund".to_owned(),
                Action::Resolve(Resolution::Release) => "release".to_owned(),
                _ => reason.unwrap_or("").to_owned(),
            },
        )
        .await?;
    }
    let ctx = ledger::Context {
        actor,
        memo: reason,
    };
    for e in money_of(loaded, action, &t)? {
        ledger::post(txn, &e, ctx, now).await?;
        record_payment(txn, order, &e, actor, now).await?;
        crate::stripe::connect::owe_transfers(txn, order, &e, now).await?;
    }
    let first_title = loaded
        .lines
        .first()
        .map(|l| l.title.clone())
        .unwrap_or_default();
    if t.order_from != t.order_to {
        let customer_notice = match (action, t.order_to) {
            (_, Status::Accepted) => Some(Notice::Accepted),
            (Action::Expire, _) => Some(Notice::Expired),
            (_, Status::Refunded) => Some(Notice::Refunded),
            _ => None,
        };
        if let Some(n) = customer_notice {
            let about = notify::About {
                id: order.id,
                number: &order.number,
                title: &first_title,
            };
            notify::enqueue(txn, n, order.customer_id, about, now).await?;
        }
        if t.order_to == Status::Completed {
            let mut seen = HashSet::new();
            for l in &loaded.lines {
                if seen.insert(l.provider_id) {
                    let about = notify::About {
                        id: order.id,
                        number: &order.number,
                        title: &l.title,
                    };
                    notify::enqueue(txn, Notice::Completed, l.provider_id, about, now).await?;
                }
            }
        }
    }
    Ok(())
}

/// The money each line of an order moves, as pinned when it was placed.
pub fn line_money(lines: &[order_lines::Model]) -> Vec<LineMoney> {
    lines
        .iter()
        .map(|l| LineMoney {
            id: l.id,
            provider: l.provider_id,
            price: l.price_minor,
            fee: l.fee_minor,
        })
        .collect()
}

/// The ledger entries a transition writes: the payment when money
/// arrives, the split when the order completes, the refund when it is
/// refunded, both when a dispute is settled in part.
pub(super) fn money_of(
    loaded: &Loaded,
    action: Action,
    t: &Transition,
) -> Result<Vec<Entry>, ServiceError> {
    let o = &loaded.order;
    let currency = Currency::parse(&o.currency)
        .ok_or_else(|| DbErr::Custom(format!("order {} has unknown currency", o.id)))?;
    let lines = line_money(&loaded.lines);
    let cash = match loaded.method()? {
        Method::Cash => Some(
            o.collector_id
                .ok_or_else(|| DbErr::Custom(format!("cash order {} has no collector", o.id)))?,
        ),
        Method::Bank | Method::Card => None,
    };
    if t.paid {
        return Ok(vec![money_book::payment(
            o.id,
            currency,
            &lines,
            money_book::holder(cash),
        )]);
    }
    if t.order_from == t.order_to {
        return Ok(Vec::new());
    }
    let mut entries = match (action, t.order_to) {
        (Action::Resolve(Resolution::Partial(refund)), _) => {
            money_book::settlement(o.id, currency, &lines, refund)
                .map_err(|_| one("refund", FieldProblem::OutOfRange))?
        }
        (Action::Resolve(Resolution::Refund), _) | (_, Status::Refunded) => {
            vec![money_book::full_refund(o.id, currency, &lines)]
        }
        (Action::Resolve(Resolution::Release), _) | (_, Status::Completed) => {
            vec![money_book::completion(o.id, currency, &lines)]
        }
        _ => Vec::new(),
    };
    // Cash released to the providers is in the collector's hands: they
    // keep their own part and owe the cooperative the rest.
    if let Some(collector) = cash {
        let collected: Vec<Entry> = entries
            .iter()
            .filter(|e| e.kind == EntryKind::Completion)
            .filter_map(|e| money_book::collection(o.id, collector, e))
            .collect();
        entries.extend(collected);
    }
    Ok(entries)
}

/// Keeps the order's payment row in step with its ledger entries.
pub(super) async fn record_payment(
    db: &impl ConnectionTrait,
    order: &orders::Model,
    e: &Entry,
    actor: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    match e.kind {
        EntryKind::Payment => {
            payment_rows::Entity::insert(payment_rows::ActiveModel {
                id: Set(Uuid::now_v7()),
                order_id: Set(order.id),
                provider: Set(order.payment_provider.clone()),
                status: Set("succeeded".to_owned()),
                amount_minor: Set(order.total_minor),
                currency: Set(order.currency.clone()),
                external_id: Set(None),
                confirmed_by: Set(actor),
                processor_fee_minor: Set(None),
                refunded_minor: Set(0),
                processor_refunded_minor: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    payment_rows::Column::OrderId,
                    payment_rows::Column::Provider,
                ])
                .update_columns([
                    payment_rows::Column::Status,
                    payment_rows::Column::ConfirmedBy,
                    payment_rows::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        }
        EntryKind::Refund => {
            let amount = e.amount();
            let status = if amount >= order.total_minor {
                "refunded"
            } else {
                "succeeded"
            };
            payment_rows::Entity::update_many()
                .col_expr(
                    payment_rows::Column::RefundedMinor,
                    Expr::col(payment_rows::Column::RefundedMinor).add(amount),
                )
                .col_expr(payment_rows::Column::Status, Expr::value(status))
                .col_expr(payment_rows::Column::UpdatedAt, Expr::value(now))
                .filter(payment_rows::Column::OrderId.eq(order.id))
                .filter(payment_rows::Column::Status.eq("succeeded"))
                .exec(db)
                .await?;
        }
        _ => {}
    }
    Ok(())
}
