//! Issue 11: two-factor sign-in (TOTP). Codes are computed here from the secret the enrolment
//! returned, as an authenticator app would.
use crate::helpers::{TestAccount, TestApp, session_cookie, spawn_app};
use reqwest::StatusCode;
use std::time::{SystemTime, UNIX_EPOCH};
use totp_rs::{Algorithm, Secret, TOTP};
use types::activity::AuditPage;
use types::error::{AppError, ErrorCode};
use types::two_factor::{Enrolment, RecoveryCodes, TwoFactorStatus};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The 6-digit code of `secret` (base32) at `time`.
fn code_at(secret: &str, time: u64) -> String {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("the secret is base32");
    TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, bytes, None, String::new()).generate(time)
}

async fn rpc(
    app: &TestApp,
    endpoint: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    app.rpc_request(endpoint, cookie)
        .body(serde_urlencoded(form))
        .send()
        .await
        .unwrap()
}

fn serde_urlencoded(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{k}={}", app::validate::encode_query_value(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Enrols the signed-in account: the base32 secret, the recovery codes, and the code that confirmed
/// the enrolment (spent from then on).
async fn enrol(app: &TestApp, cookie: &str) -> (String, Vec<String>, String) {
    let begun = rpc(app, "begin_two_factor", cookie, &[]).await;
    assert_eq!(begun.status(), StatusCode::OK);
    let enrolment: Enrolment = begun.json().await.unwrap();
    let secret = enrolment.secret;
    assert!(enrolment.qr_svg.starts_with("<svg"), "{}", enrolment.qr_svg);
    assert!(enrolment.otpauth_url.contains(&format!("secret={secret}")));
    let first_code = code_at(&secret, now());
    let confirmed = rpc(app, "confirm_two_factor", cookie, &[("code", &first_code)]).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let codes = confirmed.json::<RecoveryCodes>().await.unwrap().codes;
    assert_eq!(codes.len(), 10);
    (secret, codes, first_code)
}

fn held_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("nbg_2fa=") && !v.starts_with("nbg_2fa=;"))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("a held sign-in cookie")
}

/// Password step: no session yet, only the held sign-in's cookie.
async fn password_step(app: &TestApp, account: &TestAccount) -> String {
    let response = app
        .post_login(&account.email, &account.password, None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        session_cookie(response.headers()),
        None,
        "no session before the code"
    );
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login/code?next=")
    );
    held_cookie(&response)
}

async fn code_step(app: &TestApp, held: &str, code: &str) -> reqwest::Response {
    rpc(
        app,
        "login_code",
        held,
        &[("code", code), ("next", "/profile")],
    )
    .await
}

