//! One error type for everything a server function can answer.
//!
//! It crosses the wire as data (codes, never internal messages); the UI
//! translates it. Internal causes are logged on the server with a request
//! reference and only that reference reaches the browser.

use crate::i18n::Strings;
pub use domain::validation::{FieldError, FieldProblem, Refusal};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A field's problem in words, with its range when it has one.
pub fn field_message(t: &Strings, f: &FieldError) -> String {
    match (f.problem, f.limits) {
        (FieldProblem::NumberOutOfRange | FieldProblem::Required, Some((min, max))) => {
            let rule = t
                .err_between
                .replace("{min}", &min.to_string())
                .replace("{max}", &max.to_string());
            if f.problem == FieldProblem::Required {
                format!("{} {rule}", problem_message(t, f.problem))
            } else {
                rule
            }
        }
        _ => problem_message(t, f.problem).to_owned(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Some fields were refused. `echo` holds what the user typed in the
    /// non-secret fields, so a form submitted without JavaScript can be shown
    /// again with nothing lost.
    #[error("invalid input")]
    Invalid {
        fields: Vec<FieldError>,
        echo: Vec<(String, String)>,
    },
    #[error("e-mail or password is wrong")]
    InvalidCredentials { echo: Vec<(String, String)> },
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("not logged in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict")]
    Conflict,
    /// Refused for a reason the person can act on.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// Something failed on our side; details are in the server log under `reference`.
    #[error("internal error {reference}")]
    Internal { reference: String },
    /// The request never reached our code, or its answer could not be read.
    #[error("transport error")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Malformed arguments are the client's fault, not ours.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::Invalid {
                fields: Vec::new(),
                echo: Vec::new(),
            },
            other => AppError::Transport(other.to_string()),
        }
    }
}

impl AppError {
    pub fn field(field: &str, problem: FieldProblem) -> FieldError {
        FieldError::new(field, problem)
    }

    pub fn invalid(fields: Vec<FieldError>, echo: &[(&str, &str)]) -> AppError {
        AppError::Invalid {
            fields,
            echo: echo
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// HTTP status for the answer to a client that reads JSON.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 422,
            AppError::InvalidCredentials { .. } | AppError::Unauthorized => 401,
            AppError::TooManyRequests { .. } => 429,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict => 409,
            AppError::Refused(Refusal::Party) => 403,
            AppError::Refused(
                Refusal::Unpaid
                | Refusal::CardRefund
                | Refusal::NotBegun
                | Refusal::LinkInvalid
                | Refusal::AlreadyRegistered,
            ) => 409,
            AppError::Internal { .. } | AppError::Transport(_) => 500,
        }
    }

