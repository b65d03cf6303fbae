//! Pure domain code: no IO, no framework. Parsed at the edge, tested alone.

pub mod account;
pub mod availability;
pub mod listing;
pub mod money;
pub mod search;
