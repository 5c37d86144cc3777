//! Issue 26, item 7: `/api/admin/*` for an operator's key; 404 for everyone else.
use crate::helpers::{TestAccount, error_code, random_prefix, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::domain::caller::Actor;
use server::services::admin;

/// Every admin endpoint, with a body where it takes one.
fn endpoints(id: i64) -> Vec<(Method, String, Value)> {
    let none = Value::Null;
    vec![
        (Method::GET, "/api/admin/accounts".into(), none.clone()),
        (
            Method::POST,
            "/api/admin/accounts".into(),
            json!({"email": "x@example.test", "prefix": "x", "password": "a good password"}),
        ),
        (
            Method::GET,
            format!("/api/admin/accounts/{id}"),
            none.clone(),
        ),
        (
            Method::PUT,
            format!("/api/admin/accounts/{id}/plan"),
            json!({"plan": "default"}),
        ),
        (
            Method::POST,
            format!("/api/admin/accounts/{id}/suspend"),
            json!({"reason": "unpaid"}),
        ),
        (
            Method::POST,
            format!("/api/admin/accounts/{id}/resume"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/accounts/{id}/reset-2fa"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/accounts/{id}/close"),
            json!({"confirm": "x@example.test"}),
        ),
        (Method::GET, "/api/admin/plans".into(), none.clone()),
        (
            Method::POST,
            "/api/admin/plans".into(),
            json!({"name": "p"}),
        ),
        (Method::PUT, "/api/admin/plans/default".into(), json!({})),
        (
            Method::DELETE,
            "/api/admin/plans/default".into(),
            none.clone(),
        ),
        (Method::GET, "/api/admin/servers".into(), none.clone()),
        (Method::GET, "/api/admin/audit".into(), none),
    ]
}

#[tokio::test]
async fn a_customers_key_gets_404_on_every_admin_endpoint_and_changes_nothing() {
    let app = spawn_app().await;
    let customer = app.create_account().await;
    let key = app.issue_key(&customer).await;
    for (method, path, body) in endpoints(customer.id) {
        let answer = app.send_json(method.clone(), &path, &key, body).await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(error_code(answer).await, "not_found", "{method} {path}");
    }
    // Its own account was not suspended or closed by any of that.
    let own = app.get_bearer("/api/account", &key).await;
    assert_eq!(own.status(), StatusCode::OK);
}

async fn json_of(answer: reqwest::Response, expected: StatusCode) -> Value {
    let status = answer.status();
    let body: Value = answer.json().await.unwrap();
    assert_eq!(status, expected, "{body}");
    body
}

#[tokio::test]
async fn an_operator_creates_suspends_resumes_and_closes_an_account_over_the_api() {
    let app = spawn_app().await;
    let operator = app.create_account().await;
    admin::promote(&app.state.store, operator.id, Actor::Cli)
        .await
        .unwrap();
    let key = app.issue_key(&operator).await;
    let send = |method: Method, path: String, body: Value| {
        let (app, key) = (&app, &key);
        async move { app.send_json(method, &path, key, body).await }
    };

    let plan = format!("p-{}", random_prefix());
    let created = send(
        Method::POST,
        "/api/admin/plans".into(),
        json!({"name": plan, "max_databases": 1}),
    )
    .await;
    let created = json_of(created, StatusCode::CREATED).await;
    assert_eq!(created["max_databases"], 1);
    assert_eq!(created["accounts"], 0);

    let prefix = random_prefix();
    app.track_prefix(&prefix);
    let email = format!("{prefix}@example.test");
    let account = send(
        Method::POST,
        "/api/admin/accounts".into(),
        json!({"email": email, "prefix": prefix, "password": "a good password", "plan": plan}),
    )
    .await;
    let account = json_of(account, StatusCode::CREATED).await;
    assert_eq!(
        (account["plan"].as_str(), account["state"].as_str()),
        (Some(plan.as_str()), Some("active"))
    );
    let id = account["id"].as_i64().unwrap();
    let customer = TestAccount {
        id,
        email: email.clone(),
        prefix: prefix.clone(),
        password: "a good password".into(),
    };
    let customer_key = app.issue_key(&customer).await;
    let customer_api = app.api(&customer_key);
    let make = |name: &str| types::model::CreateDatabase::named(format!("{prefix}_{name}"));
    customer_api.create_database(&make("one")).await.unwrap();
    let (status, code) = crate::helpers::refusal(customer_api.create_database(&make("two")).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "plan_limit")
    );

    let found = send(
        Method::GET,
        format!("/api/admin/accounts?search={}", prefix.to_uppercase()),
        Value::Null,
    )
    .await;
    let found = json_of(found, StatusCode::OK).await;
    assert_eq!(found["accounts"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["accounts"][0]["databases"], 1);

    let suspended = send(
        Method::POST,
        format!("/api/admin/accounts/{id}/suspend"),
        json!({"reason": "Invoice 12 is unpaid"}),
    )
    .await;
    let suspended = json_of(suspended, StatusCode::OK).await;
    assert_eq!(suspended["state"], "suspended");
    assert_eq!(suspended["suspended_reason"], "Invoice 12 is unpaid");
    let refused = app.get_bearer("/api/databases", &customer_key).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "account_suspended");
    let not_an_id = send(Method::GET, "/api/admin/accounts/abc".into(), Value::Null).await;
    assert_eq!(not_an_id.status(), StatusCode::NOT_FOUND);
    let resumed = send(
        Method::POST,
        format!("/api/admin/accounts/{id}/resume"),
        json!({}),
    )
    .await;
    assert_eq!(json_of(resumed, StatusCode::OK).await["state"], "active");
    assert_eq!(
        app.get_bearer("/api/databases", &customer_key)
            .await
            .status(),
        StatusCode::OK
    );

    let moved = send(
        Method::PUT,
        format!("/api/admin/accounts/{id}/plan"),
        json!({"plan": "default"}),
    )
    .await;
    assert_eq!(json_of(moved, StatusCode::OK).await["plan"], "default");
    let reset = send(
        Method::POST,
        format!("/api/admin/accounts/{id}/reset-2fa"),
        json!({}),
    )
    .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let servers = json_of(
        send(Method::GET, "/api/admin/servers".into(), Value::Null).await,
        StatusCode::OK,
    )
    .await;
    assert!(
        servers["servers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|server| server["name"] == "default" && server["up"] == true),
        "{servers}"
    );

    let unconfirmed = send(
        Method::POST,
        format!("/api/admin/accounts/{id}/close"),
        json!({"confirm": "someone@else.test"}),
    )
    .await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.database_exists(&format!("{prefix}_one")).await);
    let closed = send(
        Method::POST,
        format!("/api/admin/accounts/{id}/close"),
        json!({"confirm": email, "keep_backups_days": 1}),
    )
    .await;
    let closed = json_of(closed, StatusCode::OK).await;
    assert_eq!(closed["final_backups"], json!([format!("{prefix}_one")]));
    assert!(!app.database_exists(&format!("{prefix}_one")).await);
    let deleted = send(
        Method::DELETE,
        format!("/api/admin/plans/{plan}"),
        Value::Null,
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    // Every action is in the operators' audit log, by this operator.
    let events = json_of(
        send(Method::GET, "/api/admin/audit".into(), Value::Null).await,
        StatusCode::OK,
    )
    .await;
    let by_operator: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["actor"] == format!("operator {}", operator.email))
        .filter(|event| event["account"] == email)
        .map(|event| event["action"].as_str().unwrap())
        .collect();
    for action in [
        "account_created",
        "account_suspended",
        "account_resumed",
        "account_plan_changed",
        "account_closed",
    ] {
        assert!(by_operator.contains(&action), "{action}: {by_operator:?}");
    }
}
