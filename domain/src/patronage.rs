//! Patronage refunds (ristorni), pure: the year's surplus, as the board
//! declares it, goes back to the members in proportion to what each
//! earned through the platform that year; each member's part is split
//! between cash and retained capital as the statute sets. Largest
//! remainder at both steps, so the parts always sum to the surplus.

use super::money::{Money, MoneyError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One member's part of a year's patronage refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub member: Uuid,
    /// What the member earned through the platform that year (net of
    /// fees): the weight of their part.
    pub earnings: Money,
    /// Owed to the member, paid with the next payout.
    pub cash: Money,
    /// Added to the member's share capital.
    pub retained: Money,
}

impl Share {
    pub fn total(&self) -> i64 {
        self.cash.minor() + self.retained.minor()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatronageError {
    #[error("the surplus must be more than zero")]
    NoSurplus,
    #[error("the cash share is between 0 and 100 %")]
    CashShare,
    #[error("no member earned anything that year")]
    NoEarnings,
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Allocates `surplus` over `earnings` (member, net earned; members who
/// earned nothing get nothing), `cash_bps` of each part in cash. Shares
/// come out in the order of `earnings`, zero shares left out.
pub fn allocate(
    surplus: Money,
    cash_bps: u32,
    earnings: &[(Uuid, Money)],
) -> Result<Vec<Share>, PatronageError> {
    if surplus.minor() <= 0 {
        return Err(PatronageError::NoSurplus);
    }
    if cash_bps > 10_000 {
        return Err(PatronageError::CashShare);
    }
    let earners: Vec<(Uuid, Money)> = earnings
        .iter()
        .copied()
        .filter(|(_, e)| e.minor() > 0)
        .collect();
    if earners.is_empty() {
        return Err(PatronageError::NoEarnings);
    }
    let weights: Vec<u64> = earners
        .iter()
        .map(|(_, e)| e.minor().unsigned_abs())
        .collect();
    let parts = surplus.split(&weights)?;
    let mut shares = Vec::with_capacity(earners.len());
    for ((member, earned), part) in earners.into_iter().zip(parts) {
        if part.minor() == 0 {
            continue;
        }
        let (cash, retained) = match cash_bps {
            0 => (Money::new(0, part.currency()), part),
            10_000 => (part, Money::new(0, part.currency())),
            bps => {
                let halves = part.split(&[u64::from(bps), u64::from(10_000 - bps)])?;
                (halves[0], halves[1])
            }
        };
        shares.push(Share {
            member,
            earnings: earned,
            cash,
            retained,
        });
    }
    Ok(shares)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn splits_by_earnings_then_cash_and_retained() {
        let shares = allocate(
            Money::eur(100_000),
            6_000,
            &[
                (id(1), Money::eur(300_000)),
                (id(2), Money::eur(100_000)),
                (id(3), Money::eur(0)),
            ],
        )
        .unwrap_or_default();
        assert_eq!(shares.len(), 2);
        assert_eq!(shares[0].total(), 75_000);
        assert_eq!(shares[0].cash, Money::eur(45_000));
        assert_eq!(shares[0].retained, Money::eur(30_000));
        assert_eq!(shares[1].total(), 25_000);
        assert_eq!(shares[1].cash, Money::eur(15_000));
    }

    #[test]
    fn a_cent_that_does_not_divide_goes_to_the_largest_remainder() {
        // 1,00 € over three equal earners: 34 + 33 + 33 cents.
        let e = Money::eur(1000);
        let shares = allocate(
            Money::eur(100),
            5_000,
            &[(id(1), e), (id(2), e), (id(3), e)],
        )
        .unwrap_or_default();
        let totals: Vec<i64> = shares.iter().map(Share::total).collect();
        assert_eq!(totals, vec![34, 33, 33]);
        assert_eq!(shares[0].cash.minor() + shares[0].retained.minor(), 34);
    }

    #[test]
    fn refuses_what_cannot_be_allocated() {
        let e = [(id(1), Money::eur(500))];
        assert_eq!(
            allocate(Money::eur(0), 5_000, &e),
            Err(PatronageError::NoSurplus)
        );
        assert_eq!(
            allocate(Money::eur(100), 10_001, &e),
            Err(PatronageError::CashShare)
        );
        assert_eq!(
            allocate(Money::eur(100), 5_000, &[(id(1), Money::eur(0))]),
            Err(PatronageError::NoEarnings)
        );
        assert_eq!(
            allocate(Money::eur(100), 5_000, &[]),
            Err(PatronageError::NoEarnings)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// The parts always sum to the surplus, each part splits exactly
        /// into cash and retained, cash follows the statute's share within
        /// a cent, and more earnings never mean a smaller part.
        #[test]
        fn parts_sum_to_the_surplus(
            surplus in 1i64..100_000_000,
            cash_bps in 0u32..=10_000,
            earned in prop::collection::vec(0i64..10_000_000, 1..40),
        ) {
            let earnings: Vec<(Uuid, Money)> = earned
                .iter()
                .enumerate()
                .map(|(i, e)| (id(i as u128), Money::eur(*e)))
                .collect();
            let result = allocate(Money::eur(surplus), cash_bps, &earnings);
            if earned.iter().all(|e| *e == 0) {
                prop_assert_eq!(result, Err(PatronageError::NoEarnings));
                return Ok(());
            }
            prop_assert!(result.is_ok(), "{result:?}");
            let shares = result.unwrap_or_default();
            let total: i64 = shares.iter().map(Share::total).sum();
            prop_assert_eq!(total, surplus);
            for s in &shares {
                prop_assert!(s.cash.minor() >= 0 && s.retained.minor() >= 0);
                let exact = i128::from(s.total()) * i128::from(cash_bps);
                let cash = i128::from(s.cash.minor()) * 10_000;
                prop_assert!((cash - exact).abs() < 10_000);
            }
            for a in &shares {
                for b in &shares {
                    if a.earnings.minor() > b.earnings.minor() {
                        prop_assert!(a.total() >= b.total());
                    }
                }
            }
        }
    }
}
