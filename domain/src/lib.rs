//! Pure domain code: no IO, no framework. Parsed at the edge, tested alone.

pub mod account;
pub mod availability;
pub mod calendar;
pub mod camt;
pub mod fee;
pub mod governance;
pub mod iban;
pub mod ledger;
pub mod listing;
pub mod money;
pub mod order;
pub mod order_form;
pub mod order_number;
pub mod path;
pub mod patronage;
pub mod pricing;
pub mod search;
pub mod validation;
