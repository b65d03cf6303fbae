//! HTTP tests against the real binary, each on SQLite and on PostgreSQL.

mod accounts;
mod pages;
mod protection;
