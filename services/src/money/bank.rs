//! Bank accounts: members' payout accounts (changed with the password and
//! held a while) and the cooperative's own.

use super::*;

/// Payouts to an IBAN wait this long after it changed, so a member whose
/// account was taken over hears of it (by e-mail) before money moves.
pub const IBAN_HOLD_HOURS: i64 = 72;

/// Until when payouts to `account` wait, if they do.
pub fn held_until(account: &payout_accounts::Model, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    account
        .iban_changed_at
        .map(|at| at + Duration::hours(IBAN_HOLD_HOURS))
        .filter(|until| *until > now)
}

/// Saves where a member is paid, after checking their password. A changed
/// IBAN holds payouts for [`IBAN_HOLD_HOURS`], is audited and is told to
/// the member by e-mail (old and new, masked), all in one transaction.
pub async fn save_payout_account(
    db: &DatabaseConnection,
    hasher: &crate::password::Hasher,
    now: DateTime<Utc>,
    member: Uuid,
    holder: &str,
    iban: &str,
    password: &str,
) -> Result<(), ServiceError> {
    let mut fields = Vec::new();
    let holder = match parse_text(holder, HOLDER_MAX, true) {
        Ok(h) => Some(h),
        Err(p) => {
            fields.push(FieldError::new("holder", p));
            None
        }
    };
    let iban = match Iban::parse(iban) {
        Ok(i) => Some(i),
        Err(_) => {
            fields.push(FieldError::new("iban", FieldProblem::IbanInvalid));
            None
        }
    };
    let user = crate::entities::users::Entity::find_by_id(member)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let password_ok = !password.is_empty()
        && hasher
            .verify_for(
                crate::password::Purpose::Other,
                password.to_owned(),
                Some(user.password_hash.clone()),
            )
            .await
            .map_err(|e| DbErr::Custom(format!("password check: {e}")))?;
    if !password_ok {
        let problem = if password.is_empty() {
            FieldProblem::Required
        } else {
            FieldProblem::CurrentPasswordWrong
        };
        fields.push(FieldError::new("password", problem));
    }
    let (Some(holder), Some(iban), true) = (holder, iban, password_ok) else {
        return Err(ServiceError::Invalid(fields));
    };
    store_payout_account(db, now, &user, holder, iban).await
}

/// Writes a checked payout account (the demo's members, and the form's
/// after the password): a changed IBAN is held, audited and e-mailed.
pub async fn store_payout_account(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    user: &crate::entities::users::Model,
    holder: String,
    iban: Iban,
) -> Result<(), ServiceError> {
    let member = user.id;
    let txn = crate::txn::begin_write(db).await?;
    let before = payout_accounts::Entity::find_by_id(member)
        .one(&txn)
        .await?;
    let old = before
        .as_ref()
        .and_then(|a| Iban::parse(a.iban.as_deref()?).ok());
    let changed = old.as_ref() != Some(&iban);
    // A first IBAN is not held (no one's money went elsewhere before it);
    // every change is.
    let changed_at = match (&old, changed) {
        (Some(_), true) => Some(now),
        _ => before.as_ref().and_then(|a| a.iban_changed_at),
    };
    payout_accounts::Entity::insert(payout_accounts::ActiveModel {
        member_id: Set(member),
        holder_name: Set(holder),
        iban: Set(Some(iban.as_str().to_owned())),
        stripe_account_id: Set(None),
        stripe_ready: Set(false),
        updated_at: Set(now),
        iban_changed_at: Set(changed_at),
    })
    .on_conflict(
        OnConflict::column(payout_accounts::Column::MemberId)
            .update_columns([
                payout_accounts::Column::HolderName,
                payout_accounts::Column::Iban,
                payout_accounts::Column::UpdatedAt,
                payout_accounts::Column::IbanChangedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if changed {
        let old_masked = old.as_ref().map(Iban::masked);
        crate::audit::record(
            &txn,
            now,
            Some(member),
            "payout_iban_changed",
            &format!("member:{member}"),
            &format!(
                "{} → {}",
                old_masked.as_deref().unwrap_or("—"),
                iban.masked()
            ),
        )
        .await?;
        let held = changed_at.map(|at| at + Duration::hours(IBAN_HOLD_HOURS));
        crate::notify::iban_changed(&txn, user, old_masked.as_deref(), &iban.masked(), held, now)
            .await?;
    }
    txn.commit().await?;
    tracing::info!(member = %member, changed, "payout account saved");
    Ok(())
}

pub(crate) async fn coop_bank(db: &impl ConnectionTrait) -> Result<Option<CoopBank>, DbErr> {
    let rows: HashMap<String, String> = coop_settings::Entity::find()
        .filter(coop_settings::Column::Key.is_in(["coop_name", "coop_iban", "coop_bic"]))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.key, r.value))
        .collect();
    Ok(match (rows.get("coop_name"), rows.get("coop_iban")) {
        (Some(name), Some(iban)) => Some(CoopBank {
            name: name.clone(),
            iban: iban.clone(),
            bic: rows.get("coop_bic").cloned().unwrap_or_default(),
        }),
        _ => None,
    })
}

pub async fn save_coop_bank(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: Option<Uuid>,
    name: &str,
    iban: &str,
    bic: &str,
) -> Result<(), ServiceError> {
    let mut fields = Vec::new();
    let name = parse_text(name, HOLDER_MAX, true)
        .map_err(|p| fields.push(FieldError::new("name", p)))
        .ok();
    let iban = Iban::parse(iban)
        .map_err(|_| fields.push(FieldError::new("iban", FieldProblem::IbanInvalid)))
        .ok();
    let bic = bic.trim().to_ascii_uppercase();
    if !bic.is_empty() && !valid_bic(&bic) {
        fields.push(FieldError::new("bic", FieldProblem::BicInvalid));
    }
    let (Some(name), Some(iban)) = (name, iban) else {
        return Err(ServiceError::Invalid(fields));
    };
    if !fields.is_empty() {
        return Err(ServiceError::Invalid(fields));
    }
    let txn = crate::txn::begin_write(db).await?;
    for (key, value) in [
        ("coop_name", name),
        ("coop_iban", iban.as_str().to_owned()),
        ("coop_bic", bic),
    ] {
        coop_settings::Entity::insert(coop_settings::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value),
        })
        .on_conflict(
            OnConflict::column(coop_settings::Column::Key)
                .update_column(coop_settings::Column::Value)
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    crate::audit::record(
        &txn,
        now,
        actor,
        "settings_changed",
        "settings:coop_bank",
        &format!("account {}", iban.masked()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
