//! Issue 28: the one key's policy — expiry, allowed networks, read-only access, retirement when
//! unused — set by the operator's CLI and by `POST /api/keys` from a session, enforced per request.
use crate::fleet::panel_cli;
use crate::helpers::{TestAccount, TestApp, error_code, spawn_app};
use reqwest::StatusCode;
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::{Value, json};
use server::domain::caller::Actor;
use server::domain::time;
use server::services::api_keys;
use server::store::Text;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use types::key_policy::KeyOptions;

/// `nobregas-panel key regenerate --email E <flags>`: the key, printed last on stdout.
pub fn regenerate_with_cli(app: &TestApp, account: &TestAccount, flags: &[&str]) -> String {
    let mut args = vec!["key", "regenerate", "--email", account.email.as_str()];
    args.extend_from_slice(flags);
    let output = panel_cli(app, &args, "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned()
}

async fn account_json(app: &TestApp, key: &str) -> Value {
    let response = app.get_bearer("/api/account", key).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_expired_key_is_refused_at_its_very_next_request() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let expires_at = time::rfc3339(time::now() + 2);
    let key = api_keys::regenerate(
        &app.state.store,
        account.id,
        &Actor::Cli,
        None,
        &KeyOptions {
            expires_at: Some(expires_at.clone()),
            ..KeyOptions::default()
        },
    )
    .await
    .unwrap()
    .key;
    // Used (and so cached) while it is valid; `GET /api/account` says until when.
    assert_eq!(
        account_json(&app, &key).await["api_key"]["expires_at"],
        json!(expires_at)
    );
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let refused = app.get_bearer("/api/databases", &key).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let challenge = refused.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.starts_with("Bearer") && challenge.contains("invalid_token"),
        "{challenge}"
    );
    assert_eq!(error_code(refused).await, "api_key_expired");
}

#[tokio::test]
async fn a_key_from_outside_its_networks_is_refused_and_the_owner_sees_from_where() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = regenerate_with_cli(&app, &account, &["--allow", "127.0.0.0/30"]);
    // The test's requests come from 127.0.0.1: inside.
    let listed = app.get_bearer("/api/databases", &key).await;
    assert_eq!(listed.status(), StatusCode::OK);

    let outside = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 7)))
        .build()
        .unwrap();
    let refused = outside
        .get(app.url("/api/databases"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "api_key_network");

    let shown = account_json(&app, &key).await;
    assert_eq!(
        shown["api_key"]["allowed_networks"],
        json!(["127.0.0.0/30"])
    );
    assert_eq!(shown["api_key"]["network_refused_from"], "127.0.0.7");
    let event = app
        .audit_event(&key, "api_key_network_refused")
        .await
        .expect("the refusal is in the audit log");
    assert_eq!(event["details"]["ip"], "127.0.0.7");
    assert_eq!(event["source_ip"], "127.0.0.7");
}

#[tokio::test]
async fn a_read_only_key_reads_but_changes_nothing() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = regenerate_with_cli(&app, &account, &["--read-only"]);
    assert_eq!(
        account_json(&app, &key).await["api_key"]["access"],
        "read_only"
    );
    let db = format!("{}_shop", account.prefix);
    let created = app
        .send_json(
            reqwest::Method::POST,
            "/api/databases",
            &key,
            json!({ "name": db }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(created).await, "api_key_read_only");
    assert!(!app.database_exists(&db).await, "nothing was created");
    assert_eq!(
        app.get_bearer("/api/databases", &key).await.status(),
        StatusCode::OK
    );
    let whitelisted = app
        .send_json(
            reqwest::Method::POST,
            "/api/whitelist",
            &key,
            json!({ "host": "203.0.113.5" }),
        )
        .await;
    assert_eq!(error_code(whitelisted).await, "api_key_read_only");
}

