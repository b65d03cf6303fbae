//! Typed text columns: a state or kind is stored as its name and
//! read back as its domain type. A name the type does not know fails the
//! read (`DbErr::Type`) instead of turning into some default.

use std::fmt;

use sea_orm::{
    sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr},
    ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value,
};

/// A domain type whose values are stored by name.
pub trait Named: Copy + fmt::Debug + PartialEq + Eq + Send + Sync + 'static {
    /// What the type is called in an error.
    const TYPE: &'static str;
    fn name(self) -> &'static str;
    fn from_name(name: &str) -> Option<Self>;
}

/// A column holding a [`Named`] value; `Stored(Status::Paid)` is written as
/// `"paid"`. Deref gives the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stored<T>(pub T);

impl<T> std::ops::Deref for Stored<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Named> From<T> for Stored<T> {
    fn from(value: T) -> Self {
        Stored(value)
    }
}

impl<T: Named> From<Stored<T>> for Value {
    fn from(value: Stored<T>) -> Value {
        value.0.name().into()
    }
}

fn unknown<T: Named>(name: &str) -> String {
    format!("unknown {} {name:?} in the database", T::TYPE)
}

impl<T: Named> TryGetable for Stored<T> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let name = String::try_get_by(res, index)?;
        T::from_name(&name)
            .map(Stored)
            .ok_or_else(|| TryGetError::DbErr(DbErr::Type(unknown::<T>(&name))))
    }
}

impl<T: Named> ValueType for Stored<T> {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let name = <String as ValueType>::try_from(v)?;
        T::from_name(&name).map(Stored).ok_or(ValueTypeErr)
    }

    fn type_name() -> String {
        T::TYPE.to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::None)
    }
}

impl<T: Named> Nullable for Stored<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

/// `Named` for domain types with `as_str` and `parse`.
macro_rules! named {
    ($($ty:path),* $(,)?) => {$(
        impl Named for $ty {
            const TYPE: &'static str = stringify!($ty);
            fn name(self) -> &'static str {
                self.as_str()
            }
            fn from_name(name: &str) -> Option<Self> {
                <$ty>::parse(name)
            }
        }
    )*};
}

named!(
    domain::order::Status,
    domain::listing::ListingKind,
    domain::listing::ListingStatus,
    domain::governance::ProposalKind,
    domain::governance::Body,
    domain::governance::Threshold,
    domain::ledger::EntryKind,
    wire::membership::MembershipStatus,
);
