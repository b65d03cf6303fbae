//! SeaORM models of the tables. Never deserialised from forms directly.

pub mod availability_exceptions;
pub mod availability_slots;
pub mod board_seats;
pub mod categories;
pub mod coop_settings;
pub mod email_outbox;
pub mod fee_rule_versions;
pub mod job_leases;
pub mod listing_images;
pub mod listing_zones;
pub mod listings;
pub mod membership_decisions;
pub mod memberships;
pub mod order_events;
pub mod order_lines;
pub mod order_messages;
pub mod orders;
pub mod sessions;
pub mod slot_bookings;
pub mod users;
pub mod zones;
