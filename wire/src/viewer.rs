//! Who is looking at the page. Roles are derived, never stored: a customer
//! has an account, a member holds an active membership, the board holds a
//! current board seat.

use i18n::Locale;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Customer,
    Member,
    Board,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub locale: Locale,
    /// How words that agree with the person are written.
    #[serde(default)]
    pub address_form: domain::account::AddressForm,
    pub joined: chrono::DateTime<chrono::Utc>,
    /// Stakeholder class when the membership is active.
    pub member_class: Option<String>,
    pub board: bool,
    /// Short public bio.
    pub bio: Option<String>,
}

impl Viewer {
    pub fn has(&self, role: Role) -> bool {
        match role {
            Role::Customer => true,
            Role::Member => self.member_class.is_some(),
            Role::Board => self.board,
        }
    }

    /// An active member of class `worker`: the only ones who offer listings.
    pub fn is_worker(&self) -> bool {
        self.member_class.as_deref() == Some("worker")
    }

    /// The roles as a short text, stored in the session to notice a change.
    pub fn roles_fingerprint(&self) -> String {
        format!(
            "{}|{}",
            self.member_class.as_deref().unwrap_or("-"),
            self.board
        )
    }

    /// The highest role, for display.
    pub fn top_role(&self) -> Role {
        if self.board {
            Role::Board
        } else if self.member_class.is_some() {
            Role::Member
        } else {
            Role::Customer
        }
    }
}
