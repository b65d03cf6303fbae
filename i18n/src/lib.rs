//! Every string a person reads, in Italian (default), English and Spanish.
//!
//! One `Strings` table per locale, generated from `locales/{it,en,es}.toml`
//! by `build.rs`: a key missing in one language stops the build.
//! The locale is chosen on the server (cookie, then `Accept-Language`) and
//! written into `<html lang>`, which the browser bundle reads back on hydration.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    It,
    En,
    Es,
}

/// Name of the cookie that remembers the chosen language.
pub const LOCALE_COOKIE: &str = "mutua_lang";

/// The `Set-Cookie` value that remembers `locale` for a year.
pub fn locale_cookie(locale: Locale) -> String {
    format!(
        "{LOCALE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        locale.code()
    )
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::It, Locale::En, Locale::Es];

    pub fn code(self) -> &'static str {
        match self {
            Locale::It => "it",
            Locale::En => "en",
            Locale::Es => "es",
        }
    }

    /// The language's own name, as shown in the switcher.
    pub fn endonym(self) -> &'static str {
        match self {
            Locale::It => "Italiano",
            Locale::En => "English",
            Locale::Es => "Español",
        }
    }

    /// Parses a language tag such as `es`, `en-GB` or `IT`.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "it" => Some(Locale::It),
            "en" => Some(Locale::En),
            "es" => Some(Locale::Es),
            _ => None,
        }
    }

    /// Picks the best supported language from an `Accept-Language` header,
    /// honouring `q` weights (ties keep header order).
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(u16, Locale)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Locale::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            // q has at most three decimals (RFC 9110): compare as integers.
            let q = (q.clamp(0.0, 1.0) * 1000.0).round() as u16;
            if q > 0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l)
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Locale::It => &IT,
            Locale::En => &EN,
            Locale::Es => &ES,
        }
    }

    /// The e-mails' texts (server only: the browser bundle never names
    /// them, so it does not carry them).
    pub fn mail(self) -> &'static MailStrings {
        match self {
            Locale::It => &MAIL_IT,
            Locale::En => &MAIL_EN,
            Locale::Es => &MAIL_ES,
        }
    }
}

// `Strings` (every page's text), `MailStrings` (the e-mails) and their
// tables `IT`, `EN`, `ES`, `MAIL_IT`, …, generated from `locales/*.toml`.
include!(concat!(env!("OUT_DIR"), "/strings.rs"));

/// A text that depends on a count: `one` for 1, `other` for the rest (the
/// rule of Italian, English and Spanish alike); `{n}` stands for the count.
#[derive(Clone, Copy, Debug)]
pub struct Plural {
    pub one: &'static str,
    pub other: &'static str,
}

impl Plural {
    /// The form for `n`, with `{n}` replaced by it.
    pub fn count(&self, n: impl Into<u64>) -> String {
        let n: u64 = n.into();
        let form = if n == 1 { self.one } else { self.other };
        form.replace("{n}", &n.to_string())
    }
}

/// A text with its `{name}` placeholders filled in: `fill("Ciao {who}",
/// &[("who", "Anna")])` is `Ciao Anna`. A placeholder not given stays as
/// written.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            let v = values.iter().find(|(k, _)| *k == name)?.1;
            Some((v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The language of this request: the `mutua_lang` cookie, then
/// `Accept-Language`, then Italian.
pub fn locale_from_headers<'a>(
    cookie_headers: impl Iterator<Item = &'a str>,
    accept_language: Option<&str>,
) -> Locale {
    cookie_headers
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == LOCALE_COOKIE)
        .and_then(|(_, v)| Locale::parse(v))
        .or_else(|| accept_language.and_then(Locale::from_accept_language))
        .unwrap_or_default()
}

/// A calendar date as people write it in `locale`: `23 novembre 2026`,
/// `23 November 2026`, `23 de noviembre de 2026`.
pub fn format_date(locale: Locale, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let t = locale.strings();
    t.date_format
        .replace("{d}", &date.day().to_string())
        .replace("{month}", t.months[date.month0() as usize % 12])
        .replace("{y}", &date.year().to_string())
}

/// A month as people say it: `gennaio 2026`, `January 2026`, `enero de
/// 2026`; `month` is `YYYY-MM` (returned as given when it is not).
pub fn format_month(locale: Locale, month: &str) -> String {
    let parsed = month.split_once('-').and_then(|(y, m)| {
        let m: usize = m.parse().ok()?;
        (1..=12).contains(&m).then_some((y, m - 1))
    });
    let Some((y, m)) = parsed else {
        return month.to_owned();
    };
    let t = locale.strings();
    t.month_format
        .replace("{month}", t.months[m])
        .replace("{y}", y)
}

/// A month's short name for a chart's axis: `gen`, `Jan`, `ene`.
pub fn month_abbr(locale: Locale, month0: usize) -> String {
    locale.strings().months[month0 % 12]
        .chars()
        .take(3)
        .collect()
}

#[cfg(test)]
mod locales;

