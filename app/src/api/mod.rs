//! Server functions: the only way the browser changes anything. Each one
//! starts with the authorization layer (`server::auth`).

pub mod account;
pub mod board;
pub mod catalog;
pub mod coop;
pub mod governance;
pub mod listings;
pub mod membership;
pub mod money;
pub mod orders;
pub mod patronage;
