//! Pricing an order: each line from its listing's price model, the fee from
//! the fee rule, and the breakdown the customer and the members see.

use super::fee::{fee, FeeTerms};
use super::listing::PriceModel;
use super::money::{Money, MoneyError};
use serde::{Deserialize, Serialize};

/// Mean Earth radius used for distances, in metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A point on the map (degrees).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

impl Point {
    /// A point if both coordinates are finite and in range.
    pub fn new(lat: f64, lon: f64) -> Option<Point> {
        (lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0)
            .then_some(Point { lat, lon })
    }
}

/// How far from its zone's centre a customer's point may be and still be
/// believed (metres): less than half the distance between neighbouring
/// zones' centres (Bologna's are 2–3 km apart), so no point is believed
/// for two zones at once.
pub const ZONE_RADIUS_M: f64 = 1_000.0;

/// The point a distance is billed from: the customer's own, only when it
/// lies within `radius_m` of the centre of the zone its postcode names;
/// else that centre. Coordinates are the customer's word, postcodes are
/// checked against the zones: a far-away postcode cannot be billed as a
/// ride next door.
pub fn trusted_point(given: Option<Point>, centre: Point, radius_m: f64) -> Point {
    match given {
        Some(p) if haversine_m(p, centre) <= radius_m => p,
        _ => centre,
    }
}

/// Great-circle distance in metres (haversine).
pub fn haversine_m(a: Point, b: Point) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Billable kilometres: the distance rounded up to a whole kilometre, at
/// least one (a delivery inside one zone still rides).
pub fn billable_km(a: Point, b: Point) -> u32 {
    let metres = haversine_m(a, b).max(0.0);
    // Whole metres first, so float noise never adds a kilometre.
    let metres = metres.round() as u64;
    u32::try_from(metres.div_ceil(1000).max(1)).unwrap_or(u32::MAX)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PriceError {
    #[error("distance {km} km is beyond the courier's {max_km} km")]
    OutOfRange { km: u32, max_km: u16 },
    #[error("hours outside the listing's range")]
    HoursOutOfRange,
    #[error("the listing's price model does not fit this kind of line")]
    WrongModel,
    #[error("amount out of range")]
    Money(#[from] MoneyError),
}

/// What the customer asks of a service listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceRequest {
    /// Hours booked, for an hourly listing (ignored for a fixed price).
    pub hours: u8,
}

/// The price of a service line.
pub fn service_price(model: &PriceModel, req: ServiceRequest) -> Result<Money, PriceError> {
    match *model {
        PriceModel::Fixed { price } => Ok(price),
        PriceModel::Hourly {
            rate,
            min_hours,
            max_hours,
        } => {
            if req.hours < min_hours || req.hours > max_hours {
                return Err(PriceError::HoursOutOfRange);
            }
            let minor = rate
                .minor()
                .checked_mul(i64::from(req.hours))
                .ok_or(MoneyError::Overflow)?;
            Ok(Money::new(minor, rate.currency()))
        }
        PriceModel::Distance { .. } => Err(PriceError::WrongModel),
    }
}

/// The price of a delivery over `km` billable kilometres:
/// `base + per_km × km`, refused beyond the listing's range.
pub fn delivery_price(model: &PriceModel, km: u32) -> Result<Money, PriceError> {
    match *model {
        PriceModel::Distance {
            base,
            per_km,
            max_km,
        } => {
            if km > u32::from(max_km) {
                return Err(PriceError::OutOfRange { km, max_km });
            }
            let ride = per_km
                .minor()
                .checked_mul(i64::from(km))
                .ok_or(MoneyError::Overflow)?;
            Ok(base.checked_add(Money::new(ride, per_km.currency()))?)
        }
        // A courier with a flat price charges it whatever the distance.
        PriceModel::Fixed { price } => Ok(price),
        PriceModel::Hourly { .. } => Err(PriceError::WrongModel),
    }
}

/// One priced line: what the customer pays, the cooperative's fee, and
/// what the provider keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub price: Money,
    pub fee: Money,
    pub net: Money,
}

pub fn price_line(price: Money, terms: &FeeTerms) -> Result<PricedLine, PriceError> {
    let fee = fee(price, terms);
    Ok(PricedLine {
        price,
        fee,
        net: price.checked_sub(fee)?,
    })
}

/// The order's totals: what the customer pays and how much of it goes to
/// the cooperative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub total: Money,
    pub fee: Money,
}

pub fn totals(lines: &[PricedLine]) -> Result<Totals, PriceError> {
    let mut iter = lines.iter();
    let first = iter.next().ok_or(MoneyError::NoWeights)?;
    let mut t = Totals {
        total: first.price,
        fee: first.fee,
    };
    for l in iter {
        t.total = t.total.checked_add(l.price)?;
        t.fee = t.fee.checked_add(l.fee)?;
    }
    Ok(t)
}

