//! Issue 22, finding 11: registered servers were reached with sqlx's default `PREFERRED` TLS — no
//! certificate check — so anyone on the path saw the admin login and every `IDENTIFIED BY`. A
//! server off loopback now needs verified TLS (`--ca`) or an explicit `--tls-insecure`.
use crate::fleet::panel_cli;
use crate::helpers::spawn_app;
use crate::private_mariadb::PrivateMariaDb;

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_server_off_loopback_needs_verified_tls_and_the_certificate_is_checked() {
    let app = spawn_app().await;
    let list =
        || String::from_utf8_lossy(&panel_cli(&app, &["server", "list"], "").stdout).into_owned();

    // Off loopback without --ca: refused before any connection is attempted.
    let started = std::time::Instant::now();
    let refused = panel_cli(
        &app,
        &[
            "server",
            "add",
            "--name",
            "far",
            "--url",
            "mysql://root@10.255.255.1:3306",
            "--password-stdin",
        ],
        "pw\n",
    );
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--ca"), "{}", stderr(&refused));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "it did not try to connect first"
    );
    assert!(!list().contains("far"));

    // A server that speaks TLS (and nothing else over TCP), with a certificate for 127.0.0.1.
    let mut db = PrivateMariaDb::install();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert, key, ca) = (
        db.dir.join("cert.pem"),
        db.dir.join("key.pem"),
        db.dir.join("ca.pem"),
    );
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    std::fs::write(&ca, certified.cert.pem()).unwrap();
    db.start_with(&[
        format!("--ssl-cert={}", cert.display()),
        format!("--ssl-key={}", key.display()),
        "--require-secure-transport=ON".to_owned(),
    ])
    .await;
    let url = db.url();

    // A CA that did not sign the server's certificate: the connection is refused, nothing registered.
    let stranger = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let wrong_ca = db.dir.join("wrong-ca.pem");
    std::fs::write(&wrong_ca, stranger.cert.pem()).unwrap();
    let spoofed = panel_cli(
        &app,
        &[
            "server",
            "add",
            "--name",
            "spoofed",
            "--url",
            &url,
            "--ca",
            wrong_ca.to_str().unwrap(),
            "--password-stdin",
        ],
        "\n",
    );
    assert!(
        !spoofed.status.success(),
        "a certificate the CA did not sign was accepted"
    );
    assert!(!list().contains("spoofed"));

    // The right CA: registered, listed as verified, and usable (the server takes only TLS).
    let added = panel_cli(
        &app,
        &[
            "server",
            "add",
            "--name",
            "tlsdb",
            "--url",
            &url,
            "--ca",
            ca.to_str().unwrap(),
            "--password-stdin",
        ],
        "\n",
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let listed = list();
    let line = listed
        .lines()
        .find(|line| line.starts_with("tlsdb"))
        .unwrap_or_default()
        .to_owned();
    assert!(
        line.contains(" up ") && line.split_whitespace().any(|field| field == "verified"),
        "{listed}"
    );
    let server = app
        .state
        .fleet
        .all(&app.state.store)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "tlsdb")
        .unwrap();
    let cipher: (String, String) = sqlx::query_as("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .fetch_one(&server.pool)
        .await
        .unwrap();
    assert!(!cipher.1.is_empty(), "the admin session is encrypted");

    // --tls-insecure must be spelled out, and shows.
    let insecure = panel_cli(
        &app,
        &[
            "server",
            "add",
            "--name",
            "lax",
            "--url",
            &url,
            "--tls-insecure",
            "--password-stdin",
        ],
        "\n",
    );
    assert!(insecure.status.success(), "{}", stderr(&insecure));
    assert!(
        list().lines().any(|line| line.starts_with("lax")
            && line.split_whitespace().any(|field| field == "INSECURE")),
        "{}",
        list()
    );
    for name in ["tlsdb", "lax"] {
        assert!(
            panel_cli(&app, &["server", "remove", "--name", name], "")
                .status
                .success()
        );
    }
}
