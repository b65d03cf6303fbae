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
/// closed dates and slots already over (a begun one may still have start
/// times: `start_times`).
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
            if offset == 0 && i64::from(slot.end) <= minute_now {
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

/// Bookings hold a service's time in units of this many minutes: two
/// bookings overlap exactly when they share a unit, so one unique key per
/// unit keeps them apart under any concurrency.
pub const UNIT: u16 = 15;

/// How long one booking of a service lasts and how far apart its start
/// times are offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub minutes: u16,
    pub step: u16,
}

impl Booking {
    /// A service of a fixed length (an hour when the listing gives none):
    /// start times follow each other back to back.
    pub fn fixed(duration: Option<u16>) -> Booking {
        let minutes = round_to_unit(duration.unwrap_or(60));
        Booking {
            minutes,
            step: minutes,
        }
    }

    /// A service booked by the hour: start times on the hour.
    pub fn hourly(hours: u8) -> Booking {
        Booking {
            minutes: u16::from(hours.max(1)) * 60,
            step: 60,
        }
    }
}

fn round_to_unit(minutes: u16) -> u16 {
    minutes.clamp(UNIT, 24 * 60).div_ceil(UNIT) * UNIT
}

/// The units a booking from `start` lasting `minutes` holds.
pub fn units(start: u16, minutes: u16) -> impl Iterator<Item = u16> {
    let first = start / UNIT * UNIT;
    (first..start.saturating_add(minutes)).step_by(usize::from(UNIT))
}

/// The start times a booking may take in `openings`: on its step from each
/// opening's start, ending within the opening, after `now`, and holding no
/// unit in `held` (taken by other bookings). Each comes back as the
/// booking's own start and end.
pub fn start_times(
    openings: &[Opening],
    held: &std::collections::HashSet<(NaiveDate, u16)>,
    booking: Booking,
    now: NaiveDateTime,
    limit: usize,
) -> Vec<Opening> {
    let minute_now = (now.time().signed_duration_since(chrono::NaiveTime::MIN)).num_minutes();
    let mut out = Vec::new();
    for o in openings {
        let mut start = o.start;
        while start.saturating_add(booking.minutes) <= o.end {
            let future = o.date > now.date() || i64::from(start) > minute_now;
            if future && !units(start, booking.minutes).any(|u| held.contains(&(o.date, u))) {
                out.push(Opening {
                    date: o.date,
                    start,
                    end: start + booking.minutes,
                });
                if out.len() == limit {
                    return out;
                }
            }
            start = start.saturating_add(booking.step.max(UNIT));
        }
    }
    out
}

/// The opening `date` at `start` for `booking`, if `start` is one of its
/// start times (free or not).
pub fn fits(
    openings: &[Opening],
    booking: Booking,
    date: NaiveDate,
    start: u16,
) -> Option<Opening> {
    openings
        .iter()
        .find(|o| {
            o.date == date
                && start >= o.start
                && (start - o.start).is_multiple_of(booking.step.max(UNIT))
                && start.saturating_add(booking.minutes) <= o.end
        })
        .map(|_| Opening {
            date,
            start,
            end: start + booking.minutes,
        })
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
            }, // Mon 9–12, begun but not over
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
        let got = next_openings(&slots, &closed, now, 14, 4);
        assert_eq!(
            got,
            vec![
                Opening {
                    date: day(2026, 11, 23),
                    start: 540,
                    end: 720
                },
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

    #[test]
    fn bookings_take_their_own_time_not_the_window() {
        // Monday 2026-11-23, 10:00; the window 9–12 today and 9–12 tomorrow.
        let now = day(2026, 11, 23).and_hms_opt(10, 0, 0).unwrap_or_default();
        let windows = [
            Opening {
                date: day(2026, 11, 23),
                start: 540,
                end: 720,
            },
            Opening {
                date: day(2026, 11, 24),
                start: 540,
                end: 720,
            },
        ];
        let b = Booking::fixed(Some(45));
        assert_eq!(
            b,
            Booking {
                minutes: 45,
                step: 45
            }
        );
        assert_eq!(Booking::fixed(Some(50)).minutes, 60);
        assert_eq!(Booking::fixed(None).minutes, 60);
        let starts = |held: &std::collections::HashSet<(NaiveDate, u16)>| {
            start_times(&windows, held, b, now, 100)
                .into_iter()
                .map(|o| (o.date.day(), o.start))
                .collect::<Vec<_>>()
        };
        let none = std::collections::HashSet::new();
        // Today only what starts after 10:00; 45-minute steps that end by 12:00.
        assert_eq!(
            starts(&none),
            vec![
                (23, 630),
                (23, 675),
                (24, 540),
                (24, 585),
                (24, 630),
                (24, 675)
            ]
        );
        // A booking 09:45–10:30 tomorrow holds its three units and nothing else.
        let held: std::collections::HashSet<_> =
            units(585, 45).map(|u| (day(2026, 11, 24), u)).collect();
        assert_eq!(held.len(), 3);
        assert_eq!(
            starts(&held),
            vec![(23, 630), (23, 675), (24, 540), (24, 630), (24, 675)]
        );
        // An hourly booking of two hours overlaps it from 09:00, not from 10:30.
        let two = Booking::hourly(2);
        assert!(units(540, two.minutes).any(|u| held.contains(&(day(2026, 11, 24), u))));
        assert!(!units(630, 90).any(|u| held.contains(&(day(2026, 11, 24), u))));
        // Fitting: on the step, inside the window.
        assert!(fits(&windows, b, day(2026, 11, 24), 630).is_some());
        assert!(fits(&windows, b, day(2026, 11, 24), 600).is_none());
        assert!(fits(&windows, two, day(2026, 11, 24), 660).is_none());
        assert_eq!(
            fits(&windows, two, day(2026, 11, 24), 600).map(|o| o.end),
            Some(720)
        );
    }
}
