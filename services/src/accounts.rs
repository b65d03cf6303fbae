//! Accounts: registration, authentication, password change, preferences.
//! Plain async functions over the database, no web types.

use super::entities::{board_seats, memberships, registration_requests, users};
use super::password::Hasher;
use super::service::{is_unique_violation, OnUnique, ServiceError};
use chrono::Utc;
use domain::account::{AddressForm, DisplayName, Email, NewPassword};
use domain::validation::{FieldError, FieldProblem, Refusal};
use i18n::Locale;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;
use wire::viewer::Viewer;

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub locale: Locale,
}

/// The parsed fields of a new account, or every problem with them at once.
fn parse_new(input: &NewAccount<'_>) -> Result<(Email, DisplayName, NewPassword), ServiceError> {
    let email = Email::parse(input.email);
    let name = DisplayName::parse(input.display_name);
    let password = NewPassword::parse(input.password);
    let mut problems = Vec::new();
    if let Err(p) = &email {
        problems.push(FieldError::new("email", *p));
    }
    if let Err(p) = &name {
        problems.push(FieldError::new("display_name", *p));
    }
    if let Err(p) = &password {
        problems.push(FieldError::new("password", *p));
    }
    match (email, name, password) {
        (Ok(email), Ok(name), Ok(password)) => Ok((email, name, password)),
        _ => Err(ServiceError::Invalid(problems)),
    }
}

/// Creates an account at once (the operator's `create-user` and the demo;
/// people registering on the site go through [`request_registration`]).
/// Field problems are reported all at once.
pub async fn register(
    db: &impl ConnectionTrait,
    hasher: &Hasher,
    input: NewAccount<'_>,
) -> Result<users::Model, ServiceError> {
    let (email, name, password) = parse_new(&input)?;
    if find_by_email(db, email.as_str()).await?.is_some() {
        return Err(ServiceError::field("email", FieldProblem::EmailTaken));
    }
    let hash = hasher.hash(password.expose().to_owned()).await?;
    let now = crate::clock::wall_now();
    let user = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.as_str().to_owned()),
        display_name: Set(name.as_str().to_owned()),
        password_hash: Set(hash),
        locale: Set(input.locale.code().to_owned()),
        address_form: Set(AddressForm::Neutral.code().to_owned()),
        bio: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    // A unique violation: lost a race with another registration of the
    // same address.
    user.insert(db)
        .await
        .on_unique("email", FieldProblem::EmailTaken)
}

/// How long a registration link works.
pub const REGISTRATION_LINK_HOURS: i64 = 24;

/// Registration mails one address gets in an hour at most: the form cannot
/// be used to fill someone's inbox.
const REGISTRATION_MAILS_PER_HOUR: u64 = 3;

/// What a registration request led to. The person who sent it is told the
/// same in every case: only the owner of the address learns which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requested {
    /// A new address: a link to create the account was mailed to it.
    LinkMailed,
    /// The address has an account: its owner was told someone tried.
    OwnerTold,
    /// The address had its hour's registration mails: nothing was sent.
    Quiet,
}

/// The stored form of a registration token.
fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Asks to create an account: validates the fields and mails the address
/// either a link that creates the account or, when it already has one, a
/// note to its owner. Both paths hash the password and queue one mail, so
/// neither the answer nor its time tells a stranger which it was.
pub async fn request_registration<C>(
    db: &C,
    hasher: &Hasher,
    input: NewAccount<'_>,
    next: Option<&str>,
    now: chrono::DateTime<Utc>,
) -> Result<Requested, ServiceError>
where
    C: ConnectionTrait + sea_orm::TransactionTrait,
{
    use super::entities::email_outbox;
    use sea_orm::PaginatorTrait;
    let (email, name, password) = parse_new(&input)?;
    let hash = hasher.hash(password.expose().to_owned()).await?;
    let token = {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    };
    let txn = super::txn::begin_write(db).await?;
    let recent = email_outbox::Entity::find()
        .filter(email_outbox::Column::Recipient.eq(email.as_str()))
        .filter(email_outbox::Column::Notice.eq(super::notify::REGISTRATION))
        .filter(email_outbox::Column::CreatedAt.gt(now - chrono::Duration::hours(1)))
        .count(&txn)
        .await?;
    if recent >= REGISTRATION_MAILS_PER_HOUR {
        txn.rollback().await?;
        return Ok(Requested::Quiet);
    }
    let outcome = match find_by_email(&txn, email.as_str()).await? {
        Some(user) => {
            super::notify::registration_known(&txn, &user, now).await?;
            Requested::OwnerTold
        }
        None => {
            // One live link per address (the newest); expired ones go too.
            registration_requests::Entity::delete_many()
                .filter(
                    Condition::any()
                        .add(registration_requests::Column::Email.eq(email.as_str()))
                        .add(registration_requests::Column::ExpiresAt.lte(now)),
                )
                .exec(&txn)
                .await?;
            registration_requests::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(email.as_str().to_owned()),
                display_name: Set(name.as_str().to_owned()),
                password_hash: Set(hash),
                locale: Set(input.locale.code().to_owned()),
                token_hash: Set(token_hash(&token)),
                created_at: Set(now),
                expires_at: Set(now + chrono::Duration::hours(REGISTRATION_LINK_HOURS)),
                next_path: Set(next.map(str::to_owned)),
            }
            .insert(&txn)
            .await?;
            super::notify::registration_link(&txn, email.as_str(), input.locale, &token, now)
                .await?;
            Requested::LinkMailed
        }
    };
    txn.commit().await?;
    Ok(outcome)
}

