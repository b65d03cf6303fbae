//! An order's human number: the year it was placed and its place in that
//! year, `2026-0042`. Unique per cooperative; numbers may skip one when a
//! placement fails after taking its number (orders are not fiscal
//! documents; invoices have their own gapless series).

use std::fmt;

use crate::iban::CreditorReference;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderNumber {
    year: i32,
    seq: i64,
}

impl OrderNumber {
    /// The number `seq` (from 1) of `year`.
    pub fn new(year: i32, seq: i64) -> Option<OrderNumber> {
        ((1000..=9999).contains(&year) && seq >= 1).then_some(OrderNumber { year, seq })
    }

    /// Reads `2026-0042` (or `2026-42`; spaces around are ignored).
    pub fn parse(raw: &str) -> Option<OrderNumber> {
        let (year, seq) = raw.trim().split_once('-')?;
        if year.len() != 4 || seq.is_empty() || seq.len() > 12 {
            return None;
        }
        if !year.bytes().chain(seq.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        OrderNumber::new(year.parse().ok()?, seq.parse().ok()?)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// The reference a bank transfer for this order carries: the number's
    /// digits behind ISO 11649's `RF` and check digits (`RF18 2026 0042`).
    pub fn creditor_reference(self) -> CreditorReference {
        let body = format!("{}{:04}", self.year, self.seq);
        // Digits only, at most 4 + 12 characters: always a valid body.
        CreditorReference::new(&body).unwrap_or_else(|| unreachable!("digits make a reference"))
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:04}", self.year, self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn number(year: i32, seq: i64) -> OrderNumber {
        OrderNumber::new(year, seq).unwrap_or_else(|| panic!("{year}-{seq}"))
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        let n = number(2026, 42);
        assert_eq!(n.to_string(), "2026-0042");
        assert_eq!(OrderNumber::parse(" 2026-0042 "), Some(n));
        assert_eq!(OrderNumber::parse("2026-42"), Some(n));
        assert_eq!(number(2026, 12345).to_string(), "2026-12345");
        for bad in [
            "",
            "2026",
            "2026-",
            "-42",
            "26-0042",
            "2026-00x2",
            "2026-0000",
            "2026--1",
        ] {
            assert_eq!(OrderNumber::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_bank_reference_carries_the_number() {
        let r = number(2026, 42).creditor_reference();
        assert!(r.as_str().starts_with("RF"));
        assert!(r.as_str().ends_with("20260042"));
        assert_eq!(CreditorReference::parse(&r.pretty()), Some(r));
    }

    proptest! {
        #[test]
        fn every_number_reads_back(year in 1000i32..=9999, seq in 1i64..=999_999_999_999) {
            let n = number(year, seq);
            prop_assert_eq!(OrderNumber::parse(&n.to_string()), Some(n));
            let r = n.creditor_reference();
            prop_assert_eq!(CreditorReference::parse(r.as_str()), Some(r));
        }
    }
}
