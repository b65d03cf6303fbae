//! Orders: placing one from a listing page, following it, acting on it, and
//! its message thread. Only the customer, the providers of its lines and the
//! board see an order; anyone else gets 404, as for a missing one.

// The order form has many fields and a server function takes a form's
// fields as arguments.
#![allow(clippy::too_many_arguments)]

use crate::domain::listing::ListingKind;
use crate::domain::money::Money;
use crate::domain::order::Status;
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A courier the customer may choose for a delivery leg.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourierChoice {
    pub listing_id: Uuid,
    pub title: String,
    pub provider_name: String,
}

/// What the order form of a listing needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderForm {
    pub listing_id: Uuid,
    pub kind: ListingKind,
    pub title: String,
    pub provider_id: Uuid,
    pub provider_name: String,
    pub price: crate::domain::listing::PriceModel,
    /// How long one booking lasts (its shortest, for one booked by the hour).
    pub minutes: Option<u16>,
    /// Done at the customer's place: the form asks for the address.
    pub at_customer: bool,
    /// The cooperative's fee terms for this listing's line (and a delivery's).
    pub fee_terms: crate::domain::fee::FeeTerms,
    pub delivery_fee_terms: crate::domain::fee::FeeTerms,
    /// The price as the form first stands.
    pub quote: Quote,
    /// A fresh idempotency key for this showing of the form.
    pub key: String,
    /// Free start times of a service: (`YYYY-MM-DDTHH:MM`, date, start, end).
    pub openings: Vec<(String, NaiveDate, u16, u16)>,
    /// Hours an hourly service may be booked for.
    pub hours: Option<(u8, u8)>,
    pub couriers: Vec<CourierChoice>,
    /// The payment methods offered, the default first.
    pub payment_methods: Vec<crate::domain::order::Method>,
}

/// Where a service at the customer's place is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceView {
    pub address: String,
    pub postcode: String,
    pub notes: Option<String>,
}

/// What an order would cost as its form stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub lines: Vec<QuoteLine>,
    /// Once every line is priced.
    pub total: Option<Money>,
    /// The cooperative's part of the total.
    pub fee: Option<Money>,
    /// A delivery asked for whose price needs its addresses.
    pub delivery_pending: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    pub kind: ListingKind,
    pub title: String,
    pub provider_name: String,
    pub hours: Option<u8>,
    pub price: Money,
    pub fee: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub pickup_address: String,
    pub pickup_postcode: String,
    pub dropoff_address: String,
    pub dropoff_postcode: String,
    pub distance_km: Option<i32>,
    pub package_size: String,
    pub weight_kg: Option<i32>,
    pub window_start: Option<DateTime<Utc>>,
    pub window_end: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineView {
    pub id: Uuid,
    pub position: i16,
    pub kind: ListingKind,
    pub listing_id: Uuid,
    pub title: String,
    pub provider_id: Uuid,
    pub provider_name: String,
    pub status: Status,
    /// Shown to the customer, the board and the line's own provider.
    pub price: Option<Money>,
    pub fee: Option<Money>,
    pub net: Option<Money>,
    pub hours: Option<i16>,
    pub slot: Option<(NaiveDate, u16, u16)>,
    /// A service at the customer's place.
    pub place: Option<PlaceView>,
    pub delivery: Option<DeliveryView>,
    /// When the work begins: it can be marked done from then.
    pub begins: Option<DateTime<Utc>>,
    /// The viewer provides this line.
    pub mine: bool,
    /// Actions the viewer may take on this line now (`accept`, `decline`,
    /// `start`, `fulfil`).
    pub actions: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub at: DateTime<Utc>,
    pub action: String,
    pub from: Option<Status>,
    pub to: Status,
    /// Position of the line, for a line's event.
    pub line: Option<i16>,
    /// `None`: the cooperative's clock (timed transitions).
    pub actor_name: Option<String>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub at: DateTime<Utc>,
    pub author_name: String,
    pub body: String,
    pub mine: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: Uuid,
    /// The human number, `2026-0042`.
    pub number: String,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub customer_name: String,
    pub is_customer: bool,
    pub is_board: bool,
    /// Shown to the customer and the board.
    pub total: Option<Money>,
    pub fee: Option<Money>,
    pub fee_rule_version: i32,
    pub payment_provider: String,
    pub payment: PaymentView,
    pub note: Option<String>,
    pub resolution: Option<String>,
    pub lines: Vec<LineView>,
    pub events: Vec<EventView>,
    pub messages: Vec<MessageView>,
    /// The order's ledger entries, oldest first.
    pub money: Vec<crate::api::money::EntryRow>,
    /// Order-level actions the viewer may take now.
    pub actions: Vec<String>,
}

