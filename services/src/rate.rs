//! Rate limits on what a person can do many times (messages, proposals,
//! new listings, pictures, fee previews), counted in the database so every
//! app server shares them: fixed windows per (action, person).

use super::service::ServiceError;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use std::time::Duration;

/// An action that is limited, with its allowance per window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Message,
    Proposal,
    NewListing,
    Picture,
    FeePreview,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Message => "message",
            Action::Proposal => "proposal",
            Action::NewListing => "listing",
            Action::Picture => "picture",
            Action::FeePreview => "fee_preview",
        }
    }

    /// (allowed, window), attempts included: generous for a person who
    /// corrects a form a few times, costly for a script.
    pub fn allowance(self) -> (i64, Duration) {
        const HOUR: Duration = Duration::from_secs(3600);
        match self {
            Action::Message => (60, HOUR),
            Action::Proposal => (30, Duration::from_secs(24 * 3600)),
            Action::NewListing => (30, Duration::from_secs(24 * 3600)),
            Action::Picture => (60, HOUR),
            Action::FeePreview => (120, HOUR),
        }
    }
}

/// Counts one `action` by `who` (a user id or an address); refuses with
/// the seconds to wait when the allowance is spent.
pub async fn allow(
    db: &impl ConnectionTrait,
    action: Action,
    who: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let (allowed, window) = action.allowance();
    let key = format!("rate:{}:{who}", action.name());
    let (hits, start) = super::login_throttle::bump(db, &key, now, window).await?;
    if hits > allowed {
        let end = start + chrono::Duration::from_std(window).unwrap_or_default();
        let wait = u64::try_from((end - now).num_seconds()).unwrap_or(0).max(1);
        tracing::warn!(action = action.name(), "rate limited");
        return Err(ServiceError::Limited(wait));
    }
    Ok(())
}
