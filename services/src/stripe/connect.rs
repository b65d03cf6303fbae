//! Stripe Connect: members onboard an Express account through Stripe's
//! hosted form (an account link), and each provider line of a completed
//! card-paid order is paid to that account with one `Transfer` drawn on
//! the order's charge.
//!
//! A transfer is *owed* in the transaction that completes the order (so a
//! payout batch never pays the same line by SEPA), and *sent* by the job
//! runner: the Stripe call carries the ledger entry's key as idempotency
//! key, and the ledger entry and the row's new status commit together.

use super::{api, Stripe, StripeFailure, PROVIDER};
use crate::clock::Clock;
use crate::entities::{orders, payments, payout_accounts, transfers, users};
use crate::ledger;
use crate::retries::{self, Call};
use chrono::{DateTime, Utc};
use domain::ledger::{self as book, Account, Entry, EntryKind};
use domain::money::{Currency, Money};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Where a member stands with Stripe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// No connected account yet.
    None,
    /// An account exists; Stripe still needs details before paying it.
    Pending,
    /// Card-paid work is transferred to the account.
    Ready,
}

pub async fn standing(db: &impl ConnectionTrait, member: Uuid) -> Result<Standing, DbErr> {
    let account = payout_accounts::Entity::find_by_id(member).one(db).await?;
    Ok(match account {
        Some(a) if a.stripe_account_id.is_some() && a.stripe_ready => Standing::Ready,
        Some(a) if a.stripe_account_id.is_some() => Standing::Pending,
        _ => Standing::None,
    })
}

