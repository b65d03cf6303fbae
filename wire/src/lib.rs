//! What crosses the wire between the server and the browser: the views
//! services build and pages show, and the forms pages send. Plain data with
//! serde; no behaviour beyond small helpers on it.

pub mod catalog;
pub mod coop;
pub mod governance;
pub mod listings;
pub mod membership;
pub mod money;
pub mod orders;
pub mod patronage;
pub mod picture;
pub mod viewer;
