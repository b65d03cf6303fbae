//! Weekly availability: slots (weekday, start, end) and closed dates, and
//! the next bookable times computed from them.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// A weekly slot: `weekday` 0 = Monday … 6 = Sunday; minutes since midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WeeklySlot {
    pub weekday: u8,
    pub start: u16,
    pub end: u16,
}

/// One concrete opening: a date and the slot's times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    pub date: NaiveDate,
    pub start: u16,
    pub end: u16,
}

/// Parses `HH:MM` (24 h) into minutes since midnight; `24:00` is the end of the day.
pub fn parse_time(raw: &str) -> Option<u16> {
    let (h, m) = raw.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

pub fn format_time(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl WeeklySlot {
    /// A slot from form values; `None` unless 0 ≤ weekday ≤ 6 and start < end.
    pub fn new(weekday: u8, start: u16, end: u16) -> Option<WeeklySlot> {
        (weekday <= 6 && start < end && end <= 1440).then_some(WeeklySlot {
            weekday,
            start,
            end,
        })
    }
}

/// Weekday of a date, 0 = Monday.
pub fn weekday_of(date: NaiveDate) -> u8 {
    date.weekday().num_days_from_monday() as u8
}

/// The next `limit` openings after `now`, looking `days` ahead, skipping
/// closed dates and slots already begun.
pub fn next_openings(
    slots: &[WeeklySlot],
    closed: &[NaiveDate],
    now: NaiveDateTime,
    days: u32,
    limit: usize,
) -> Vec<Opening> {
    let mut sorted = slots.to_vec();
    sorted.sort();
    let mut out = Vec::new();
    let today = now.date();
    let minute_now = (now.time().signed_duration_since(chrono::NaiveTime::MIN)).num_minutes();
    for offset in 0..days {
        let date = today + Duration::days(i64::from(offset));
        if closed.contains(&date) {
            continue;
        }
        for slot in sorted.iter().filter(|s| s.weekday == weekday_of(date)) {
            if offset == 0 && i64::from(slot.start) <= minute_now {
                continue;
            }
            out.push(Opening {
                date,
                start: slot.start,
                end: slot.end,
            });
            if out.len() == limit {
                return out;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn times_parse_strictly() {
        assert_eq!(parse_time("09:30"), Some(570));
        assert_eq!(parse_time("9:05"), Some(545));
        assert_eq!(parse_time("24:00"), Some(1440));
        assert_eq!(parse_time("24:01"), None);
        assert_eq!(parse_time("12:60"), None);
        assert_eq!(parse_time("1230"), None);
        assert_eq!(format_time(570), "09:30");
        assert!(WeeklySlot::new(7, 0, 60).is_none());
        assert!(WeeklySlot::new(1, 600, 600).is_none());
    }

    #[test]
    fn openings_skip_the_past_and_closed_days() {
        // Monday 2026-11-23, 10:00.
        let now = day(2026, 11, 23).and_hms_opt(10, 0, 0).unwrap_or_default();
        let slots = [
            WeeklySlot {
                weekday: 0,
                start: 540,
                end: 720,
            }, // Mon 9–12, begun
            WeeklySlot {
                weekday: 0,
                start: 840,
                end: 960,
            }, // Mon 14–16
            WeeklySlot {
                weekday: 2,
                start: 540,
                end: 600,
            }, // Wed 9–10
        ];
        let closed = [day(2026, 11, 25)];
        let got = next_openings(&slots, &closed, now, 14, 3);
        assert_eq!(
            got,
            vec![
                Opening {
                    date: day(2026, 11, 23),
                    start: 840,
                    end: 960
                },
                Opening {
                    date: day(2026, 11, 30),
                    start: 540,
                    end: 720
                },
                Opening {
                    date: day(2026, 11, 30),
                    start: 840,
                    end: 960
                },
            ]
        );
        assert!(next_openings(&[], &[], now, 14, 3).is_empty());
    }
}
