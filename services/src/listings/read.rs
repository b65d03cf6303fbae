//! A listing's public page: what it is, who offers it, its pictures,
//! zones and next openings.

use super::{images_of, zones_of, OPENING_COUNT};
use crate::entities::listings::price_of;
use crate::entities::{categories, listings, memberships, users};
use chrono::NaiveDateTime;
use domain::listing::ListingStatus;
use i18n::Locale;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;
use wire::catalog::{ListingCard, ListingView, Provider};
use wire::membership::MembershipStatus;

/// A listing's public page. Visible when active and offered by an active
/// member; its owner also sees it in any other status.
pub async fn detail(
    db: &impl ConnectionTrait,
    viewer: Option<Uuid>,
    id: Uuid,
    locale: Locale,
    now: NaiveDateTime,
) -> Result<Option<ListingView>, DbErr> {
    let Some((l, owner)) = listings::Entity::find_by_id(id)
        .find_also_related(users::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(owner) = owner else { return Ok(None) };
    let membership = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(owner.id))
        .one(db)
        .await?;
    let is_owner = viewer == Some(owner.id);
    let public = *l.status == ListingStatus::Active
        && membership
            .as_ref()
            .is_some_and(|m| *m.status == MembershipStatus::Active);
    if !public && !is_owner {
        return Ok(None);
    }
    let Some(category) = categories::Entity::find_by_id(l.category_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let (Some(price), kind, status) = (price_of(&l), *l.kind, *l.status) else {
        return Ok(None);
    };
    let images = images_of(db, id).await?;
    // Start times already booked by an order are not offered again.
    let openings = crate::availability::free_openings(db, &l, now, OPENING_COUNT).await?;
    let zones = zones_of(db, id)
        .await?
        .into_iter()
        .map(|z| z.name)
        .collect();
    let since = membership
        .as_ref()
        .and_then(|m| m.admitted_at)
        .unwrap_or(owner.created_at);
    Ok(Some(ListingView {
        card: ListingCard {
            id: l.id,
            title: l.title,
            kind,
            category: category.slug.clone(),
            category_name: crate::catalog::category_name(&category, locale),
            price,
            thumb: images.first().copied(),
            provider_id: owner.id,
            provider_name: owner.display_name.clone(),
            created_at: l.created_at,
        },
        description: l.description,
        status,
        duration_minutes: l.duration_minutes.and_then(|d| u16::try_from(d).ok()),
        at_customer: l.at_customer,
        zones,
        images,
        openings,
        provider: Provider {
            id: owner.id,
            name: owner.display_name,
            class: membership.map(|m| m.class).unwrap_or_default(),
            form: domain::account::AddressForm::parse(&owner.address_form),
            since,
            bio: owner.bio,
        },
        is_owner,
    }))
}
