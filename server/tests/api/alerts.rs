//! Alerts (issue 27, item 5): webhooks get signed events — checked here with HMAC-SHA256 apart
//! from the panel's own code — retried while the receiver is down; private addresses are refused
//! unless the operator allows them; another account's webhook is 404; emails reach an SMTP sink.
use crate::backups::{account_with_database, wait_backup};
use crate::helpers::{TestApp, refusal, refusal_with_message, spawn_app_with, test_settings};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use server::config::{Settings, TrustedProxies};
use sha2::Sha256;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use types::alerts::{AlertEvent, CreateWebhook, DeliveryStatus};
use types::backups::JobStatus;

const SECRET: &str = "a-secret-of-the-receiver-1234";

/// Private addresses allowed (the receiver is on 127.0.0.1), one-second backoff, a fast pass.
fn alert_settings() -> Settings {
    let mut settings = test_settings();
    settings.webhook_allow_private = true;
    settings.alert_backoff = vec![Duration::from_secs(1); 5];
    settings.alert_tick = Duration::from_millis(200);
    settings
}

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    event: String,
    delivery: String,
    signed: bool,
    body: serde_json::Value,
}

#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    /// The status it answers with.
    answer: Arc<AtomicU16>,
}

impl Receiver {
    fn got(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn wait_for(&self, event: &str) -> Received {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(found) = self.got().into_iter().find(|r| r.event == event) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no {event} arrived: {:?}",
                self.got()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A receiver on `listener` that checks each request's signature with `SECRET` itself.
fn serve(listener: TcpListener, receiver: Receiver) {
    async fn hook(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        receiver.received.lock().unwrap().push(Received {
            event: header("x-nobregas-event"),
            delivery: header("x-nobregas-delivery"),
            signed: signature_holds(&header("x-nobregas-signature"), &body),
            body: serde_json::from_slice(&body).unwrap_or_default(),
        });
        StatusCode::from_u16(receiver.answer.load(Ordering::SeqCst)).unwrap()
    }
    let router = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, router).await });
}

async fn start_receiver() -> (String, Receiver) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let receiver = Receiver::default();
    receiver.answer.store(200, Ordering::SeqCst);
    serve(listener, receiver.clone());
    (url, receiver)
}

/// `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, made within the last five minutes.
fn signature_holds(header: &str, body: &[u8]) -> bool {
    let mut parts = header.split(',');
    let (Some(t), Some(v1)) = (parts.next(), parts.next()) else {
        return false;
    };
    let (Some(t), Some(v1)) = (t.strip_prefix("t="), v1.strip_prefix("v1=")) else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if t.parse::<i64>().is_ok_and(|t| (now - t).abs() > 300) {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    expected == v1
}

fn webhook(url: &str, events: &[AlertEvent]) -> CreateWebhook {
    CreateWebhook {
        url: url.to_owned(),
        secret: Some(SECRET.to_owned()),
        events: events.to_vec(),
    }
}

#[tokio::test]
async fn a_failing_backup_sends_a_signed_event_to_the_webhook() {
    let mut settings = alert_settings();
    // A backup cannot fit in one byte of quota: it fails with "storage is full".
    settings.backup_quota_bytes = 1;
    let app = spawn_app_with(settings).await;
    let (account, key, db) = account_with_database(&app, "hooked").await;
    let (url, receiver) = start_receiver().await;
    let api = app.api(&key);
    let created = api
        .create_webhook(&webhook(&url, &[AlertEvent::BackupFailed]))
        .await
        .unwrap();
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        created.value.secret, None,
        "a secret given is not answered back"
    );
    let id = created.value.webhook.id.clone();

    let backup = api.create_backup(&db).await.unwrap().value.id;
    let failed = wait_backup(&app, &key, &backup).await;
    assert_eq!(failed.value.status, JobStatus::Failed);

    let event = receiver.wait_for("backup.failed").await;
    assert!(
        event.signed,
        "the signature checks out with the secret: {event:?}"
    );
    assert_eq!(event.body["event"], "backup.failed");
    assert_eq!(event.body["account"], account.prefix.as_str());
    assert_eq!(event.body["data"]["database"], db.as_str());
    assert_eq!(event.body["data"]["backup_id"], backup.as_str());
    let error = event.body["data"]["error"].as_str().unwrap();
    assert!(error.contains("storage is full"), "{error}");
    assert_eq!(receiver.got().len(), 1, "nothing it did not subscribe to");

    let log = wait_delivered(&app, &key, &id).await;
    assert_eq!(log.attempts, 1);
    assert_eq!(log.last_status_code, Some(200));
    assert_eq!(log.event, AlertEvent::BackupFailed);
    assert_eq!(event.delivery, log.id.to_string());
}

