//! The order form as typed, parsed into what to book: an opening of a
//! service, a delivery leg, or both.

use super::availability::parse_time;
use super::listing::contains_markup;
use super::pricing::Point;
use crate::validation::FieldProblem;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

pub const ADDRESS_MAX: usize = 200;
pub const NOTE_MAX: usize = 1_000;
pub const MESSAGE_MAX: usize = 2_000;
pub const WEIGHT_MAX_KG: u16 = 150;

/// Every field of the order form, as strings (a form sends strings).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderInput {
    /// The listing ordered (a service, or a courier's delivery listing).
    pub listing: String,
    /// Idempotency key written into the form when it is shown.
    pub key: String,
    /// `YYYY-MM-DDTHH:MM`, an opening of the service.
    pub slot: String,
    pub hours: String,
    pub note: String,
    /// A service with a delivery leg: `on` when ticked.
    pub with_delivery: String,
    /// `auto` or a courier's delivery listing id.
    pub courier: String,
    pub pickup_address: String,
    pub pickup_postcode: String,
    pub pickup_lat: String,
    pub pickup_lon: String,
    pub dropoff_address: String,
    pub dropoff_postcode: String,
    pub dropoff_lat: String,
    pub dropoff_lon: String,
    pub package_size: String,
    pub weight_kg: String,
    pub window_date: String,
    pub window_from: String,
    pub window_to: String,
    /// `cash`, `bank` or `card`; empty for the cooperative's default.
    pub payment: String,
    /// A service at the customer's place: where, and how to get in.
    #[serde(default)]
    pub place_address: String,
    #[serde(default)]
    pub place_postcode: String,
    #[serde(default)]
    pub access_notes: String,
}

impl OrderInput {
    /// What is echoed back to the form when it is refused.
    pub fn echo(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("slot", &self.slot),
            ("hours", &self.hours),
            ("note", &self.note),
            ("with_delivery", &self.with_delivery),
            ("courier", &self.courier),
            ("pickup_address", &self.pickup_address),
            ("pickup_postcode", &self.pickup_postcode),
            ("pickup_lat", &self.pickup_lat),
            ("pickup_lon", &self.pickup_lon),
            ("dropoff_address", &self.dropoff_address),
            ("dropoff_postcode", &self.dropoff_postcode),
            ("dropoff_lat", &self.dropoff_lat),
            ("dropoff_lon", &self.dropoff_lon),
            ("package_size", &self.package_size),
            ("weight_kg", &self.weight_kg),
            ("window_date", &self.window_date),
            ("window_from", &self.window_from),
            ("window_to", &self.window_to),
            ("payment", &self.payment),
            ("place_address", &self.place_address),
            ("place_postcode", &self.place_postcode),
            ("access_notes", &self.access_notes),
        ]
    }

    pub fn wants_delivery(&self) -> bool {
        matches!(self.with_delivery.as_str(), "on" | "true" | "1")
    }
}

pub type Problems = Vec<(&'static str, FieldProblem)>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PackageSize {
    Small,
    Medium,
    Large,
}

