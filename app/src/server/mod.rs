//! Server-only code: database models, services and the authorization layer.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod bank_statements;
pub mod cache;
pub mod catalog;
pub mod client_ip;
pub mod clock;
pub mod connect;
pub mod entities;
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
pub mod respond;
pub mod search;
pub mod service;
pub mod session_store;
pub mod state;
pub mod stripe;
pub mod throttle;
pub mod transparency;
pub mod txn;

pub use state::AppState;
