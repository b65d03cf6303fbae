//! Orders as their form, quote, page, lists and a provider's work show them.

use chrono::{DateTime, NaiveDate, Utc};
use domain::listing::ListingKind;
use domain::money::Money;
use domain::order::{Status, Step};
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
    pub price: domain::listing::PriceModel,
    /// How long one booking lasts (its shortest, for one booked by the hour).
    pub minutes: Option<u16>,
    /// Done at the customer's place: the form asks for the address.
    pub at_customer: bool,
    /// The cooperative's fee terms for this listing's line (and a delivery's).
    pub fee_terms: domain::fee::FeeTerms,
    pub delivery_fee_terms: domain::fee::FeeTerms,
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
    pub payment_methods: Vec<domain::order::Method>,
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
    pub actions: Vec<Step>,
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
    pub money: Vec<crate::money::EntryRow>,
    /// Order-level actions the viewer may take now.
    pub actions: Vec<Step>,
}

/// How the order is paid, as its customer (and the board) needs to know.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentView {
    pub method: domain::order::Method,
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
    pub actions: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyWork {
    /// Waiting for the member: money to confirm, lines to accept.
    pub to_act: Vec<WorkItem>,
    pub today: Vec<WorkItem>,
    pub upcoming: Vec<WorkItem>,
}