/// How the order is paid, as its customer (and the board) needs to know.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentView {
    pub method: crate::domain::order::Method,
    pub paid: bool,
    /// What is paid: shown to the customer, the board and the member who
    /// collects the cash.
    pub amount: Option<Money>,
    /// The viewer is the member who collects the cash.
    pub mine: bool,
    /// Cash: the member the customer pays.
    pub collector_name: Option<String>,
    /// Bank: the cooperative's name and IBAN (grouped), and the reference
    /// (ISO 11649, grouped); shown to the customer and the board only.
    pub beneficiary: Option<String>,
    pub iban: Option<String>,
    pub reference: Option<String>,
    /// When an unpaid order expires.
    pub pay_by: Option<DateTime<Utc>>,
}

/// One row of a list of orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: Uuid,
    pub number: String,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub total: Money,
    pub titles: Vec<String>,
    pub customer_name: String,
}

/// A line a member provides, for the work dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkItem {
    pub order_id: Uuid,
    pub order_number: String,
    pub line_id: Uuid,
    pub order_status: Status,
    pub status: Status,
    pub kind: ListingKind,
    pub title: String,
    pub customer_name: String,
    pub net: Money,
    /// When the work happens: the slot start or the delivery window start.
    pub when: Option<chrono::NaiveDateTime>,
    pub until: Option<chrono::NaiveDateTime>,
    pub delivery: Option<DeliveryView>,
    /// The steps open to the member on this line now (action names).
    pub actions: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyWork {
    /// Waiting for the member: money to confirm, lines to accept.
    pub to_act: Vec<WorkItem>,
    pub today: Vec<WorkItem>,
    pub upcoming: Vec<WorkItem>,
}

#[cfg(feature = "ssr")]
pub(crate) mod imp {
    use crate::error::AppError;
    use crate::server::orders::OrderError;

    pub fn order_error(e: OrderError, echo: &[(&str, &str)]) -> AppError {
        e.into_app(echo)
    }
}

#[server(prefix = "/fn", endpoint = "order-form")]
pub async fn load_order_form(listing: Uuid) -> Result<OrderForm, AppError> {
    use crate::server::{auth, orders, respond};
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    orders::form(&state.db, &state.clock, viewer.id, listing, &state.payments)
        .await
        .map_err(|e| imp::order_error(e, &[]))
}

/// Places an order. Sending the same form (same `key`) again, even many
/// times at once, creates one order and answers with it.
#[server(prefix = "/fn", endpoint = "order-place")]
pub async fn place_order(
    listing: String,
    key: String,
    #[server(default)] slot: String,
    #[server(default)] hours: String,
    #[server(default)] note: String,
    #[server(default)] with_delivery: String,
    #[server(default)] courier: String,
    #[server(default)] pickup_address: String,
    #[server(default)] pickup_postcode: String,
    #[server(default)] pickup_lat: String,
    #[server(default)] pickup_lon: String,
    #[server(default)] dropoff_address: String,
    #[server(default)] dropoff_postcode: String,
    #[server(default)] dropoff_lat: String,
    #[server(default)] dropoff_lon: String,
    #[server(default)] package_size: String,
    #[server(default)] weight_kg: String,
    #[server(default)] window_date: String,
    #[server(default)] window_from: String,
    #[server(default)] window_to: String,
    #[server(default)] payment: String,
    #[server(default)] place_address: String,
    #[server(default)] place_postcode: String,
    #[server(default)] access_notes: String,
) -> Result<Uuid, AppError> {
    use crate::server::{auth, orders, respond};
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    let input = crate::domain::order_form::OrderInput {
        listing,
        key,
        slot,
        hours,
        note,
        with_delivery,
        courier,
        pickup_address,
        pickup_postcode,
        pickup_lat,
        pickup_lon,
        dropoff_address,
        dropoff_postcode,
        dropoff_lat,
        dropoff_lon,
        package_size,
        weight_kg,
        window_date,
        window_from,
        window_to,
        payment,
        place_address,
        place_postcode,
        access_notes,
    };
    let id = orders::place(&state.db, &state.clock, &viewer, &input, &state.payments)
        .await
        .map_err(|e| imp::order_error(e, &input.echo()))?;
    leptos_axum::redirect(&format!("/orders/{id}"));
    Ok(id)
}

/// What the order form would cost as it stands (nothing is booked).
#[server(prefix = "/fn", endpoint = "order-quote")]
pub async fn quote_order(input: crate::domain::order_form::OrderInput) -> Result<Quote, AppError> {
    use crate::server::{auth, orders, respond};
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    orders::quote(&state.db, &state.clock, viewer.id, &input)
        .await
        .map_err(|e| imp::order_error(e, &[]))
}

#[server(prefix = "/fn", endpoint = "order")]
pub async fn get_order(id: Uuid) -> Result<OrderView, AppError> {
    use crate::server::{auth, orders, respond};
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    orders::view(&state.db, &state.clock, &viewer, id)
        .await
        .map_err(|e| imp::order_error(e, &[]))
}

