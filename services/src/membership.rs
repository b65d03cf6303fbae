//! The membership register: applications, the board's decisions, the
//! directory and public profiles.

use super::entities::{coop_settings, listings, membership_decisions, memberships, users};
use crate::service::{is_unique_violation, ServiceError};
use chrono::Utc;
use domain::account::AddressForm;
use domain::validation::FieldError;
use domain::validation::FieldProblem;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use uuid::Uuid;
use wire::membership::{Application, DirectoryEntry, MembershipInfo, MembershipStatus};

pub const MOTIVATION_MAX: usize = 2_000;
pub const BIO_MAX: usize = 1_000;
pub const MAX_SHARES: i32 = 1_000;

/// The value of one share, in minor units of the coop's currency.
pub async fn share_value_minor(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = coop_settings::Entity::find_by_id("share_value_minor".to_owned())
        .one(db)
        .await?;
    Ok(row.and_then(|r| r.value.parse().ok()).unwrap_or(2_500))
}

pub struct NewApplication<'a> {
    pub class: &'a str,
    pub motivation: &'a str,
    pub shares: &'a str,
}

/// Records an application to join. One membership per person: applying
/// again while an application or membership exists is a conflict.
pub async fn apply(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    input: NewApplication<'_>,
) -> Result<memberships::Model, ServiceError> {
    let mut problems = Vec::new();
    let class = input.class.trim();
    if !["worker", "user", "supporter"].contains(&class) {
        problems.push(FieldError::new("class", FieldProblem::ChoiceInvalid));
    }
    let motivation = domain::listing::tidy_paragraphs(input.motivation);
    if motivation.is_empty() {
        problems.push(FieldError::new("motivation", FieldProblem::Required));
    } else if motivation.chars().count() > MOTIVATION_MAX {
        problems.push(FieldError::new("motivation", FieldProblem::TooLong));
    } else if domain::listing::contains_markup(&motivation) {
        problems.push(FieldError::new("motivation", FieldProblem::HtmlNotAllowed));
    }
    let shares = match input.shares.trim().parse::<i32>() {
        Ok(n) if (1..=MAX_SHARES).contains(&n) => n,
        _ if input.shares.trim().is_empty() => {
            problems.push(FieldError::new("shares", FieldProblem::Required));
            0
        }
        _ => {
            problems.push(FieldError::new("shares", FieldProblem::NumberOutOfRange));
            0
        }
    };
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let existing = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    if existing.is_some() {
        return Err(ServiceError::Conflict);
    }
    let row = memberships::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        status: Set(MembershipStatus::Applicant.into()),
        class: Set(class.to_owned()),
        shares: Set(shares),
        applied_at: Set(crate::clock::wall_now()),
        admitted_at: Set(None),
        motivation: Set(Some(motivation)),
    };
    match row.insert(db).await {
        Ok(m) => Ok(m),
        Err(e) if is_unique_violation(&e) => Err(ServiceError::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// What the board decides about an application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Admit,
    Reject { reason: String },
}

/// The one place an application is decided: admission only when a board
/// vote passes (`governance`), rejection by a board member with a reason.
/// Admission activates the membership; rejection removes the application so
/// the person may apply again. Both are written to the register's history in
/// the same transaction.
pub async fn decide<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    decided_by: Uuid,
    applicant: Uuid,
    decision: Decision,
) -> Result<(), ServiceError> {
    if let Decision::Reject { reason } = &decision {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "reason",
                FieldProblem::Required,
            )]));
        }
        if reason.chars().count() > MOTIVATION_MAX {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "reason",
                FieldProblem::TooLong,
            )]));
        }
    }
    let txn = crate::txn::begin_write(db).await?;
    let application = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(applicant))
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if *application.status != MembershipStatus::Applicant {
        return Err(ServiceError::Conflict);
    }
    let now = crate::clock::wall_now();
    let (label, reason) = match &decision {
        Decision::Admit => ("admitted", None),
        Decision::Reject { reason } => ("rejected", Some(reason.trim().to_owned())),
    };
    membership_decisions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(applicant),
        decision: Set(label.into()),
        class: Set(application.class.clone()),
        shares: Set(application.shares),
        motivation: Set(application.motivation.clone()),
        reason: Set(reason.clone()),
        decided_by: Set(decided_by),
        decided_at: Set(now),
    }
    .insert(&txn)
    .await?;
    // Guarded on the status so that two board members deciding at once
    // cannot both succeed.
    let changed = match decision {
        Decision::Admit => activate(&txn, application.id, now).await?,
        Decision::Reject { .. } => {
            memberships::Entity::delete_many()
                .filter(memberships::Column::Id.eq(application.id))
                .filter(memberships::Column::Status.eq("applicant"))
                .exec(&txn)
                .await?
                .rows_affected
        }
    };
    if changed != 1 {
        return Err(ServiceError::Conflict);
    }
    super::audit::record(
        &txn,
        now,
        Some(decided_by),
        if label == "admitted" {
            "member_admitted"
        } else {
            "application_rejected"
        },
        &format!("user:{applicant}"),
        reason.as_deref().unwrap_or(""),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Makes an application an active membership; the number of rows changed
/// (0 when it is no longer an application).
async fn activate(
    txn: &impl ConnectionTrait,
    membership: Uuid,
    now: chrono::DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(memberships::Entity::update_many()
        .col_expr(
            memberships::Column::Status,
            sea_orm::sea_query::Expr::value("active"),
        )
        .col_expr(
            memberships::Column::AdmittedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(memberships::Column::Id.eq(membership))
        .filter(memberships::Column::Status.eq("applicant"))
        .exec(txn)
        .await?
        .rows_affected)
}

/// The register's reason for the founders' admission.
pub const FOUNDER_REASON: &str = "founding member";

/// Enters a founding member (`mutua create-user … --member CLASS`): the
/// people who set up the cooperative are members by its deed, before any
/// board exists to vote on them. Written to the register's history as
/// admitted with `FOUNDER_REASON`, and to the audit log as
/// `member_founded`, in one transaction; one share.
pub async fn found<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user_id: Uuid,
    class: &str,
) -> Result<(), ServiceError> {
    let txn = crate::txn::begin_write(db).await?;
    let m = apply(
        &txn,
        user_id,
        NewApplication {
            class,
            motivation: "Founding member.",
            shares: "1",
        },
    )
    .await?;
    let now = crate::clock::wall_now();
    activate(&txn, m.id, now).await?;
    membership_decisions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        decision: Set("admitted".into()),
        class: Set(m.class.clone()),
        shares: Set(m.shares),
        motivation: Set(m.motivation.clone()),
        reason: Set(Some(FOUNDER_REASON.into())),
        decided_by: Set(user_id),
        decided_at: Set(now),
    }
    .insert(&txn)
    .await?;
    super::audit::record(
        &txn,
        now,
        None,
        "member_founded",
        &format!("user:{user_id}"),
        &m.class,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a member's status (suspension, withdrawal, reinstatement).
pub async fn set_status(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    status: &str,
) -> Result<(), ServiceError> {
    if !["active", "suspended", "withdrawn"].contains(&status) {
        return Err(ServiceError::Conflict);
    }
    let res = memberships::Entity::update_many()
        .col_expr(
            memberships::Column::Status,
            sea_orm::sea_query::Expr::value(status),
        )
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::Status.ne("applicant"))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}

/// Open applications, oldest first.
pub async fn pending(db: &impl ConnectionTrait) -> Result<Vec<Application>, DbErr> {
    let rows = memberships::Entity::find()
        .filter(memberships::Column::Status.eq("applicant"))
        .order_by_asc(memberships::Column::AppliedAt)
        .find_also_related(users::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, u)| {
            let u = u?;
            Some(Application {
                user_id: u.id,
                form: AddressForm::parse(&u.address_form),
                display_name: u.display_name,
                class: m.class,
                shares: m.shares,
                motivation: m.motivation.unwrap_or_default(),
                applied_at: m.applied_at,
            })
        })
        .collect())
}

