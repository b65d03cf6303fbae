//! Orders: placing (services at an opening, deliveries, both in one order),
//! every transition of the state machine in one transaction with its events
//! and e-mails, the message thread, and the lists people work from.
//!
//! Who sees an order: its customer, the providers of its lines and the
//! board. Anyone else gets `NotFound`, exactly as for a missing order.

use crate::accounts::display_names as names;
use crate::clock::Clock;
use crate::entities::listings::price_of;
use crate::entities::{
    availability_exceptions, availability_slots, email_outbox, fee_rule_versions, listing_zones,
    listings, memberships, order_events, order_lines, order_messages, order_numbers, orders,
    payments as payment_rows, slot_units, users, zones,
};
use crate::ledger;
use crate::notify::{self, Notice};
use crate::payments;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use domain::availability::{fits, units, Opening};
use domain::iban::{CreditorReference, Iban};
use domain::ledger::{self as money_book, Entry, EntryKind, LineMoney};
use domain::listing::{ListingKind, ListingStatus, PriceModel};
use domain::money::{Currency, Money};
use domain::order::{
    Action, LineState, Method, OrderState, Resolution, Status, Step, Transition, TransitionError,
    Who,
};
use domain::order_form::{
    format_slot, parse_delivery, parse_postcode, parse_slot, parse_text, valid_key,
    DeliveryRequest, OrderInput, Problems, ADDRESS_MAX, MESSAGE_MAX, NOTE_MAX, WEIGHT_MAX_KG,
};
use domain::order_number::OrderNumber;
use domain::pricing::{
    billable_km, delivery_price, price_line, service_price, totals, Point, PriceError, PricedLine,
    ServiceRequest,
};
use domain::validation::FieldProblem;
use domain::validation::{FieldError, Refusal};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use wire::orders::{
    CourierChoice, DeliveryView, EventView, LineView, MessageView, MyWork, OrderForm, OrderSummary,
    OrderView, PaymentView, PlaceView, Quote, QuoteLine, WorkItem,
};
use wire::viewer::Viewer;

/// Openings shown on an order form.
const FORM_OPENINGS: usize = 160;
/// Concurrent changes of one order are retried this many times.
const ACT_ATTEMPTS: usize = 3;
const REASON_MAX: usize = 500;

use crate::service::{is_unique_violation, ServiceError};

mod delivery;
mod form;
mod messages;
mod place;
mod read;
mod transition;

use crate::availability::*;
use crate::fees::*;
use delivery::*;
pub use form::*;
pub use messages::*;
pub use place::*;
pub use read::*;
pub use transition::*;

fn invalid(problems: Problems) -> ServiceError {
    ServiceError::Invalid(
        problems
            .into_iter()
            .map(|(f, p)| FieldError::new(f, p))
            .collect(),
    )
}

fn one(field: &'static str, problem: FieldProblem) -> ServiceError {
    invalid(vec![(field, problem)])
}

impl From<TransitionError> for ServiceError {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::NotAllowed => ServiceError::Forbidden,
            TransitionError::Party => ServiceError::Refused(Refusal::Party),
            TransitionError::Unpaid => ServiceError::Refused(Refusal::Unpaid),
            TransitionError::TooEarly => ServiceError::Refused(Refusal::NotBegun),
            TransitionError::WrongState
            | TransitionError::TooLate
            | TransitionError::NotDue
            | TransitionError::NoSuchLine => ServiceError::Conflict,
        }
    }
}
