//! Mutua's services: the database (SeaORM entities and transactions),
//! payments, mail, jobs and every use case the web layer calls. No Leptos:
//! plain `async fn`s over a connection, answering with `ServiceError`.

pub mod accounts;
pub mod audit;
pub mod availability;
pub mod bank_statements;
pub mod cache;
pub mod catalog;
pub mod client_ip;
pub mod clock;
pub mod entities;
pub mod fees;
pub mod fresh;
pub mod governance;
pub mod images;
pub mod jobs;
pub mod ledger;
pub mod listings;
pub mod login_throttle;
pub mod membership;
pub mod money;
pub mod notify;
pub mod orders;
pub mod password;
pub mod patronage;
pub mod payments;
pub mod rate;
pub mod retries;
pub mod search;
pub mod service;
pub mod session_store;
pub mod state;
pub mod stripe;
pub mod throttle;
pub mod transparency;
pub mod txn;

pub use state::AppState;
