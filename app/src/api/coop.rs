//! Public facts about the cooperative.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicMember {
    pub display_name: String,
    /// worker | user | supporter
    pub class: String,
    /// The grammatical form the member chose (for the class name).
    #[serde(default)]
    pub form: crate::domain::account::AddressForm,
}

/// Active members, oldest first (public: names and classes only).
#[server(prefix = "/fn", endpoint = "members")]
pub async fn public_members() -> Result<Vec<PublicMember>, AppError> {
    use crate::server::fresh::Fresh;
    use crate::server::{accounts, respond};
    static MEMBERS: Fresh<Vec<PublicMember>> = Fresh::new();
    let state = respond::state()?;
    let members = MEMBERS
        .get(String::new(), || async {
            Ok::<_, sea_orm::DbErr>(
                accounts::active_members(&state.db)
                    .await?
                    .into_iter()
                    .map(|(display_name, class, form)| PublicMember {
                        display_name,
                        class,
                        form: crate::domain::account::AddressForm::parse(&form),
                    })
                    .collect(),
            )
        })
        .await
        .map_err(respond::internal)?;
    Ok(members.to_vec())
}
