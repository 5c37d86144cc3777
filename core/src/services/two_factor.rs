//! Two-factor sign-in (TOTP): enrolment, the second sign-in step, recovery codes, and the "fresh
//! sign-in" rule for the account's most sensitive changes. Managed from a browser session only: an
//! API key can neither turn it on (locking its owner out) nor off.
use crate::domain::caller::{Actor, Caller};
use crate::domain::seal::Sealer;
use crate::domain::sealed_columns;
use crate::domain::{secret::random_base62, time, totp};
use crate::limits::login::{Attempt, LoginLimiter};
use crate::services::{accounts, audit};
use crate::store::{self, Store};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use types::activity::Action;
use types::error::AppError;
use types::two_factor::{Enrolment, RecoveryCodes, TwoFactorStatus};

/// How long a sign-in may wait between its password and its code.
pub const PENDING_SECS: i64 = 300;
/// With two-factor on, regenerating the API key and turning two-factor off need a session signed
/// in (password and code) at most this long ago.
pub const FRESH_SIGN_IN_SECS: i64 = 600;
/// Wrong codes after which a held sign-in is void (the password must be given again).
pub const WRONG_CODES_PER_SIGN_IN: i64 = 5;
/// Wrong sign-in codes for one account within `LOCK_WINDOW_SECS` that lock its two-factor
/// sign-in for `LOCK_SECS`. Each further wrong code within the window locks it again.
pub const WRONG_CODES_BEFORE_LOCK: i64 = 20;
pub const LOCK_WINDOW_SECS: i64 = 24 * 3600;
pub const LOCK_SECS: i64 = 15 * 60;

fn unix_now() -> u64 {
    time::now().max(0) as u64
}

pub async fn is_on(store: &Store, account_id: i64) -> Result<bool, AppError> {
    let on: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM two_factor WHERE account_id = ? AND enabled_at IS NOT NULL",
    )
    .bind(account_id)
    .fetch_optional(store)
    .await?;
    Ok(on.is_some())
}

pub async fn status(store: &Store, account_id: i64) -> Result<TwoFactorStatus, AppError> {
    let enabled_at: Option<i64> = sqlx::query_scalar(
        "SELECT enabled_at FROM two_factor WHERE account_id = ? AND enabled_at IS NOT NULL",
    )
    .bind(account_id)
    .fetch_optional(store)
    .await?;
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE account_id = ? AND used_at IS NULL",
    )
    .bind(account_id)
    .fetch_one(store)
    .await?;
    Ok(TwoFactorStatus {
        enabled: enabled_at.is_some(),
        enabled_at: enabled_at.map(time::rfc3339),
        recovery_codes_left: if enabled_at.is_some() { left as u32 } else { 0 },
    })
}

fn session_only(caller: &Caller) -> Result<i64, AppError> {
    caller.session.ok_or_else(|| {
        AppError::forbidden(
            "Two-factor sign-in is managed from a signed-in browser session, not with an API key.",
        )
    })
}

/// Starts (or restarts) an enrolment: a new secret, returned this once with its QR code. Sign-in
/// does not ask for codes until `confirm` has seen one.
pub async fn begin(
    store: &Store,
    sealer: &Sealer,
    caller: &Caller,
    account_label: &str,
) -> Result<Enrolment, AppError> {
    session_only(caller)?;
    if is_on(store, caller.account_id).await? {
        return Err(AppError::conflict(
            "Two-factor sign-in is already on. Turn it off first to enrol a new authenticator.",
        ));
    }
    let secret = totp::new_secret();
    sqlx::query(store::dialect(
        store,
        "INSERT INTO two_factor (account_id, secret, enabled_at, last_step) VALUES (?, ?, NULL, 0)
         ON CONFLICT(account_id) DO UPDATE SET secret = excluded.secret, enabled_at = NULL, last_step = 0",
        "INSERT INTO two_factor (account_id, secret, enabled_at, last_step) VALUES (?, ?, NULL, 0)
         ON DUPLICATE KEY UPDATE secret = VALUES(secret), enabled_at = NULL, last_step = 0",
    ))
    .bind(caller.account_id)
    .bind(sealer.seal(&sealed_columns::totp_secret(caller.account_id), &secret).into_bytes())
    .execute(store)
    .await?;
    let otpauth_url = totp::otpauth_url(&secret, account_label);
    Ok(Enrolment {
        secret: totp::secret_text(&secret),
        qr_svg: totp::qr_svg(&otpauth_url),
        otpauth_url,
    })
}

