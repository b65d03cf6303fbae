//! Money pages: a member's earnings (`earnings`), one ledger entry
//! (`entry`), the board's money page (`board`). Here: the names of entries
//! and accounts, and the entry table an order's page shows too.

pub mod board;
pub mod earnings;
pub mod entry;
use crate::api::money::EntryRow;
use crate::components::format::moment;
use crate::i18n::{use_i18n, use_locale, Strings};
use leptos::prelude::*;

pub fn entry_kind_name(t: &Strings, kind: &str) -> &'static str {
    match kind {
        "payment" => t.entry_payment,
        "completion" => t.entry_completion,
        "refund" => t.entry_refund,
        "refund_paid" => t.entry_refund_paid,
        "processor_fee" => t.entry_processor_fee,
        "patronage" => t.entry_patronage,
        "collection" => t.entry_collection,
        "netting" => t.entry_netting,
        "receivable_paid" => t.entry_receivable_paid,
        "dispute_funds" => t.entry_dispute_funds,
        "clawback" => t.entry_clawback,
        _ => t.entry_payout,
    }
}

pub fn account_kind_name(t: &Strings, kind: &str) -> &'static str {
    match kind {
        "platform_cash" => t.account_platform_cash,
        "order_clearing" => t.account_order_clearing,
        "member_payable" => t.account_member_payable,
        "coop_fee_revenue" => t.account_coop_fee_revenue,
        "processor_fees" => t.account_processor_fees,
        "refunds_payable" => t.account_refunds_payable,
        "member_capital" => t.account_member_capital,
        "member_cash_held" => t.account_member_cash_held,
        "member_receivable" => t.account_member_receivable,
        "card_disputes" => t.account_card_disputes,
        _ => t.account_patronage_reserve,
    }
}

/// Accounts whose balance is money somewhere (the bank, a member's pocket,
/// owed by a member, held by a dispute) or spent (card fees); the others
/// say whose it is. Their totals are equal in a balanced ledger.
fn held_here(kind: &str) -> bool {
    matches!(
        kind,
        "platform_cash"
            | "processor_fees"
            | "member_cash_held"
            | "member_receivable"
            | "card_disputes"
    )
}

/// Entries as a table: date, what, order, amount; each links to its entry.
#[component]
fn EntryTable(entries: Vec<EntryRow>, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        <table class="entries" data-testid=testid>
            <thead><tr><th scope="col">{t.earnings_date}</th><th scope="col">{t.earnings_what}</th><th scope="col" class="num">{t.earnings_amount}</th></tr></thead>
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr data-kind=e.kind.clone()>
                        <td>{moment(locale, e.created_at)}</td>
                        <td>
                            <a href=format!("/ledger/{}", e.id)>{entry_kind_name(t, &e.kind)}</a>
                            {e.order_id.map(|o| view! { " · "<a href=format!("/orders/{o}")>{t.ledger_for_order}" "{e.order_number.clone().unwrap_or_default()}</a> })}
                        </td>
                        <td class="num">{e.amount.format(locale)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The money section of an order page.
#[component]
pub fn OrderMoney(entries: Vec<EntryRow>) -> impl IntoView {
    let t = use_i18n();
    view! {
        <section class="card" data-testid="order-money">
            <h2>{t.order_money}</h2>
            <EntryTable entries testid="order-entries"/>
        </section>
    }
}
