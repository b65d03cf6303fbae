//! SeaORM models of the tables. Never deserialised from forms directly.

pub mod availability_exceptions;
pub mod availability_slots;
pub mod board_seats;
pub mod categories;
pub mod coop_settings;
pub mod listing_images;
pub mod listing_zones;
pub mod listings;
pub mod membership_decisions;
pub mod memberships;
pub mod sessions;
pub mod users;
pub mod zones;
