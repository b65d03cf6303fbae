//! How numbers, times and fee terms read on a page, in the reader's
//! language: percentages, a moment, one kind's fee terms.

use crate::i18n::{format_date, Locale};
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::fee::FeeTerms;
use domain::money::Money;

/// A date and a time of day: `7 dicembre 2026 09:00`.
pub fn date_time(locale: Locale, at: NaiveDateTime) -> String {
    format!("{} {}", format_date(locale, at.date()), at.format("%H:%M"))
}

/// An instant as the date and time it was.
pub fn moment(locale: Locale, at: DateTime<Utc>) -> String {
    date_time(locale, at.naive_utc())
}

/// `8`, `6,5` (`6.5` in English): basis points as a percentage number.
pub fn percent_number(locale: Locale, bps: u32) -> String {
    let (whole, frac) = (bps / 100, bps % 100);
    let sep = if locale == Locale::En { '.' } else { ',' };
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}{sep}{}", f / 10),
        f => format!("{whole}{sep}{f:02}"),
    }
}

/// `8 %`, `6,5 %` in Italian and Spanish, `8%` in English: never with a
/// currency sign.
pub fn percent(locale: Locale, bps: u32) -> String {
    let n = percent_number(locale, bps);
    match locale {
        Locale::En => format!("{n}%"),
        Locale::It | Locale::Es => format!("{n} %"),
    }
}

/// One kind's fee terms in words: `8 % + 0,20 €, min 0,50 €, max 5,00 €`.
pub fn terms_text(locale: Locale, terms: &FeeTerms) -> String {
    let eur = |m: i64| Money::eur(m).format(locale);
    let mut s = percent(locale, terms.percent_bps);
    if terms.fixed_minor != 0 {
        s.push_str(&format!(" + {}", eur(terms.fixed_minor)));
    }
    if terms.min_minor != 0 {
        s.push_str(&format!(", min {}", eur(terms.min_minor)));
    }
    if let Some(max) = terms.max_minor {
        s.push_str(&format!(", max {}", eur(max)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_carry_no_currency_sign() {
        let terms = FeeTerms {
            percent_bps: 800,
            fixed_minor: 0,
            min_minor: 50,
            max_minor: None,
        };
        assert_eq!(terms_text(Locale::It, &terms), "8 %, min 0,50\u{a0}€");
        assert_eq!(terms_text(Locale::En, &terms), "8%, min €0.50");
        assert_eq!(terms_text(Locale::Es, &terms), "8 %, min 0,50\u{a0}€");
        assert_eq!(percent(Locale::It, 650), "6,5 %");
        assert_eq!(percent(Locale::En, 1234), "12.34%");
        assert_eq!(percent_number(Locale::Es, 5), "0,05");
    }
}
