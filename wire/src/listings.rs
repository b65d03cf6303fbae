//! A member's own listings, as listed and as edited.

use crate::catalog::Zone;
use chrono::NaiveDate;
use domain::availability::WeeklySlot;
use domain::listing::{ListingInput, ListingKind, ListingStatus, PriceModel};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyListing {
    pub id: Uuid,
    pub title: String,
    pub kind: ListingKind,
    pub status: ListingStatus,
    pub price: PriceModel,
    pub category_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditableListing {
    pub id: Uuid,
    pub status: ListingStatus,
    /// The stored values, as the form shows them.
    pub input: ListingInput,
    pub images: Vec<Uuid>,
    pub slots: Vec<(Uuid, WeeklySlot)>,
    pub closed: Vec<(Uuid, NaiveDate)>,
    pub zones: Vec<Zone>,
}

/// A part of a listing its owner removes one at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingPart {
    Image,
    Slot,
    Closed,
    Zone,
}

impl ListingPart {
    /// The section of the listing's editor it is shown in.
    pub fn section(self) -> &'static str {
        match self {
            ListingPart::Image => "images",
            ListingPart::Slot | ListingPart::Closed => "availability",
            ListingPart::Zone => "zones",
        }
    }

    /// As sent by the editor's forms.
    pub fn as_str(self) -> &'static str {
        match self {
            ListingPart::Image => "image",
            ListingPart::Slot => "slot",
            ListingPart::Closed => "closed",
            ListingPart::Zone => "zone",
        }
    }
}
