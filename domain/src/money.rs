//! Money in integer minor units, never floating point.

use i18n::Locale;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    Eur,
}

impl Currency {
    /// The currency of an ISO 4217 code we support.
    pub fn parse(code: &str) -> Option<Currency> {
        match code {
            "EUR" => Some(Currency::Eur),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Currency::Eur => "EUR",
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Currency::Eur => "€",
        }
    }
    /// Minor units per major unit.
    pub fn scale(self) -> i64 {
        match self {
            Currency::Eur => 100,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum MoneyError {
    #[error("currencies differ")]
    CurrencyMismatch,
    #[error("amount out of range")]
    Overflow,
    #[error("cannot split into zero parts")]
    NoWeights,
}

/// An amount of money: integer minor units (cents) and a currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }
    pub const fn eur(minor: i64) -> Self {
        Money::new(minor, Currency::Eur)
    }
    pub fn minor(self) -> i64 {
        self.minor
    }
    pub fn currency(self) -> Currency {
        self.currency
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.checked_add(Money::new(
            other.minor.checked_neg().ok_or(MoneyError::Overflow)?,
            other.currency,
        ))
    }

    /// Splits this amount in proportion to `weights` by the largest-remainder
    /// method: every part is the floor of its exact share, and the cents left
    /// over go one each to the parts with the largest remainders (earlier
    /// parts win ties). The parts always sum to the whole.
    pub fn split(self, weights: &[u64]) -> Result<Vec<Money>, MoneyError> {
        let total_weight: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        if total_weight == 0 {
            return Err(MoneyError::NoWeights);
        }
        let negative = self.minor < 0;
        let amount = u128::from(self.minor.unsigned_abs());
        let mut parts: Vec<(u128, u128)> = weights
            .iter()
            .map(|&w| {
                let exact = amount * u128::from(w);
                (exact / total_weight, exact % total_weight)
            })
            .collect();
        let assigned: u128 = parts.iter().map(|(q, _)| q).sum();
        let mut order: Vec<usize> = (0..parts.len()).collect();
        order.sort_by(|&a, &b| parts[b].1.cmp(&parts[a].1).then(a.cmp(&b)));
        for &i in order.iter().take((amount - assigned) as usize) {
            parts[i].0 += 1;
        }
        parts
            .into_iter()
            .map(|(q, _)| {
                let q = i64::try_from(q).map_err(|_| MoneyError::Overflow)?;
                Ok(Money::new(if negative { -q } else { q }, self.currency))
            })
            .collect()
    }

    /// Formats for people in `locale`: `1.234,50 €` (it, es), `€1,234.50` (en).
    pub fn format(self, locale: Locale) -> String {
        let scale = self.currency.scale();
        let abs = self.minor.unsigned_abs();
        let major = abs / scale.unsigned_abs();
        let cents = abs % scale.unsigned_abs();
        let (group, decimal) = match locale {
            Locale::It | Locale::Es => ('.', ','),
            Locale::En => (',', '.'),
        };
        let digits = major.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(group);
            }
            grouped.push(c);
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        let sym = self.currency.symbol();
        match locale {
            Locale::It | Locale::Es => format!("{sign}{grouped}{decimal}{cents:02}\u{a0}{sym}"),
            Locale::En => format!("{sign}{sym}{grouped}{decimal}{cents:02}"),
        }
    }
}

/// Why a typed amount was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountProblem {
    Empty,
    Invalid,
    Negative,
    TooPrecise,
    TooLarge,
}

/// The largest amount a form accepts, in major units (one million).
pub const MAX_AMOUNT_MAJOR: i64 = 1_000_000;