impl PackageSize {
    pub const ALL: [PackageSize; 3] = [PackageSize::Small, PackageSize::Medium, PackageSize::Large];
    pub fn as_str(self) -> &'static str {
        match self {
            PackageSize::Small => "small",
            PackageSize::Medium => "medium",
            PackageSize::Large => "large",
        }
    }
    pub fn parse(s: &str) -> Option<PackageSize> {
        PackageSize::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// One end of a delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub address: String,
    pub postcode: String,
    pub point: Option<Point>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryRequest {
    pub pickup: Place,
    pub dropoff: Place,
    pub size: PackageSize,
    pub weight_kg: u16,
    pub window_start: NaiveDateTime,
    pub window_end: NaiveDateTime,
}

/// `YYYY-MM-DDTHH:MM` → the day and the start minute.
pub fn parse_slot(raw: &str) -> Option<(NaiveDate, u16)> {
    let (date, time) = raw.trim().split_once('T')?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    Some((date, parse_time(time)?))
}

pub fn format_slot(date: NaiveDate, start: u16) -> String {
    format!("{date}T{}", super::availability::format_time(start))
}

/// An optional free text: trimmed, bounded, no markup.
pub fn parse_text(raw: &str, max: usize, required: bool) -> Result<String, FieldProblem> {
    let s = raw.trim();
    if s.is_empty() {
        return if required {
            Err(FieldProblem::Required)
        } else {
            Ok(String::new())
        };
    }
    if s.chars().count() > max {
        return Err(FieldProblem::TooLong);
    }
    if contains_markup(s) {
        return Err(FieldProblem::HtmlNotAllowed);
    }
    Ok(s.to_owned())
}

/// A postcode: five digits (Italy, Spain and most of Europe), or 3 to 10
/// letters, digits and spaces with at least one digit elsewhere.
pub fn parse_postcode(raw: &str) -> Result<String, FieldProblem> {
    let s = raw.trim().to_uppercase();
    if s.is_empty() {
        return Err(FieldProblem::Required);
    }
    let digits_only = s.chars().all(|c| c.is_ascii_digit());
    let valid = if digits_only {
        s.len() == 5
    } else {
        (3..=10).contains(&s.len())
            && s.chars().any(|c| c.is_ascii_digit())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
    };
    if !valid {
        return Err(FieldProblem::PostcodeInvalid);
    }
    Ok(s)
}

fn parse_coordinate(raw: &str) -> Result<Option<f64>, FieldProblem> {
    let s = raw.trim().replace(',', ".");
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or(FieldProblem::NumberOutOfRange)
}

fn parse_place(
    problems: &mut Problems,
    names: [&'static str; 4],
    [address, postcode, lat, lon]: [&str; 4],
) -> Option<Place> {
    let address = parse_text(address, ADDRESS_MAX, true)
        .map_err(|p| problems.push((names[0], p)))
        .ok();
    let postcode = parse_postcode(postcode)
        .map_err(|p| problems.push((names[1], p)))
        .ok();
    let lat = parse_coordinate(lat)
        .map_err(|p| problems.push((names[2], p)))
        .ok();
    let lon = parse_coordinate(lon)
        .map_err(|p| problems.push((names[3], p)))
        .ok();
    let point = match (lat?, lon?) {
        (Some(lat), Some(lon)) => match Point::new(lat, lon) {
            Some(p) => Some(p),
            None => {
                problems.push((names[2], FieldProblem::NumberOutOfRange));
                return None;
            }
        },
        (None, None) => None,
        (None, Some(_)) => {
            problems.push((names[2], FieldProblem::Required));
            return None;
        }
        (Some(_), None) => {
            problems.push((names[3], FieldProblem::Required));
            return None;
        }
    };
    Some(Place {
        address: address?,
        postcode: postcode?,
        point,
    })
}

/// The delivery fields, checked against `now` (the window must be ahead).
pub fn parse_delivery(input: &OrderInput, now: NaiveDateTime) -> Result<DeliveryRequest, Problems> {
    let mut problems = Problems::new();
    let pickup = parse_place(
        &mut problems,
        [
            "pickup_address",
            "pickup_postcode",
            "pickup_lat",
            "pickup_lon",
        ],
        [
            &input.pickup_address,
            &input.pickup_postcode,
            &input.pickup_lat,
            &input.pickup_lon,
        ],
    );
    let dropoff = parse_place(
        &mut problems,
        [
            "dropoff_address",
            "dropoff_postcode",
            "dropoff_lat",
            "dropoff_lon",
        ],
        [
            &input.dropoff_address,
            &input.dropoff_postcode,
            &input.dropoff_lat,
            &input.dropoff_lon,
        ],
    );
    let size = match input.package_size.trim() {
        "" => Err(FieldProblem::Required),
        s => PackageSize::parse(s).ok_or(FieldProblem::ChoiceInvalid),
    }
    .map_err(|p| problems.push(("package_size", p)))
    .ok();
    let weight = match input.weight_kg.trim() {
        "" => Err(FieldProblem::Required),
        s => s
            .parse::<u16>()
            .ok()
            .filter(|w| (1..=WEIGHT_MAX_KG).contains(w))
            .ok_or(FieldProblem::NumberOutOfRange),
    }
    .map_err(|p| problems.push(("weight_kg", p)))
    .ok();
    let date = match input.window_date.trim() {
        "" => Err(FieldProblem::Required),
        s => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| FieldProblem::DateInvalid),
    }
    .map_err(|p| problems.push(("window_date", p)))
    .ok();
    let time = |raw: &str, field: &'static str, problems: &mut Problems| match raw.trim() {
        "" => {
            problems.push((field, FieldProblem::Required));
            None
        }
        s => parse_time(s).or_else(|| {
            problems.push((field, FieldProblem::TimeInvalid));
            None
        }),
    };
    let from = time(&input.window_from, "window_from", &mut problems);
    let to = time(&input.window_to, "window_to", &mut problems);
    let window = match (date, from, to) {
        (Some(d), Some(f), Some(t)) => {
            let at = |m: u16| {
                d.and_time(chrono::NaiveTime::MIN) + chrono::Duration::minutes(i64::from(m))
            };
            if f >= t {
                problems.push(("window_to", FieldProblem::TimeRangeInvalid));
                None
            } else if at(f) <= now {
                problems.push(("window_date", FieldProblem::DateInvalid));
                None
            } else {
                Some((at(f), at(t)))
            }
        }
        _ => None,
    };
    match (pickup, dropoff, size, weight, window) {
        (Some(pickup), Some(dropoff), Some(size), Some(weight_kg), Some((start, end)))
            if problems.is_empty() =>
        {
            Ok(DeliveryRequest {
                pickup,
                dropoff,
                size,
                weight_kg,
                window_start: start,
                window_end: end,
            })
        }
        _ => Err(problems),
    }
}