#[cfg(test)]
mod tests {
    use super::*;

    fn read(code: &str) -> toml::Table {
        let path = format!("{}/locales/{code}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        text.parse().unwrap_or_default()
    }

    /// A language file's pages' keys (without the `[mail]` table).
    fn file(code: &str) -> toml::Table {
        locales::pages(&read(code))
    }

    fn mail(code: &str) -> toml::Table {
        locales::mail(&read(code))
    }

    #[test]
    fn every_language_has_every_key() {
        let it = file("it");
        assert!(it.len() > 700, "it.toml read");
        let others = [("en", file("en")), ("es", file("es"))];
        let (_, problems) = locales::check(&it, &others);
        assert_eq!(problems, Vec::<String>::new());
        let it = mail("it");
        assert!(it.len() > 30, "[mail] read");
        let (_, problems) = locales::check(&it, &[("en", mail("en")), ("es", mail("es"))]);
        assert_eq!(problems, Vec::<String>::new());
    }

    #[test]
    fn a_missing_or_stray_key_is_named() {
        let it = file("it");
        let mut es = file("es");
        es.remove("nav_search");
        es.insert("nav_serch".into(), toml::Value::String("Buscar".into()));
        es.insert("gov_days".into(), toml::Value::String("días".into()));
        let (_, problems) = locales::check(&it, &[("es", es)]);
        assert_eq!(
            problems,
            vec![
                "es.toml: `nav_search` is missing".to_owned(),
                "es.toml: `gov_days` is of another kind than in it.toml".to_owned(),
                "es.toml: `nav_serch` is not in it.toml".to_owned(),
            ]
        );
    }

    #[test]
    fn plurals_follow_the_count() {
        for (locale, one, many) in [
            (Locale::It, "1 risultato", "0 risultati"),
            (Locale::En, "1 result", "0 results"),
            (Locale::Es, "1 resultado", "0 resultados"),
        ] {
            let t = locale.strings();
            assert_eq!(t.search_results.count(1u64), one);
            assert_eq!(t.search_results.count(0u64), many);
        }
        assert_eq!(IT.gov_days.count(90u32), "90 giorni");
    }

    #[test]
    fn fill_puts_values_once() {
        assert_eq!(fill("Ciao {who}!", &[("who", "Anna")]), "Ciao Anna!");
        // A value is not read again: a title holding `{pay}` stays as typed.
        assert_eq!(
            fill("«{title}» {pay}", &[("title", "{pay}"), ("pay", "10 €")]),
            "«{pay}» 10 €"
        );
        assert_eq!(fill("{unknown} {", &[]), "{unknown} {");
        let m = Locale::Es.mail();
        assert!(fill(m.pay_cash, &[("amount", "5 €"), ("collector", "Ana")]).contains("Ana"));
    }

    #[test]
    fn accept_language_honours_weights_and_falls_back() {
        assert_eq!(
            Locale::from_accept_language("es-ES,es;q=0.9,en;q=0.8"),
            Some(Locale::Es)
        );
        assert_eq!(
            Locale::from_accept_language("fr-FR, en;q=0.5, it;q=0.7"),
            Some(Locale::It)
        );
        assert_eq!(Locale::from_accept_language("de, fr"), None);
        assert_eq!(
            Locale::from_accept_language("en;q=0, es;q=0.1"),
            Some(Locale::Es)
        );
        assert_eq!(Locale::from_accept_language(""), None);
    }

    #[test]
    fn parse_accepts_region_tags() {
        assert_eq!(Locale::parse("EN-gb"), Some(Locale::En));
        assert_eq!(Locale::parse("it_IT"), Some(Locale::It));
        assert_eq!(Locale::parse("pt"), None);
    }
}

#[cfg(test)]
mod request_tests {
    use super::*;

    #[test]
    fn cookie_wins_over_accept_language() {
        let cookies = ["theme=dark; mutua_lang=es", "other=1"];
        assert_eq!(
            locale_from_headers(cookies.into_iter(), Some("en")),
            Locale::Es
        );
        assert_eq!(
            locale_from_headers(["mutua_lang=xx"].into_iter(), Some("en-US")),
            Locale::En
        );
        assert_eq!(locale_from_headers(std::iter::empty(), None), Locale::It);
    }

    #[test]
    fn dates_per_locale() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default();
        assert_eq!(format_date(Locale::It, d), "3 novembre 2026");
        assert_eq!(format_date(Locale::En, d), "3 November 2026");
        assert_eq!(format_date(Locale::Es, d), "3 de noviembre de 2026");
        assert_eq!(format_month(Locale::It, "2026-01"), "gennaio 2026");
        assert_eq!(format_month(Locale::En, "2026-12"), "December 2026");
        assert_eq!(format_month(Locale::Es, "2026-05"), "mayo de 2026");
        assert_eq!(format_month(Locale::It, "2026-13"), "2026-13");
        assert_eq!(month_abbr(Locale::It, 0), "gen");
        assert_eq!(month_abbr(Locale::En, 11), "Dec");
    }
}
