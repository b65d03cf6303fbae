//! The one error every service answers with, and the helpers that build it.
//! The web layer maps it to what the browser sees (`app::server::respond`).

use crate::password::HashError;
use domain::validation::{FieldError, FieldProblem, Refusal};
use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input to correct, field by field.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The e-mail and password match no account (the same answer for both).
    #[error("wrong credentials")]
    Credentials,
    /// Missing, or not this person's to see (the same answer for both).
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    /// Not possible in the current state (or changed meanwhile).
    #[error("not allowed in this state")]
    Conflict,
    /// Refused for a reason the person is told.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// Try again in this many seconds: done too often lately, or too much
    /// work waiting (passwords to check, pictures to process).
    #[error("rate limited")]
    Limited(u64),
    #[error("database: {0}")]
    Db(#[from] DbErr),
    /// Anything else that failed on our side (storage, hashing): logged,
    /// never shown.
    #[error("{0}")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// One field's problem.
    pub fn field(field: &str, problem: FieldProblem) -> ServiceError {
        ServiceError::Invalid(vec![FieldError::new(field, problem)])
    }

    /// These fields' problems, or nothing when there are none.
    pub fn check(problems: Vec<FieldError>) -> ServiceResult<()> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Invalid(problems))
        }
    }
}

impl From<HashError> for ServiceError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => ServiceError::Limited(1),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

impl From<std::io::Error> for ServiceError {
    fn from(e: std::io::Error) -> Self {
        ServiceError::Internal(format!("storage: {e}"))
    }
}

/// Whether the database refused a row because a unique index already holds
/// its key.
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// A write whose unique violation is a person's mistake in `field`.
pub trait OnUnique<T> {
    fn on_unique(self, field: &str, problem: FieldProblem) -> ServiceResult<T>;
}

impl<T> OnUnique<T> for Result<T, DbErr> {
    fn on_unique(self, field: &str, problem: FieldProblem) -> ServiceResult<T> {
        self.map_err(|e| {
            if is_unique_violation(&e) {
                ServiceError::field(field, problem)
            } else {
                ServiceError::Db(e)
            }
        })
    }
}
