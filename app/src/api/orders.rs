//! Orders: placing one from a listing page, following it, acting on it, and
//! its message thread. Only the customer, the providers of its lines and the
//! board see an order; anyone else gets 404, as for a missing one.

// The order form has many fields and a server function takes a form's
// fields as arguments.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::respond::IntoApp;
use chrono::NaiveDate;
#[cfg(feature = "ssr")]
use domain::order::Status;
use leptos::prelude::*;
use uuid::Uuid;
pub use wire::orders::*;

#[server(prefix = "/fn", endpoint = "order-form")]
pub async fn load_order_form(listing: Uuid) -> Result<OrderForm, AppError> {
    use crate::server::{auth, respond};
    use services::orders;
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    orders::form(&state.db, &state.clock, viewer.id, listing, &state.payments)
        .await
        .map_err(|e| e.into_app(&[]))
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
    use crate::server::{auth, respond};
    use services::orders;
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    let input = domain::order_form::OrderInput {
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
        .map_err(|e| e.into_app(&input.echo()))?;
    leptos_axum::redirect(&format!("/orders/{id}"));
    Ok(id)
}

/// What the order form would cost as it stands (nothing is booked).
#[server(prefix = "/fn", endpoint = "order-quote")]
pub async fn quote_order(input: domain::order_form::OrderInput) -> Result<Quote, AppError> {
    use crate::server::{auth, respond};
    use services::orders;
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    orders::quote(&state.db, &state.clock, viewer.id, &input)
        .await
        .map_err(|e| e.into_app(&[]))
}

#[server(prefix = "/fn", endpoint = "order")]
pub async fn get_order(id: Uuid) -> Result<OrderView, AppError> {
    use crate::server::{auth, respond};
    use services::orders;
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    orders::view(&state.db, &state.clock, &viewer, id)
        .await
        .map_err(|e| e.into_app(&[]))
}

/// One step of the order's life: `confirm_payment`, `accept`, `decline`,
/// `start`, `fulfil` (with `line`), `complete`, `dispute`, `cancel`,
/// `resolve_release`, `resolve_refund`, `resolve_partial` (with `refund`,
/// the amount that goes back to the customer).
#[server(prefix = "/fn", endpoint = "order-act")]
pub async fn act_on_order(
    id: Uuid,
    action: domain::order::Step,
    #[server(default)] line: Option<Uuid>,
    #[server(default)] reason: String,
    #[server(default)] refund: String,
    #[server(default)] back: String,
) -> Result<(), AppError> {
    use crate::server::{auth, respond};
    use services::orders;
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    orders::act_as(
        &state.db,
        &state.clock,
        &viewer,
        id,
        orders::Request {
            action,
            line,
            reason: &reason,
            refund: &refund,
        },
    )
    .await
    .map_err(|e| e.into_app(&[("reason", &reason), ("refund", &refund)]))?;
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
    use crate::server::{auth, respond};
    use services::orders;
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    crate::server::respond::rate_check(services::rate::Action::Message, &viewer.id.to_string())
        .await?;
    orders::post_message(&state.db, &state.clock, &viewer, id, &body)
        .await
        .map_err(|e| e.into_app(&[("body", &body)]))?;
    leptos_axum::redirect(&format!("/orders/{id}#messages"));
    Ok(())
}

/// The viewer's own orders as a customer, newest first.
#[server(prefix = "/fn", endpoint = "my-orders")]
pub async fn my_orders() -> Result<Vec<OrderSummary>, AppError> {
    use crate::server::{auth, respond};
    use services::orders;
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    orders::of_customer(&state.db, viewer.id)
        .await
        .map_err(respond::internal)
}

/// The member's work: lines to act on, today's and upcoming.
#[server(prefix = "/fn", endpoint = "my-work")]
pub async fn load_my_work() -> Result<MyWork, AppError> {
    use crate::server::{auth, respond};
    use services::orders;
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
    use crate::server::{auth, respond};
    use services::orders;
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    let day = match date.trim() {
        "" => state.clock.now().date_naive(),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            respond::fail(AppError::invalid(
                vec![AppError::field(
                    "date",
                    domain::validation::FieldProblem::DateInvalid,
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
    use crate::server::{auth, respond};
    use services::orders;
    auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    let status = match status.trim() {
        "" => None,
        s => Some(Status::parse(s).ok_or_else(|| {
            respond::fail(AppError::invalid(
                vec![AppError::field(
                    "status",
                    domain::validation::FieldProblem::ChoiceInvalid,
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