/// Splits an amount paid against the order (a partial refund, a payment
/// received in instalments) across its lines in proportion to their
/// prices, by largest remainder: the parts always sum to the amount.
pub fn split_across_lines(amount: Money, lines: &[PricedLine]) -> Result<Vec<Money>, MoneyError> {
    let weights: Vec<u64> = lines
        .iter()
        .map(|l| l.price.minor().max(0).unsigned_abs())
        .collect();
    amount.split(&weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customers_point_counts_only_near_its_zone() {
        let centro = Point {
            lat: 44.4949,
            lon: 11.3426,
        };
        let imola = Point {
            lat: 44.3533,
            lon: 11.7141,
        };
        let near = Point {
            lat: 44.4980,
            lon: 11.3450,
        };
        assert_eq!(trusted_point(Some(near), centro, ZONE_RADIUS_M), near);
        assert_eq!(trusted_point(None, centro, ZONE_RADIUS_M), centro);
        // A point in Bologna given with Imola's postcode: Imola's centre.
        assert_eq!(trusted_point(Some(near), imola, ZONE_RADIUS_M), imola);
        assert!(
            billable_km(
                trusted_point(Some(near), centro, ZONE_RADIUS_M),
                trusted_point(Some(near), imola, ZONE_RADIUS_M)
            ) >= 30
        );
    }
    use crate::fee::FeeRule;
    use crate::listing::ListingKind;
    use proptest::prelude::*;

    fn p(lat: f64, lon: f64) -> Point {
        Point::new(lat, lon).unwrap_or(Point { lat: 0.0, lon: 0.0 })
    }

    #[test]
    fn distances_round_up_to_whole_kilometres() {
        // Bologna, Piazza Maggiore → Stazione Centrale: about 1.4 km.
        let km = billable_km(p(44.4938, 11.3430), p(44.5058, 11.3426));
        assert_eq!(km, 2);
        assert_eq!(billable_km(p(44.5, 11.3), p(44.5, 11.3)), 1);
        // One degree of latitude is about 111.2 km.
        assert_eq!(billable_km(p(44.0, 11.0), p(45.0, 11.0)), 112);
        assert!(Point::new(91.0, 0.0).is_none());
        assert!(Point::new(f64::NAN, 0.0).is_none());
    }

    #[test]
    fn delivery_is_base_plus_per_km_within_range() {
        let model = PriceModel::Distance {
            base: Money::eur(400),
            per_km: Money::eur(120),
            max_km: 10,
        };
        assert_eq!(delivery_price(&model, 3), Ok(Money::eur(760)));
        assert_eq!(delivery_price(&model, 10), Ok(Money::eur(1600)));
        assert_eq!(
            delivery_price(&model, 11),
            Err(PriceError::OutOfRange { km: 11, max_km: 10 })
        );
    }

    #[test]
    fn hourly_services_respect_the_range() {
        let model = PriceModel::Hourly {
            rate: Money::eur(1800),
            min_hours: 2,
            max_hours: 4,
        };
        let at = |hours| service_price(&model, ServiceRequest { hours });
        assert_eq!(at(3), Ok(Money::eur(5400)));
        assert_eq!(at(1), Err(PriceError::HoursOutOfRange));
        assert_eq!(at(5), Err(PriceError::HoursOutOfRange));
    }

    #[test]
    fn composite_order_breakdown() {
        let rule = FeeRule::initial();
        let service = price_line(
            Money::eur(6000),
            rule.terms(ListingKind::Service, "riparazioni"),
        );
        let courier = price_line(
            Money::eur(760),
            rule.terms(ListingKind::Delivery, "consegne"),
        );
        let (Ok(service), Ok(courier)) = (service, courier) else {
            panic!("priced")
        };
        assert_eq!(service.fee, Money::eur(480));
        assert_eq!(courier.fee, Money::eur(50));
        let t = totals(&[service, courier]);
        assert_eq!(
            t,
            Ok(Totals {
                total: Money::eur(6760),
                fee: Money::eur(530)
            })
        );
    }

    fn line() -> impl Strategy<Value = (i64, u32, i64)> {
        (0i64..5_000_000, 0u32..3_000, 0i64..200)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// Σ price = Σ net + Σ fee; any amount split across the lines sums
        /// back to the amount, and no line receives more than its share
        /// rounded up.
        #[test]
        fn parts_always_sum_to_the_whole(
            lines in proptest::collection::vec(line(), 1..6),
            paid in 0i64..30_000_000,
        ) {
            let priced: Vec<PricedLine> = lines
                .iter()
                .map(|&(price, bps, min)| {
                    price_line(Money::eur(price), &FeeTerms {
                        percent_bps: bps, fixed_minor: 0, min_minor: min, max_minor: None,
                    })
                })
                .collect::<Result<_, _>>()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let t = totals(&priced).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let nets: i64 = priced.iter().map(|l| l.net.minor()).sum();
            prop_assert_eq!(nets + t.fee.minor(), t.total.minor());
            if t.total.minor() > 0 {
                let amount = Money::eur(paid.min(t.total.minor()));
                let parts = split_across_lines(amount, &priced)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(parts.iter().map(|m| m.minor()).sum::<i64>(), amount.minor());
                for (part, l) in parts.iter().zip(&priced) {
                    let exact = i128::from(amount.minor()) * i128::from(l.price.minor());
                    let share_ceil = (exact + i128::from(t.total.minor()) - 1) / i128::from(t.total.minor());
                    prop_assert!(i128::from(part.minor()) <= share_ceil);
                    prop_assert!(part.minor() <= l.price.minor());
                }
            }
        }

        /// Delivery prices grow with distance and stop at the range.
        #[test]
        fn delivery_price_is_monotonic(km in 1u32..200, base in 0i64..2_000, per_km in 0i64..500, max_km in 1u16..100) {
            let model = PriceModel::Distance { base: Money::eur(base), per_km: Money::eur(per_km), max_km };
            match (delivery_price(&model, km), delivery_price(&model, km + 1)) {
                (Ok(a), Ok(b)) => prop_assert!(b.minor() >= a.minor()),
                (Ok(_), Err(PriceError::OutOfRange { .. })) => prop_assert_eq!(km, u32::from(max_km)),
                (Err(PriceError::OutOfRange { .. }), Err(_)) => prop_assert!(km > u32::from(max_km)),
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
    }
}
