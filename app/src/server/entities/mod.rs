//! SeaORM models of the tables. Never deserialised from forms directly.

pub mod board_seats;
pub mod memberships;
pub mod sessions;
pub mod users;
