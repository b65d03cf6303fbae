//! The cooperative's fee: a versioned rule voted by the members, applied to
//! each order line. Pure arithmetic on minor units.
//!
//! `fee = clamp(round_half_even(price × percent_bps / 10 000) + fixed, min, max)`,
//! and never more than the line's price (a provider's net is never negative).

use super::listing::ListingKind;
use super::money::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The terms for one kind or category of line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeTerms {
    /// Basis points of the line price: 800 = 8 %.
    pub percent_bps: u32,
    /// Added after the percentage, in minor units.
    #[serde(default)]
    pub fixed_minor: i64,
    #[serde(default)]
    pub min_minor: i64,
    #[serde(default)]
    pub max_minor: Option<i64>,
}

/// A fee rule: terms per listing kind, optionally overridden per category
/// (by slug).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRule {
    pub service: FeeTerms,
    pub delivery: FeeTerms,
    #[serde(default)]
    pub categories: BTreeMap<String, FeeTerms>,
}

impl FeeRule {
    /// Version 1, seeded: services 8 %, deliveries 5 %, minimum 0,50 €, no maximum.
    pub fn initial() -> FeeRule {
        let terms = |bps| FeeTerms {
            percent_bps: bps,
            fixed_minor: 0,
            min_minor: 50,
            max_minor: None,
        };
        FeeRule {
            service: terms(800),
            delivery: terms(500),
            categories: BTreeMap::new(),
        }
    }

    /// The terms that apply to a line of `kind` in `category`.
    pub fn terms(&self, kind: ListingKind, category: &str) -> &FeeTerms {
        self.categories.get(category).unwrap_or(match kind {
            ListingKind::Service => &self.service,
            ListingKind::Delivery => &self.delivery,
        })
    }
}

/// `numerator / denominator` rounded half to even (denominator > 0, numerator ≥ 0).
fn div_half_even(numerator: u128, denominator: u128) -> u128 {
    let q = numerator / denominator;
    let r = numerator % denominator;
    match (2 * r).cmp(&denominator) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q % 2),
    }
}

/// The fee on a line priced `price` (≥ 0) under `terms`.
pub fn fee(price: Money, terms: &FeeTerms) -> Money {
    let minor = price.minor().max(0);
    let percent = div_half_even(
        u128::from(minor.unsigned_abs()) * u128::from(terms.percent_bps),
        10_000,
    );
    let mut fee = i64::try_from(percent)
        .unwrap_or(i64::MAX)
        .saturating_add(terms.fixed_minor)
        .max(terms.min_minor);
    if let Some(max) = terms.max_minor {
        fee = fee.min(max);
    }
    Money::new(fee.clamp(0, minor), price.currency())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seeded_rule_matches_the_statute() {
        let rule = FeeRule::initial();
        let service = rule.terms(ListingKind::Service, "pulizie");
        assert_eq!(fee(Money::eur(4500), service), Money::eur(360));
        let delivery = rule.terms(ListingKind::Delivery, "consegne");
        assert_eq!(fee(Money::eur(800), delivery), Money::eur(50)); // 40 → minimum 50
        assert_eq!(fee(Money::eur(2000), delivery), Money::eur(100));
        // Never more than the price itself.
        assert_eq!(fee(Money::eur(30), delivery), Money::eur(30));
    }

    #[test]
    fn rounding_is_half_even() {
        let t = FeeTerms {
            percent_bps: 500,
            fixed_minor: 0,
            min_minor: 0,
            max_minor: None,
        };
        assert_eq!(fee(Money::eur(10), &t).minor(), 0); // 0.5 → 0
        assert_eq!(fee(Money::eur(30), &t).minor(), 2); // 1.5 → 2
        assert_eq!(fee(Money::eur(50), &t).minor(), 2); // 2.5 → 2
        assert_eq!(fee(Money::eur(51), &t).minor(), 3); // 2.55 → 3
    }

    #[test]
    fn category_terms_override_the_kind() {
        let mut rule = FeeRule::initial();
        rule.categories.insert(
            "riparazioni".into(),
            FeeTerms {
                percent_bps: 600,
                fixed_minor: 10,
                min_minor: 0,
                max_minor: Some(500),
            },
        );
        let t = rule.terms(ListingKind::Service, "riparazioni");
        assert_eq!(fee(Money::eur(10_000), t), Money::eur(500));
        assert_eq!(fee(Money::eur(1_000), t), Money::eur(70));
    }

    fn terms() -> impl Strategy<Value = FeeTerms> {
        (
            0u32..=3_000,
            0i64..=500,
            0i64..=1_000,
            proptest::option::of(0i64..=100_000),
        )
            .prop_map(|(bps, fixed, min, max)| FeeTerms {
                percent_bps: bps,
                fixed_minor: fixed,
                min_minor: min,
                max_minor: max.map(|m| m.max(min)),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// The fee stays within [min, max] whenever the price covers the
        /// minimum, never exceeds the price, and price = net + fee.
        #[test]
        fn fee_is_bounded(price in 0i64..100_000_000, t in terms()) {
            let price = Money::eur(price);
            let f = fee(price, &t);
            prop_assert!(f.minor() >= 0);
            prop_assert!(f.minor() <= price.minor());
            if price.minor() >= t.min_minor {
                prop_assert!(f.minor() >= t.min_minor);
            }
            if let Some(max) = t.max_minor {
                prop_assert!(f.minor() <= max);
            }
            let net = price.checked_sub(f).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(net.minor() + f.minor(), price.minor());
        }

        /// Rounding is never off by more than half a cent plus the fixed part.
        #[test]
        fn fee_tracks_the_percentage(price in 0i64..100_000_000, bps in 0u32..=10_000) {
            let t = FeeTerms { percent_bps: bps, fixed_minor: 0, min_minor: 0, max_minor: None };
            let f = fee(Money::eur(price), &t).minor();
            let exact = i128::from(price) * i128::from(bps);
            prop_assert!((i128::from(f) * 10_000 - exact).abs() <= 5_000);
        }
    }
}