/// Records the transfers a card-paid order owes when `entry` releases its
/// money: one per line credited to a member whose connected account can
/// receive transfers. Runs inside the transition's transaction.
pub async fn owe_transfers(
    txn: &impl ConnectionTrait,
    order: &orders::Model,
    entry: &Entry,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if order.payment_provider != PROVIDER || entry.kind != EntryKind::Completion {
        return Ok(());
    }
    let released: Vec<(Uuid, Uuid, i64)> = entry
        .postings
        .iter()
        .filter_map(|p| match (p.account, p.line) {
            (Account::MemberPayable(m), Some(l)) if p.amount < 0 => Some((m, l, -p.amount)),
            _ => None,
        })
        .collect();
    if released.is_empty() {
        return Ok(());
    }
    let ready: HashMap<Uuid, String> = payout_accounts::Entity::find()
        .filter(payout_accounts::Column::MemberId.is_in(released.iter().map(|r| r.0)))
        .filter(payout_accounts::Column::StripeReady.eq(true))
        .all(txn)
        .await?
        .into_iter()
        .filter_map(|a| Some((a.member_id, a.stripe_account_id?)))
        .collect();
    for (member, line, amount) in released {
        let Some(destination) = ready.get(&member) else {
            continue;
        };
        transfers::Entity::insert(transfers::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(order.id),
            line_id: Set(line),
            member_id: Set(member),
            destination: Set(destination.clone()),
            amount_minor: Set(amount),
            currency: Set(order.currency.clone()),
            status: Set("owed".to_owned()),
            external_id: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
        })
        .on_conflict(
            OnConflict::column(transfers::Column::LineId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// Stripe tells whether a connected account can receive transfers
/// (`account.updated`).
pub async fn account_updated(
    txn: &impl ConnectionTrait,
    account: &str,
    payouts_enabled: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    payout_accounts::Entity::update_many()
        .col_expr(
            payout_accounts::Column::StripeReady,
            Expr::value(payouts_enabled),
        )
        .col_expr(payout_accounts::Column::UpdatedAt, Expr::value(now))
        .filter(payout_accounts::Column::StripeAccountId.eq(account))
        .exec(txn)
        .await?;
    Ok(())
}

impl Stripe {
    /// The address of Stripe's hosted onboarding for `member`: their
    /// Express account is created on first call (one account whatever the
    /// retries: the idempotency key is the member's), then a fresh
    /// account link that returns to the earnings page.
    pub async fn onboarding_link(
        &self,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
        member: Uuid,
    ) -> Result<String, StripeFailure> {
        use stripe::{IdempotencyKey, RequestStrategy, StripeRequest};
        use stripe_connect::account::{
            CreateAccount, CreateAccountCapabilities, CreateAccountCapabilitiesTransfers,
            CreateAccountType,
        };
        use stripe_connect::account_link::{CreateAccountLink, CreateAccountLinkType};
        let existing = payout_accounts::Entity::find_by_id(member)
            .one(db)
            .await?
            .and_then(|a| a.stripe_account_id);
        let account = match existing {
            Some(a) => a,
            None => {
                let user = users::Entity::find_by_id(member)
                    .one(db)
                    .await?
                    .ok_or(DbErr::RecordNotFound(format!("member {member}")))?;
                let mut capabilities = CreateAccountCapabilities::new();
                capabilities.transfers = Some(CreateAccountCapabilitiesTransfers {
                    requested: Some(true),
                });
                let key =
                    IdempotencyKey::new(format!("member/{member}/connect-account")).map_err(api)?;
                let created = CreateAccount::new()
                    .type_(CreateAccountType::Express)
                    .email(user.email.clone())
                    .capabilities(capabilities)
                    .metadata([("member_id".to_owned(), member.to_string())])
                    .customize()
                    .request_strategy(RequestStrategy::Idempotent(key))
                    .send(&*self.client)
                    .await
                    .map_err(api)?;
                let id = created.id.to_string();
                payout_accounts::Entity::insert(payout_accounts::ActiveModel {
                    member_id: Set(member),
                    holder_name: Set(user.display_name.clone()),
                    iban: Set(None),
                    stripe_account_id: Set(Some(id.clone())),
                    stripe_ready: Set(false),
                    updated_at: Set(now),
                    iban_changed_at: Set(None),
                })
                .on_conflict(
                    OnConflict::column(payout_accounts::Column::MemberId)
                        .value(
                            payout_accounts::Column::StripeAccountId,
                            Expr::cust("COALESCE(payout_accounts.stripe_account_id, excluded.stripe_account_id)"),
                        )
                        .update_column(payout_accounts::Column::UpdatedAt)
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
                tracing::info!(member = %member, "stripe connected account created");
                id
            }
        };
        let back = format!("{}/earnings", self.public_url);
        let link = CreateAccountLink::new(account, CreateAccountLinkType::AccountOnboarding)
            .refresh_url(format!("{back}?stripe=refresh#payout-details"))
            .return_url(format!("{back}?stripe=return#payout-details"))
            .send(&*self.client)
            .await
            .map_err(api)?;
        Ok(link.url)
    }

    /// Sends every owed transfer to Stripe, oldest first: drawn on the
    /// order's charge (`source_transaction`), grouped with the order, and
    /// keyed by the ledger entry it becomes, so a retry after a crash
    /// never pays twice. Answers how many were sent.
    pub async fn send_transfers(
        &self,
        db: &DatabaseConnection,
        clock: &Clock,
    ) -> Result<usize, StripeFailure> {
        use stripe::{IdempotencyKey, RequestStrategy, StripeRequest};
        use stripe_connect::transfer::CreateTransfer;
        use stripe_core::payment_intent::RetrievePaymentIntent;
        let owed = transfers::Entity::find()
            .filter(transfers::Column::Status.eq("owed"))
            .order_by_asc(transfers::Column::CreatedAt)
            .all(db)
            .await?;
        let mut sent = 0;
        // The lines of one order draw on the same charge: look it up once.
        let mut charges: HashMap<Uuid, Option<String>> = HashMap::new();
        for t in owed {
            // One transfer Stripe refuses does not hold back the others.
            let call = format!("transfer:{}", t.id);
            // Read here, not in the call: a database error is not Stripe's.
            let intent = if charges.contains_key(&t.order_id) {
                None
            } else {
                payments::Entity::find()
                    .filter(payments::Column::OrderId.eq(t.order_id))
                    .filter(payments::Column::Provider.eq(PROVIDER))
                    .one(db)
                    .await?
                    .and_then(|p| p.external_id)
            };
            let (t, charges) = (&t, &mut charges);
            let transfer = retries::attempt(
                db,
                (&call, Call::Transfer, t.order_id),
                clock.now(),
                |generation| async move {
                    if let std::collections::hash_map::Entry::Vacant(slot) =
                        charges.entry(t.order_id)
                    {
                        let charge = match intent {
                            Some(intent) => RetrievePaymentIntent::new(intent.as_str())
                                .send(&*self.client)
                                .await
                                .map_err(api)?
                                .latest_charge
                                .map(|c| c.id().to_string()),
                            None => None,
                        };
                        slot.insert(charge);
                    }
                    let Some(Some(charge)) = charges.get(&t.order_id).cloned() else {
                        return Ok(None);
                    };
                    let currency = t
                        .currency
                        .to_lowercase()
                        .parse::<stripe_types::Currency>()
                        .map_err(|_| api(format!("currency {}", t.currency)))?;
                    let key = retries::keyed(book::transfer_key(t.order_id, t.line_id), generation);
                    CreateTransfer::new(currency, t.destination.as_str())
                        .amount(t.amount_minor)
                        .source_transaction(charge)
                        .transfer_group(t.order_id.to_string())
                        .metadata([
                            ("order_id".to_owned(), t.order_id.to_string()),
                            ("line_id".to_owned(), t.line_id.to_string()),
                        ])
                        .customize()
                        .request_strategy(RequestStrategy::Idempotent(
                            IdempotencyKey::new(key).map_err(api)?,
                        ))
                        .send(&*self.client)
                        .await
                        .map(Some)
                        .map_err(api)
                },
            )
            .await?;
            let Some(Some(transfer)) = transfer else {
                continue;
            };
            let currency = Currency::parse(&t.currency)
                .ok_or_else(|| api(format!("currency {}", t.currency)))?;
            let now = clock.now();
            let txn = crate::txn::begin_write(db).await?;
            let entry = book::transfer(
                t.order_id,
                t.line_id,
                t.member_id,
                Money::new(t.amount_minor, currency),
            );
            ledger::post(&txn, &entry, ledger::Context::default(), now).await?;
            let res = transfers::Entity::update_many()
                .col_expr(transfers::Column::Status, Expr::value("sent"))
                .col_expr(
                    transfers::Column::ExternalId,
                    Expr::value(transfer.id.to_string()),
                )
                .col_expr(transfers::Column::SentAt, Expr::value(now))
                .filter(transfers::Column::Id.eq(t.id))
                .filter(transfers::Column::Status.eq("owed"))
                .exec(&txn)
                .await?;
            txn.commit().await?;
            sent += usize::try_from(res.rows_affected).unwrap_or(0);
        }
        Ok(sent)
    }
}
