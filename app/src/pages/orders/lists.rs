//! Lists of orders: the customer's (`/orders`), the board's
//! (`/board/orders`), a member's work (dashboard) and the courier's day
//! (`/dashboard/deliveries`).

use super::{status_badge, status_name, StepButtons};
use crate::api::orders::{
    board_orders, courier_day, my_orders, ActOnOrder, OrderSummary, WorkItem,
};
use crate::components::form::{FormError, FormMessage};
use crate::components::format::{date_time, moment};
use crate::components::listing::load_error;
use crate::error::AppError;
use crate::i18n::{format_date, use_i18n, use_locale};
use domain::order::{Status, Step};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
fn OrderList(
    orders: Vec<OrderSummary>,
    #[prop(default = false)] show_customer: bool,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    if orders.is_empty() {
        // The board's list is only empty; a customer learns how to begin.
        return if show_customer {
            view! { <p class="muted empty">{t.orders_none}</p> }.into_any()
        } else {
            view! {
                <p class="muted empty" data-testid="orders-empty">{t.orders_none_customer}</p>
                <p><a class="button" href="/search">{t.orders_find}</a></p>
            }
            .into_any()
        };
    }
    view! {
        <ul class="order-list" data-testid="order-list">
            {orders.into_iter().map(|o| view! {
                <li>
                    <span class="order-number">{o.number.clone()}</span>" "
                    <a href=format!("/orders/{}", o.id)>{o.titles.join(" + ")}</a>
                    " "{status_badge(t, o.status)}
                    <span class="muted">" "{moment(locale, o.created_at)}" · "{o.total.format(locale)}
                        {show_customer.then(|| format!(" · {}", o.customer_name))}</span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn MyOrdersPage() -> impl IntoView {
    let t = use_i18n();
    let orders = Resource::new(|| (), |_| my_orders());
    view! {
        <Title text=t.orders_title/>
        <h1>{t.orders_title}</h1>
        <Suspense fallback=|| ()>
            {move || orders.get().map(|r| match r {
                Ok(list) => view! { <section class="card"><OrderList orders=list/></section> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
pub fn BoardOrdersPage() -> impl IntoView {
    let t = use_i18n();
    let query = use_query_map();
    let status = move || query.with(|q| q.get("status")).unwrap_or_default();
    let orders = Resource::new(status, board_orders);
    let options: Vec<(String, &'static str)> = Status::ALL
        .into_iter()
        .filter(|s| *s != Status::Declined)
        .map(|s| (s.as_str().to_owned(), status_name(t, s)))
        .collect();
    view! {
        <Title text=t.board_orders_title/>
        <h1>{t.board_orders_title}</h1>
        <form method="get" action="/board/orders" class="filters card">
            <label for="status-filter">{t.board_orders_filter}</label>
            <select id="status-filter" name="status">
                <option value="">{t.board_orders_all}</option>
                {options.into_iter().map(|(v, l)| {
                    let selected = status() == v;
                    view! { <option value=v selected=selected>{l}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class="button button-secondary">{t.action_filter}</button>
            <a href="/board/orders?status=disputed">{t.board_orders_disputes}</a>
        </form>
        <Suspense fallback=|| ()>
            {move || orders.get().map(|r| match r {
                Ok(list) => view! { <section class="card"><OrderList orders=list show_customer=true/></section> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

/// One line of work on the dashboard or the courier's day, with the steps
/// open to the member on it as buttons; `back` is where they return.
#[component]
pub fn WorkRow(item: WorkItem, act: ServerAction<ActOnOrder>, back: String) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    // What the line waits for: the member's first step, else someone else.
    let waits = match item.actions.first() {
        Some(Step::ConfirmPayment) => t.work_waits_confirm,
        Some(Step::Accept | Step::Decline) => t.work_waits_you,
        Some(Step::Start) => t.work_waits_start,
        Some(_) => t.work_waits_done,
        None => match item.status {
            Status::Placed | Status::Paid | Status::PendingPayment => t.work_waits_payment,
            Status::Accepted => t.work_waits_start,
            _ => t.work_waits_done,
        },
    };
    let kind = item.kind;
    let order = item.order_id;
    let line = item.line_id;
    view! {
        <li class="work-item" data-status=item.status.as_str() data-testid=format!("work-{}", item.order_number)>
            <span class="order-number">{item.order_number.clone()}</span>" "
            <a href=format!("/orders/{}", item.order_id)>{item.title.clone()}</a>
            " "{status_badge(t, item.status)}
            <p class="muted small">
                {item.when.map(|w| date_time(locale, w))}
                {item.until.map(|u| format!("–{}", u.format("%H:%M")))}
                " · "{item.customer_name.clone()}" · "{t.order_your_net}" "{item.net.format(locale)}
            </p>
            {item.delivery.as_ref().map(|d| view! {
                <p class="small">{t.order_pickup}": "{d.pickup_address.clone()}" → "{t.order_dropoff}": "{d.dropoff_address.clone()}</p>
            })}
            <p class="small work-next" data-testid="work-next">{waits}</p>
            <div class="actions work-actions">
                <StepButtons act order line kind actions=item.actions.clone() back/>
                <a class="button button-secondary" href=format!("/orders/{}", item.order_id)>{t.work_open}</a>
            </div>
        </li>
    }
}

/// The member's work on the dashboard: to act on, today, upcoming.
/// `work` and `act` are created by the page itself (resources made inside
/// a reactive branch lose the request's context during server rendering);
/// `work` follows `act`, so a step taken here shows at once.
#[component]
pub fn WorkSection(
    work: Resource<Result<crate::api::orders::MyWork, AppError>>,
    act: ServerAction<ActOnOrder>,
) -> impl IntoView {
    let t = use_i18n();
    let act_error: FormError = Signal::derive(move || act.value().get().and_then(Result::err));
    let group = move |title: &'static str,
                      testid: &'static str,
                      empty: &'static str,
                      items: Vec<WorkItem>| {
        view! {
            <h3>{title}</h3>
            {if items.is_empty() {
                view! { <p class="muted empty">{empty}</p> }.into_any()
            } else {
                view! {
                    <ul class="work-list" data-testid=testid>
                        {items.into_iter().map(|i| view! { <WorkRow item=i act back="dashboard".to_owned()/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        }
    };
    view! {
        <section class="card" id="work" data-testid="work">
            <h2>{t.work_title}</h2>
            <FormMessage error=act_error/>
            <p><a href="/dashboard/deliveries">{t.courier_day_title}</a></p>
            <Suspense fallback=|| ()>
                {move || work.get().and_then(Result::ok).map(|w| view! {
                    {group(t.work_to_act, "work-to-act", t.work_nothing_to_act, w.to_act)}
                    {group(t.work_today, "work-today", t.work_nothing_today, w.today)}
                    {group(t.work_upcoming, "work-upcoming", t.work_nothing_upcoming, w.upcoming)}
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn CourierDayPage() -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let query = use_query_map();
    let date = move || query.with(|q| q.get("date")).unwrap_or_default();
    let act = ServerAction::<ActOnOrder>::new();
    let act_error: FormError = Signal::derive(move || act.value().get().and_then(Result::err));
    let day = Resource::new(
        move || (date(), act.version().get()),
        |(date, _)| courier_day(date),
    );
    view! {
        <Title text=t.courier_day_title/>
        <h1>{t.courier_day_title}</h1>
        <form method="get" action="/dashboard/deliveries" class="filters card">
            <label for="day">{t.order_window_date}</label>
            <input id="day" type="date" name="date" value=date/>
            <button type="submit" class="button button-secondary">{t.action_show}</button>
        </form>
        <FormMessage error=act_error/>
        <Suspense fallback=|| ()>
            {move || day.get().map(|r| match r {
                Ok((d, items)) => view! {
                    <section class="card courier-day">
                        <h2>{format_date(locale, d)}</h2>
                        {if items.is_empty() {
                            view! { <p class="muted">{t.courier_day_none}</p> }.into_any()
                        } else {
                            view! {
                                <ol class="stops" data-testid="stops">
                                    {items.into_iter().map(|i| {
                                        let leg = i.delivery.clone();
                                        view! {
                                            <li class="stop" data-status=i.status.as_str()>
                                                <p><strong>{i.when.map(|w| w.format("%H:%M").to_string())}{i.until.map(|u| format!("–{}", u.format("%H:%M")))}</strong>" "{status_badge(t, i.status)}" "<span class="order-number">{i.order_number.clone()}</span></p>
                                                {leg.map(|leg| view! {
                                                    <p>{t.order_pickup}": "{leg.pickup_address}</p>
                                                    <p>{t.order_dropoff}": "{leg.dropoff_address}</p>
                                                })}
                                                <div class="actions">
                                                    <StepButtons act order=i.order_id line=i.line_id kind=i.kind actions=i.actions.clone() back=format!("deliveries:{d}")/>
                                                    <a class="button button-secondary" href=format!("/orders/{}", i.order_id)>{t.courier_open_order}</a>
                                                </div>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ol>
                            }.into_any()
                        }}
                    </section>
                }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}
