//! Bank-to-customer statements (ISO 20022 camt.053, versions .001.02 to
//! .001.13): the credited lines of the cooperative's account, each with the
//! bank's own reference, the amount and what the payer wrote as reference.
//! Pure: the bytes in, the lines out; matching them to orders is the
//! server's work.

use crate::iban::CreditorReference;

/// A statement too broken to read at all (a line we cannot use is skipped
/// and counted instead).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CamtError {
    #[error("not XML: {0}")]
    Xml(String),
    #[error("not a camt.053 bank statement")]
    NotCamt053,
}

/// One credit to the account (an entry, or one transaction of an entry that
/// books several together).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credit {
    /// Unique per account and bank: the bank's reference of the entry (and
    /// of the transaction within it); else one derived from the statement.
    pub key: String,
    pub currency: String,
    /// In hundredths of the currency (every SEPA currency has two decimals).
    pub minor: i64,
    pub booked_on: Option<chrono::NaiveDate>,
    /// Structured creditor references and any RF reference found in the
    /// unstructured text, in that order, each with valid check digits.
    pub references: Vec<CreditorReference>,
    /// What the payer wrote, for a person to read (trimmed, 140 at most).
    pub remittance: Option<String>,
    pub debtor: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statement {
    /// The statement's own id (`Stmt/Id`), or its message id.
    pub id: String,
    pub iban: Option<String>,
    pub credits: Vec<Credit>,
    /// Booked debits (payouts and bank charges): not Mutua's to match.
    pub debits: usize,
    /// Entries not booked yet (pending, information only) or reversals.
    pub skipped: usize,
    /// Credits whose amount could not be read.
    pub unreadable: usize,
}

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i: 'a>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn path<'a, 'i>(n: Node<'a, 'i>, names: &[&str]) -> Option<Node<'a, 'i>> {
    names.iter().try_fold(n, |at, name| child(at, name))
}

