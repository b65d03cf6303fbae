//! Pure domain code: no IO, no framework. Parsed at the edge, tested alone.

pub mod account;
pub mod money;