pub async fn mine(db: &impl ConnectionTrait, user_id: Uuid) -> Result<MembershipInfo, DbErr> {
    let share_value = share_value_minor(db).await?;
    let current = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    let last = membership_decisions::Entity::find()
        .filter(membership_decisions::Column::UserId.eq(user_id))
        .order_by_desc(membership_decisions::Column::DecidedAt)
        .one(db)
        .await?;
    let rejection = match (&current, last) {
        (None, Some(d)) if d.decision == "rejected" => d.reason,
        _ => None,
    };
    Ok(MembershipInfo {
        status: current.as_ref().map(|m| *m.status),
        class: current.as_ref().map(|m| m.class.clone()),
        shares: current.as_ref().map_or(0, |m| m.shares),
        since: current.as_ref().and_then(|m| m.admitted_at),
        share_value_minor: share_value,
        last_rejection: rejection,
        form: users::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .map(|u| AddressForm::parse(&u.address_form))
            .unwrap_or_default(),
    })
}

/// Active members for the members-only directory, by name.
pub async fn directory(db: &impl ConnectionTrait) -> Result<Vec<DirectoryEntry>, DbErr> {
    let rows = memberships::Entity::find()
        .filter(memberships::Column::Status.eq("active"))
        .find_also_related(users::Entity)
        .all(db)
        .await?;
    let mut out: Vec<DirectoryEntry> = rows
        .into_iter()
        .filter_map(|(m, u)| {
            let u = u?;
            Some(DirectoryEntry {
                id: u.id,
                form: AddressForm::parse(&u.address_form),
                display_name: u.display_name,
                class: m.class,
                since: m.admitted_at.unwrap_or(m.applied_at),
                bio: u.bio,
                active_listings: 0,
            })
        })
        .collect();
    let counts: Vec<(Uuid, i64)> = {
        use sea_orm::QuerySelect;
        listings::Entity::find()
            .select_only()
            .column(listings::Column::OwnerId)
            .column_as(listings::Column::Id.count(), "n")
            .filter(listings::Column::Status.eq("active"))
            .group_by(listings::Column::OwnerId)
            .into_tuple()
            .all(db)
            .await?
    };
    for e in &mut out {
        e.active_listings = counts
            .iter()
            .find(|(id, _)| *id == e.id)
            .map_or(0, |(_, n)| *n);
    }
    out.sort_by_key(|e| e.display_name.to_lowercase());
    Ok(out)
}

