//! Stripe's webhook signatures: the `Stripe-Signature` header checked over
//! the raw body before anything is read from it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Signatures older (or newer) than this are refused, as Stripe advises.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no usable Stripe-Signature header")]
    Malformed,
    #[error("timestamp outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// Checks a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) over `payload`:
/// HMAC-SHA256 of `"{t}.{payload}"` with the endpoint's secret; any `v1`
/// may match (Stripe sends several while a secret is rolled); compared in
/// constant time; `t` within `TOLERANCE_SECS` of `now`.
pub fn verify_signature(
    header: &str,
    payload: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            continue;
        };
        match k {
            "t" => timestamp = v.parse::<i64>().ok(),
            "v1" => {
                if let Ok(sig) = hex::decode(v) {
                    signatures.push(sig);
                }
            }
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let mac = |sig: &[u8]| -> bool {
        let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        m.update(t.to_string().as_bytes());
        m.update(b".");
        m.update(payload);
        // `verify_slice` compares in constant time.
        m.verify_slice(sig).is_ok()
    };
    if signatures.iter().any(|s| mac(s)) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, t: i64, payload: &[u8]) -> String {
        let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            panic!("any key length is accepted")
        };
        m.update(format!("{t}.").as_bytes());
        m.update(payload);
        hex::encode(m.finalize().into_bytes())
    }

    #[test]
    fn signatures_are_checked_as_stripe_signs_them() {
        let payload = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
        let t = 1_800_000_000;
        let good = sign("whsec_test", t, payload);
        let ok = |h: &str, now: i64| verify_signature(h, payload, "whsec_test", now);
        assert_eq!(ok(&format!("t={t},v1={good}"), t), Ok(()));
        // Any of several v1 may match; unknown schemes are ignored.
        assert_eq!(
            ok(
                &format!("t={t},v0=abc,v1={},v1={good}", "00".repeat(32)),
                t + 10
            ),
            Ok(())
        );
        assert_eq!(ok(&format!("t={t},v1={good}"), t + 300), Ok(()));
        assert_eq!(
            ok(&format!("t={t},v1={good}"), t + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            ok(&format!("t={t},v1={}", sign("other", t, payload)), t),
            Err(SignatureError::Mismatch)
        );
        // A changed body or timestamp breaks the signature.
        assert_eq!(
            verify_signature(&format!("t={t},v1={good}"), b"{}", "whsec_test", t),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            ok(&format!("t={},v1={good}", t + 1), t),
            Err(SignatureError::Mismatch)
        );
        for bad in ["", "t=abc,v1=00", &format!("v1={good}"), &format!("t={t}")] {
            assert_eq!(ok(bad, t), Err(SignatureError::Malformed), "{bad}");
        }
    }
}