/// Turns two-factor on once the authenticator's first code is right, and issues the recovery codes
/// (returned this once; the store keeps their hashes).
pub async fn confirm(
    store: &Store,
    sealer: &Sealer,
    limiter: &LoginLimiter,
    caller: &Caller,
    code: &str,
) -> Result<RecoveryCodes, AppError> {
    session_only(caller)?;
    let pending = secret(store, sealer, caller.account_id, "enabled_at IS NULL").await?;
    let Some(secret) = pending else {
        return Err(AppError::conflict(
            "There is no enrolment to confirm: start one first (or two-factor is already on).",
        ));
    };
    let (attempt, account_key) = reserve(limiter, caller.account_id, caller.ip)?;
    let Some(step) = totp::matching_step(&secret, code, unix_now()) else {
        return Err(wrong_code());
    };
    limiter.succeeded(attempt, &account_key);
    let codes = totp::new_recovery_codes();
    let mut tx = store.begin().await?;
    sqlx::query("UPDATE two_factor SET enabled_at = ?, last_step = ? WHERE account_id = ?")
        .bind(time::now())
        .bind(step as i64)
        .bind(caller.account_id)
        .execute(&mut *tx)
        .await?;
    replace_recovery_codes(&mut tx, caller.account_id, &codes).await?;
    tx.commit().await?;
    audit::record(store, audit::Entry::by(caller, Action::TwoFactorEnabled)).await;
    Ok(RecoveryCodes { codes })
}

