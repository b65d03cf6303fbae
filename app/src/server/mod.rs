//! Server-only code: database models, services and the authorization layer.

pub mod accounts;
pub mod auth;
pub mod entities;
pub mod password;
pub mod respond;
pub mod session_store;
pub mod state;
pub mod throttle;

pub use state::AppState;
