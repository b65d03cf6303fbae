//! Days and months as forms and statements give them (`YYYY-MM-DD`,
//! `YYYY-MM`), and where a day begins.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// The instant `day` begins.
pub fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// A `YYYY-MM-DD` day, spaces around it allowed.
pub fn parse_day(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()
}

/// A `YYYY-MM` month, as its first day.
pub fn parse_month(raw: &str) -> Option<NaiveDate> {
    parse_day(&format!("{}-01", raw.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_months_parse_and_begin_at_midnight() {
        let d = parse_day(" 2026-03-29 ");
        assert_eq!(d, NaiveDate::from_ymd_opt(2026, 3, 29));
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_month("2026-12"), NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(parse_month("2026-13"), None);
        let start = d.map(start_of).map(|t| t.to_rfc3339());
        assert_eq!(start.as_deref(), Some("2026-03-29T00:00:00+00:00"));
    }
}
