//! MariaDB going away and coming back, on a private `mariadbd` (own port, own data directory)
//! that this test starts and stops: the shared server is never touched.
use crate::helpers::{TestApp, error_code, spawn_app_with_mysql};
use crate::private_mariadb::PrivateMariaDb;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

async fn databases_status(app: &TestApp, key: &str) -> (StatusCode, Duration, reqwest::Response) {
    let started = Instant::now();
    let response = app.get_bearer("/api/databases", key).await;
    (response.status(), started.elapsed(), response)
}

#[tokio::test]
async fn mysql_down_is_503_quickly_the_rest_works_and_it_recovers_by_itself() {
    let mut mariadb = PrivateMariaDb::install();
    mariadb.start().await;
    let app = spawn_app_with_mysql(&mariadb.url()).await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    assert_eq!(databases_status(&app, &key).await.0, StatusCode::OK);

    mariadb.stop();
    let (status, took, response) = databases_status(&app, &key).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_secs(2), "answered in {took:?}");
    assert_eq!(error_code(response).await, "mysql_unavailable");
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    // What lives in the panel's own store keeps working: sign-in, the account, the Profile page.
    assert_eq!(
        app.get_bearer("/api/account", &key).await.status(),
        StatusCode::OK
    );
    let cookie = app.sign_in(&account).await;
    let profile = app
        .client
        .get(app.url("/profile"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), StatusCode::OK);
    let html = profile.text().await.unwrap();
    assert!(html.contains(&account.email), "the profile renders");
    assert!(
        html.contains("The MySQL server is not answering right now"),
        "with the banner"
    );

    mariadb.start().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _, _) = databases_status(&app, &key).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {status} after MariaDB came back"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let profile = app
        .client
        .get(app.url("/profile"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let html = profile.text().await.unwrap();
    assert!(
        !html.contains("The MySQL server is not answering"),
        "the banner is gone: {html}"
    );
}
