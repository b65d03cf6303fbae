//! Money pages: a member's earnings (`/earnings`), one ledger entry
//! (`/ledger/:id`), the board's money page (`/board/money`), and the money
//! section of an order page.

use crate::api::money::{
    load_board_money, load_earnings, load_ledger_entry, BankLineHandled, BankLineView, BoardMoney,
    CreatePayoutBatch, Earnings, EntryRow, EntryView, MarkRefundReturned, ProcessorProblem,
    ProcessorRetry, RecordReceivablePaid, SaveCoopBank, SavePayoutAccount,
};
use crate::components::form::{Field, FormError, FormMessage};
use crate::components::listing::load_error;
use crate::error::AppError;
use crate::i18n::{format_date, format_month, use_i18n, use_locale, Strings};
use crate::pages::listing::path_id;
use crate::pages::orders::moment;
use domain::money::Money;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

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

// ---------------------------------------------------------------------------
// Earnings

#[component]
pub fn EarningsPage() -> impl IntoView {
    let t = use_i18n();
    let query = use_query_map();
    let save = ServerAction::<SavePayoutAccount>::new();
    // Only a save that went through changes the figures: a refused one
    // keeps the form (and its errors) where it is, rather than rebuilding
    // it while its own submit is still settling.
    let saves = Memo::new(move |prev: Option<&usize>| {
        if save.value().with(|v| matches!(v, Some(Ok(_)))) {
            save.version().get()
        } else {
            prev.copied().unwrap_or(0)
        }
    });
    let earnings = Resource::new(
        move || {
            (
                query.with(|q| q.get("month")),
                query.with(|q| q.get("show")),
                saves.get(),
            )
        },
        |(month, show, _)| load_earnings(month, show),
    );
    // Made here, not in the view the resource rebuilds: a save refetches
    // the page's figures and replaces the form, and what its old fields
    // still read must outlive them.
    let error: FormError = Signal::derive(move || save.value().get().and_then(Result::err));
    let just_saved = Signal::derive(move || save.value().get().is_some_and(|r| r.is_ok()));
    view! {
        <Title text=t.earnings_title/>
        <h1>{t.earnings_title}</h1>
        <Suspense fallback=|| ()>
            {move || earnings.get().map(|r| match r {
                Ok(e) => view! { <EarningsView e save error just_saved/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn EarningsView(
    e: Earnings,
    save: ServerAction<SavePayoutAccount>,
    error: FormError,
    just_saved: Signal<bool>,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let month = e.month.clone();
    let figure = |label: &'static str, amount: String, show: &'static str| {
        view! {
            <a class="figure card" href=format!("/earnings?show={show}#detail") data-testid=format!("earnings-{show}")>
                <span class="figure-label">{label}</span>
                <strong class="figure-value">{amount}</strong>
            </a>
        }
    };
    let detail = match e.show.as_deref() {
        Some("pending") => Some(view! {
            <section class="card" id="detail">
                <h2>{t.earnings_pending_list}</h2>
                <ul class="plain">
                    {e.pending_lines.iter().map(|l| view! {
                        <li><span class="order-number">{l.order_number.clone()}</span>" "<a href=format!("/orders/{}", l.order_id)>{l.title.clone()}</a>" · "{l.net.format(locale)}</li>
                    }).collect_view()}
                </ul>
            </section>
        }.into_any()),
        Some(_) => Some(view! {
            <section class="card" id="detail">
                <h2>{t.earnings_entries}</h2>
                <EntryTable entries=e.detail.clone() testid="earnings-detail"/>
            </section>
        }.into_any()),
        None => None,
    };
    view! {
        <div class="figures">
            {figure(t.earnings_pending, e.pending.format(locale), "pending")}
            {figure(t.earnings_available, e.available.format(locale), "available")}
            {figure(t.earnings_paid_out, e.paid_out.format(locale), "paid")}
        </div>
        {(e.owed_to_coop.minor() > 0).then(|| view! {
            <p class="alert" data-testid="earnings-owed">{t.earnings_owed}": "{e.owed_to_coop.format(locale)}</p>
        })}
        {detail}
        <section class="card" id="statement">
            <h2>{t.earnings_statement}" · "<span data-testid="statement-month">{format_month(locale, &month)}</span></h2>
            <form method="get" action="/earnings" class="filters">
                <label for="month">{t.earnings_month}</label>
                <input id="month" name="month" type="month" value=month.clone()/>
                <button type="submit" class="button button-secondary">{t.earnings_show}</button>
                <a href=format!("/earnings/statement.csv?month={month}") download="" data-testid="statement-csv">{t.earnings_csv}</a>
            </form>
            {if e.statement.is_empty() {
                view! { <p class="muted">{t.earnings_none}</p> }.into_any()
            } else {
                view! {
                    <EntryTable entries=e.statement.clone() testid="statement"/>
                    <p class="num"><strong>{t.earnings_month_total}": "<span data-testid="month-total">{e.month_total.format(locale)}</span></strong></p>
                }.into_any()
            }}
        </section>
        <PayoutDetails account=e.account.clone() save error just_saved/>
        {e.connect.clone().map(|c| view! { <StripeConnect standing=c/> })}
    }
    .into_any()
}

/// Where the member's Stripe connected account stands, and the way to
/// Stripe's onboarding (a plain form: Stripe's page is another site).
#[component]
fn StripeConnect(standing: String) -> impl IntoView {
    let t = use_i18n();
    let (text, button) = match standing.as_str() {
        "ready" => (t.connect_ready, None),
        "pending" => (t.connect_pending, Some(t.connect_continue)),
        _ => (t.connect_none, Some(t.connect_start)),
    };
    view! {
        <section class="card narrow" id="stripe-connect" data-testid="stripe-connect" data-standing=standing>
            <h2>{t.connect_title}</h2>
            <p>{text}</p>
            {button.map(|label| view! {
                <form method="post" action="/fn/payout-connect">
                    <button type="submit" class="button" data-testid="connect-start">{label}</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn PayoutDetails(
    account: Option<crate::api::money::PayoutAccountView>,
    save: ServerAction<SavePayoutAccount>,
    error: FormError,
    just_saved: Signal<bool>,
) -> impl IntoView {
    let t = use_i18n();
    let query = use_query_map();
    let saved = move || query.with(|q| q.get("saved").is_some()) || just_saved.get();
    let holder = account.as_ref().map(|a| a.holder_name.clone());
    view! {
        <section class="card narrow" id="payout-details">
            <h2>{t.payout_details}</h2>
            {match &account {
                Some(a) => view! { <p data-testid="payout-current">{t.payout_current}": "{a.holder_name.clone()}" · "<code>{a.iban_masked.clone()}</code></p> }.into_any(),
                None => view! { <p class="alert" data-testid="payout-none">{t.payout_none}</p> }.into_any(),
            }}
            {move || saved().then(|| view! { <p class="alert alert-success" role="status">{t.payout_saved}</p> })}
            <ActionForm action=save>
                <FormMessage error/>
                <Field error name="holder" label=t.payout_holder autocomplete="name" value=holder.unwrap_or_default()/>
                <Field error name="iban" label=t.payout_iban autocomplete="off"/>
                <Field error name="password" label=t.field_current_password input_type="password" autocomplete="current-password" hint=t.payout_password_hint/>
                <button type="submit" class="button" data-testid="payout-save">{t.save}</button>
            </ActionForm>
        </section>
    }
}

// ---------------------------------------------------------------------------
// One entry

#[component]
pub fn LedgerEntryPage() -> impl IntoView {
    let id = path_id("id");
    let entry = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => load_ledger_entry(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || entry.get().map(|r| match r {
                Ok(e) => view! { <EntryDetails e/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn EntryDetails(e: EntryView) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        <Title text=t.ledger_entry_title/>
        <article class="card" data-testid="ledger-entry" data-kind=e.kind.clone()>
            <h1>{t.ledger_entry_title}": "{entry_kind_name(t, &e.kind)}</h1>
            <p class="muted">{moment(locale, e.created_at)}" · "{t.ledger_key}" "<code>{e.key.clone()}</code></p>
            {e.order_id.map(|o| view! { <p><a href=format!("/orders/{o}")>{t.ledger_for_order}" "{e.order_number.clone().unwrap_or_default()}</a></p> })}
            {e.memo.clone().map(|m| view! { <p>{m}</p> })}
            {e.partial.then(|| view! { <p class="muted" data-testid="postings-partial">{t.ledger_partial}</p> })}
            <table class="entries" data-testid="postings">
                <thead><tr><th scope="col">{t.ledger_account}</th><th scope="col" class="num">{t.ledger_debit}</th><th scope="col" class="num">{t.ledger_credit}</th></tr></thead>
                <tbody>
                    {e.postings.iter().map(|p| view! {
                        <tr data-account=p.account_kind.clone()>
                            <td>
                                {account_kind_name(t, &p.account_kind)}
                                {p.member_name.clone().map(|n| format!(": {n}"))}
                                {p.line_title.clone().map(|l| view! { <span class="muted small">" · "{l}</span> })}
                            </td>
                            <td class="num">{p.debit.map(|m| m.format(locale))}</td>
                            <td class="num">{p.credit.map(|m| m.format(locale))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </article>
    }
    .into_any()
}

// ---------------------------------------------------------------------------
// The board's money page

fn bank_outcome_name(t: &Strings, outcome: &str) -> &'static str {
    match outcome {
        "partial" => t.bank_outcome_partial,
        "excess" => t.bank_outcome_excess,
        "not_payable" => t.bank_outcome_not_payable,
        "party" => t.bank_outcome_party,
        "currency" => t.bank_outcome_currency,
        _ => t.bank_outcome_unknown,
    }
}

/// The statement upload (a plain multipart form: the same with or without
/// JavaScript), what the last upload did, and the lines left to decide.
#[component]
fn BankStatement(
    lines: Vec<BankLineView>,
    handled: ServerAction<BankLineHandled>,
) -> impl IntoView {
    use crate::error::problem_message;
    use domain::validation::FieldProblem;
    let t = use_i18n();
    let locale = use_locale();
    let query = use_query_map();
    let count = move |key: &str| {
        query
            .with(|q| q.get(key))
            .and_then(|v| v.parse::<u32>().ok())
    };
    let result = move || {
        count("confirmed").map(|confirmed| {
            view! {
                <p class="alert alert-ok" role="status" data-testid="statement-result">
                    {t.bank_statement_confirmed}": "<strong data-testid="statement-confirmed">{confirmed}</strong>
                    " · "{t.bank_statement_open}": "<strong data-testid="statement-open">{count("open").unwrap_or(0)}</strong>
                    " · "{t.bank_statement_earlier}": "<strong data-testid="statement-earlier">{count("earlier").unwrap_or(0)}</strong>
                </p>
            }
        })
    };
    let error = move || {
        query.with(|q| q.get("statement_error")).map(|code| {
            let problem = match code.as_str() {
                "account" => FieldProblem::StatementAccount,
                "required" => FieldProblem::Required,
                "too_large" => FieldProblem::FileTooLarge,
                _ => FieldProblem::StatementInvalid,
            };
            problem_message(t, problem)
        })
    };
    let handled_error: FormError =
        Signal::derive(move || handled.value().get().and_then(Result::err));
    view! {
        <section class="card" id="bank-statement">
            <h2>{t.bank_statement_title}</h2>
            {result}
            <form method="post" action="/board/bank-statements" enctype="multipart/form-data" class="stack" data-testid="statement-form">
                <div class="field" class:field-invalid=move || error().is_some()>
                    <label for="field-statement">{t.bank_statement_file}</label>
                    <p class="field-hint" id="field-statement-hint">{t.bank_statement_help}</p>
                    <input id="field-statement" type="file" name="statement" accept=".xml,application/xml,text/xml" required
                        aria-describedby="field-statement-hint field-statement-error" aria-invalid=move || error().map(|_| "true")/>
                    <p class="field-error" id="field-statement-error" role="alert">{error}</p>
                </div>
                <button type="submit" class="button button-secondary" data-testid="statement-upload">{t.bank_statement_upload}</button>
            </form>
            <FormMessage error=handled_error/>
            {if lines.is_empty() {
                view! { <p class="muted" data-testid="no-bank-lines">{t.bank_statement_none_open}</p> }.into_any()
            } else {
                view! {
                    <div class="scroll-x">
                    <table class="entries" data-testid="bank-lines">
                        <thead><tr>
                            <th scope="col">{t.bank_line_booked}</th>
                            <th scope="col">{t.bank_line_payer}</th>
                            <th scope="col">{t.bank_line_reference}</th>
                            <th scope="col" class="num">{t.money_total}</th>
                            <th scope="col">{t.bank_line_why}</th>
                            <th scope="col"></th>
                        </tr></thead>
                        <tbody>
                            {lines.into_iter().map(|l| {
                                let amount = if l.currency == l.amount.currency().code() {
                                    l.amount.format(locale)
                                } else {
                                    format!("{} {}", l.amount.minor(), l.currency)
                                };
                                view! {
                                    <tr data-outcome=l.outcome.clone()>
                                        <td>{l.booked_on.map(|d| format_date(locale, d))}</td>
                                        <td>{l.debtor.clone()}</td>
                                        <td>
                                            <span class="mono">{l.reference.clone()}</span>
                                            {l.order_id.map(|o| view! { " "<a href=format!("/orders/{o}")>{t.ledger_for_order}" "{l.order_number.clone().unwrap_or_default()}</a> })}
                                        </td>
                                        <td class="num">{amount}</td>
                                        <td>{bank_outcome_name(t, &l.outcome)}</td>
                                        <td>
                                            <ActionForm action=handled attr:class="inline-form">
                                                <input type="hidden" name="line" value=l.id.to_string()/>
                                                <button type="submit" class="button button-secondary">{t.bank_line_handled}</button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn BoardMoneyPage() -> impl IntoView {
    let t = use_i18n();
    let query = use_query_map();
    let batch = ServerAction::<CreatePayoutBatch>::new();
    let bank = ServerAction::<SaveCoopBank>::new();
    let returned = ServerAction::<MarkRefundReturned>::new();
    let settled = ServerAction::<RecordReceivablePaid>::new();
    let handled = ServerAction::<BankLineHandled>::new();
    let retry = ServerAction::<ProcessorRetry>::new();
    let money = Resource::new(
        move || {
            (
                query.with(|q| q.get("until")),
                batch.version().get(),
                bank.version().get(),
                returned.version().get(),
                settled.version().get(),
                handled.version().get(),
                retry.version().get(),
            )
        },
        |(until, ..)| load_board_money(until),
    );
    view! {
        <Title text=t.money_title/>
        <h1>{t.money_title}</h1>
        <p><a href="/board/patronage">{t.pat_title}</a></p>
        <Suspense fallback=|| ()>
            {move || money.get().map(|r| match r {
                Ok(m) => view! {
                    <ProcessorProblems problems=m.processor_problems.clone() retry/>
                    <BoardMoneyView m batch bank returned settled handled/>
                }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

/// Card processor calls that failed: waiting for their next try, or set
/// aside for a person (with a button to try again now).
#[component]
fn ProcessorProblems(
    problems: Vec<ProcessorProblem>,
    retry: ServerAction<ProcessorRetry>,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let error: FormError = Signal::derive(move || retry.value().get().and_then(Result::err));
    (!problems.is_empty()).then(|| view! {
        <section class="card" id="processor-problems">
            <h2>{t.processor_title}</h2>
            <p class="muted">{t.processor_help}</p>
            <FormMessage error/>
            <ul class="plain" data-testid="processor-problems">
                {problems.into_iter().map(|p| {
                    let kind = match p.kind.as_str() {
                        "refund" => t.processor_refund,
                        "transfer" => t.processor_transfer,
                        "fee" => t.processor_fee,
                        "chargeback" => t.processor_chargeback,
                        _ => t.processor_cancel,
                    };
                    // A lost dispute waits for its order, not for Stripe:
                    // the board may ask again once it finished the order.
                    let waits_for_order = p.kind == "chargeback";
                    let error = if waits_for_order {
                        Some(t.processor_chargeback_waits.to_owned())
                    } else {
                        p.last_error
                    };
                    view! {
                        <li data-kind=p.kind.clone() data-parked=p.parked.to_string()>
                            <strong>{kind}</strong>" · "<a href=format!("/orders/{}", p.order_id)>{t.ledger_for_order}" "{p.order_number.clone()}</a>
                            " · "{t.processor_attempts}": "{p.attempts}
                            {if p.parked {
                                view! { " · "<span class="badge">{t.processor_parked}</span> }.into_any()
                            } else {
                                view! { " · "{t.processor_next}" "{moment(locale, p.next_attempt_at)} }.into_any()
                            }}
                            {error.map(|e| view! { <br/><span class="muted small">{e}</span> })}
                            {(p.parked || waits_for_order).then(|| view! {
                                <ActionForm action=retry attr:class="inline-form">
                                    <input type="hidden" name="call" value=p.call.clone()/>
                                    <button type="submit" class="button button-secondary" data-testid="processor-retry">{t.processor_retry}</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    })
}

#[component]
fn BoardMoneyView(
    m: BoardMoney,
    batch: ServerAction<CreatePayoutBatch>,
    bank: ServerAction<SaveCoopBank>,
    returned: ServerAction<MarkRefundReturned>,
    settled: ServerAction<RecordReceivablePaid>,
    handled: ServerAction<BankLineHandled>,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let bank_lines = m.bank_lines.clone();
    let returned_error: FormError =
        Signal::derive(move || returned.value().get().and_then(Result::err));
    let settled_error: FormError =
        Signal::derive(move || settled.value().get().and_then(Result::err));
    let batch_error: FormError = Signal::derive(move || batch.value().get().and_then(Result::err));
    let bank_error: FormError = Signal::derive(move || bank.value().get().and_then(Result::err));
    let until = m.until.format("%Y-%m-%d").to_string();
    let execution = m.execution.format("%Y-%m-%d").to_string();
    let has_bank = m.bank.is_some();
    let rec = m.reconciliation.clone();
    let (bank_name, bank_iban, bank_bic) = m
        .bank
        .clone()
        .map(|b| (b.name, b.iban, b.bic))
        .unwrap_or_default();
    view! {
        <section class="card" id="balances">
            <h2>{t.money_balances}</h2>
            <p class="muted small">{t.money_balances_help}</p>
            <table class="entries" data-testid="balances">
                <thead><tr><th scope="col">{t.ledger_account}</th><th scope="col" class="num">{t.money_balance}</th></tr></thead>
                {[(true, t.money_where_it_is), (false, t.money_whose_it_is)].into_iter().map(|(held, title)| {
                    let rows: Vec<_> = m.balances.iter().filter(|b| held_here(&b.kind) == held).cloned().collect();
                    let sum = rows.iter().map(|b| b.balance.minor()).sum::<i64>();
                    view! {
                        <tbody data-group=if held { "held" } else { "owed" }>
                            <tr class="group-head"><th scope="rowgroup" colspan="2">{title}</th></tr>
                            {rows.into_iter().map(|b| view! {
                                <tr data-account=b.account.clone()>
                                    <td>{account_kind_name(t, &b.kind)}{b.member_name.clone().map(|n| format!(": {n}"))}</td>
                                    <td class="num">{b.balance.format(locale)}</td>
                                </tr>
                            }).collect_view()}
                            <tr class="subtotal" data-testid=if held { "total-held" } else { "total-owed" } data-minor=sum.to_string()>
                                <th scope="row">{t.money_group_total}</th>
                                <td class="num">{Money::eur(sum).format(locale)}</td>
                            </tr>
                        </tbody>
                    }
                }).collect_view()}
            </table>
            {
                let held: i64 = m.balances.iter().filter(|b| held_here(&b.kind)).map(|b| b.balance.minor()).sum();
                let owed: i64 = m.balances.iter().filter(|b| !held_here(&b.kind)).map(|b| b.balance.minor()).sum();
                let ok = held == owed;
                view! {
                    <p class=if ok { "alert alert-info" } else { "alert alert-error" } data-testid="balances-add-up" data-balanced=ok.to_string()>
                        {if ok { t.money_add_up } else { t.money_do_not_add_up }}" ("{Money::eur(held).format(locale)}" = "{Money::eur(owed).format(locale)}")"
                    </p>
                }
            }
        </section>

        <section class="card" id="payouts">
            <h2>{t.money_payouts}</h2>
            <form method="get" action="/board/money" class="filters">
                <label for="until">{t.money_period_end}</label>
                <input id="until" name="until" type="date" value=until.clone()/>
                <button type="submit" class="button button-secondary">{t.money_preview}</button>
            </form>
            {if m.payees.is_empty() {
                view! { <p class="muted" data-testid="no-payees">{t.money_nothing_to_pay}</p> }.into_any()
            } else {
                view! {
                    <table class="entries" data-testid="payees">
                        <thead><tr><th scope="col">{t.money_member}</th><th scope="col">{t.payout_iban}</th><th scope="col" class="num">{t.earnings_available}</th></tr></thead>
                        <tbody>
                            {m.payees.iter().map(|p| view! {
                                <tr>
                                    <td>{p.name.clone()}</td>
                                    <td>{match p.iban_masked.clone() {
                                        Some(i) => view! { <code>{i}</code> }.into_any(),
                                        None => view! { <span class="muted">{t.money_no_bank}</span> }.into_any(),
                                    }}
                                    {p.held_until.map(|h| view! {
                                        <br/><span class="small" data-testid="payee-held">{t.money_held_until}" "{moment(locale, h)}</span>
                                    })}</td>
                                    <td class="num">{p.available.format(locale)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <ActionForm action=batch>
                        <FormMessage error=batch_error/>
                        <input type="hidden" name="until" value=until.clone()/>
                        <Field error=batch_error name="execution" label=t.money_execution input_type="date" value=execution.clone()/>
                        <button type="submit" class="button" data-testid="create-batch">{t.money_create_batch}</button>
                    </ActionForm>
                }.into_any()
            }}
        </section>

        <section class="card" id="batches">
            <h2>{t.money_batches}</h2>
            {(!has_bank).then(|| view! { <p class="alert">{t.money_bank_missing}</p> })}
            <table class="entries" data-testid="batches">
                <thead><tr>
                    <th scope="col">{t.money_period_end}</th>
                    <th scope="col" class="num">{t.money_count}</th><th scope="col" class="num">{t.money_total}</th><th scope="col"></th>
                </tr></thead>
                <tbody>
                    {m.batches.iter().map(|b| view! {
                        <tr>
                            <td>{format_date(locale, b.period_end)}<br/><span class="muted small">{moment(locale, b.created_at)}</span></td>
                            <td class="num">{b.count}</td>
                            <td class="num">{b.total.format(locale)}</td>
                            <td>{has_bank.then(|| view! {
                                <a href=format!("/board/payouts/{}/sepa.xml", b.id) download="" data-testid="sepa-download">{t.money_download_sepa}</a>
                            })}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>

        <section class="card narrow" id="bank">
            <h2>{t.money_bank}</h2>
            <ActionForm action=bank>
                <FormMessage error=bank_error/>
                <Field error=bank_error name="name" label=t.money_coop_name value=bank_name/>
                <Field error=bank_error name="iban" label=t.payout_iban value=bank_iban autocomplete="off"/>
                <Field error=bank_error name="bic" label=t.money_bic value=bank_bic required=false autocomplete="off"/>
                <button type="submit" class="button button-secondary" data-testid="bank-save">{t.save}</button>
            </ActionForm>
        </section>

        <BankStatement lines=bank_lines handled/>

        {(!m.card_mismatches.is_empty()).then(|| view! {
            <section class="card" id="card-mismatches">
                <h2>{t.card_mismatch_title}</h2>
                <p class="muted">{t.card_mismatch_help}</p>
                <ul class="plain" data-testid="card-mismatches">
                    {m.card_mismatches.iter().map(|c| view! {
                        <li>
                            {moment(locale, c.received_at)}" · "<code>{c.event_id.clone()}</code>
                            {c.order_id.map(|o| view! { " · "<a href=format!("/orders/{o}")>{t.ledger_for_order}" "{c.order_number.clone().unwrap_or_default()}</a> })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}

        <section class="card" id="receivables">
            <h2>{t.receivable_title}</h2>
            <FormMessage error=settled_error/>
            <ul class="plain" data-testid="receivables">
                {m.receivables.into_iter().map(|r| view! {
                    <li>
                        {r.name.clone()}" · "{t.account_member_receivable}": "{r.owed.format(locale)}
                        <ActionForm action=settled attr:class="inline-form">
                            <input type="hidden" name="member" value=r.member_id.to_string()/>
                            <label for=format!("receivable-{}", r.member_id)>{t.receivable_amount}</label>
                            <input type="text" name="amount" id=format!("receivable-{}", r.member_id) autocomplete="off" inputmode="decimal"/>
                            <button type="submit" class="button button-secondary">{t.receivable_record}</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
        </section>

        <section class="card" id="refunds">
            <h2>{t.money_refunds_owed}</h2>
            <FormMessage error=returned_error/>
            <ul class="plain" data-testid="refunds-owed">
                {m.refunds_owed.into_iter().map(|r| view! {
                    <li>
                        <a href=format!("/orders/{}", r.order_id)>{t.ledger_for_order}" "{r.order_number.clone()}</a>" · "{r.customer_name.clone()}" · "{r.amount.format(locale)}
                        <ActionForm action=returned attr:class="inline-form">
                            <input type="hidden" name="order" value=r.order_id.to_string()/>
                            <button type="submit" class="button button-secondary">{t.money_mark_returned}</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
        </section>

        <section class="card" id="disputes">
            <h2>{t.money_disputes}</h2>
            <table class="entries" data-testid="disputes">
                <thead><tr><th scope="col">{t.ledger_for_order}</th><th scope="col" class="num">{t.money_refunded}</th><th scope="col" class="num">{t.money_released}</th></tr></thead>
                <tbody>
                    {m.disputes.iter().map(|d| view! {
                        <tr>
                            <td><a href=format!("/orders/{}", d.order_id)>{d.order_number.clone()}</a></td>
                            <td class="num">{d.refunded.format(locale)}</td>
                            <td class="num">{d.released.format(locale)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>

        <section class="card" id="reconciliation" data-testid="reconciliation" data-ok=rec.problems.is_empty().to_string()>
            <h2>{t.money_reconciliation}</h2>
            <table class="entries">
                <tbody>
                    <tr><th scope="row">{t.money_payments_total}</th><td class="num">{rec.payments_recorded.format(locale)}</td></tr>
                    <tr><th scope="row">{t.money_ledger_payments}</th><td class="num">{rec.payments_in_ledger.format(locale)}</td></tr>
                    <tr><th scope="row">{t.money_payouts_total}</th><td class="num">{rec.payouts_recorded.format(locale)}</td></tr>
                    <tr><th scope="row">{t.money_ledger_payouts}</th><td class="num">{rec.payouts_in_ledger.format(locale)}</td></tr>
                </tbody>
            </table>
            {if rec.problems.is_empty() {
                view! { <p class="alert alert-success">{t.money_all_match}</p> }.into_any()
            } else {
                view! {
                    <div class="alert alert-error" role="alert">
                        <p><strong>{t.money_mismatch}</strong></p>
                        <ul>{rec.problems.iter().map(|p| view! { <li><code>{p.clone()}</code></li> }).collect_view()}</ul>
                    </div>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}
