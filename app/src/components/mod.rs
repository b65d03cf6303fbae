pub mod form;
pub mod format;
pub mod layout;
pub mod listing;
