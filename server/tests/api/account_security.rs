//! Issue 11: the panel password (change, operator reset) and the browser sessions (list, sign out).
use crate::helpers::{TestApp, refusal, session_cookie, spawn_app};
use reqwest::{Method, StatusCode};
use std::io::Write;
use types::security::{ChangePassword, SessionInfo, SessionList, SignedOut};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// A cookie-authenticated call from the panel's own pages (the CSRF check wants the origin). The
/// session, not a key, is the point of these calls: the typed client only sends keys.
fn with_cookie(app: &TestApp, method: Method, path: &str, cookie: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .header("cookie", cookie)
        .header("origin", &app.address)
}

fn password_change(current_password: &str, new_password: &str) -> ChangePassword {
    ChangePassword {
        current_password: current_password.to_owned(),
        new_password: new_password.to_owned(),
    }
}

/// `PUT /api/account/password` with the session cookie.
async fn change_password(
    app: &TestApp,
    cookie: &str,
    change: &ChangePassword,
) -> reqwest::Response {
    with_cookie(app, Method::PUT, "/api/account/password", cookie)
        .json(change)
        .send()
        .await
        .unwrap()
}

async fn list_sessions(app: &TestApp, cookie: &str) -> SessionList {
    with_cookie(app, Method::GET, "/api/account/sessions", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn revoke_session(app: &TestApp, id: i64, cookie: &str) -> StatusCode {
    with_cookie(
        app,
        Method::DELETE,
        &format!("/api/account/sessions/{id}"),
        cookie,
    )
    .send()
    .await
    .unwrap()
    .status()
}

async fn account_status(app: &TestApp, cookie: &str) -> StatusCode {
    with_cookie(app, Method::GET, "/api/account", cookie)
        .send()
        .await
        .unwrap()
        .status()
}

async fn sign_in_with_agent(
    app: &TestApp,
    email: &str,
    password: &str,
    user_agent: &str,
) -> String {
    let response = app
        .client
        .post(app.url("/rpc/login"))
        .header("origin", &app.address)
        .header("user-agent", user_agent)
        .form(&[("email", email), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    session_cookie(response.headers()).unwrap()
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_signs_out_the_others() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let (here, elsewhere) = (app.sign_in(&account).await, app.sign_in(&account).await);

    let change = password_change(&account.password, "a brand new password");
    let changed = change_password(&app, &here, &change).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(
        changed.json::<SignedOut>().await.unwrap(),
        SignedOut { signed_out: 1 }
    );

    assert_eq!(
        account_status(&app, &here).await,
        StatusCode::OK,
        "the session that changed it stays signed in"
    );
    assert_eq!(
        account_status(&app, &elsewhere).await,
        StatusCode::UNAUTHORIZED,
        "every other session is signed out"
    );
    assert_eq!(
        app.post_login(&account.email, &account.password, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.post_login(&account.email, "a brand new password", None)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.api(&key)
            .get_account()
            .await
            .map(|account| account.status),
        Ok(StatusCode::OK),
        "the API key is not the password"
    );
}

#[tokio::test]
async fn a_wrong_current_password_a_bad_new_one_or_an_api_key_change_nothing() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let (here, elsewhere) = (app.sign_in(&account).await, app.sign_in(&account).await);

    let wrong = password_change("not the password", "a brand new password");
    let response = change_password(&app, &here, &wrong).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let short = password_change(&account.password, "short");
    let response = change_password(&app, &here, &short).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let by_key = password_change(&account.password, "a brand new password");
    assert_eq!(
        refusal(app.api(&key).change_password(&by_key).await),
        (StatusCode::FORBIDDEN, "forbidden".to_owned())
    );

    assert_eq!(
        account_status(&app, &elsewhere).await,
        StatusCode::OK,
        "no session was signed out"
    );
    assert_eq!(
        app.post_login(&account.email, &account.password, None)
            .await
            .status(),
        StatusCode::OK,
        "the old password still works"
    );

    // Wrong current passwords are limited like sign-ins (10 a minute per account).
    let still_wrong = password_change("still wrong", "a brand new password");
    for _ in 0..9 {
        change_password(&app, &here, &still_wrong).await;
    }
    let right = password_change(&account.password, "a brand new password");
    let limited = change_password(&app, &here, &right).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn sessions_are_listed_with_their_browser_and_can_be_signed_out_one_or_all_others() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let here = sign_in_with_agent(&app, &account.email, &account.password, FIREFOX).await;
    let phone = sign_in_with_agent(
        &app,
        &account.email,
        &account.password,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1",
    )
    .await;
    let laptop = app.sign_in(&account).await;

    let sessions = list_sessions(&app, &here).await.sessions;
    assert_eq!(sessions.len(), 3, "{sessions:?}");
    let current: Vec<&SessionInfo> = sessions.iter().filter(|s| s.current).collect();
    assert_eq!(current.len(), 1, "{sessions:?}");
    assert_eq!(current[0].browser, "Firefox on Linux");
    assert_eq!(current[0].ip.as_deref(), Some("127.0.0.1"));
    let phone_id = sessions
        .iter()
        .find(|s| s.browser == "Safari on iOS")
        .expect("the phone's session")
        .id;

    assert_eq!(
        revoke_session(&app, phone_id, &here).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(account_status(&app, &phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(account_status(&app, &laptop).await, StatusCode::OK);
    assert_eq!(
        revoke_session(&app, phone_id, &here).await,
        StatusCode::NOT_FOUND
    );

    let others = with_cookie(&app, Method::DELETE, "/api/account/sessions", &here)
        .send()
        .await
        .unwrap();
    assert_eq!(
        others.json::<SignedOut>().await.unwrap(),
        SignedOut { signed_out: 1 }
    );
    assert_eq!(
        account_status(&app, &laptop).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(account_status(&app, &here).await, StatusCode::OK);
}

#[tokio::test]
async fn another_accounts_sessions_are_neither_listed_nor_signed_out() {
    let app = spawn_app().await;
    let (alice, bob) = (app.create_account().await, app.create_account().await);
    let alice_cookie = app.sign_in(&alice).await;
    let bob_cookie = app.sign_in(&bob).await;
    let bob_key = app.issue_key(&bob).await;

    let alice_id = list_sessions(&app, &alice_cookie).await.sessions[0].id;
    let bob_api = app.api(&bob_key);
    let bob_sessions = bob_api.list_sessions().await.unwrap().value.sessions;
    assert_eq!(bob_sessions.len(), 1, "only Bob's own: {bob_sessions:?}");
    assert!(bob_sessions.iter().all(|s| s.id != alice_id && !s.current));

    assert_eq!(
        revoke_session(&app, alice_id, &bob_cookie).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        refusal(bob_api.revoke_session(alice_id).await).0,
        StatusCode::NOT_FOUND
    );
    // Bob's "all others" by key signs out Bob's sessions only.
    assert_eq!(
        bob_api.revoke_other_sessions().await.unwrap().value,
        SignedOut { signed_out: 1 }
    );
    assert_eq!(account_status(&app, &alice_cookie).await, StatusCode::OK);
    assert_eq!(
        account_status(&app, &bob_cookie).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_operator_sets_a_password_from_stdin_and_every_session_ends() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let cookie = app.sign_in(&account).await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
        .args([
            "account",
            "set-password",
            "--email",
            &account.email,
            "--password-stdin",
        ])
        .env("NOBREGAS_DATA_DIR", &app.data_dir)
        .envs(app.store_env())
        .env("NOBREGAS_MYSQL_URL", crate::helpers::mysql_url())
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"set by the operator\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        account_status(&app, &cookie).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.post_login(&account.email, &account.password, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.post_login(&account.email, "set by the operator", None)
            .await
            .status(),
        StatusCode::OK
    );
}
