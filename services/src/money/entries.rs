//! Ledger entries as people read them, and an order's entries.

use super::*;

pub(super) fn postings_view(
    postings: &[ledger_postings::Model],
    names: &HashMap<Uuid, String>,
    titles: &HashMap<Uuid, String>,
) -> Vec<PostingView> {
    postings
        .iter()
        .map(|p| {
            let account = Account::parse(&p.account_code);
            PostingView {
                account: p.account_code.clone(),
                account_kind: account.map(|a| a.kind()).unwrap_or("").to_owned(),
                member_name: account
                    .and_then(Account::member)
                    .and_then(|m| names.get(&m).cloned()),
                debit: (p.amount_minor > 0).then(|| eur(p.amount_minor)),
                credit: (p.amount_minor < 0).then(|| eur(-p.amount_minor)),
                line_title: p.line_id.and_then(|l| titles.get(&l).cloned()),
            }
        })
        .collect()
}

/// One entry, for the board and the people it concerns.
pub async fn entry(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<EntryView, ServiceError> {
    let e = ledger_entries::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut loaded = ledger::with_postings(db, vec![e]).await?;
    let Some((e, postings)) = loaded.pop() else {
        return Err(ServiceError::NotFound);
    };
    let accounts: Vec<Account> = postings
        .iter()
        .filter_map(|p| Account::parse(&p.account_code))
        .collect();
    let mut lines = Vec::new();
    let mut allowed = viewer.board || accounts.iter().any(|a| a.member() == Some(viewer.id));
    let mut sees_all = viewer.board;
    let mut order_number = None;
    if let Some(order) = e.order_id {
        if let Some(o) = orders::Entity::find_by_id(order).one(db).await? {
            order_number = Some(o.number.clone());
            lines = order_lines::Entity::find()
                .filter(order_lines::Column::OrderId.eq(order))
                .all(db)
                .await?;
            allowed = allowed
                || o.customer_id == viewer.id
                || lines.iter().any(|l| l.provider_id == viewer.id);
            sees_all = sees_all
                || o.customer_id == viewer.id
                || lines.iter().all(|l| l.provider_id == viewer.id);
        } else {
            sees_all = true;
        }
    } else {
        // A payout, patronage share…: its member sees it whole.
        sees_all = true;
    }
    if !allowed {
        return Err(ServiceError::NotFound);
    }
    // A co-provider sees the postings of their own lines and accounts only.
    let own: Vec<Uuid> = lines
        .iter()
        .filter(|l| l.provider_id == viewer.id)
        .map(|l| l.id)
        .collect();
    let postings: Vec<_> = if sees_all {
        postings
    } else {
        postings
            .into_iter()
            .filter(|p| {
                p.line_id.is_some_and(|l| own.contains(&l))
                    || Account::parse(&p.account_code).and_then(Account::member) == Some(viewer.id)
            })
            .collect()
    };
    let accounts: Vec<Account> = postings
        .iter()
        .filter_map(|p| Account::parse(&p.account_code))
        .collect();
    let names = names(db, accounts.iter().filter_map(|a| a.member())).await?;
    let titles: HashMap<Uuid, String> = lines.into_iter().map(|l| (l.id, l.title)).collect();
    Ok(EntryView {
        id: e.id,
        key: e.idempotency_key,
        kind: e.kind.as_str().to_owned(),
        created_at: e.created_at,
        order_id: e.order_id,
        order_number,
        memo: e.memo,
        postings: postings_view(&postings, &names, &titles),
        partial: !sees_all,
    })
}

/// An order's entries, for its page (the caller has checked who sees it).
pub async fn order_entries(db: &impl ConnectionTrait, order: Uuid) -> Result<Vec<EntryRow>, DbErr> {
    let number = order_numbers(db, [order]).await?.remove(&order);
    Ok(ledger::entries_of_order(db, order)
        .await?
        .into_iter()
        .map(|(e, p)| EntryRow {
            id: e.id,
            kind: e.kind.as_str().to_owned(),
            created_at: e.created_at,
            order_id: e.order_id,
            order_number: number.clone(),
            amount: eur(p.iter().map(|p| p.amount_minor.max(0)).sum()),
        })
        .collect())
}
