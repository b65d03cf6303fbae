pub mod form;
pub mod layout;
pub mod listing;
