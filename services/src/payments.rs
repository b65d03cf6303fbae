//! How customers pay: the methods a cooperative offers and what each means
//! for a new order. `cash` goes to the member who does the work (the
//! courier on a composite order) and is confirmed by them when handed
//! over; `bank` is a transfer to the cooperative with the order's
//! reference, confirmed by a board member who is not a party to the order
//! (or by a matched bank statement); `card` goes through Stripe, whose
//! verified webhook confirms it (`stripe::webhook`).

use chrono::{DateTime, Duration, Utc};
use domain::order::{Method, BANK_TRANSFER_DAYS, PAYMENT_WINDOW};
use domain::validation::FieldProblem;

/// The cooperative's payment settings.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Used when an order names no method.
    pub default: Method,
    /// Days a bank transfer has to arrive before the order expires.
    pub bank_days: i64,
    /// Whether cards can be taken (Stripe is configured).
    pub card: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            default: Method::Bank,
            bank_days: BANK_TRANSFER_DAYS,
            card: false,
        }
    }
}

impl Settings {
    /// The settings for a server: cards by default when Stripe is
    /// configured, else bank transfers, unless `default` says otherwise.
    pub fn new(default: Option<Method>, bank_days: Option<i64>, card: bool) -> Settings {
        let fallback = if card { Method::Card } else { Method::Bank };
        Settings {
            default: default
                .filter(|m| card || *m != Method::Card)
                .unwrap_or(fallback),
            bank_days: bank_days
                .filter(|d| (1..=60).contains(d))
                .unwrap_or(BANK_TRANSFER_DAYS),
            card,
        }
    }

    /// The methods a customer may choose.
    pub fn offered(&self) -> Vec<Method> {
        Method::ALL
            .into_iter()
            .filter(|m| self.card || *m != Method::Card)
            .collect()
    }

    /// The method asked for on the form (`cash`, `bank`, `card`, or
    /// nothing for the default).
    pub fn choose(&self, asked: &str) -> Result<Method, FieldProblem> {
        let asked = asked.trim();
        if asked.is_empty() {
            return Ok(self.default);
        }
        Method::parse(asked)
            .filter(|m| self.offered().contains(m))
            .ok_or(FieldProblem::ChoiceInvalid)
    }

    /// When an unpaid order of `method` placed at `now` expires: minutes
    /// for a card, days for a transfer; cash is paid at the end.
    pub fn pay_by(&self, method: Method, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match method {
            Method::Cash => None,
            Method::Bank => Some(now + Duration::days(self.bank_days)),
            Method::Card => Some(now + PAYMENT_WINDOW),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_only_with_stripe() {
        let s = Settings::new(Some(Method::Card), None, false);
        assert_eq!(s.default, Method::Bank);
        assert_eq!(s.choose("card"), Err(FieldProblem::ChoiceInvalid));
        assert_eq!(s.choose(" cash "), Ok(Method::Cash));
        assert_eq!(s.choose("cheque"), Err(FieldProblem::ChoiceInvalid));
        let s = Settings::new(None, Some(3), true);
        assert_eq!(s.choose(""), Ok(Method::Card));
        let now = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(s.pay_by(Method::Bank, now), Some(now + Duration::days(3)));
        assert_eq!(s.pay_by(Method::Cash, now), None);
    }
}