/// A short opaque key for the form (any 8–64 letters, digits, `-`, `_`).
pub fn valid_key(key: &str) -> bool {
    (8..=64).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap_or_default()
    }

    fn delivery() -> OrderInput {
        OrderInput {
            pickup_address: "Via Zamboni 1".into(),
            pickup_postcode: "40126".into(),
            dropoff_address: "Via Saffi 20".into(),
            dropoff_postcode: "40131".into(),
            package_size: "medium".into(),
            weight_kg: "8".into(),
            window_date: "2026-11-24".into(),
            window_from: "09:00".into(),
            window_to: "11:00".into(),
            ..OrderInput::default()
        }
    }

    #[test]
    fn a_valid_delivery_parses() {
        let d = parse_delivery(&delivery(), now());
        assert!(d.is_ok(), "{d:?}");
        if let Ok(d) = d {
            assert_eq!(d.weight_kg, 8);
            assert_eq!(d.window_end - d.window_start, chrono::Duration::hours(2));
            assert!(d.pickup.point.is_none());
        }
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = OrderInput {
            pickup_address: "<b>x</b>".into(),
            dropoff_postcode: "".into(),
            dropoff_lat: "44.5".into(),
            package_size: "huge".into(),
            weight_kg: "900".into(),
            window_date: "2026-11-22".into(),
            window_to: "08:00".into(),
            ..delivery()
        };
        let Err(problems) = parse_delivery(&input, now()) else {
            panic!("accepted")
        };
        for expected in [
            ("pickup_address", FieldProblem::HtmlNotAllowed),
            ("dropoff_postcode", FieldProblem::Required),
            ("dropoff_lon", FieldProblem::Required),
            ("package_size", FieldProblem::ChoiceInvalid),
            ("weight_kg", FieldProblem::NumberOutOfRange),
            ("window_to", FieldProblem::TimeRangeInvalid),
        ] {
            assert!(problems.contains(&expected), "{expected:?} in {problems:?}");
        }
        let past = OrderInput {
            window_date: "2026-11-22".into(),
            ..delivery()
        };
        assert_eq!(
            parse_delivery(&past, now()).err(),
            Some(vec![("window_date", FieldProblem::DateInvalid)])
        );
    }

    #[test]
    fn slots_and_keys() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24);
        assert_eq!(parse_slot("2026-11-24T09:30"), day.map(|d| (d, 570)));
        assert_eq!(parse_slot("2026-11-24 09:30"), None);
        assert_eq!(parse_slot("2026-13-24T09:30"), None);
        if let Some(d) = day {
            assert_eq!(format_slot(d, 570), "2026-11-24T09:30");
        }
        assert_eq!(parse_postcode(" 40126 ").as_deref(), Ok("40126"));
        assert_eq!(parse_postcode("4012"), Err(FieldProblem::PostcodeInvalid));
        assert_eq!(parse_postcode("401266"), Err(FieldProblem::PostcodeInvalid));
        assert_eq!(
            parse_postcode("Bologna"),
            Err(FieldProblem::PostcodeInvalid)
        );
        assert_eq!(parse_postcode("sw1a 1aa").as_deref(), Ok("SW1A 1AA"));
        assert_eq!(parse_postcode(""), Err(FieldProblem::Required));
        assert!(valid_key("0193a1b2-c3d4"));
        assert!(!valid_key("short"));
        assert!(!valid_key("has space in it"));
    }
}
