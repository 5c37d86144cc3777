//! Issue 11: the panel password (change, operator reset) and the browser sessions (list, sign out).
use crate::helpers::{TestApp, error_code, session_cookie, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::Write;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// A cookie-authenticated call from the panel's own pages (the CSRF check wants the origin).
async fn with_cookie(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("cookie", cookie)
        .header("origin", &app.address);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn account_status(app: &TestApp, cookie: &str) -> StatusCode {
    with_cookie(app, Method::GET, "/api/account", cookie, None)
        .await
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

    let body =
        json!({"current_password": account.password, "new_password": "a brand new password"});
    let changed = with_cookie(
        &app,
        Method::PUT,
        "/api/account/password",
        &here,
        Some(body),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(
        changed.json::<Value>().await.unwrap(),
        json!({"signed_out": 1})
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
        app.get_bearer("/api/account", &key).await.status(),
        StatusCode::OK,
        "the API key is not the password"
    );
}

#[tokio::test]
async fn a_wrong_current_password_a_bad_new_one_or_an_api_key_change_nothing() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let (here, elsewhere) = (app.sign_in(&account).await, app.sign_in(&account).await);

    let wrong =
        json!({"current_password": "not the password", "new_password": "a brand new password"});
    let response = with_cookie(
        &app,
        Method::PUT,
        "/api/account/password",
        &here,
        Some(wrong),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let short = json!({"current_password": account.password, "new_password": "short"});
    let response = with_cookie(
        &app,
        Method::PUT,
        "/api/account/password",
        &here,
        Some(short),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let by_key =
        json!({"current_password": account.password, "new_password": "a brand new password"});
    let response = app
        .send_json(Method::PUT, "/api/account/password", &key, by_key)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, "forbidden");

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
    for _ in 0..9 {
        let wrong =
            json!({"current_password": "still wrong", "new_password": "a brand new password"});
        with_cookie(
            &app,
            Method::PUT,
            "/api/account/password",
            &here,
            Some(wrong),
        )
        .await;
    }
    let right =
        json!({"current_password": account.password, "new_password": "a brand new password"});
    let limited = with_cookie(
        &app,
        Method::PUT,
        "/api/account/password",
        &here,
        Some(right),
    )
    .await;
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

    let list: Value = with_cookie(&app, Method::GET, "/api/account/sessions", &here, None)
        .await
        .json()
        .await
        .unwrap();
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3, "{list}");
    let current: Vec<&Value> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "{list}");
    assert_eq!(current[0]["browser"], "Firefox on Linux");
    assert_eq!(current[0]["ip"], "127.0.0.1");
    let phone_id = sessions
        .iter()
        .find(|s| s["browser"] == "Safari on iOS")
        .expect("the phone's session")["id"]
        .as_i64()
        .unwrap();

    let revoked = with_cookie(
        &app,
        Method::DELETE,
        &format!("/api/account/sessions/{phone_id}"),
        &here,
        None,
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(account_status(&app, &phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(account_status(&app, &laptop).await, StatusCode::OK);
    let again = with_cookie(
        &app,
        Method::DELETE,
        &format!("/api/account/sessions/{phone_id}"),
        &here,
        None,
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    let others = with_cookie(&app, Method::DELETE, "/api/account/sessions", &here, None).await;
    assert_eq!(
        others.json::<Value>().await.unwrap(),
        json!({"signed_out": 1})
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

    let alice_list: Value = with_cookie(
        &app,
        Method::GET,
        "/api/account/sessions",
        &alice_cookie,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let alice_id = alice_list["sessions"][0]["id"].as_i64().unwrap();
    let bob_list: Value = app
        .get_bearer("/api/account/sessions", &bob_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        bob_list["sessions"].as_array().unwrap().len(),
        1,
        "only Bob's own: {bob_list}"
    );
    assert!(
        bob_list["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != alice_id && s["current"] == false)
    );

    let cross = with_cookie(
        &app,
        Method::DELETE,
        &format!("/api/account/sessions/{alice_id}"),
        &bob_cookie,
        None,
    )
    .await;
    assert_eq!(cross.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.delete_bearer(&format!("/api/account/sessions/{alice_id}"), &bob_key)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Bob's "all others" by key signs out Bob's sessions only.
    let response = app
        .client
        .delete(app.url("/api/account/sessions"))
        .bearer_auth(&bob_key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"signed_out": 1})
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
