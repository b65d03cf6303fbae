//! Accounts: registration, authentication, password change, preferences.
//! Plain async functions over the database, no web types.

use super::entities::{board_seats, memberships, users};
use super::password::{HashError, Hasher};
use crate::domain::account::{DisplayName, Email, FieldProblem, NewPassword};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::viewer::Viewer;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    Set, SqlErr,
};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid input")]
    Invalid(Vec<crate::error::FieldError>),
    #[error("wrong credentials")]
    WrongCredentials,
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("{0}")]
    Hash(#[from] HashError),
}

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub locale: Locale,
}

/// Creates an account. Field problems are reported all at once.
pub async fn register(
    db: &impl ConnectionTrait,
    hasher: &Hasher,
    input: NewAccount<'_>,
) -> Result<users::Model, AccountError> {
    let email = Email::parse(input.email);
    let name = DisplayName::parse(input.display_name);
    let password = NewPassword::parse(input.password);
    let mut problems = Vec::new();
    if let Err(p) = &email {
        problems.push(AppError::field("email", *p));
    }
    if let Err(p) = &name {
        problems.push(AppError::field("display_name", *p));
    }
    if let Err(p) = &password {
        problems.push(AppError::field("password", *p));
    }
    let (Ok(email), Ok(name), Ok(password)) = (email, name, password) else {
        return Err(AccountError::Invalid(problems));
    };
    let taken = AccountError::Invalid(vec![AppError::field("email", FieldProblem::EmailTaken)]);
    if find_by_email(db, email.as_str()).await?.is_some() {
        return Err(taken);
    }
    let hash = hasher.hash(password.expose().to_owned()).await?;
    let now = Utc::now();
    let user = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.as_str().to_owned()),
        display_name: Set(name.as_str().to_owned()),
        password_hash: Set(hash),
        locale: Set(input.locale.code().to_owned()),
        bio: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    match user.insert(db).await {
        Ok(u) => Ok(u),
        // Lost a race with another registration of the same address.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Err(taken),
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
) -> Result<users::Model, AccountError> {
    let user = find_by_email(db, email).await?;
    let ok = hasher
        .verify(
            password.to_owned(),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;
    match user {
        Some(u) if ok => Ok(u),
        _ => Err(AccountError::WrongCredentials),
    }
}

/// Changes the password after checking the current one; returns the new hash.
pub async fn change_password(
    db: &impl ConnectionTrait,
    hasher: &Hasher,
    user_id: Uuid,
    current: &str,
    new: &str,
) -> Result<String, AccountError> {
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(AccountError::WrongCredentials)?;
    let new = NewPassword::parse(new);
    let current_ok = hasher
        .verify(current.to_owned(), Some(user.password_hash.clone()))
        .await?;
    let mut problems = Vec::new();
    if !current_ok {
        problems.push(AppError::field(
            "current_password",
            FieldProblem::CurrentPasswordWrong,
        ));
    }
    if let Err(p) = &new {
        problems.push(AppError::field("new_password", *p));
    }
    let Ok(new) = new else {
        return Err(AccountError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(AccountError::Invalid(problems));
    }
    let hash = hasher.hash(new.expose().to_owned()).await?;
    let mut active: users::ActiveModel = user.into();
    active.password_hash = Set(hash.clone());
    active.updated_at = Set(Utc::now());
    active.update(db).await?;
    Ok(hash)
}

pub async fn set_locale(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    locale: Locale,
) -> Result<(), DbErr> {
    users::Entity::update_many()
        .col_expr(
            users::Column::Locale,
            sea_orm::sea_query::Expr::value(locale.code()),
        )
        .col_expr(
            users::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
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
        started_at: Set(Utc::now()),
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
        bio: Option<String>,
        created_at: chrono::DateTime<Utc>,
        member_class: Option<String>,
        board: i32,
    }

    let now = Utc::now();
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
            joined: user.created_at,
            member_class: user.member_class,
            board: user.board == 1,
            bio: user.bio,
        };
        (viewer, user.password_hash)
    }))
}

/// Display names and classes of active members, by admission date.
pub async fn active_members(db: &impl ConnectionTrait) -> Result<Vec<(String, String)>, DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    memberships::Entity::find()
        .select_only()
        .column(users::Column::DisplayName)
        .column(memberships::Column::Class)
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