async fn replace_recovery_codes(
    tx: &mut sqlx::AnyConnection,
    account_id: i64,
    codes: &[String],
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = ?")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    for code in codes {
        sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES (?, ?)")
            .bind(account_id)
            .bind(totp::recovery_code_hash(code))
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Turns two-factor off: a browser session signed in within the last 10 minutes, the password and
/// a current code (or a recovery code).
pub async fn disable(
    store: &Store,
    sealer: &Sealer,
    limiter: &LoginLimiter,
    caller: &Caller,
    password: &str,
    code: &str,
) -> Result<(), AppError> {
    session_only(caller)?;
    if !is_on(store, caller.account_id).await? {
        return Err(AppError::conflict("Two-factor sign-in is already off."));
    }
    require_recent_session(store, caller, "turn two-factor sign-in off").await?;
    let (attempt, account_key) = reserve(limiter, caller.account_id, caller.ip)?;
    if !accounts::password_is(store, &limiter.argon2, caller.account_id, password).await? {
        return Err(AppError::forbidden("The password is not right."));
    }
    if !accept_code(store, sealer, caller.account_id, code).await? {
        return Err(wrong_code());
    }
    limiter.succeeded(attempt, &account_key);
    remove(store, caller.account_id).await?;
    audit::record(store, audit::Entry::by(caller, Action::TwoFactorDisabled)).await;
    Ok(())
}

/// The operator's escape hatch (`account reset-2fa`): two-factor off, recovery codes gone.
pub async fn reset(store: &Store, account_id: i64) -> Result<bool, AppError> {
    let was_on = is_on(store, account_id).await?;
    remove(store, account_id).await?;
    if was_on {
        let entry = audit::Entry {
            account_id: Some(account_id),
            actor: &Actor::Cli,
            ip: None,
            action: Action::TwoFactorDisabled,
            details: vec![],
        };
        audit::record(store, entry).await;
    }
    Ok(was_on)
}

async fn remove(store: &Store, account_id: i64) -> Result<(), AppError> {
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM two_factor WHERE account_id = ?")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = ?")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM pending_sign_ins WHERE account_id = ?")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// With two-factor on, `what` needs a browser session signed in within the last 10 minutes: a
/// stolen session cookie alone cannot mint an API key or strip the second factor.
pub async fn require_fresh_sign_in(
    store: &Store,
    caller: &Caller,
    what: &str,
) -> Result<(), AppError> {
    if is_on(store, caller.account_id).await? {
        require_recent_session(store, caller, what).await
    } else {
        Ok(())
    }
}

/// The caller's browser session signed in at most `FRESH_SIGN_IN_SECS` ago, or 403 naming `what`.
async fn require_recent_session(
    store: &Store,
    caller: &Caller,
    what: &str,
) -> Result<(), AppError> {
    let signed_in_at: Option<i64> = match caller.session {
        Some(session) => {
            sqlx::query_scalar("SELECT created_at FROM sessions WHERE id = ?")
                .bind(session)
                .fetch_optional(store)
                .await?
        }
        None => None,
    };
    match signed_in_at {
        Some(at) if time::now() - at <= FRESH_SIGN_IN_SECS => Ok(()),
        _ => Err(AppError::forbidden(format!(
            "To {what}, sign out and sign in again (with your code) first: two-factor accounts need a sign-in from the last 10 minutes for this."
        ))),
    }
}

/// Codes (and the password of `disable`) are counted like sign-in passwords: per account and per IP.
fn reserve(
    limiter: &LoginLimiter,
    account_id: i64,
    ip: Option<IpAddr>,
) -> Result<(Attempt, String), AppError> {
    let account_key = format!("code:{account_id}");
    let keys = [
        account_key.clone(),
        format!("ip:{}", ip.map(|ip| ip.to_string()).unwrap_or_default()),
    ];
    Ok((limiter.reserve(&keys)?, account_key))
}

fn wrong_code() -> AppError {
    AppError::forbidden(
        "That code is not right, or it was used already. Enter the current code from your app, or a recovery code.",
    )
}

/// A current TOTP code not accepted before (its step must be newer than the last accepted one), or
/// an unused recovery code; either is used up by being accepted, atomically.
async fn accept_code(
    store: &Store,
    sealer: &Sealer,
    account_id: i64,
    code: &str,
) -> Result<bool, AppError> {
    if totp::is_recovery_code(code) {
        let used = sqlx::query("UPDATE recovery_codes SET used_at = ? WHERE account_id = ? AND code_hash = ? AND used_at IS NULL")
            .bind(time::now())
            .bind(account_id)
            .bind(totp::recovery_code_hash(code))
            .execute(store)
            .await?;
        return Ok(used.rows_affected() == 1);
    }
    let secret = secret(store, sealer, account_id, "enabled_at IS NOT NULL").await?;
    let Some(step) = secret.and_then(|secret| totp::matching_step(&secret, code, unix_now()))
    else {
        return Ok(false);
    };
    let taken =
        sqlx::query("UPDATE two_factor SET last_step = ? WHERE account_id = ? AND last_step < ?")
            .bind(step as i64)
            .bind(account_id)
            .bind(step as i64)
            .execute(store)
            .await?;
    Ok(taken.rows_affected() == 1)
}

/// The account's TOTP secret (enrolling or enabled, as `state` says), opened from its sealed form.
async fn secret(
    store: &Store,
    sealer: &Sealer,
    account_id: i64,
    state: &'static str,
) -> Result<Option<Vec<u8>>, AppError> {
    let sealed: Option<Vec<u8>> = sqlx::query_scalar(&format!(
        "SELECT secret FROM two_factor WHERE account_id = ? AND {state}"
    ))
    .bind(account_id)
    .fetch_optional(store)
    .await?;
    sealed
        .map(|sealed| {
            let text = String::from_utf8(sealed).unwrap_or_default();
            sealer
                .open(&sealed_columns::totp_secret(account_id), &text)
                .map_err(|err| sealed_columns::unopenable("a TOTP secret", err))
        })
        .transpose()
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The password was right and two-factor is on: the sign-in waits for its code. Returns the token
/// the browser keeps (in a 5-minute HttpOnly cookie) meanwhile.
pub async fn hold_sign_in(store: &Store, account_id: i64) -> Result<String, AppError> {
    let token = random_base62(43);
    let now = time::now();
    sqlx::query("DELETE FROM pending_sign_ins WHERE expires_at < ?")
        .bind(now)
        .execute(store)
        .await?;
    sqlx::query(
        "INSERT INTO pending_sign_ins (token_hash, account_id, expires_at) VALUES (?, ?, ?)",
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(now + PENDING_SECS)
    .execute(store)
    .await?;
    Ok(token)
}

/// The second step of a two-factor sign-in: the held sign-in's account when `code` is right.
/// Wrong codes are limited like passwords (per minute), void the held sign-in after 5, and lock
/// the account's two-factor sign-in for 15 minutes after 20 in a day; every outcome is in the
/// account's audit log.
pub async fn complete_sign_in(
    store: &Store,
    sealer: &Sealer,
    limiter: &LoginLimiter,
    token: Option<&str>,
    code: &str,
    ip: Option<IpAddr>,
) -> Result<i64, AppError> {
    let expired = || {
        AppError::unauthorized("The sign-in expired (5 minutes). Sign in with your password again.")
    };
    let token = token.ok_or_else(expired)?;
    let account_id: Option<i64> = sqlx::query_scalar(
        "SELECT account_id FROM pending_sign_ins WHERE token_hash = ? AND expires_at > ?",
    )
    .bind(token_hash(token))
    .bind(time::now())
    .fetch_optional(store)
    .await?;
    let account_id = account_id.ok_or_else(expired)?;
    refuse_while_locked(store, account_id).await?;
    let (attempt, account_key) = reserve(limiter, account_id, ip)?;
    if !accept_code(store, sealer, account_id, code).await? {
        let event = |action| audit::Entry {
            account_id: Some(account_id),
            actor: &Actor::Anonymous,
            ip,
            action,
            details: vec![],
        };
        audit::record(
            store,
            event(Action::SignInFailed).with("step", "code".to_owned()),
        )
        .await;
        return Err(count_wrong_code(store, account_id, token, event).await?);
    }
    limiter.succeeded(attempt, &account_key);
    sqlx::query("DELETE FROM pending_sign_ins WHERE token_hash = ?")
        .bind(token_hash(token))
        .execute(store)
        .await?;
    let entry = audit::Entry {
        account_id: Some(account_id),
        actor: &Actor::Session,
        ip,
        action: Action::SignIn,
        details: vec![],
    };
    audit::record(store, entry.with("second_factor", "code")).await;
    Ok(account_id)
}

/// 429 `two_factor_locked` while the account's two-factor sign-in is locked.
async fn refuse_while_locked(store: &Store, account_id: i64) -> Result<(), AppError> {
    let locked_until: Option<Option<i64>> =
        sqlx::query_scalar("SELECT locked_until FROM two_factor WHERE account_id = ?")
            .bind(account_id)
            .fetch_optional(store)
            .await?;
    match locked_until.flatten() {
        Some(until) if until > time::now() => Err(locked(until - time::now())),
        _ => Ok(()),
    }
}

fn locked(retry_after_secs: i64) -> AppError {
    AppError {
        retry_after_secs: Some(retry_after_secs.max(1) as u64),
        ..AppError::new(
            types::error::ErrorCode::TwoFactorLocked,
            format!(
                "Two-factor sign-in is locked for {} more minute(s): too many wrong codes were entered for this account \
                 today. If that was not you, someone knows your password: change it once you are signed in.",
                (retry_after_secs + 59) / 60
            ),
        )
    }
}

/// Records a wrong code: the held sign-in's 5th voids it, the account's 20th in a day locks its
/// two-factor sign-in. Returns the error to answer with.
async fn count_wrong_code<'a>(
    store: &Store,
    account_id: i64,
    token: &str,
    event: impl Fn(Action) -> audit::Entry<'a>,
) -> Result<AppError, AppError> {
    let now = time::now();
    let held = token_hash(token);
    sqlx::query("UPDATE pending_sign_ins SET failures = failures + 1 WHERE token_hash = ?")
        .bind(&held)
        .execute(store)
        .await?;
    sqlx::query("DELETE FROM code_failures WHERE account_id = ? AND at <= ?")
        .bind(account_id)
        .bind(now - LOCK_WINDOW_SECS)
        .execute(store)
        .await?;
    sqlx::query("INSERT INTO code_failures (account_id, at) VALUES (?, ?)")
        .bind(account_id)
        .bind(now)
        .execute(store)
        .await?;
    let today: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM code_failures WHERE account_id = ?")
        .bind(account_id)
        .fetch_one(store)
        .await?;
    if today >= WRONG_CODES_BEFORE_LOCK {
        sqlx::query("UPDATE two_factor SET locked_until = ? WHERE account_id = ?")
            .bind(now + LOCK_SECS)
            .bind(account_id)
            .execute(store)
            .await?;
        sqlx::query("DELETE FROM pending_sign_ins WHERE account_id = ?")
            .bind(account_id)
            .execute(store)
            .await?;
        audit::record(
            store,
            event(Action::TwoFactorLocked).with("wrong_codes_24h", today.to_string()),
        )
        .await;
        return Ok(locked(LOCK_SECS));
    }
    let failures: Option<i64> =
        sqlx::query_scalar("SELECT failures FROM pending_sign_ins WHERE token_hash = ?")
            .bind(&held)
            .fetch_optional(store)
            .await?;
    if failures.unwrap_or(WRONG_CODES_PER_SIGN_IN) >= WRONG_CODES_PER_SIGN_IN {
        sqlx::query("DELETE FROM pending_sign_ins WHERE token_hash = ?")
            .bind(&held)
            .execute(store)
            .await?;
        audit::record(
            store,
            event(Action::SignInVoided).with("wrong_codes", WRONG_CODES_PER_SIGN_IN.to_string()),
        )
        .await;
        return Ok(AppError::unauthorized(format!(
            "{WRONG_CODES_PER_SIGN_IN} wrong codes: this sign-in is void. Sign in with your password again."
        )));
    }
    Ok(wrong_code())
}
