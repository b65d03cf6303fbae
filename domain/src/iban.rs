//! Bank account numbers (IBAN, ISO 13616) and bank codes (BIC, ISO 9362),
//! and the SEPA credit transfer file (pain.001.001.03) the board hands to
//! the cooperative's bank.

use chrono::{DateTime, NaiveDate, Utc};
use std::fmt;

/// A valid IBAN in its electronic form (no spaces, upper case).
#[derive(Clone, PartialEq, Eq)]
pub struct Iban(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IbanProblem {
    #[error("not an IBAN")]
    Format,
    #[error("wrong length for its country")]
    Length,
    #[error("check digits do not match")]
    Checksum,
}

/// Lengths of the SEPA countries' IBANs (EPC list).
const LENGTHS: [(&str, usize); 36] = [
    ("AD", 24),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
];

impl Iban {
    /// Reads an IBAN as people type it: spaces and lower case allowed.
    pub fn parse(raw: &str) -> Result<Iban, IbanProblem> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let b = s.as_bytes();
        if b.len() < 15
            || b.len() > 34
            || !b[..2].iter().all(u8::is_ascii_uppercase)
            || !b[2..4].iter().all(u8::is_ascii_digit)
            || !b.iter().all(u8::is_ascii_alphanumeric)
        {
            return Err(IbanProblem::Format);
        }
        match LENGTHS.iter().find(|(c, _)| c.as_bytes() == &b[..2]) {
            Some(&(_, len)) if len != b.len() => return Err(IbanProblem::Length),
            None => return Err(IbanProblem::Format),
            _ => {}
        }
        // Move the first four characters to the end, letters become 10..35,
        // and the number must leave 1 when divided by 97.
        if mod97(b[4..].iter().chain(&b[..4])) != 1 {
            return Err(IbanProblem::Checksum);
        }
        Ok(Iban(s))
    }

    /// The IBAN of a national account number (BBAN): the check digits are
    /// computed. `None` when the result is not a valid IBAN.
    pub fn from_bban(country: &str, bban: &str) -> Option<Iban> {
        let tail = format!("{bban}{country}00");
        let check = 98 - mod97(tail.as_bytes().iter());
        Iban::parse(&format!("{country}{check:02}{bban}")).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Groups of four, as printed on statements.
    pub fn pretty(&self) -> String {
        in_fours(&self.0)
    }

    /// The country and the last four characters; the rest hidden.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        format!("{} •••• {}", &self.0[..4], &self.0[n - 4..])
    }
}

/// A structured creditor reference (ISO 11649, `RF` + two check digits +
/// up to 21 letters or digits), which banks carry unchanged in a
/// transfer's remittance information; the check digits catch a mistyped
/// reference as they do in an IBAN.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreditorReference(String);

impl CreditorReference {
    /// The reference for `body` (letters and digits, at most 21).
    pub fn new(body: &str) -> Option<CreditorReference> {
        let body = body.to_ascii_uppercase();
        if body.is_empty() || body.len() > 21 || !body.bytes().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let check = 98 - mod97(body.as_bytes().iter().chain(b"RF00"));
        Some(CreditorReference(format!("RF{check:02}{body}")))
    }

    /// Reads a reference as written on a transfer: any case, spaces
    /// anywhere; the check digits must hold.
    pub fn parse(raw: &str) -> Option<CreditorReference> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let rest = compact.strip_prefix("RF")?;
        if rest.len() < 3 || rest.len() > 23 || !rest.bytes().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let (check, body) = rest.split_at(2);
        if !check.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let moved = format!("{body}RF{check}");
        (mod97(moved.as_bytes().iter()) == 1).then_some(CreditorReference(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Groups of four, as people copy it.
    pub fn pretty(&self) -> String {
        in_fours(&self.0)
    }
}

impl fmt::Debug for CreditorReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `s` in groups of four characters (ASCII), as banks print codes.
fn in_fours(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The remainder by 97 of the number the characters spell (letters are
/// 10..35), computed digit by digit.
fn mod97<'a>(chars: impl Iterator<Item = &'a u8>) -> u32 {
    chars.fold(0, |rem, &c| {
        if c.is_ascii_digit() {
            (rem * 10 + u32::from(c - b'0')) % 97
        } else {
            (rem * 100 + u32::from(c.to_ascii_uppercase() - b'A') + 10) % 97
        }
    })
}

/// Never print a whole IBAN by accident (logs, debug output).
impl fmt::Debug for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iban({})", self.masked())
    }
}

/// A BIC: 8 or 11 characters (bank, country, location, branch).
pub fn valid_bic(raw: &str) -> bool {
    let b = raw.as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

// ---------------------------------------------------------------------------
// SEPA credit transfer (pain.001.001.03)

/// The cooperative's side of a transfer file.
pub struct Debtor<'a> {
    pub name: &'a str,
    pub iban: &'a Iban,
    pub bic: Option<&'a str>,
}

/// One member paid.
pub struct Transfer<'a> {
    /// End-to-end reference (the payout's id), at most 35 characters.
    pub reference: &'a str,
    pub name: &'a str,
    pub iban: &'a Iban,
    /// Euro cents, positive.
    pub amount_minor: i64,
    pub remittance: &'a str,
}

