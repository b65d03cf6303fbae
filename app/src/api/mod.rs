//! Server functions: the only way the browser changes anything. Each one
//! starts with the authorization layer (`server::auth`).

pub mod account;
pub mod coop;