/// The public profile of an active member; `None` for anyone else.
pub async fn profile(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<DirectoryEntry>, DbErr> {
    let Some(m) = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::Status.eq("active"))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(u) = users::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(None);
    };
    let active_listings = listings::Entity::find()
        .filter(listings::Column::OwnerId.eq(user_id))
        .filter(listings::Column::Status.eq("active"))
        .count(db)
        .await?;
    Ok(Some(DirectoryEntry {
        id: u.id,
        form: AddressForm::parse(&u.address_form),
        display_name: u.display_name,
        class: m.class,
        since: m.admitted_at.unwrap_or(m.applied_at),
        bio: u.bio,
        active_listings: i64::try_from(active_listings).unwrap_or(i64::MAX),
    }))
}

/// Sets the short public bio (plain text; empty removes it).
pub async fn set_bio(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    bio: &str,
) -> Result<(), ServiceError> {
    let bio = domain::listing::tidy_paragraphs(bio);
    if bio.chars().count() > BIO_MAX {
        return Err(ServiceError::Invalid(vec![FieldError::new(
            "bio",
            FieldProblem::TooLong,
        )]));
    }
    if domain::listing::contains_markup(&bio) {
        return Err(ServiceError::Invalid(vec![FieldError::new(
            "bio",
            FieldProblem::HtmlNotAllowed,
        )]));
    }
    users::Entity::update_many()
        .col_expr(
            users::Column::Bio,
            sea_orm::sea_query::Expr::value(if bio.is_empty() { None } else { Some(bio) }),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
