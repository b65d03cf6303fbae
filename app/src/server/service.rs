//! The error every newer service answers with, and its one mapping to what
//! the browser sees. (Older services have their own enums of the same
//! shape; they can move here as they are touched.)

use crate::domain::account::FieldProblem;
use crate::error::{AppError, FieldError, Refusal};
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input to correct, field by field.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
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
    /// Done too often lately: try again in this many seconds.
    #[error("rate limited")]
    Limited(u64),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl ServiceError {
    /// One field's problem.
    pub fn field(field: &'static str, problem: FieldProblem) -> ServiceError {
        ServiceError::Invalid(vec![AppError::field(field, problem)])
    }

    /// The answer for the browser: field problems with what the user typed
    /// (`echo`), statuses set; database causes logged, never sent.
    pub fn into_app(self, echo: &[(&str, &str)]) -> AppError {
        use super::respond::{fail, internal};
        match self {
            ServiceError::Invalid(fields) => fail(AppError::invalid(fields, echo)),
            ServiceError::NotFound => fail(AppError::NotFound),
            ServiceError::Forbidden => fail(AppError::Forbidden),
            ServiceError::Conflict => fail(AppError::Conflict),
            ServiceError::Refused(r) => fail(AppError::Refused(r)),
            ServiceError::Limited(retry_after_secs) => {
                fail(AppError::TooManyRequests { retry_after_secs })
            }
            ServiceError::Db(e) => internal(e),
        }
    }
}
