//! Text as search sees it: lowercase, accents removed, punctuation turned
//! into spaces, and (on the server) each word followed by its Snowball
//! stems in Italian, Spanish and English. Stored beside each listing and
//! applied to every query, so "caffe" finds "Caffè" and "divano" finds
//! "divani" the same way on SQLite and PostgreSQL.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// At most this many words of a query are used.
pub const MAX_TERMS: usize = 8;

pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        let c = match c {
            'ß' => 's',
            'æ' | 'Æ' => 'a',
            'ø' | 'Ø' => 'o',
            'ł' | 'Ł' => 'l',
            c => c,
        };
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The distinct words of a query, normalised; one-letter words are dropped
/// (they would match nearly everything).
pub fn terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in normalize(query).split(' ') {
        if word.chars().count() >= 2 && !terms.iter().any(|t| t == word) {
            terms.push(word.to_owned());
        }
        if terms.len() == MAX_TERMS {
            break;
        }
    }
    terms
}

/// Bumped whenever what [`index_text`] stores changes: the server then
/// indexes every listing again when it starts.
pub const INDEX_VERSION: &str = "2-snowball-it-es-en";

/// Stems shorter than this are not used (they would match too much).
const MIN_STEM: usize = 4;
fn stemmers() -> &'static [rust_stemmers::Stemmer; 3] {
    use rust_stemmers::{Algorithm, Stemmer};
    static STEMMERS: std::sync::OnceLock<[Stemmer; 3]> = std::sync::OnceLock::new();
    STEMMERS.get_or_init(|| {
        [
            Stemmer::create(Algorithm::Italian),
            Stemmer::create(Algorithm::Spanish),
            Stemmer::create(Algorithm::English),
        ]
    })
}

/// A normalised word and its distinct stems in Italian, Spanish and
/// English (the languages listings are written in), the word first.
pub fn forms(word: &str) -> Vec<String> {
    let mut out = vec![word.to_owned()];
    for stemmer in stemmers() {
        let stem = stemmer.stem(word).into_owned();
        if stem.chars().count() >= MIN_STEM && !out.contains(&stem) {
            out.push(stem);
        }
    }
    out
}

/// Normalised text followed by the stems of its words, as stored for
/// search: any stem a query word has is then found by a plain `LIKE`.
pub fn index_text(text: &str) -> String {
    let words = normalize(text);
    let mut stems: Vec<String> = Vec::new();
    for word in words.split(' ') {
        for stem in forms(word).into_iter().skip(1) {
            if !stems.contains(&stem) && !words.split(' ').any(|w| w == stem) {
                stems.push(stem);
            }
        }
    }
    if stems.is_empty() {
        words
    } else {
        format!("{words} {}", stems.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[test]
    fn singular_and_plural_share_a_stem() {
        // What a query word looks for is among what the other word's
        // listing stores.
        let shares = |a: &str, b: &str| {
            let b = forms(b);
            forms(a).iter().any(|s| b.contains(s))
        };
        for (a, b) in [
            ("riparazione", "riparazioni"),
            ("divano", "divani"),
            ("bicicletta", "biciclette"),
            ("ventana", "ventanas"),
            ("limpieza", "limpiezas"),
            ("battery", "batteries"),
            ("repair", "repairs"),
        ] {
            assert!(shares(a, b), "{a} / {b}: {:?} {:?}", forms(a), forms(b));
        }
        let text = index_text("Riparazione di divani");
        assert!(text.starts_with("riparazione di divani "), "{text}");
        assert!(
            text.contains("riparazion") && text.contains("divan"),
            "{text}"
        );
        assert_eq!(index_text("di"), "di");
    }
    proptest! {
        #[test]
        fn indexed_text_keeps_every_word_and_is_like_safe(s in "\\PC{0,40}") {
            let text = index_text(&s);
            prop_assert!(text.starts_with(&normalize(&s)));
            prop_assert!(!text.contains(['%', '_', '\\']));
        }
    }

    #[test]
    fn accents_case_and_punctuation_fold_away() {
        assert_eq!(normalize("Caffè  e Perché?"), "caffe e perche");
        assert_eq!(
            normalize("Riparazione dell'auto — VELOCE!"),
            "riparazione dell auto veloce"
        );
        assert_eq!(normalize("Limpieza ÑANDÚ"), "limpieza nandu");
        assert_eq!(terms("Il caffè, il CAFFE e a"), vec!["il", "caffe"]);
    }

    proptest! {
        #[test]
        fn normalising_twice_changes_nothing(s in "\\PC{0,40}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
            // Only characters a LIKE pattern treats literally remain.
            prop_assert!(!once.contains(['%', '_', '\\']));
        }
    }
}
