//! Memberships: one's own, applications for the board, the directory.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MembershipStatus {
    Applicant,
    Active,
    Suspended,
    Withdrawn,
}

impl MembershipStatus {
    pub const ALL: [MembershipStatus; 4] = [
        MembershipStatus::Applicant,
        MembershipStatus::Active,
        MembershipStatus::Suspended,
        MembershipStatus::Withdrawn,
    ];

    /// The name stored in `memberships.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            MembershipStatus::Applicant => "applicant",
            MembershipStatus::Active => "active",
            MembershipStatus::Suspended => "suspended",
            MembershipStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<MembershipStatus> {
        MembershipStatus::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipInfo {
    pub status: Option<MembershipStatus>,
    pub class: Option<String>,
    pub shares: i32,
    pub since: Option<DateTime<Utc>>,
    pub share_value_minor: i64,
    /// The board's reason when the last application was rejected.
    pub last_rejection: Option<String>,
    /// The grammatical form the member chose (for the class name).
    #[serde(default)]
    pub form: domain::account::AddressForm,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub user_id: Uuid,
    pub display_name: String,
    pub class: String,
    /// The grammatical form the member chose (for the class name).
    #[serde(default)]
    pub form: domain::account::AddressForm,
    pub shares: i32,
    pub motivation: String,
    pub applied_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub id: Uuid,
    pub display_name: String,
    pub class: String,
    /// The grammatical form the member chose (for the class name).
    #[serde(default)]
    pub form: domain::account::AddressForm,
    pub since: DateTime<Utc>,
    pub bio: Option<String>,
    pub active_listings: i64,
}
