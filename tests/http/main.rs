//! HTTP tests against the real binary, each on SQLite and on PostgreSQL.

mod accounts;
mod api;
mod governance;
mod listings;
mod membership;
mod money;
mod orders;
mod pages;
mod patronage;
mod payments;
mod protection;
mod search;
mod statements;
mod stripe;