impl Money {
    /// Parses an amount typed by a person: `12`, `12,5`, `12.50`,
    /// `1.234,50`, `1,234.50`, with or without `€`. The last separator is
    /// the decimal one when it occurs once; more than two decimals are
    /// refused, never rounded.
    pub fn parse_amount(raw: &str, currency: Currency) -> Result<Money, AmountProblem> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '€' && *c != '\u{a0}')
            .collect();
        if s.is_empty() {
            return Err(AmountProblem::Empty);
        }
        if s.starts_with('-') || s.starts_with('\u{2212}') {
            return Err(AmountProblem::Negative);
        }
        let s = s.strip_prefix('+').unwrap_or(&s);
        if !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        {
            return Err(AmountProblem::Invalid);
        }
        let last_sep = s.rfind(['.', ',']);
        let (int_part, frac_part) = match last_sep {
            Some(i) => {
                let sep = &s[i..=i];
                if s.matches(sep).count() == 1 {
                    (&s[..i], &s[i + 1..])
                } else {
                    (s, "")
                }
            }
            None => (s, ""),
        };
        let int_digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
        if int_digits.is_empty() && frac_part.is_empty() {
            return Err(AmountProblem::Invalid);
        }
        if last_sep.is_some_and(|i| i + 1 == s.len()) {
            return Err(AmountProblem::Invalid);
        }
        let decimals = currency.scale().to_string().len() - 1;
        if frac_part.len() > decimals {
            return Err(AmountProblem::TooPrecise);
        }
        if int_digits.len() > 12 {
            return Err(AmountProblem::TooLarge);
        }
        let major: i64 = if int_digits.is_empty() {
            0
        } else {
            int_digits.parse().map_err(|_| AmountProblem::Invalid)?
        };
        let mut frac: i64 = if frac_part.is_empty() {
            0
        } else {
            frac_part.parse().map_err(|_| AmountProblem::Invalid)?
        };
        for _ in frac_part.len()..decimals {
            frac *= 10;
        }
        if major > MAX_AMOUNT_MAJOR || (major == MAX_AMOUNT_MAJOR && frac > 0) {
            return Err(AmountProblem::TooLarge);
        }
        Ok(Money::new(major * currency.scale() + frac, currency))
    }

    /// The amount as typed into a form in `locale`, without grouping or
    /// symbol (`1234,50` in Italian), so it parses back to the same value.
    pub fn format_input(self, locale: Locale) -> String {
        let scale = self.currency.scale().unsigned_abs();
        let abs = self.minor.unsigned_abs();
        let sep = match locale {
            Locale::It | Locale::Es => ',',
            Locale::En => '.',
        };
        let sign = if self.minor < 0 { "-" } else { "" };
        format!("{sign}{}{sep}{:02}", abs / scale, abs % scale)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = self.currency.scale().unsigned_abs();
        let abs = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        write!(
            f,
            "{sign}{}.{:02} {}",
            abs / scale,
            abs % scale,
            self.currency.code()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_per_locale() {
        let m = Money::eur(123_450);
        assert_eq!(m.format(Locale::It), "1.234,50\u{a0}€");
        assert_eq!(m.format(Locale::Es), "1.234,50\u{a0}€");
        assert_eq!(m.format(Locale::En), "€1,234.50");
        assert_eq!(Money::eur(-5).format(Locale::En), "-€0.05");
        assert_eq!(
            Money::eur(100_000_000).format(Locale::It),
            "1.000.000,00\u{a0}€"
        );
        assert_eq!(Money::eur(99).to_string(), "0.99 EUR");
    }

    #[test]
    fn split_gives_leftover_cents_to_largest_remainders() {
        let parts = Money::eur(100).split(&[1, 1, 1]).unwrap_or_default();
        assert_eq!(parts, vec![Money::eur(34), Money::eur(33), Money::eur(33)]);
        let parts = Money::eur(1000).split(&[85, 15]).unwrap_or_default();
        assert_eq!(parts, vec![Money::eur(850), Money::eur(150)]);
        assert_eq!(Money::eur(5).split(&[0, 0]), Err(MoneyError::NoWeights));
    }

    #[test]
    fn arithmetic_refuses_overflow_and_mixed_currencies() {
        assert_eq!(
            Money::eur(i64::MAX).checked_add(Money::eur(1)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::eur(i64::MIN).checked_sub(Money::eur(1)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(Money::eur(1).checked_sub(Money::eur(3)), Ok(Money::eur(-2)));
    }

    #[test]
    fn amounts_parse_in_both_notations_and_refuse_what_they_cannot_keep() {
        let p = |s: &str| Money::parse_amount(s, Currency::Eur).map(Money::minor);
        assert_eq!(p("12"), Ok(1200));
        assert_eq!(p("12,5"), Ok(1250));
        assert_eq!(p(" 12.50 € "), Ok(1250));
        assert_eq!(p("1.234,50"), Ok(123_450));
        assert_eq!(p("1,234.50"), Ok(123_450));
        assert_eq!(p("1.000.000"), Ok(100_000_000));
        assert_eq!(p("1.234.567"), Err(AmountProblem::TooLarge));
        assert_eq!(p("0,05"), Ok(5));
        assert_eq!(p(""), Err(AmountProblem::Empty));
        assert_eq!(p("-3"), Err(AmountProblem::Negative));
        assert_eq!(p("12,345"), Err(AmountProblem::TooPrecise));
        assert_eq!(p("12.999"), Err(AmountProblem::TooPrecise));
        assert_eq!(p("abc"), Err(AmountProblem::Invalid));
        assert_eq!(p("12,"), Err(AmountProblem::Invalid));
        assert_eq!(p("1e5"), Err(AmountProblem::Invalid));
        assert_eq!(p("1000000,01"), Err(AmountProblem::TooLarge));
        assert_eq!(p("99999999999999999999"), Err(AmountProblem::TooLarge));
    }

    proptest! {
        #[test]
        fn input_format_parses_back(minor in 0i64..=100_000_000, locale in prop_oneof![Just(Locale::It), Just(Locale::En), Just(Locale::Es)]) {
            let m = Money::eur(minor);
            prop_assert_eq!(Money::parse_amount(&m.format_input(locale), Currency::Eur), Ok(m));
        }

        #[test]
        fn split_parts_always_sum_to_the_whole(
            minor in -10_000_000_000i64..10_000_000_000,
            weights in proptest::collection::vec(0u64..1_000_000, 1..12),
        ) {
            prop_assume!(weights.iter().any(|&w| w > 0));
            let parts = Money::eur(minor).split(&weights).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().map(|p| p.minor()).sum::<i64>(), minor);
            // No part is more than one cent away from its exact share.
            let total: i128 = weights.iter().map(|&w| i128::from(w)).sum();
            for (p, &w) in parts.iter().zip(&weights) {
                let exact = i128::from(minor) * i128::from(w);
                let diff = (i128::from(p.minor()) * total - exact).abs();
                prop_assert!(diff < total, "part {} too far from exact share", p.minor());
            }
        }
    }
}