/// The webhook's newest delivery, once delivered.
async fn wait_delivered(app: &TestApp, key: &str, id: &str) -> types::alerts::Delivery {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let log = app.api(key).list_webhook_deliveries(id).await.unwrap();
        if let Some(newest) = log.value.deliveries.first()
            && newest.status == DeliveryStatus::Delivered
        {
            return newest.clone();
        }
        assert!(Instant::now() < deadline, "not delivered: {}", log.raw);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_retries_until_it_answers() {
    let app = spawn_app_with(alert_settings()).await;
    let (_, key, _) = account_with_database(&app, "down").await;
    // A port nobody listens on yet: the receiver comes up there later.
    let parked = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = parked.local_addr().unwrap();
    drop(parked);
    let url = format!("http://{address}/hook");
    let api = app.api(&key);
    let id = api
        .create_webhook(&webhook(&url, &[]))
        .await
        .unwrap()
        .value
        .webhook
        .id;
    let queued = api.test_webhook(&id).await.unwrap();
    assert_eq!(queued.status, StatusCode::ACCEPTED);
    assert_eq!(queued.value.event, AlertEvent::Ping);

    // Two failed attempts, each recorded with why.
    let deadline = Instant::now() + Duration::from_secs(30);
    let failing = loop {
        let log = api.list_webhook_deliveries(&id).await.unwrap().value;
        let delivery = log.deliveries[0].clone();
        if delivery.attempts >= 2 {
            break delivery;
        }
        assert!(Instant::now() < deadline, "no retry: {delivery:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(failing.status, DeliveryStatus::Pending);
    assert_eq!(failing.last_status_code, None);
    assert!(
        failing
            .last_error
            .as_deref()
            .unwrap()
            .contains("could not be reached"),
        "{failing:?}"
    );

    // The receiver comes up, first answering 503, then 204.
    let receiver = Receiver::default();
    receiver.answer.store(503, Ordering::SeqCst);
    serve(TcpListener::bind(address).await.unwrap(), receiver.clone());
    receiver.wait_for("ping").await;
    receiver.answer.store(204, Ordering::SeqCst);
    let delivered = wait_delivered(&app, &key, &id).await;
    assert!(delivered.attempts >= 4, "{delivered:?}");
    assert_eq!(delivered.last_status_code, Some(204));
    let got = receiver.got();
    assert!(got.len() >= 2 && got.iter().all(|r| r.signed && r.event == "ping"));
    assert!(
        got.iter().all(|r| r.delivery == delivered.id.to_string()),
        "every attempt carries the same delivery id"
    );
}

#[tokio::test]
async fn webhooks_to_private_addresses_are_refused_unless_the_operator_allows_them() {
    let app = spawn_app_with(test_settings()).await;
    let (_, key, _) = account_with_database(&app, "ssrf").await;
    let api = app.api(&key);
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://10.0.0.1/",
        "http://localhost/",
    ] {
        let (status, code, message) =
            refusal_with_message(api.create_webhook(&webhook(url, &[])).await);
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            "{url}"
        );
        assert!(
            message.contains("NOBREGAS_WEBHOOK_ALLOW_PRIVATE"),
            "{message}"
        );
    }
    for url in [
        "ftp://example.com/",
        "https://user:pw@example.com/",
        "nonsense",
    ] {
        let (status, _) = refusal(api.create_webhook(&webhook(url, &[])).await);
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
    }
    let short = CreateWebhook {
        secret: Some("short".into()),
        ..webhook("https://example.com/", &[])
    };
    assert_eq!(
        refusal(api.create_webhook(&short).await).0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(api.list_webhooks().await.unwrap().value.webhooks.is_empty());

    // Allowed by the operator: the panel makes a secret when none is given, and answers it once.
    let app = spawn_app_with(alert_settings()).await;
    let (_, key, _) = account_with_database(&app, "private").await;
    let api = app.api(&key);
    let request = CreateWebhook {
        secret: None,
        ..webhook("http://127.0.0.1:9/hook", &[])
    };
    let created = api.create_webhook(&request).await.unwrap().value;
    assert!(created.secret.as_deref().unwrap().len() >= 32);
    assert!(
        !created
            .webhook
            .events
            .contains(&AlertEvent::BackupSucceeded)
    );
    assert!(created.webhook.events.contains(&AlertEvent::BackupFailed));
    let listed = api.list_webhooks().await.unwrap();
    assert_eq!(listed.value.webhooks, vec![created.webhook.clone()]);
    assert!(!listed.raw.contains("secret"), "{}", listed.raw);
    // At most ten.
    for _ in 1..10 {
        api.create_webhook(&request).await.unwrap();
    }
    let (status, code) = refusal(api.create_webhook(&request).await);
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "conflict"));
    assert_eq!(
        api.delete_webhook(&created.webhook.id).await.unwrap(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(api.list_webhooks().await.unwrap().value.webhooks.len(), 9);
}

#[tokio::test]
async fn another_accounts_webhook_is_404() {
    let app = spawn_app_with(alert_settings()).await;
    let (_, owner_key, _) = account_with_database(&app, "owner").await;
    let (_, other_key, _) = account_with_database(&app, "other").await;
    let id = app
        .api(&owner_key)
        .create_webhook(&webhook("http://127.0.0.1:9/hook", &[]))
        .await
        .unwrap()
        .value
        .webhook
        .id;
    let other = app.api(&other_key);
    assert_eq!(
        refusal(other.delete_webhook(&id).await).0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        refusal(other.list_webhook_deliveries(&id).await).0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        refusal(other.test_webhook(&id).await).0,
        StatusCode::NOT_FOUND
    );
    assert!(
        other
            .list_webhooks()
            .await
            .unwrap()
            .value
            .webhooks
            .is_empty()
    );
    let owner = app.api(&owner_key);
    assert_eq!(owner.list_webhooks().await.unwrap().value.webhooks.len(), 1);
    assert!(
        owner
            .list_webhook_deliveries(&id)
            .await
            .unwrap()
            .value
            .deliveries
            .is_empty(),
        "the other account's test queued nothing"
    );
}

#[tokio::test]
async fn a_key_regenerated_or_used_from_a_new_address_is_told() {
    let mut settings = alert_settings();
    // Behind a trusted proxy, X-Forwarded-For says where each request came from.
    settings.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    let app = spawn_app_with(settings).await;
    let (account, key, _) = account_with_database(&app, "keys").await;
    let (url, receiver) = start_receiver().await;
    let events = [AlertEvent::ApiKeyRegenerated, AlertEvent::ApiKeyNewIp];
    app.api(&key)
        .create_webhook(&webhook(&url, &events))
        .await
        .unwrap();
    let from = |ip: &'static str, key: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/api/account"))
                .bearer_auth(key)
                .header("x-forwarded-for", ip)
                .header("x-forwarded-proto", "https")
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(from("203.0.113.7", key.clone()).await, StatusCode::OK);
    let new_ip = receiver.wait_for("api_key.new_ip").await;
    assert!(new_ip.signed);
    assert_eq!(new_ip.body["data"]["ip"], "203.0.113.7");
    // The same address again is not news.
    assert_eq!(from("203.0.113.7", key.clone()).await, StatusCode::OK);
    let key = app.issue_key(&account).await;
    let regenerated = receiver.wait_for("api_key.regenerated").await;
    assert!(
        regenerated.body["data"]["key"]
            .as_str()
            .unwrap()
            .ends_with(&key[key.len() - 4..])
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let news: Vec<_> = receiver
        .got()
        .into_iter()
        .filter(|r| r.event == "api_key.new_ip")
        .collect();
    assert_eq!(news.len(), 1, "{news:?}");
}

/// A tiny SMTP server: answers every command and keeps each message's DATA.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let kept = messages.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            kept.lock().unwrap().push(data.take().unwrap());
                            write.write_all(b"250 kept\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => b"221 bye\r\n",
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(answer).await.unwrap();
                    if verb == "QUIT" {
                        return;
                    }
                }
            });
        }
    });
    (port, messages)
}

#[tokio::test]
async fn alerts_are_emailed_through_the_operators_smtp_server() {
    let (port, messages) = smtp_sink().await;
    let mut settings = alert_settings();
    settings.smtp_url = Some(format!("smtp://127.0.0.1:{port}?from=panel@example.test"));
    let app = spawn_app_with(settings).await;
    let account = app.create_account().await;
    app.issue_key(&account).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let message = loop {
        if let Some(message) = messages.lock().unwrap().first().cloned() {
            break message;
        }
        assert!(Instant::now() < deadline, "no email arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        message.contains(&format!("To: {}", account.email)),
        "{message}"
    );
    assert!(message.contains("<panel@example.test>"), "{message}");
    assert!(
        message.contains("Subject: [Nobregas] The API key was regenerated"),
        "{message}"
    );
    assert!(message.contains("api_key.regenerated"), "{message}");
}