async fn account_status(app: &TestApp, cookie: &str) -> StatusCode {
    app.client
        .get(app.url("/api/account"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
}

async fn status(app: &TestApp, cookie: &str) -> TwoFactorStatus {
    rpc(app, "get_two_factor", cookie, &[])
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn after_enrolment_sign_in_needs_a_code_and_each_code_works_once() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let cookie = app.sign_in(&account).await;
    let begun: Enrolment = rpc(&app, "begin_two_factor", &cookie, &[])
        .await
        .json()
        .await
        .unwrap();
    let secret = begun.secret.as_str();
    let wrong = rpc(&app, "confirm_two_factor", &cookie, &[("code", "000000")]).await;
    assert_eq!(
        wrong.status(),
        StatusCode::FORBIDDEN,
        "a wrong first code does not turn it on"
    );
    assert!(!status(&app, &cookie).await.enabled);
    assert_eq!(
        password_step_or_session(&app, &account).await,
        "session",
        "sign-in is unchanged until confirmed"
    );

    // Restarting the enrolment replaces the secret.
    let (secret, _codes, first_code) = {
        let (again, codes, first_code) = enrol(&app, &cookie).await;
        assert_ne!(again, secret);
        (again, codes, first_code)
    };
    let on = status(&app, &cookie).await;
    assert_eq!((on.enabled, on.recovery_codes_left), (true, 10), "{on:?}");

    let held = password_step(&app, &account).await;
    assert_eq!(
        account_status(&app, &held).await,
        StatusCode::UNAUTHORIZED,
        "the held sign-in is not a session"
    );
    let replay = code_step(&app, &held, &first_code).await;
    assert_eq!(
        replay.status(),
        StatusCode::FORBIDDEN,
        "the code used to confirm is spent"
    );
    // The next step's code (accepted one step early) is newer than any spent one.
    let next_code = code_at(&secret, now() + 30);
    let signed_in = code_step(&app, &held, &next_code).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert_eq!(signed_in.headers()["location"], "/profile");
    let session = session_cookie(signed_in.headers()).expect("a session after the code");
    assert_eq!(account_status(&app, &session).await, StatusCode::OK);

    // The held sign-in ended with its success; the same code on a new one is a replay.
    let reused = code_step(&app, &held, &code_at(&secret, now() + 60)).await;
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    let held = password_step(&app, &account).await;
    assert_eq!(
        code_step(&app, &held, &next_code).await.status(),
        StatusCode::FORBIDDEN
    );
}

/// "session" when the password alone signs in, "code" when it asks for a code.
async fn password_step_or_session(app: &TestApp, account: &TestAccount) -> &'static str {
    let response = app
        .post_login(&account.email, &account.password, None)
        .await;
    if session_cookie(response.headers()).is_some() {
        "session"
    } else {
        "code"
    }
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let cookie = app.sign_in(&account).await;
    let (_secret, codes, _) = enrol(&app, &cookie).await;

    let held = password_step(&app, &account).await;
    let typed_loosely = codes[3].replace('-', "").to_uppercase();
    let response = code_step(&app, &held, &typed_loosely).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session = session_cookie(response.headers()).unwrap();
    assert_eq!(status(&app, &session).await.recovery_codes_left, 9);

    let held = password_step(&app, &account).await;
    assert_eq!(
        code_step(&app, &held, &codes[3]).await.status(),
        StatusCode::FORBIDDEN,
        "spent"
    );
    assert_eq!(
        code_step(&app, &held, "abcde-fghjk").await.status(),
        StatusCode::FORBIDDEN,
        "never issued"
    );
    assert_eq!(
        code_step(&app, &held, &codes[4]).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn wrong_codes_are_limited_like_passwords() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let cookie = app.sign_in(&account).await;
    let (secret, _codes, _) = enrol(&app, &cookie).await;
    // Two held sign-ins of five wrong codes each (the fifth voids each one).
    for _ in 0..2 {
        let held = password_step(&app, &account).await;
        for _ in 0..4 {
            assert_eq!(
                code_step(&app, &held, "123456").await.status(),
                StatusCode::FORBIDDEN
            );
        }
        assert_eq!(
            code_step(&app, &held, "123456").await.status(),
            StatusCode::UNAUTHORIZED,
            "void after five"
        );
    }
    let limited = app
        .post_login(&account.email, &account.password, None)
        .await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the 11th attempt from this address in a minute, even a right one"
    );
    assert!(limited.headers().contains_key("retry-after"));
    let _ = secret;
}

/// Finding 10: wrong codes had no end but the per-minute limit. The fifth wrong code voids the
/// held sign-in (the password is needed again), and the owner finds it in the audit log.
#[tokio::test]
async fn five_wrong_codes_void_the_held_sign_in() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let cookie = app.sign_in(&account).await;
    let (secret, _codes, _) = enrol(&app, &cookie).await;
    let held = password_step(&app, &account).await;
    for _ in 0..4 {
        assert_eq!(
            code_step(&app, &held, "000000").await.status(),
            StatusCode::FORBIDDEN
        );
    }
    let voided = code_step(&app, &held, "000000").await;
    assert_eq!(voided.status(), StatusCode::UNAUTHORIZED);
    let body: AppError = voided.json().await.unwrap();
    assert!(body.message.contains("password again"), "{body:?}");
    let right = code_at(&secret, now() + 30);
    assert_eq!(
        code_step(&app, &held, &right).await.status(),
        StatusCode::UNAUTHORIZED,
        "not even the right code revives it"
    );
    let fresh = password_step(&app, &account).await;
    assert_eq!(
        code_step(&app, &fresh, &right).await.status(),
        StatusCode::OK
    );
    assert!(
        audit_actions(&app, &key)
            .await
            .contains(&"sign_in_voided".to_owned())
    );
}

async fn audit_actions(app: &TestApp, key: &str) -> Vec<String> {
    // Raw: the typed client's `list_audit` has no `limit` (the default page is shorter).
    let page: AuditPage = app
        .get_bearer("/api/audit?limit=100", key)
        .await
        .json()
        .await
        .unwrap();
    page.events.into_iter().map(|event| event.action).collect()
}