/// The registration request of a link still live at `now`.
fn live_request(
    token: &str,
    now: chrono::DateTime<Utc>,
) -> sea_orm::Select<registration_requests::Entity> {
    registration_requests::Entity::find()
        .filter(registration_requests::Column::TokenHash.eq(token_hash(token.trim())))
        .filter(registration_requests::Column::ExpiresAt.gt(now))
}

/// The display name and address a live registration link is for.
pub async fn registration_for(
    db: &impl ConnectionTrait,
    token: &str,
    now: chrono::DateTime<Utc>,
) -> Result<Option<(String, String)>, DbErr> {
    Ok(live_request(token, now)
        .one(db)
        .await?
        .map(|r| (r.display_name, r.email)))
}

/// Creates the account a registration link stands for; the link is used up.
pub async fn confirm_registration<C>(
    db: &C,
    token: &str,
    now: chrono::DateTime<Utc>,
) -> Result<(users::Model, Option<String>), ServiceError>
where
    C: ConnectionTrait + sea_orm::TransactionTrait,
{
    use sea_orm::ModelTrait;
    let txn = super::txn::begin_write(db).await?;
    let Some(request) = live_request(token, now).one(&txn).await? else {
        txn.rollback().await?;
        return Err(ServiceError::Refused(Refusal::LinkInvalid));
    };
    let taken = find_by_email(&txn, &request.email).await?.is_some();
    let user = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(request.email.clone()),
        display_name: Set(request.display_name.clone()),
        password_hash: Set(request.password_hash.clone()),
        locale: Set(request.locale.clone()),
        address_form: Set(AddressForm::Neutral.code().to_owned()),
        bio: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    // Deleting it first settles two clicks on the same link: the second
    // deletes nothing (on PostgreSQL it waits for the first to commit).
    let next = request.next_path.clone();
    if request.delete(&txn).await?.rows_affected == 0 {
        txn.rollback().await?;
        return Err(ServiceError::Refused(Refusal::LinkInvalid));
    }
    if taken {
        txn.commit().await?;
        return Err(ServiceError::Refused(Refusal::AlreadyRegistered));
    }
    match user.insert(&txn).await {
        Ok(user) => {
            txn.commit().await?;
            Ok((user, next))
        }
        Err(e) if is_unique_violation(&e) => {
            txn.rollback().await?;
            Err(ServiceError::Refused(Refusal::AlreadyRegistered))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find()
        .filter(users::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await
}

/// Checks e-mail and password. Unknown addresses cost the same as wrong
/// passwords, and both give the same error.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    hasher: &Hasher,
    email: &str,
    password: &str,
) -> Result<users::Model, ServiceError> {
    let user = find_by_email(db, email).await?;
    let ok = hasher
        .verify(
            password.to_owned(),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;
    match user {
        Some(u) if ok => Ok(u),
        _ => Err(ServiceError::Credentials),
    }
}

/// Changes the password after checking the current one; returns the new hash.
pub async fn change_password(
    db: &impl ConnectionTrait,
    hasher: &Hasher,
    user_id: Uuid,
    current: &str,
    new: &str,
) -> Result<String, ServiceError> {
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::Credentials)?;
    let new = NewPassword::parse(new);
    let current_ok = hasher
        .verify(current.to_owned(), Some(user.password_hash.clone()))
        .await?;
    let mut problems = Vec::new();
    if !current_ok {
        problems.push(FieldError::new(
            "current_password",
            FieldProblem::CurrentPasswordWrong,
        ));
    }
    if let Err(p) = &new {
        problems.push(FieldError::new("new_password", *p));
    }
    let Ok(new) = new else {
        return Err(ServiceError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let hash = hasher.hash(new.expose().to_owned()).await?;
    let mut active: users::ActiveModel = user.into();
    active.password_hash = Set(hash.clone());
    active.updated_at = Set(crate::clock::wall_now());
    active.update(db).await?;
    Ok(hash)
}

pub async fn set_locale(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    locale: Locale,
) -> Result<(), DbErr> {
    update_user(db, user_id, [(users::Column::Locale, locale.code())]).await
}

/// The person's language and the grammatical form they are addressed in.
pub async fn set_preferences(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    locale: Locale,
    form: AddressForm,
) -> Result<(), DbErr> {
    let columns = [
        (users::Column::Locale, locale.code()),
        (users::Column::AddressForm, form.code()),
    ];
    update_user(db, user_id, columns).await
}

/// Sets text columns of one user, and when they changed.
async fn update_user<const N: usize>(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    columns: [(users::Column, &str); N],
) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    let mut update = users::Entity::update_many();
    for (column, value) in columns {
        update = update.col_expr(column, Expr::value(value));
    }
    update
        .col_expr(
            users::Column::UpdatedAt,
            Expr::value(crate::clock::wall_now()),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives `user_id` a board seat from now on (used by `mutua create-user --board` and the demo).
pub async fn grant_board_seat(db: &impl ConnectionTrait, user_id: Uuid) -> Result<(), DbErr> {
    board_seats::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        started_at: Set(crate::clock::wall_now()),
        ended_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The viewer for `user_id` with their roles, and their password hash (for
/// the session's credential check). `None` when the account is gone.
pub async fn load_viewer(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<(Viewer, String)>, DbErr> {
    use sea_orm::sea_query::{Expr, Query, SimpleExpr, SubQueryStatement};
    use sea_orm::{FromQueryResult, QuerySelect};

    /// The user with their active class and current board seat, read in
    /// one query (this runs on every request of a logged-in person).
    #[derive(FromQueryResult)]
    struct Row {
        id: Uuid,
        email: String,
        display_name: String,
        password_hash: String,
        locale: String,
        address_form: String,
        bio: Option<String>,
        created_at: chrono::DateTime<Utc>,
        member_class: Option<String>,
        board: i32,
    }

    let now = crate::clock::wall_now();
    let class = Query::select()
        .column((memberships::Entity, memberships::Column::Class))
        .from(memberships::Entity)
        .and_where(
            Expr::col((memberships::Entity, memberships::Column::UserId))
                .equals((users::Entity, users::Column::Id)),
        )
        .and_where(Expr::col((memberships::Entity, memberships::Column::Status)).eq("active"))
        .limit(1)
        .to_owned();
    let seat = Query::select()
        .expr(Expr::val(1))
        .from(board_seats::Entity)
        .and_where(
            Expr::col((board_seats::Entity, board_seats::Column::UserId))
                .equals((users::Entity, users::Column::Id)),
        )
        .and_where(Expr::col((board_seats::Entity, board_seats::Column::StartedAt)).lte(now))
        .cond_where(
            Condition::any()
                .add(Expr::col((board_seats::Entity, board_seats::Column::EndedAt)).is_null())
                .add(Expr::col((board_seats::Entity, board_seats::Column::EndedAt)).gt(now)),
        )
        .to_owned();
    let row = users::Entity::find_by_id(user_id)
        .select_only()
        .columns([
            users::Column::Id,
            users::Column::Email,
            users::Column::DisplayName,
            users::Column::PasswordHash,
            users::Column::Locale,
            users::Column::AddressForm,
            users::Column::Bio,
            users::Column::CreatedAt,
        ])
        .expr_as(
            SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(class))),
            "member_class",
        )
        .expr_as(Expr::case(Expr::exists(seat), 1).finally(0), "board")
        .into_model::<Row>()
        .one(db)
        .await?;
    Ok(row.map(|user| {
        let viewer = Viewer {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            locale: Locale::parse(&user.locale).unwrap_or_default(),
            address_form: AddressForm::parse(&user.address_form),
            joined: user.created_at,
            member_class: user.member_class,
            board: user.board == 1,
            bio: user.bio,
        };
        (viewer, user.password_hash)
    }))
}

/// Active members (names, classes and address forms: public), oldest
/// first; cached until a public write.
pub async fn public_members(
    db: &impl ConnectionTrait,
) -> Result<std::sync::Arc<Vec<wire::coop::PublicMember>>, DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    static MEMBERS: crate::fresh::Fresh<Vec<wire::coop::PublicMember>> = crate::fresh::Fresh::new();
    MEMBERS
        .get(String::new(), || async {
            let rows: Vec<(String, String, String)> = memberships::Entity::find()
                .select_only()
                .column(users::Column::DisplayName)
                .column(memberships::Column::Class)
                .column(users::Column::AddressForm)
                .join(
                    sea_orm::JoinType::InnerJoin,
                    memberships::Entity::belongs_to(users::Entity)
                        .from(memberships::Column::UserId)
                        .to(users::Column::Id)
                        .into(),
                )
                .filter(memberships::Column::Status.eq("active"))
                .order_by_asc(memberships::Column::AdmittedAt)
                .order_by_asc(users::Column::DisplayName)
                .into_tuple()
                .all(db)
                .await?;
            Ok(rows
                .into_iter()
                .map(|(display_name, class, form)| wire::coop::PublicMember {
                    display_name,
                    class,
                    form: AddressForm::parse(&form),
                })
                .collect())
        })
        .await
}

/// The display names of `ids` (unknown ids are left out), in one query.
pub async fn display_names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, String>, DbErr> {
    let ids: std::collections::HashSet<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}
