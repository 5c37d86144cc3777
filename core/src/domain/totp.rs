//! Time-based one-time passwords (RFC 6238) through `totp-rs`, in the profile every authenticator
//! app reads: SHA-1, 6 digits, 30-second steps. Plus the enrolment QR code and recovery codes.
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};

pub const STEP_SECS: u64 = 30;
const DIGITS: usize = 6;
const SECRET_BYTES: usize = 20;
const ISSUER: &str = "Nobregas MySQL Panel";
pub const RECOVERY_CODES: usize = 10;
/// Unambiguous when read aloud or off paper: no 0/o, 1/l/i.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// 160 random bits, the size RFC 4226 recommends for HMAC-SHA-1.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0; SECRET_BYTES];
    getrandom::fill(&mut secret).expect("the OS random source is unavailable");
    secret
}

fn authenticator(secret: &[u8], account: &str) -> TOTP {
    // `new_unchecked`: the secret is ours (always 20 bytes) and the label is only a display name.
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECS,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        account.replace(':', " "),
    )
}

/// The secret as people type it into an app (base32, no padding).
pub fn secret_text(secret: &[u8]) -> String {
    authenticator(secret, "").get_secret_base32()
}

/// `otpauth://totp/…`, what the QR code holds.
pub fn otpauth_url(secret: &[u8], account: &str) -> String {
    authenticator(secret, account).get_url()
}

/// The 30-second step a code belongs to, if it is right for the step of `now` or one either side
/// (clocks drift, people type slowly). The caller refuses steps it has already accepted.
pub fn matching_step(secret: &[u8], code: &str, now_secs: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = authenticator(secret, "");
    let step = now_secs / STEP_SECS;
    // `check` compares in constant time.
    (step.saturating_sub(1)..=step + 1).find(|&candidate| totp.check(&code, candidate * STEP_SECS))
}

/// The QR code of `text` as an inline `<svg>` (no XML prolog, so it can sit inside HTML).
pub fn qr_svg(text: &str) -> String {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("an otpauth URL fits in a QR code");
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    }
}

/// Ten fresh recovery codes, `xxxxx-xxxxx` (~49 bits each; single use and rate-limited).
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES).map(|_| recovery_code()).collect()
}

fn recovery_code() -> String {
    let mut code = String::with_capacity(11);
    let mut buf = [0u8; 32];
    while code.len() < 11 {
        getrandom::fill(&mut buf).expect("the OS random source is unavailable");
        // 248 = 8 × 31: bytes below it map without modulo bias.
        for &byte in buf.iter().filter(|&&b| b < 248) {
            if code.len() == 5 {
                code.push('-');
            }
            if code.len() == 11 {
                break;
            }
            code.push(RECOVERY_ALPHABET[(byte % 31) as usize] as char);
        }
    }
    code
}

/// What the store keeps of a recovery code: typed with or without its dash, in either case.
pub fn recovery_code_hash(code: &str) -> Vec<u8> {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Sha256::digest(normal.as_bytes()).to_vec()
}

/// Whether `code` looks like a recovery code rather than a 6-digit one.
pub fn is_recovery_code(code: &str) -> bool {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 10
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890", 8 digits. The panel's profile
    /// is 6 digits, which are the last 6 of these (RFC 4226 truncation is `mod 10^digits`).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890".to_vec();
        let eight = TOTP::new_unchecked(
            Algorithm::SHA1,
            8,
            0,
            30,
            secret.clone(),
            None,
            String::new(),
        );
        let vectors = [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ];
        for (time, code) in vectors {
            assert_eq!(eight.generate(time), code, "T = {time}");
            assert_eq!(
                matching_step(&secret, &code[2..], time),
                Some(time / 30),
                "T = {time}"
            );
        }
    }

    #[test]
    fn a_code_matches_its_own_step_and_the_neighbours_only() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = authenticator(&secret, "").generate(now);
        assert_eq!(matching_step(&secret, &code, now), Some(now / 30));
        assert_eq!(
            matching_step(&secret, &format!("{} {}", &code[..3], &code[3..]), now),
            Some(now / 30),
            "spaces are ignored"
        );
        assert_eq!(
            matching_step(&secret, &code, now + 30),
            Some(now / 30),
            "one step late is accepted"
        );
        assert_eq!(
            matching_step(&secret, &code, now + 90),
            None,
            "three steps late is not"
        );
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn the_qr_code_and_url_carry_the_secret() {
        let secret = new_secret();
        let url = otpauth_url(&secret, "ada@example.com");
        assert!(
            url.starts_with("otpauth://totp/Nobregas%20MySQL%20Panel:ada%40example.com?secret="),
            "{url}"
        );
        assert!(url.contains(&secret_text(&secret)));
        let svg = qr_svg(&url);
        assert!(
            svg.starts_with("<svg") && svg.ends_with("</svg>"),
            "{}",
            &svg[..40]
        );
    }

    #[test]
    fn recovery_codes_are_distinct_and_typed_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-' && is_recovery_code(c)),
            "{codes:?}"
        );
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 10);
        assert_eq!(
            recovery_code_hash(&codes[0]),
            recovery_code_hash(&codes[0].replace('-', "").to_uppercase())
        );
        assert!(!is_recovery_code("123456"));
    }
}