    /// The translated problem with one field, if any.
    pub fn field_message(&self, t: &Strings, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { fields, .. } => fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| field_message(t, f)),
            _ => None,
        }
    }

    /// Each refused field and its translated problem, in the order given.
    pub fn field_problems(&self, t: &Strings) -> Vec<(String, String)> {
        match self {
            AppError::Invalid { fields, .. } => fields
                .iter()
                .map(|f| (f.field.clone(), field_message(t, f)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// What the user typed in `field`, echoed back by the server (from the
    /// error itself, or, for a form posted without JavaScript, from the
    /// session: `server::flash`).
    pub fn echoed(&self, field: &str) -> Option<String> {
        let echo = match self {
            AppError::Invalid { echo, .. } | AppError::InvalidCredentials { echo } => echo,
            _ => return None,
        };
        let found = echo
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.clone());
        #[cfg(feature = "ssr")]
        if found.is_none() && echo.is_empty() {
            return crate::server::flash::current()
                .and_then(|f| f.echo.into_iter().find(|(k, _)| k == field).map(|(_, v)| v));
        }
        found
    }

    /// Takes the echoed values out of the error (they travel apart from it).
    pub fn take_echo(&mut self) -> Vec<(String, String)> {
        match self {
            AppError::Invalid { echo, .. } | AppError::InvalidCredentials { echo } => {
                std::mem::take(echo)
            }
            _ => Vec::new(),
        }
    }

    /// A translated sentence for the whole form.
    pub fn message(&self, t: &Strings) -> String {
        match self {
            AppError::Invalid { .. } => t.err_form_has_errors.to_owned(),
            AppError::InvalidCredentials { .. } => t.err_credentials.to_owned(),
            AppError::TooManyRequests { .. } => t.err_too_many_attempts.to_owned(),
            AppError::Unauthorized => t.err_unauthorized.to_owned(),
            AppError::Forbidden => t.err_forbidden.to_owned(),
            AppError::NotFound => t.err_not_found.to_owned(),
            AppError::Conflict => t.err_conflict.to_owned(),
            AppError::Refused(Refusal::Party) => t.err_party.to_owned(),
            AppError::Refused(Refusal::Unpaid) => t.err_unpaid_cash.to_owned(),
            AppError::Refused(Refusal::CardRefund) => t.err_card_refund.to_owned(),
            AppError::Refused(Refusal::NotBegun) => t.err_not_begun.to_owned(),
            AppError::Refused(Refusal::LinkInvalid) => t.err_link_invalid.to_owned(),
            AppError::Refused(Refusal::AlreadyRegistered) => t.err_already_registered.to_owned(),
            AppError::Internal { reference } => {
                format!("{} ({}: {reference})", t.err_internal, t.err_reference)
            }
            AppError::Transport(_) => t.err_internal.to_owned(),
        }
    }
}

pub fn problem_message(t: &Strings, p: FieldProblem) -> &'static str {
    match p {
        FieldProblem::Required => t.err_required,
        FieldProblem::EmailInvalid => t.err_email_invalid,
        FieldProblem::EmailTaken => t.err_email_taken,
        FieldProblem::PasswordTooShort => t.err_password_too_short,
        FieldProblem::PasswordTooLong => t.err_password_too_long,
        FieldProblem::PasswordCommon => t.err_password_common,
        FieldProblem::DisplayNameInvalid => t.err_display_name_invalid,
        FieldProblem::CurrentPasswordWrong => t.err_current_password_wrong,
        FieldProblem::TooShort => t.err_too_short,
        FieldProblem::TooLong => t.err_too_long,
        FieldProblem::HtmlNotAllowed => t.err_html_not_allowed,
        FieldProblem::AmountInvalid => t.err_amount_invalid,
        FieldProblem::AmountNegative => t.err_amount_negative,
        FieldProblem::AmountTooPrecise => t.err_amount_too_precise,
        FieldProblem::AmountTooLarge => t.err_amount_too_large,
        FieldProblem::NumberOutOfRange => t.err_number_out_of_range,
        FieldProblem::ChoiceInvalid => t.err_choice_invalid,
        FieldProblem::MaxBelowMin => t.err_max_below_min,
        FieldProblem::ImageTooLarge => t.err_image_too_large,
        FieldProblem::ImageType => t.err_image_type,
        FieldProblem::ImageTooMany => t.err_image_too_many,
        FieldProblem::TimeInvalid => t.err_time_invalid,
        FieldProblem::TimeRangeInvalid => t.err_time_range_invalid,
        FieldProblem::DateInvalid => t.err_date_invalid,
        FieldProblem::Taken => t.err_taken,
        FieldProblem::SlotUnavailable => t.err_slot_unavailable,
        FieldProblem::SlotTaken => t.err_slot_taken,
        FieldProblem::PostcodeInvalid => t.err_postcode_invalid,
        FieldProblem::PostcodeUnknown => t.err_postcode_unknown,
        FieldProblem::PlaceNotServed => t.err_place_not_served,
        FieldProblem::HoursDoNotFit => t.err_hours_do_not_fit,
        FieldProblem::ZoneNotServed => t.err_zone_not_served,
        FieldProblem::OutOfRange => t.err_out_of_range,
        FieldProblem::NoCourier => t.err_no_courier,
        FieldProblem::OwnListing => t.err_own_listing,
        FieldProblem::NotOrderable => t.err_not_orderable,
        FieldProblem::IbanInvalid => t.err_iban_invalid,
        FieldProblem::BicInvalid => t.err_bic_invalid,
        FieldProblem::RefundRange => t.err_refund_range,
        FieldProblem::Unchanged => t.err_unchanged,
        FieldProblem::NoEarnings => t.err_no_earnings,
        FieldProblem::SurplusTooLarge => t.err_surplus_too_large,
        FieldProblem::StatementInvalid => t.err_statement_invalid,
        FieldProblem::StatementAccount => t.err_statement_account,
        FieldProblem::FileTooLarge => t.err_file_too_large,
        FieldProblem::VotingTooShort => t.err_voting_too_short,
    }
}

pub type AppResult<T> = Result<T, AppError>;
