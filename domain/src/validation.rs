//! Why input or an action was refused, as data the UI translates: a field's
//! problem (with the range a number must be in), or a refusal the person
//! can act on.

use serde::{Deserialize, Serialize};

/// Why a field was refused; the UI translates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldProblem {
    Required,
    EmailInvalid,
    EmailTaken,
    PasswordTooShort,
    PasswordTooLong,
    PasswordCommon,
    DisplayNameInvalid,
    CurrentPasswordWrong,
    TooShort,
    TooLong,
    HtmlNotAllowed,
    AmountInvalid,
    AmountNegative,
    AmountTooPrecise,
    AmountTooLarge,
    NumberOutOfRange,
    ChoiceInvalid,
    MaxBelowMin,
    ImageTooLarge,
    ImageType,
    ImageTooMany,
    TimeInvalid,
    TimeRangeInvalid,
    DateInvalid,
    Taken,
    /// An opening that is not offered (any more).
    SlotUnavailable,
    /// Someone else booked this opening first.
    SlotTaken,
    /// Not a postcode at all (Italian and Spanish ones have five digits).
    PostcodeInvalid,
    /// No zone of the cooperative has this postcode.
    PostcodeUnknown,
    /// The provider does not work in this postcode's zone.
    PlaceNotServed,
    /// The hours chosen do not fit between the start time and the end of
    /// the opening.
    HoursDoNotFit,
    /// The courier does not serve the zone.
    ZoneNotServed,
    /// Farther than the courier rides.
    OutOfRange,
    /// No courier is available for this delivery.
    NoCourier,
    /// Members do not order their own listings.
    OwnListing,
    /// Not on sale now (paused, archived or its provider suspended).
    NotOrderable,
    /// Not an IBAN, or its check digits are wrong.
    IbanInvalid,
    BicInvalid,
    /// A partial refund must be more than nothing and less than the total.
    RefundRange,
    /// The proposal changes nothing.
    Unchanged,
    /// No member earned anything in that year.
    NoEarnings,
    /// More than the fees the cooperative holds.
    SurplusTooLarge,
    /// Not a camt.053 bank statement we can read.
    StatementInvalid,
    /// A statement of another bank account than the cooperative's.
    StatementAccount,
    /// An uploaded file over its size limit.
    FileTooLarge,
    /// A vote closing sooner than its kind's minimum voting period.
    VotingTooShort,
}

/// One refused field: which, why, and for a number its allowed range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub problem: FieldProblem,
    /// The allowed range of a number out of it, said in the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<(i64, i64)>,
}

impl FieldError {
    pub fn new(field: &str, problem: FieldProblem) -> FieldError {
        FieldError {
            field: field.to_owned(),
            problem,
            limits: None,
        }
    }

    /// This problem, saying the range the number must be in.
    pub fn within(mut self, min: i64, max: i64) -> FieldError {
        self.limits = Some((min, max));
        self
    }
}

/// Why the server refused an action that is otherwise well formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// A board member acting as the cooperative on an order they are a
    /// party to: another board member must.
    Party,
    /// A cash order whose cash its collector has not confirmed yet.
    Unpaid,
    /// A card payment's refund goes back through the processor, never by hand.
    CardRefund,
    /// Work marked done before its opening or delivery window began.
    NotBegun,
    /// A registration link that is unknown, used or expired.
    LinkInvalid,
    /// The address got an account since the registration was asked for.
    AlreadyRegistered,
}
