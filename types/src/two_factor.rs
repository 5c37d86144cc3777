//! Profile → "Two-factor authentication": enrol an authenticator app (QR code or typed secret),
//! confirm it with a code, keep the recovery codes; turn it off with the password and a code.
//! Browser sessions only: an API key cannot change how its owner signs in.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    /// RFC 3339, UTC.
    pub enabled_at: Option<String>,
    pub recovery_codes_left: u32,
}

/// A started enrolment: the secret is returned this once, never again.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrolment {
    /// Base32, for typing into the app.
    pub secret: String,
    pub otpauth_url: String,
    /// The QR code of `otpauth_url`, drawn on the server as an `<svg>` element.
    pub qr_svg: String,
}

/// Ten single-use codes, shown once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}
