//! Sign-in through the login server function: answers, cookies, rotation, rate limits, CSRF.
use crate::helpers::{TestApp, session_cookie, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let wrong_password = app
        .post_login(&account.email, "not the password", None)
        .await;
    let unknown_email = app
        .post_login("nobody@example.test", "not the password", None)
        .await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_email.status(), StatusCode::UNAUTHORIZED);
    assert!(session_cookie(wrong_password.headers()).is_none());
    assert_eq!(
        wrong_password.text().await.unwrap(),
        unknown_email.text().await.unwrap()
    );
}

#[tokio::test]
async fn sign_in_sets_a_safe_cookie_and_rotates_the_session() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let response = app
        .post_login(&account.email, &account.password, None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let first = session_cookie(response.headers()).unwrap();

    // Signing in again with the old cookie yields a new id and ends the old session.
    let second = session_cookie(
        app.post_login(&account.email, &account.password, Some(&first))
            .await
            .headers(),
    )
    .unwrap();
    assert_ne!(first, second);
    let status = |cookie: String| {
        let request = app
            .client
            .get(app.url("/api/account"))
            .header("cookie", cookie);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(status(first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status(second.clone()).await, StatusCode::OK);

    let logout = app.post_rpc("logout", &second).await;
    assert_eq!(logout.status(), StatusCode::OK);
    assert!(
        logout.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(status(second).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_with_retry_after() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    for _ in 0..10 {
        assert_eq!(
            app.post_login(&account.email, "wrong password", None)
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Now even the right password waits: the limit is checked before the password.
    let limited = app
        .post_login(&account.email, &account.password, None)
        .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
}

#[tokio::test]
async fn cross_site_requests_with_the_cookie_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let cookie = app.sign_in(&account).await;
    let attempts = [
        vec![("sec-fetch-site", "cross-site".to_owned())],
        vec![("origin", "http://evil.example".to_owned())],
        vec![],
    ];
    for headers in attempts {
        let mut request = app
            .client
            .post(app.url("/rpc/regenerate_api_key"))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded");
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
    assert_eq!(
        app.get_bearer("/api/account", &key).await.status(),
        StatusCode::OK,
        "the key must be unchanged"
    );
    assert_eq!(
        app.rpc_json("regenerate_api_key", &cookie, &serde_json::json!({}))
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
}

#[tokio::test]
async fn server_functions_need_a_session() {
    let app = spawn_app().await;
    let response = app
        .rpc_json(
            "regenerate_api_key",
            "nbg_session=forged",
            &serde_json::json!({}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // A body that is not the function's JSON is the caller's mistake: 400, never a 500.
    let garbled = app
        .rpc_request("regenerate_api_key", "nbg_session=forged")
        .body("expires_at=soon")
        .send()
        .await
        .unwrap();
    assert_eq!(garbled.status(), StatusCode::BAD_REQUEST);
}

/// The timing test must not run beside this module's burst of parallel argon2 work.
static CPU_HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Weakness 3: an unknown (or malformed) email must cost one argon2 verification, like a wrong
/// password, or the answer time tells which emails have accounts. Interleaved, in an order that
/// rotates every round, so load from tests running alongside slows every side alike. Wall-clock
/// medians on a shared 2-core machine can still stray past 20% in one measurement, so it is
/// repeated up to 3 times; without the dummy verification every measurement is ~50× off.
#[tokio::test]
async fn unknown_email_and_wrong_password_take_the_same_time() {
    let _alone = CPU_HEAVY.lock().await;
    let app = spawn_app().await;
    let account = app.create_account().await;
    let mut outcome = Err(String::new());
    for _ in 0..3 {
        outcome = sign_in_medians_agree(&app, &account.email).await;
        if outcome.is_ok() {
            break;
        }
    }
    outcome.unwrap();
}

/// Medians of 31 verifications each for a wrong password, an unknown and a malformed email.
async fn sign_in_medians_agree(app: &TestApp, email: &str) -> Result<(), String> {
    use server::services::accounts::verify_credentials;
    let (store, argon2) = (&app.state.store, &app.state.login_limiter.argon2);
    let emails = [email, "nobody@example.test", "not an email"];
    let mut samples = [vec![], vec![], vec![]];
    for round in 0..31 {
        for i in 0..3 {
            let which = (round + i) % 3;
            let start = std::time::Instant::now();
            let id = verify_credentials(store, argon2, emails[which], "not the password")
                .await
                .unwrap();
            assert_eq!(id, None);
            samples[which].push(start.elapsed().as_secs_f64());
        }
    }
    let medians = samples.map(|mut s| {
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    });
    let reference = medians[0];
    for (what, other) in [("unknown", medians[1]), ("malformed", medians[2])] {
        if (other - reference).abs() / reference.max(other) >= 0.2 {
            return Err(format!(
                "{what} email: median {other:.4}s vs wrong password {reference:.4}s"
            ));
        }
    }
    Ok(())
}

/// Weakness 4: the attempt is counted before the password is checked, so 30 parallel guesses
/// against the limit of 10 per minute get at most 10 answers that are not 429.
#[tokio::test]
async fn parallel_wrong_guesses_cannot_outrun_the_limit() {
    let _alone = CPU_HEAVY.lock().await;
    let app = spawn_app().await;
    let account = app.create_account().await;
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..30 {
        let request = app
            .client
            .post(app.url("/rpc/login"))
            .header("origin", &app.address)
            .form(&[
                ("email", account.email.as_str()),
                ("password", &format!("wrong guess {n}")),
                ("next", "/"),
            ]);
        guesses.spawn(async move { request.send().await.unwrap() });
    }
    let (mut limited, mut others) = (0, vec![]);
    while let Some(response) = guesses.join_next().await {
        let response = response.unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry_after: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry_after));
            limited += 1;
        } else {
            others.push(response.status());
        }
    }
    assert!(
        others.len() <= 10,
        "{} guesses got past the limiter: {others:?}",
        others.len()
    );
    assert!(limited >= 20, "{limited} answers were 429");
    // None of them was let in; what passed was refused (401) or found the panel busy (503).
    assert!(
        others
            .iter()
            .all(|s| [StatusCode::UNAUTHORIZED, StatusCode::SERVICE_UNAVAILABLE].contains(s)),
        "{others:?}"
    );
}

/// A successful sign-in forgets the account's failures and does not count against the IP.
#[tokio::test]
async fn a_successful_sign_in_is_not_counted_as_a_failure() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    for _ in 0..9 {
        assert_eq!(
            app.post_login(&account.email, "wrong password", None)
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    for _ in 0..5 {
        assert_eq!(
            app.post_login(&account.email, &account.password, None)
                .await
                .status(),
            StatusCode::OK
        );
    }
    // The IP holds 9 failures: one more failure is allowed, the next is limited.
    assert_eq!(
        app.post_login("other@example.test", "wrong password", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.post_login("other@example.test", "wrong password", None)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Weakness 8: `next` is what the server function receives, already percent-decoded; anything
/// but a plain path on this site sends the browser to `/`, and nothing panics the server.
#[tokio::test]
async fn a_bad_next_redirects_home_and_never_breaks_the_server() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let sign_in = |next: &str, accept_html: bool| {
        let mut request = app
            .client
            .post(app.url("/rpc/login"))
            .header("origin", &app.address)
            .form(&[
                ("email", account.email.as_str()),
                ("password", account.password.as_str()),
                ("next", next),
            ]);
        if accept_html {
            // A form posted without JavaScript gets a real 302.
            request = request.header("accept", "text/html");
        }
        async move { request.send().await.expect("the server answers") }
    };
    let corpus = [
        "/\t/evil.example",
        "/\n",
        "/\r\n/x",
        "/\r\nSet-Cookie: x=1",
        " /x",
        "/x y",
        "\\\\evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "//evil.example",
        "///evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "/\u{3000}/evil.example",
        "/\u{0}",
        "",
    ];
    for next in corpus {
        let response = sign_in(next, false).await;
        assert_eq!(response.status(), StatusCode::OK, "{next:?}");
        assert_eq!(response.headers()["location"], "/", "{next:?}");
        let response = sign_in(next, true).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{next:?}");
        assert_eq!(response.headers()["location"], "/", "{next:?}");
    }
    // Still paths on this site: `%2F` and `%0A` stay encoded in the Location header.
    for good in [
        "/profile",
        "/databases/x_y?tab=users",
        "/%2F/evil.example",
        "/%0A",
    ] {
        assert_eq!(sign_in(good, false).await.headers()["location"], good);
    }
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}