fn text(n: Option<Node<'_, '_>>) -> Option<String> {
    n.and_then(|n| n.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// `12.50` → 1250; at most two decimals, positive.
fn minor_of(raw: &str) -> Option<i64> {
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let frac = format!("{frac:0<2}");
    let minor = whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(frac.parse::<i64>().ok()?)?;
    (minor > 0).then_some(minor)
}

fn amount(n: Option<Node<'_, '_>>) -> Option<(String, i64)> {
    let n = n?;
    let currency = n.attribute("Ccy")?.trim().to_ascii_uppercase();
    (currency.len() == 3).then_some(())?;
    Some((currency, minor_of(n.text()?.trim())?))
}

fn date(n: Node<'_, '_>) -> Option<chrono::NaiveDate> {
    let raw = text(child(n, "Dt")).or_else(|| text(child(n, "DtTm")))?;
    chrono::NaiveDate::parse_from_str(raw.get(..10)?, "%Y-%m-%d").ok()
}

/// Every RF reference in `text`, however the payer spaced it: at each `RF`,
/// every length whose check digits hold (spaces are gone, so the reference
/// may run into the words after it; the server keeps those it knows).
pub fn references_in(text: &str) -> Vec<CreditorReference> {
    let compact: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    let mut found = Vec::new();
    for i in 0..compact.len().saturating_sub(4) {
        if &compact[i..i + 2] != b"RF" {
            continue;
        }
        for end in i + 5..=(i + 25).min(compact.len()) {
            let Ok(candidate) = std::str::from_utf8(&compact[i..end]) else {
                continue;
            };
            if let Some(r) = CreditorReference::parse(candidate) {
                if !found.contains(&r) {
                    found.push(r);
                }
            }
        }
    }
    found
}

fn status_booked(entry: Node<'_, '_>) -> bool {
    // .001.02 to .001.06 write the code as text, later versions in <Cd>.
    let Some(sts) = child(entry, "Sts") else {
        return false;
    };
    let code = text(child(sts, "Cd")).or_else(|| text(Some(sts)));
    code.as_deref() == Some("BOOK")
}

fn credit_of(
    tx: Option<Node<'_, '_>>,
    entry: Node<'_, '_>,
    key: String,
    entry_amount: Option<(String, i64)>,
    booked_on: Option<chrono::NaiveDate>,
) -> Option<Credit> {
    let tx_amount = tx.and_then(|t| {
        amount(child(t, "Amt")).or_else(|| amount(path(t, &["AmtDtls", "TxAmt", "Amt"])))
    });
    let (currency, minor) = tx_amount.or(entry_amount)?;
    let mut references = Vec::new();
    let mut unstructured = Vec::new();
    let infos = tx
        .into_iter()
        .chain(std::iter::once(entry))
        .filter_map(|n| child(n, "RmtInf"));
    for rmt in infos {
        for strd in children(rmt, "Strd") {
            if let Some(r) =
                text(path(strd, &["CdtrRefInf", "Ref"])).and_then(|r| CreditorReference::parse(&r))
            {
                if !references.contains(&r) {
                    references.push(r);
                }
            }
        }
        unstructured.extend(children(rmt, "Ustrd").filter_map(|u| text(Some(u))));
    }
    let remittance = unstructured.join(" ");
    for r in references_in(&remittance) {
        if !references.contains(&r) {
            references.push(r);
        }
    }
    let debtor = tx.and_then(|t| {
        let parties = child(t, "RltdPties")?;
        text(path(parties, &["Dbtr", "Nm"])).or_else(|| text(path(parties, &["Dbtr", "Pty", "Nm"])))
    });
    Some(Credit {
        key,
        currency,
        minor,
        booked_on,
        references,
        remittance: (!remittance.is_empty()).then(|| remittance.chars().take(140).collect()),
        debtor: debtor.map(|d| d.chars().take(140).collect()),
    })
}

/// Reads a camt.053 document. DTDs (and so entity tricks) are refused by
/// the parser; namespaces are ignored so every version reads alike.
pub fn parse(xml: &str) -> Result<Vec<Statement>, CamtError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| CamtError::Xml(e.to_string()))?;
    let report = child(doc.root_element(), "BkToCstmrStmt")
        .filter(|_| doc.root_element().tag_name().name() == "Document")
        .ok_or(CamtError::NotCamt053)?;
    let message = text(path(report, &["GrpHdr", "MsgId"])).unwrap_or_default();
    let mut statements = Vec::new();
    for (s, stmt) in children(report, "Stmt").enumerate() {
        let id = text(child(stmt, "Id")).unwrap_or_else(|| format!("{message}/{s}"));
        let mut out = Statement {
            iban: text(path(stmt, &["Acct", "Id", "IBAN"])),
            id: id.chars().take(64).collect(),
            ..Statement::default()
        };
        for (e, entry) in children(stmt, "Ntry").enumerate() {
            let credit = text(child(entry, "CdtDbtInd")).as_deref() == Some("CRDT");
            let reversal = text(child(entry, "RvslInd")).as_deref() == Some("true");
            if !status_booked(entry) || reversal {
                out.skipped += 1;
                continue;
            }
            if !credit {
                out.debits += 1;
                continue;
            }
            let entry_key = text(child(entry, "AcctSvcrRef"))
                .or_else(|| text(child(entry, "NtryRef")))
                .unwrap_or_else(|| format!("{id}/{e}"));
            let entry_amount = amount(child(entry, "Amt"));
            let booked_on = child(entry, "BookgDt").and_then(date);
            let txs: Vec<_> = child(entry, "NtryDtls")
                .into_iter()
                .flat_map(|d| children(d, "TxDtls"))
                .collect();
            if txs.len() <= 1 {
                match credit_of(
                    txs.first().copied(),
                    entry,
                    entry_key,
                    entry_amount,
                    booked_on,
                ) {
                    Some(c) => out.credits.push(c),
                    None => out.unreadable += 1,
                }
                continue;
            }
            // A batch booking: each transaction is its own credit, and
            // needs its own amount.
            for (t, tx) in txs.into_iter().enumerate() {
                let key = text(path(tx, &["Refs", "AcctSvcrRef"]))
                    .map(|r| format!("{entry_key}/{r}"))
                    .unwrap_or_else(|| format!("{entry_key}/{t}"));
                match credit_of(Some(tx), entry, key, None, booked_on) {
                    Some(c) => out.credits.push(c),
                    None => out.unreadable += 1,
                }
            }
        }
        statements.push(out);
    }
    if statements.is_empty() {
        return Err(CamtError::NotCamt053);
    }
    Ok(statements)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> CreditorReference {
        crate::order_number::OrderNumber::new(2026, 42)
            .map(|n| n.creditor_reference())
            .unwrap_or_else(|| panic!("2026-42"))
    }

    const V2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-12-01T18:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>STMT-2026-12-01</Id>
   <Acct><Id><IBAN>IT60X0542811101000000123456</IBAN></Id></Acct>
   <Ntry>
    <Amt Ccy="EUR">42.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-12-01</Dt></BookgDt><AcctSvcrRef>BANK-1</AcctSvcrRef>
    <NtryDtls><TxDtls>
     <RltdPties><Dbtr><Nm>Giulia Rossi</Nm></Dbtr></RltdPties>
     <RmtInf><Strd><CdtrRefInf><Ref>REF</Ref></CdtrRefInf></Strd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">10</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <AcctSvcrRef>BANK-2</AcctSvcrRef>
    <NtryDtls><TxDtls><RmtInf><Ustrd>ordine SPACED grazie</Ustrd></RmtInf></TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">99.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">12,00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>"#;

    #[test]
    fn reads_credits_with_their_references() {
        let r = reference();
        let xml = V2
            .replace("REF", r.as_str())
            .replace("SPACED", &r.pretty().to_lowercase());
        let Ok(s) = parse(&xml) else {
            panic!("statement refused")
        };
        assert_eq!(s.len(), 1);
        let s = &s[0];
        assert_eq!(s.id, "STMT-2026-12-01");
        assert_eq!(s.iban.as_deref(), Some("IT60X0542811101000000123456"));
        assert_eq!((s.debits, s.skipped, s.unreadable), (1, 1, 1));
        assert_eq!(s.credits.len(), 2);
        let a = &s.credits[0];
        assert_eq!(
            (a.key.as_str(), a.currency.as_str(), a.minor),
            ("BANK-1", "EUR", 4250)
        );
        assert_eq!(a.references, vec![r.clone()]);
        assert_eq!(a.debtor.as_deref(), Some("Giulia Rossi"));
        assert_eq!(a.booked_on, chrono::NaiveDate::from_ymd_opt(2026, 12, 1));
        let b = &s.credits[1];
        assert_eq!((b.key.as_str(), b.minor), ("BANK-2", 1000));
        assert!(b.references.contains(&r));
    }

    #[test]
    fn later_versions_and_batch_bookings() {
        let r = reference();
        let xml = format!(
            r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
            <GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S</Id>
            <Ntry><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
             <BookgDt><DtTm>2026-12-01T09:00:00+01:00</DtTm></BookgDt><AcctSvcrRef>B</AcctSvcrRef>
             <NtryDtls>
              <TxDtls><Refs><AcctSvcrRef>T1</AcctSvcrRef></Refs><Amt Ccy="EUR">20.00</Amt>
               <RltdPties><Dbtr><Pty><Nm>Ana</Nm></Pty></Dbtr></RltdPties>
               <RmtInf><Strd><CdtrRefInf><Ref>{r}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
              <TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls></TxDtls>
             </NtryDtls></Ntry>
            </Stmt></BkToCstmrStmt></Document>"#,
            r = r.as_str()
        );
        let Ok(mut s) = parse(&xml) else {
            panic!("statement refused")
        };
        let s = s.remove(0);
        assert_eq!(s.credits.len(), 2);
        assert_eq!(
            (s.credits[0].key.as_str(), s.credits[0].minor),
            ("B/T1", 2000)
        );
        assert_eq!(s.credits[0].debtor.as_deref(), Some("Ana"));
        assert_eq!(s.credits[0].references, vec![r]);
        assert_eq!(
            (s.credits[1].key.as_str(), s.credits[1].minor),
            ("B/1", 1000)
        );
        assert!(s.credits[1].references.is_empty());
        assert_eq!(
            s.credits[0].booked_on,
            chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
        );
    }

    #[test]
    fn refuses_what_is_not_a_statement() {
        assert!(matches!(parse("not xml"), Err(CamtError::Xml(_))));
        assert_eq!(
            parse("<Document><Other/></Document>"),
            Err(CamtError::NotCamt053)
        );
        let dtd =
            r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Document>&a;</Document>"#;
        assert!(matches!(parse(dtd), Err(CamtError::Xml(_))));
    }

    #[test]
    fn references_in_free_text() {
        let r = reference();
        assert_eq!(
            references_in(&format!("pagamento {} grazie", r.pretty())),
            vec![r.clone()]
        );
        assert!(references_in(&format!("{}X", r.as_str())).contains(&r));
        assert!(references_in("RF nothing here, RF1").is_empty());
    }

    #[test]
    fn amounts_are_strict() {
        assert_eq!(minor_of("1"), Some(100));
        assert_eq!(minor_of("1.5"), Some(150));
        assert_eq!(minor_of("0.01"), Some(1));
        assert_eq!(minor_of("0.00"), None);
        assert_eq!(minor_of("1.234"), None);
        assert_eq!(minor_of("-3.00"), None);
        assert_eq!(minor_of("1e3"), None);
        assert_eq!(minor_of("99999999999999999999"), None);
    }
}
