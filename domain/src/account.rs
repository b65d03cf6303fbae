//! Account input, parsed at the edge: e-mail, display name, password policy.

use crate::validation::FieldProblem;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::OnceLock;

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// A syntactically valid e-mail address, trimmed and lowercased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, FieldProblem> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(FieldProblem::Required);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(FieldProblem::EmailInvalid)?;
        let ok = s.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && !local.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if ok {
            Ok(Email(s))
        } else {
            Err(FieldProblem::EmailInvalid)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: 2–60 characters, no control characters, inner spaces folded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, FieldProblem> {
        let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() {
            return Err(FieldProblem::Required);
        }
        let n = s.chars().count();
        if !(2..=60).contains(&n) || s.chars().any(char::is_control) {
            return Err(FieldProblem::DisplayNameInvalid);
        }
        Ok(DisplayName(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy. Its `Debug` never shows it.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub fn parse(raw: &str) -> Result<NewPassword, FieldProblem> {
        let n = raw.chars().count();
        if n == 0 {
            return Err(FieldProblem::Required);
        }
        if n < PASSWORD_MIN_CHARS {
            return Err(FieldProblem::PasswordTooShort);
        }
        if n > PASSWORD_MAX_CHARS {
            return Err(FieldProblem::PasswordTooLong);
        }
        if is_common_password(raw) {
            return Err(FieldProblem::PasswordCommon);
        }
        Ok(NewPassword(raw.to_owned()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The 20,000 most common passwords (Django's list, BSD licence), those of 8
/// characters or more, compared case-insensitively.
fn is_common_password(candidate: &str) -> bool {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| include_str!("common-passwords.txt").lines().collect());
    list.contains(candidate.trim().to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Anna.Rossi@Example.IT ").map(|e| e.0),
            Ok("anna.rossi@example.it".into())
        );
        for bad in [
            "anna", "anna@", "@x.it", "a b@x.it", "a@x", "a@.it", "a@x..it",
        ] {
            assert_eq!(Email::parse(bad), Err(FieldProblem::EmailInvalid), "{bad}");
        }
        assert_eq!(Email::parse("   "), Err(FieldProblem::Required));
    }

    #[test]
    fn password_policy() {
        assert_eq!(NewPassword::parse("").err(), Some(FieldProblem::Required));
        assert_eq!(
            NewPassword::parse("short7!").err(),
            Some(FieldProblem::PasswordTooShort)
        );
        assert_eq!(
            NewPassword::parse(&"x".repeat(129)).err(),
            Some(FieldProblem::PasswordTooLong)
        );
        assert_eq!(
            NewPassword::parse("password").err(),
            Some(FieldProblem::PasswordCommon)
        );
        assert_eq!(
            NewPassword::parse("Iloveyou1").err(),
            Some(FieldProblem::PasswordCommon)
        );
        assert!(NewPassword::parse("cargo-bike sul Naviglio").is_ok());
        // 8 multi-byte characters are 8 characters.
        assert!(NewPassword::parse("àèìòùàèì").is_ok());
        assert_eq!(
            format!("{:?}", NewPassword::parse("segreto-lungo-42").ok()),
            "Some(NewPassword(***))"
        );
    }

    #[test]
    fn display_name_folds_spaces() {
        assert_eq!(
            DisplayName::parse("  Giulia   Bianchi ").map(|d| d.0),
            Ok("Giulia Bianchi".into())
        );
        assert_eq!(
            DisplayName::parse("G"),
            Err(FieldProblem::DisplayNameInvalid)
        );
    }
}

/// The grammatical form a person chose to be addressed in, for the words
/// that agree with it in Italian and Spanish ("Socia lavoratrice").
/// Neutral until they choose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AddressForm {
    Feminine,
    Masculine,
    #[default]
    Neutral,
}

impl AddressForm {
    pub const ALL: [AddressForm; 3] = [Self::Feminine, Self::Masculine, Self::Neutral];

    pub fn code(self) -> &'static str {
        match self {
            Self::Feminine => "f",
            Self::Masculine => "m",
            Self::Neutral => "n",
        }
    }

    /// Reads a stored or posted code; anything else is neutral.
    pub fn parse(code: &str) -> Self {
        match code {
            "f" => Self::Feminine,
            "m" => Self::Masculine,
            _ => Self::Neutral,
        }
    }
}
