//! The web layer's server-side glue: who is asking (`auth`), how failures
//! become answers (`respond`) and the values a refused no-JavaScript form
//! keeps for its page (`flash`). The services themselves are in `services`.

pub mod auth;
pub mod flash;
pub mod respond;