/// Finding 10: 20 wrong codes for an account within 24 hours lock its two-factor sign-in for 15
/// minutes — the right code included — and tell its owner. Older failures do not count.
#[tokio::test]
async fn twenty_wrong_codes_in_a_day_lock_two_factor_sign_in() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let cookie = app.sign_in(&account).await;
    let (secret, codes, _) = enrol(&app, &cookie).await;
    let store = &app.state.store;
    let now_secs = now() as i64;
    // Nineteen wrong codes earlier today (the per-minute limit spreads real ones over hours), and
    // thirty from the day before, which no longer count.
    for (n, at) in (0..19)
        .map(|n| (n, now_secs - 3600 - n * 60))
        .chain((0..30).map(|n| (n, now_secs - 25 * 3600 - n)))
    {
        let _ = n;
        sqlx::query("INSERT INTO code_failures (account_id, at) VALUES (?, ?)")
            .bind(account.id)
            .bind(at)
            .execute(store)
            .await
            .unwrap();
    }
    let held = password_step(&app, &account).await;
    let locked = code_step(&app, &held, "000000").await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((840..=900).contains(&retry), "{retry}");
    assert_eq!(
        locked.json::<AppError>().await.unwrap().code,
        ErrorCode::TwoFactorLocked,
        "a server function's error"
    );
    let held = password_step(&app, &account).await;
    let refused = code_step(&app, &held, &code_at(&secret, now() + 30)).await;
    assert_eq!(
        refused.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked even for the right code"
    );
    assert_eq!(
        code_step(&app, &held, &codes[0]).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "and for recovery codes"
    );
    assert!(
        audit_actions(&app, &key)
            .await
            .contains(&"two_factor_locked".to_owned())
    );
    // Fifteen minutes later it opens again.
    sqlx::query("UPDATE two_factor SET locked_until = ? WHERE account_id = ?")
        .bind(now_secs - 1)
        .bind(account.id)
        .execute(store)
        .await
        .unwrap();
    assert_eq!(
        code_step(&app, &held, &code_at(&secret, now() + 30))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_api_key_cannot_manage_two_factor_and_sensitive_changes_need_a_fresh_sign_in() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let by_key = app
        .client
        .post(app.url("/rpc/begin_two_factor"))
        .bearer_auth(&key)
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_key.status(),
        StatusCode::UNAUTHORIZED,
        "server functions take no key at all"
    );
    assert_eq!(crate::helpers::error_code(by_key).await, "session_required");

    let cookie = app.sign_in(&account).await;
    let (secret, codes, _) = enrol(&app, &cookie).await;
    // This session signed in before two-factor was on, 11 minutes ago as far as the panel knows.
    sqlx::query("UPDATE sessions SET created_at = created_at - 660 WHERE account_id = ?")
        .bind(account.id)
        .execute(&app.state.store)
        .await
        .unwrap();
    let stale = app
        .rpc_json("regenerate_api_key", &cookie, &serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    assert!(stale.text().await.unwrap().contains("sign in again"));
    assert_eq!(
        app.get_bearer("/api/account", &key).await.status(),
        StatusCode::OK,
        "the key was not replaced"
    );
    let code = code_at(&secret, now() + 30);
    let disable = rpc(
        &app,
        "disable_two_factor",
        &cookie,
        &[("password", &account.password), ("code", &code)],
    )
    .await;
    assert_eq!(disable.status(), StatusCode::FORBIDDEN);
    assert!(status(&app, &cookie).await.enabled);

    let held = password_step(&app, &account).await;
    let fresh = session_cookie(code_step(&app, &held, &code).await.headers()).unwrap();
    assert_eq!(
        app.rpc_json("regenerate_api_key", &fresh, &serde_json::json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_bearer("/api/account", &key).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let wrong_password = rpc(
        &app,
        "disable_two_factor",
        &fresh,
        &[
            ("password", "not it"),
            ("code", &code_at(&secret, now() - 30)),
        ],
    )
    .await;
    assert_eq!(wrong_password.status(), StatusCode::FORBIDDEN);
    let spent = rpc(
        &app,
        "disable_two_factor",
        &fresh,
        &[("password", &account.password), ("code", &code)],
    )
    .await;
    assert_eq!(
        spent.status(),
        StatusCode::FORBIDDEN,
        "a code spent on sign-in cannot turn it off"
    );
    // Every current step is spent by now (the newest on sign-in): a recovery code turns it off.
    let off = rpc(
        &app,
        "disable_two_factor",
        &fresh,
        &[("password", &account.password), ("code", &codes[0])],
    )
    .await;
    assert_eq!(off.status(), StatusCode::OK);
    assert_eq!(password_step_or_session(&app, &account).await, "session");
}

#[tokio::test]
async fn another_accounts_codes_and_held_sign_ins_do_not_cross() {
    let app = spawn_app().await;
    let (alice, bob) = (app.create_account().await, app.create_account().await);
    let (alice_cookie, bob_cookie) = (app.sign_in(&alice).await, app.sign_in(&bob).await);
    let (_alice_secret, alice_codes, _) = enrol(&app, &alice_cookie).await;
    let (bob_secret, bob_codes, _) = enrol(&app, &bob_cookie).await;
    let held = password_step(&app, &alice).await;
    assert_eq!(
        code_step(&app, &held, &code_at(&bob_secret, now() + 30))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        code_step(&app, &held, &bob_codes[0]).await.status(),
        StatusCode::FORBIDDEN
    );
    let alice_session =
        session_cookie(code_step(&app, &held, &alice_codes[0]).await.headers()).unwrap();
    // Alice's session is Alice's: Bob's status is unchanged by anything above.
    assert_eq!(status(&app, &bob_cookie).await.recovery_codes_left, 10);
    assert_eq!(status(&app, &alice_session).await.recovery_codes_left, 9);
}

#[tokio::test]
async fn the_operator_resets_two_factor_from_the_command_line() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let cookie = app.sign_in(&account).await;
    enrol(&app, &cookie).await;
    assert_eq!(password_step_or_session(&app, &account).await, "code");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
        .args(["account", "reset-2fa", "--email", &account.email])
        .env("NOBREGAS_DATA_DIR", &app.data_dir)
        .envs(app.store_env())
        .env("NOBREGAS_MYSQL_URL", crate::helpers::mysql_url())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("now off"));
    assert_eq!(password_step_or_session(&app, &account).await, "session");
    assert_eq!(status(&app, &cookie).await.recovery_codes_left, 0);
}
