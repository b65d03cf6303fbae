//! The cooperative's public list of members.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicMember {
    pub display_name: String,
    /// worker | user | supporter
    pub class: String,
    /// The grammatical form the member chose (for the class name).
    #[serde(default)]
    pub form: domain::account::AddressForm,
}