/// Latin characters the SEPA set allows; others are replaced by their
/// unaccented letter or a space, and the text is cut to `max` characters.
fn sepa_text(s: &str, max: usize) -> String {
    use unicode_normalization::UnicodeNormalization;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/-?:().,'+ ".contains(c);
    let out: String = s
        .nfd()
        .filter(|c| c.is_ascii())
        .map(|c| if allowed(c) { c } else { ' ' })
        .collect();
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = out.chars().take(max).collect();
    if cut.is_empty() {
        "-".to_owned()
    } else {
        cut
    }
}

fn amount(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// The XML file for the bank: one payment (the batch) with a transfer per
/// member, executed on `execution`.
pub fn pain001(
    message_id: &str,
    created: DateTime<Utc>,
    execution: NaiveDate,
    debtor: &Debtor<'_>,
    transfers: &[Transfer<'_>],
) -> String {
    use std::fmt::Write;
    let count = transfers.len();
    let sum: i64 = transfers.iter().map(|t| t.amount_minor).sum();
    let id = sepa_text(message_id, 35);
    let name = sepa_text(debtor.name, 70);
    let mut x = String::with_capacity(1024 + 512 * count);
    x.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    x.push('\n');
    x.push_str(r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#);
    // Writing to a String cannot fail.
    let _ = write!(
        x,
        "<CstmrCdtTrfInitn><GrpHdr><MsgId>{id}</MsgId><CreDtTm>{created}</CreDtTm>\
         <NbOfTxs>{count}</NbOfTxs><CtrlSum>{sum}</CtrlSum><InitgPty><Nm>{name}</Nm></InitgPty></GrpHdr>\
         <PmtInf><PmtInfId>{id}</PmtInfId><PmtMtd>TRF</PmtMtd><BtchBookg>true</BtchBookg>\
         <NbOfTxs>{count}</NbOfTxs><CtrlSum>{sum}</CtrlSum>\
         <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf><ReqdExctnDt>{execution}</ReqdExctnDt>\
         <Dbtr><Nm>{name}</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>",
        created = created.format("%Y-%m-%dT%H:%M:%S"),
        sum = amount(sum),
        execution = execution.format("%Y-%m-%d"),
        iban = debtor.iban.as_str(),
    );
    match debtor.bic {
        Some(bic) if valid_bic(bic) => {
            let _ = write!(
                x,
                "<DbtrAgt><FinInstnId><BIC>{bic}</BIC></FinInstnId></DbtrAgt>"
            );
        }
        _ => x.push_str(
            "<DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></DbtrAgt>",
        ),
    }
    x.push_str("<ChrgBr>SLEV</ChrgBr>");
    for t in transfers {
        let _ = write!(
            x,
            "<CdtTrfTxInf><PmtId><EndToEndId>{e2e}</EndToEndId></PmtId>\
             <Amt><InstdAmt Ccy=\"EUR\">{amt}</InstdAmt></Amt>\
             <Cdtr><Nm>{name}</Nm></Cdtr><CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct>\
             <RmtInf><Ustrd>{info}</Ustrd></RmtInf></CdtTrfTxInf>",
            e2e = sepa_text(t.reference, 35),
            amt = amount(t.amount_minor),
            name = sepa_text(t.name, 70),
            iban = t.iban.as_str(),
            info = sepa_text(t.remittance, 140),
        );
    }
    x.push_str("</PmtInf></CstmrCdtTrfInitn></Document>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn creditor_references_check_their_digits() {
        // ISO 11649's own example.
        assert_eq!(
            CreditorReference::new("539007547034").map(|r| r.as_str().to_owned()),
            Some("RF18539007547034".to_owned())
        );
        assert!(CreditorReference::parse("rf18 5390 0754 7034").is_some());
        assert!(CreditorReference::parse("RF18539007547043").is_none());
        assert!(CreditorReference::parse("RF18").is_none());
        let Some(r) = CreditorReference::new("3f4a5b6c7d8e9f01") else {
            panic!("a valid body")
        };
        assert_eq!(r.as_str().len(), 20);
        assert_eq!(CreditorReference::parse(&r.pretty()), Some(r));
    }

    #[test]
    fn real_ibans_pass_and_typos_fail() {
        for ok in [
            "IT60 X054 2811 1010 0000 0123 456",
            "es91 2100 0418 4502 0005 1332",
            "DE89370400440532013000",
            "FR1420041010050500013M02606",
        ] {
            assert!(Iban::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Iban::parse("IT60X0542811101000000123457"),
            Err(IbanProblem::Checksum)
        );
        assert_eq!(
            Iban::parse("IT60X054281110100000012345"),
            Err(IbanProblem::Length)
        );
        assert_eq!(Iban::parse("hello"), Err(IbanProblem::Format));
        assert_eq!(
            Iban::parse("XX60X0542811101000000123456"),
            Err(IbanProblem::Format)
        );
        let Ok(iban) = Iban::parse("it60x0542811101000000123456") else {
            panic!("lower case refused")
        };
        assert_eq!(iban.pretty(), "IT60 X054 2811 1010 0000 0123 456");
        assert_eq!(format!("{iban:?}"), "Iban(IT60 •••• 3456)");
        assert!(valid_bic("BPMOIT22XXX") && valid_bic("DEUTDEFF"));
        assert_eq!(
            Iban::from_bban("IT", "X0542811101000000123456").map(|i| i.pretty()),
            Some("IT60 X054 2811 1010 0000 0123 456".to_owned())
        );
        assert!(!valid_bic("DEUTDEF") && !valid_bic("deutdeff"));
    }

    #[test]
    fn the_file_sums_and_escapes() {
        let (Ok(coop), Ok(member)) = (
            Iban::parse("IT60X0542811101000000123456"),
            Iban::parse("ES9121000418450200051332"),
        ) else {
            panic!("test IBANs refused")
        };
        let x = pain001(
            "batch-1",
            DateTime::<Utc>::UNIX_EPOCH,
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
            &Debtor {
                name: "Mutua Soc. Coop. <Bologna> & Co",
                iban: &coop,
                bic: None,
            },
            &[
                Transfer {
                    reference: "p1",
                    name: "Núria Peña",
                    iban: &member,
                    amount_minor: 4250,
                    remittance: "Mutua novembre",
                },
                Transfer {
                    reference: "p2",
                    name: "Anna",
                    iban: &member,
                    amount_minor: 5,
                    remittance: "Mutua",
                },
            ],
        );
        assert!(x.contains("<CtrlSum>42.55</CtrlSum>"));
        assert!(x.contains("<NbOfTxs>2</NbOfTxs>"));
        assert!(x.contains("<Nm>Nuria Pena</Nm>"));
        assert!(x.contains("<Nm>Mutua Soc. Coop. Bologna Co</Nm>"));
        assert!(x.contains("<InstdAmt Ccy=\"EUR\">0.05</InstdAmt>"));
        assert!(!x.contains('&') && !x.contains("<Bologna>"));
    }

    proptest! {
        /// Any single changed digit is caught by the check digits.
        #[test]
        fn one_changed_digit_is_caught(pos in 4usize..27, d in 0u8..10) {
            let good = "IT60X0542811101000000123456";
            let mut b = good.as_bytes().to_vec();
            prop_assume!(b[pos].is_ascii_digit() && b[pos] != b'0' + d);
            b[pos] = b'0' + d;
            let s = String::from_utf8_lossy(&b).into_owned();
            prop_assert_eq!(Iban::parse(&s), Err(IbanProblem::Checksum));
        }
    }
}