/// One step of the order's life: `confirm_payment`, `accept`, `decline`,
/// `start`, `fulfil` (with `line`), `complete`, `dispute`, `cancel`,
/// `resolve_release`, `resolve_refund`, `resolve_partial` (with `refund`,
/// the amount that goes back to the customer).
#[server(prefix = "/fn", endpoint = "order-act")]
pub async fn act_on_order(
    id: Uuid,
    action: String,
    #[server(default)] line: Option<Uuid>,
    #[server(default)] reason: String,
    #[server(default)] refund: String,
    #[server(default)] back: String,
) -> Result<(), AppError> {
    use crate::server::{auth, orders, respond};
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    orders::act_as(
        &state.db,
        &state.clock,
        &viewer,
        id,
        orders::Request {
            action: &action,
            line,
            reason: &reason,
            refund: &refund,
        },
    )
    .await
    .map_err(|e| imp::order_error(e, &[("reason", &reason), ("refund", &refund)]))?;
    leptos_axum::redirect(&back_to(id, &back));
    Ok(())
}

/// Where a step taken on an order returns: the page it was taken from, one
/// of a fixed few (never a URL from the form), else the order's page.
pub fn back_to(order: Uuid, back: &str) -> String {
    if back == "dashboard" {
        return "/dashboard#work".to_owned();
    }
    match back
        .strip_prefix("deliveries:")
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    {
        Some(day) => format!("/dashboard/deliveries?date={day}"),
        None => format!("/orders/{order}"),
    }
}

#[server(prefix = "/fn", endpoint = "order-message")]
pub async fn post_message(id: Uuid, body: String) -> Result<(), AppError> {
    use crate::server::{auth, orders, respond};
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    crate::server::rate::check(crate::server::rate::Action::Message, &viewer.id.to_string())
        .await?;
    orders::post_message(&state.db, &state.clock, &viewer, id, &body)
        .await
        .map_err(|e| imp::order_error(e, &[("body", &body)]))?;
    leptos_axum::redirect(&format!("/orders/{id}#messages"));
    Ok(())
}

/// The viewer's own orders as a customer, newest first.
#[server(prefix = "/fn", endpoint = "my-orders")]
pub async fn my_orders() -> Result<Vec<OrderSummary>, AppError> {
    use crate::server::{auth, orders, respond};
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    orders::of_customer(&state.db, viewer.id)
        .await
        .map_err(respond::internal)
}

/// The member's work: lines to act on, today's and upcoming.
#[server(prefix = "/fn", endpoint = "my-work")]
pub async fn load_my_work() -> Result<MyWork, AppError> {
    use crate::server::{auth, orders, respond};
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    orders::work(&state.db, &state.clock, viewer.id)
        .await
        .map_err(respond::internal)
}

/// A courier's day: pickups and drop-offs in time order.
#[server(prefix = "/fn", endpoint = "courier-day")]
pub async fn courier_day(
    #[server(default)] date: String,
) -> Result<(NaiveDate, Vec<WorkItem>), AppError> {
    use crate::server::{auth, orders, respond};
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    let day = match date.trim() {
        "" => state.clock.now().date_naive(),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            respond::fail(AppError::invalid(
                vec![AppError::field(
                    "date",
                    crate::domain::account::FieldProblem::DateInvalid,
                )],
                &[("date", &date)],
            ))
        })?,
    };
    let items = orders::courier_day(&state.db, &state.clock, viewer.id, day)
        .await
        .map_err(respond::internal)?;
    Ok((day, items))
}

/// Every order, for the board, optionally with one status.
#[server(prefix = "/fn", endpoint = "board-orders")]
pub async fn board_orders(
    #[server(default)] status: String,
) -> Result<Vec<OrderSummary>, AppError> {
    use crate::server::{auth, orders, respond};
    auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    let status = match status.trim() {
        "" => None,
        s => Some(Status::parse(s).ok_or_else(|| {
            respond::fail(AppError::invalid(
                vec![AppError::field(
                    "status",
                    crate::domain::account::FieldProblem::ChoiceInvalid,
                )],
                &[],
            ))
        })?),
    };
    orders::all(&state.db, status)
        .await
        .map_err(respond::internal)
}

#[cfg(test)]
mod tests {
    use super::back_to;
    use uuid::Uuid;

    #[test]
    fn a_step_returns_only_to_the_pages_it_names() {
        let order = Uuid::nil();
        let own = format!("/orders/{order}");
        assert_eq!(back_to(order, "dashboard"), "/dashboard#work");
        assert_eq!(
            back_to(order, "deliveries:2026-12-05"),
            "/dashboard/deliveries?date=2026-12-05"
        );
        for other in [
            "",
            "https://elsewhere.example/",
            "//elsewhere.example",
            "deliveries:2026-12-05&x=1",
            "deliveries:../../board",
            "Dashboard",
        ] {
            assert_eq!(back_to(order, other), own, "{other}");
        }
    }
}
