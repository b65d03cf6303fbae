//! Text as search sees it: lowercase, accents removed, punctuation turned
//! into spaces. Stored beside each listing and applied to every query, so
//! "caffe" finds "Caffè" the same way on SQLite and PostgreSQL.

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
