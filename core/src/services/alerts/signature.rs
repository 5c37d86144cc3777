//! How a receiver knows a webhook's request came from the panel and is fresh:
//! `X-Nobregas-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The
//! timestamp is inside the signed text, so a captured request cannot be replayed later with a new
//! one; receivers compare in constant time and refuse old timestamps (five minutes is usual).
use crate::domain::hex;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "X-Nobregas-Signature";
pub const EVENT_HEADER: &str = "X-Nobregas-Event";
/// The delivery's id: the same on every attempt, so receivers can drop repeats.
pub const DELIVERY_HEADER: &str = "X-Nobregas-Delivery";

/// The header's value for `body` sent at `timestamp`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(&mac(secret, timestamp, body))
    )
}

/// Whether `header` signs `body` with `secret`, made at most `tolerance_secs` from `now`.
pub fn verify(secret: &[u8], header: &str, body: &[u8], now: i64, tolerance_secs: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return false;
    };
    if (now - timestamp).abs() > tolerance_secs {
        return false;
    }
    signatures.into_iter().any(|signature| {
        let Some(bytes) = hex::decode(signature) else {
            return false;
        };
        keyed(secret, timestamp, body).verify_slice(&bytes).is_ok()
    })
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Vec<u8> {
    keyed(secret, timestamp, body)
        .finalize()
        .into_bytes()
        .to_vec()
}

fn keyed(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body() {
        // Computed apart from this code:
        // `printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret`.
        let header = sign(b"secret", 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(
            header,
            "t=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
        );
        assert!(verify(
            b"secret",
            &header,
            br#"{"a":1}"#,
            1_700_000_010,
            300
        ));
    }

    #[test]
    fn another_secret_body_or_an_old_timestamp_does_not_verify() {
        let header = sign(b"secret", 1_700_000_000, b"body");
        assert!(!verify(b"other", &header, b"body", 1_700_000_000, 300));
        assert!(!verify(b"secret", &header, b"body!", 1_700_000_000, 300));
        assert!(!verify(b"secret", &header, b"body", 1_700_000_301, 300));
        assert!(!verify(b"secret", "v1=00", b"body", 1_700_000_000, 300));
        assert!(!verify(
            b"secret",
            "t=1700000000,v1=zz",
            b"body",
            1_700_000_000,
            300
        ));
    }
}