#[tokio::test]
async fn a_key_unused_past_its_limit_retires_itself() {
    let app = spawn_app().await;
    let (stale, fresh) = (app.create_account().await, app.create_account().await);
    let options = KeyOptions {
        revoke_after_unused_days: Some(1),
        ..KeyOptions::default()
    };
    let mut keys = Vec::new();
    for account in [&stale, &fresh] {
        let key = api_keys::regenerate(&app.state.store, account.id, &Actor::Cli, None, &options)
            .await
            .unwrap()
            .key;
        keys.push(key);
    }
    let two_days_ago = time::now() - 2 * 86_400;
    sqlx::query("UPDATE api_keys SET created_at = ?, last_used_at = ? WHERE account_id = ?")
        .bind(two_days_ago)
        .bind(two_days_ago)
        .bind(stale.id)
        .execute(&app.state.store)
        .await
        .unwrap();
    assert_eq!(api_keys::retire_unused(&app.state.store).await.unwrap(), 1);

    let refused = app.get_bearer("/api/databases", &keys[0]).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get_bearer("/api/databases", &keys[1]).await.status(),
        StatusCode::OK,
        "a key used within its limit stays"
    );
    let (revoked_at, Text(reason)): (Option<i64>, Text) = sqlx::query_as(
        "SELECT a.key_revoked_at, e.details FROM accounts a JOIN audit_events e ON e.account_id = a.id
         WHERE a.id = ? AND e.action = 'api_key_revoked'",
    )
    .bind(stale.id)
    .fetch_one(&app.state.store)
    .await
    .unwrap();
    assert!(revoked_at.is_some());
    assert!(reason.contains("unused for 1 days"), "{reason}");
    let shown = server::services::accounts::view(&app.state.store, stale.id)
        .await
        .unwrap();
    assert_eq!(
        shown.api_key_revoked_reason.as_deref(),
        Some("it was unused for 1 days"),
        "Profile says why"
    );
}

