//! `/board/money`: balances, payout batches, bank statements, members'
//! payments, refunds, disputes and card processor problems.

use super::{account_kind_name, held_here};
use crate::api::money::{
    load_board_money, BankLineHandled, BankLineView, BoardMoney, CreatePayoutBatch,
    MarkRefundReturned, ProcessorProblem, ProcessorRetry, RecordReceivablePaid, SaveCoopBank,
};
use crate::components::form::{Field, FormError, FormMessage};
use crate::components::format::moment;
use crate::components::listing::load_error;
use crate::i18n::{format_date, use_i18n, use_locale, Strings};
use domain::money::Money;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

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