#[tokio::test]
async fn a_session_issues_a_key_with_its_policy_and_bad_options_change_nothing() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let old = app.issue_key(&account).await;
    let cookie = app.sign_in(&account).await;
    let post = |body: Value| {
        app.client
            .post(app.url("/api/keys"))
            .header("cookie", &cookie)
            .header("origin", &app.address)
            .header("sec-fetch-site", "same-origin")
            .json(&body)
            .send()
    };
    // A key cannot issue its successor.
    let by_key = app
        .send_json(reqwest::Method::POST, "/api/keys", &old, json!({}))
        .await;
    assert_eq!(by_key.status(), StatusCode::FORBIDDEN);
    let in_a_year = time::rfc3339(time::now() + 365 * 86_400);
    for bad in [
        json!({ "expires_at": "2020-01-01T00:00:00Z" }),
        json!({ "expires_at": "next year" }),
        json!({ "allowed_networks": ["203.0.113.7/24"] }),
        json!({ "revoke_after_unused_days": 0 }),
        json!({ "access": "admin" }),
    ] {
        let refused = post(bad.clone()).await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(
        app.get_bearer("/api/databases", &old).await.status(),
        StatusCode::OK,
        "a refused request keeps the current key"
    );

    let issued = post(json!({
        "expires_at": in_a_year,
        "allowed_networks": ["127.0.0.0/8", "::1"],
        "access": "read_only",
        "revoke_after_unused_days": 90,
    }))
    .await
    .unwrap();
    assert_eq!(issued.status(), StatusCode::CREATED);
    let issued: Value = issued.json().await.unwrap();
    let key = issued["key"].as_str().unwrap();
    let expected = json!({
        "expires_at": in_a_year,
        "allowed_networks": ["127.0.0.0/8", "::1"],
        "access": "read_only",
        "revoke_after_unused_days": 90,
    });
    for (field, value) in expected.as_object().unwrap() {
        assert_eq!(&issued["info"][field], value, "{field} in {issued}");
    }
    let shown = account_json(&app, key).await;
    for (field, value) in expected.as_object().unwrap() {
        assert_eq!(&shown["api_key"][field], value, "{field} in {shown}");
    }
    assert_eq!(
        app.get_bearer("/api/databases", &old).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_expiring_key_is_told_fourteen_then_three_days_before_once_each() {
    let mut settings = crate::helpers::test_settings();
    settings.webhook_allow_private = true;
    let app = crate::helpers::spawn_app_with(settings).await;
    let account = app.create_account().await;
    let in_ten_days = time::now() + 10 * 86_400;
    let key = api_keys::regenerate(
        &app.state.store,
        account.id,
        &Actor::Cli,
        None,
        &KeyOptions {
            expires_at: Some(time::rfc3339(in_ten_days)),
            ..KeyOptions::default()
        },
    )
    .await
    .unwrap()
    .key;
    let api = app.api(&key);
    // Nobody listens: the deliveries are queued, and that is what is counted.
    let hook = api
        .create_webhook(&types::alerts::CreateWebhook {
            url: "http://127.0.0.1:9/hook".into(),
            secret: None,
            events: vec![types::alerts::AlertEvent::ApiKeyExpiring],
        })
        .await
        .unwrap()
        .value
        .webhook
        .id;
    assert_eq!(
        account_json(&app, &key).await["api_key"]["expires_in_days"],
        10,
        "Profile's banner"
    );
    assert_eq!(
        api_keys::remind_expiring(&app.state.store).await.unwrap(),
        1
    );
    assert_eq!(
        api_keys::remind_expiring(&app.state.store).await.unwrap(),
        0,
        "once"
    );
    sqlx::query("UPDATE api_keys SET expires_at = ? WHERE account_id = ?")
        .bind(time::now() + 2 * 86_400)
        .bind(account.id)
        .execute(&app.state.store)
        .await
        .unwrap();
    assert_eq!(
        api_keys::remind_expiring(&app.state.store).await.unwrap(),
        1
    );
    assert_eq!(
        api_keys::remind_expiring(&app.state.store).await.unwrap(),
        0
    );
    let deliveries = api
        .list_webhook_deliveries(&hook)
        .await
        .unwrap()
        .value
        .deliveries;
    assert_eq!(deliveries.len(), 2, "{deliveries:?}");
    assert!(
        deliveries
            .iter()
            .all(|d| d.event == types::alerts::AlertEvent::ApiKeyExpiring)
    );
    // A key without an expiry, or far from it, is never told.
    let plain = app.create_account().await;
    app.issue_key(&plain).await;
    assert_eq!(
        api_keys::remind_expiring(&app.state.store).await.unwrap(),
        0
    );
}

/// The Profile dialog's server function takes `POST /api/keys`'s body, and "in N days", which the
/// server counts on its own clock.
#[tokio::test]
async fn the_dialogs_server_function_takes_the_same_options_and_counts_days_itself() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let old = app.issue_key(&account).await;
    let cookie = app.sign_in(&account).await;
    let call = |body: Value| app.rpc_json("regenerate_api_key", &cookie, &body).send();
    for bad in [
        json!({ "expires_in_days": 0 }),
        json!({ "expires_in_days": 30, "expires_at": time::rfc3339(time::now() + 86_400) }),
        json!({ "allowed_networks": ["not a network"] }),
    ] {
        let refused = call(bad.clone()).await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(
        app.get_bearer("/api/databases", &old).await.status(),
        StatusCode::OK,
        "a refused request keeps the current key"
    );

    let before = time::now();
    let issued = call(json!({
        "expires_in_days": 30,
        "allowed_networks": ["127.0.0.0/8"],
        "access": "read_only",
    }))
    .await
    .unwrap();
    assert_eq!(issued.status(), StatusCode::OK);
    let issued: Value = issued.json().await.unwrap();
    let key = issued["key"].as_str().unwrap();
    let expires_at = issued["info"]["expires_at"].as_str().unwrap();
    let expires = time::parse_rfc3339(expires_at).unwrap();
    assert!(
        (before + 30 * 86_400..=time::now() + 30 * 86_400).contains(&expires),
        "{expires_at}"
    );
    let shown = account_json(&app, key).await;
    assert_eq!(shown["api_key"]["expires_at"], expires_at);
    assert_eq!(shown["api_key"]["access"], "read_only");
    assert_eq!(shown["api_key"]["allowed_networks"], json!(["127.0.0.0/8"]));

    // The contract's own body works as it does on `POST /api/keys`.
    let on_a_date = time::rfc3339(time::now() + 100 * 86_400);
    let issued = call(json!({ "expires_at": on_a_date, "revoke_after_unused_days": 30 }))
        .await
        .unwrap();
    assert_eq!(issued.status(), StatusCode::OK);
    let issued: Value = issued.json().await.unwrap();
    assert_eq!(issued["info"]["expires_at"], on_a_date);
    assert_eq!(issued["info"]["access"], "full");
    assert_eq!(issued["info"]["revoke_after_unused_days"], 30);
}

/// Issue 28, item 6: the OpenAPI document has `POST /api/keys`'s options and the three codes.
#[tokio::test]
async fn the_openapi_document_has_the_options_and_the_error_codes() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    let post = &doc["paths"]["/api/keys"]["post"];
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/KeyOptions"
    );
    let schemas = &doc["components"]["schemas"];
    for field in [
        "expires_at",
        "allowed_networks",
        "access",
        "revoke_after_unused_days",
    ] {
        assert!(
            schemas["KeyOptions"]["properties"][field].is_object(),
            "{field}"
        );
    }
    assert_eq!(schemas["KeyAccess"]["enum"], json!(["full", "read_only"]));
    let codes = schemas["ErrorDetail"]["properties"]["code"].to_string();
    for code in ["api_key_expired", "api_key_network", "api_key_read_only"] {
        assert!(codes.contains(code), "{code} in {codes}");
    }
    // And the account's key shows the same fields.
    let info = &schemas["ApiKeyInfo"]["properties"];
    for field in [
        "expires_at",
        "allowed_networks",
        "access",
        "revoke_after_unused_days",
    ] {
        assert!(info[field].is_object(), "ApiKeyInfo.{field}");
    }
}
