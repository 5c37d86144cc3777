//! The operator CLI, run as a real process against a data dir of its own.
use server::domain::secret::random_base62;
use std::io::Write;
use std::process::{Command, Output, Stdio};

struct DataDir(std::path::PathBuf);

impl DataDir {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("nobregas-cli-{}", random_base62(12))))
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
            .args(args)
            .env("NOBREGAS_DATA_DIR", &self.0)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

impl DataDir {
    /// `account create --email E --prefix P --password-stdin`, the password on stdin.
    fn create_account(&self, email: &str, prefix: &str, password: &str) -> Output {
        self.run(
            &[
                "account",
                "create",
                "--email",
                email,
                "--prefix",
                prefix,
                "--password-stdin",
            ],
            &format!("{password}\n"),
        )
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn account_create_validates_and_refuses_duplicates() {
    let dir = DataDir::new();
    let create =
        |email: &str, prefix: &str, password: &str| dir.create_account(email, prefix, password);
    let ok = create("ann@example.test", "ann", "a good password");
    assert!(ok.status.success(), "{}", stderr(&ok));

    let duplicate_email = create("ANN@example.test", "other", "a good password");
    assert!(!duplicate_email.status.success());
    assert!(
        stderr(&duplicate_email).contains("already exists"),
        "{}",
        stderr(&duplicate_email)
    );

    let duplicate_prefix = create("bob@example.test", "ann", "a good password");
    assert!(!duplicate_prefix.status.success());
    assert!(stderr(&duplicate_prefix).contains("prefix ann is already taken"));

    for bad_prefix in ["A", "1abc", "ann_x", "toolongprefix12345"] {
        let bad = create("cat@example.test", bad_prefix, "a good password");
        assert!(!bad.status.success(), "{bad_prefix}");
        assert!(stderr(&bad).contains("prefix"), "{}", stderr(&bad));
    }
    // Weakness 6: prefixes whose `<prefix>_` names belong to the server itself.
    for reserved in ["test", "mysql", "sys", "performance", "information"] {
        let refused = create("fay@example.test", reserved, "a good password");
        assert!(!refused.status.success(), "{reserved}");
        assert!(
            stderr(&refused).contains(&format!("The prefix {reserved} is reserved")),
            "{}",
            stderr(&refused)
        );
    }
    let short = create("dan@example.test", "dan", "short");
    assert!(!short.status.success());
    assert!(stderr(&short).contains("8–128"));
}

#[test]
fn key_regenerate_prints_only_a_new_key() {
    let dir = DataDir::new();
    let created = dir.run(
        &[
            "account",
            "create",
            "--email",
            "eve@example.test",
            "--prefix",
            "eve",
            "--password-stdin",
        ],
        "pw123456\n",
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let first = dir.run(&["key", "regenerate", "--email", "eve@example.test"], "");
    let second = dir.run(&["key", "regenerate", "--email", "eve@example.test"], "");
    assert!(first.status.success() && second.status.success());
    let (first, second) = (
        String::from_utf8(first.stdout).unwrap(),
        String::from_utf8(second.stdout).unwrap(),
    );
    for out in [&first, &second] {
        assert_eq!(out.lines().count(), 1, "stdout is only the key: {out:?}");
        let key = out.trim_end();
        assert!(key.starts_with("nbg_") && key.len() == 40, "{key}");
    }
    assert_ne!(first, second);

    let unknown = dir.run(&["key", "regenerate", "--email", "nobody@example.test"], "");
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("No account"));
}

#[test]
fn ensure_first_creates_one_account_only_once() {
    let dir = DataDir::new();
    // A random prefix: `admin_…` databases on the shared server would (rightly) refuse the default.
    let prefix = format!("f{}", random_base62(10).to_lowercase());
    let first = dir.run(&["account", "ensure-first", "--prefix", &prefix], "");
    assert!(first.status.success(), "{}", stderr(&first));
    let stdout = String::from_utf8(first.stdout).unwrap();
    assert!(stdout.contains("admin@example.com") && stdout.contains("password:"));
    let again = dir.run(&["account", "ensure-first", "--prefix", &prefix], "");
    assert!(again.status.success());
    assert!(String::from_utf8(again.stdout).unwrap().is_empty());
}

/// Issue 22: `serve` on an address other than loopback, with neither TLS nor a trusted proxy,
/// refuses to start (credentials would cross the network in the clear) unless told otherwise.
#[test]
fn serve_refuses_plain_http_on_a_public_address() {
    let dir = DataDir::new();
    let refused = dir.run(&["serve", "--listen", "0.0.0.0:0"], "");
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--allow-plain-http"),
        "{}",
        stderr(&refused)
    );
}

/// Issue 26's contract: `plan create|update|list|delete`, `account create --plan`, `account set-plan`.
#[test]
fn plans_are_created_listed_updated_assigned_and_deleted_from_the_command_line() {
    let dir = DataDir::new();
    let ok = |args: &[&str], stdin: &str| {
        let output = dir.run(args, stdin);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let refused = |args: &[&str], stdin: &str| {
        let output = dir.run(args, stdin);
        assert!(!output.status.success(), "{args:?} succeeded");
        stderr(&output)
    };
    // The plan's row of `plan list`: NAME ACCOUNTS DATABASES USERS STORAGE BACKUPS CONNECTIONS
    // QUERIES/H WHITELIST GRACE(H).
    let row = |name: &str| -> Vec<String> {
        ok(&["plan", "list"], "")
            .lines()
            .map(|line| {
                line.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .find(|cells| cells.first().map(String::as_str) == Some(name))
            .unwrap_or_else(|| panic!("no plan {name} listed"))
    };

    ok(
        &[
            "plan",
            "create",
            "--name",
            "Basic",
            "--max-databases",
            "5",
            "--max-storage",
            "1GiB",
            "--max-user-connections",
            "10",
            "--storage-grace-hours",
            "24",
        ],
        "",
    );
    assert!(refused(&["plan", "create", "--name", "Basic"], "").contains("exists"));
    assert!(
        refused(
            &[
                "plan",
                "create",
                "--name",
                "Odd",
                "--max-storage",
                "1 parsec"
            ],
            ""
        )
        .contains("unit")
    );
    assert_eq!(
        row("Basic"),
        ["Basic", "0", "5", "-", "1GiB", "-", "10", "-", "-", "24"]
    );
    assert_eq!(
        row("default")[2..],
        ["-", "-", "-", "-", "-", "-", "-", "72"]
    );

    ok(
        &[
            "plan",
            "update",
            "--name",
            "Basic",
            "--max-databases",
            "unlimited",
            "--max-users",
            "3",
            "--storage-grace-hours",
            "default",
        ],
        "",
    );
    assert_eq!(
        row("Basic"),
        ["Basic", "0", "-", "3", "1GiB", "-", "10", "-", "-", "72"]
    );

    let prefix = crate::helpers::random_prefix();
    let email = format!("{prefix}@plans.test");
    let create = |plan: &str| {
        vec![
            "account".to_owned(),
            "create".to_owned(),
            "--email".to_owned(),
            email.clone(),
            "--prefix".to_owned(),
            prefix.clone(),
            "--password-stdin".to_owned(),
            "--plan".to_owned(),
            plan.to_owned(),
        ]
    };
    let unknown = create("Nope");
    let unknown: Vec<&str> = unknown.iter().map(String::as_str).collect();
    assert!(refused(&unknown, "a good password\n").contains("No plan named Nope"));
    assert!(
        refused(
            &["account", "set-plan", "--email", &email, "--plan", "Basic"],
            ""
        )
        .contains("No account")
    );
    let basic = create("Basic");
    let basic: Vec<&str> = basic.iter().map(String::as_str).collect();
    ok(&basic, "a good password\n");
    assert_eq!(row("Basic")[1], "1");
    assert!(
        refused(&["plan", "delete", "--name", "Basic"], "")
            .contains("account(s) are on plan Basic")
    );

    ok(
        &[
            "account", "set-plan", "--email", &email, "--plan", "default",
        ],
        "",
    );
    assert_eq!(row("Basic")[1], "0");
    ok(&["plan", "delete", "--name", "Basic"], "");
    assert!(!ok(&["plan", "list"], "").contains("Basic"));
    assert!(refused(&["plan", "delete", "--name", "default"], "").contains("cannot be deleted"));
    crate::helpers::remove_account_footprint(&prefix);
}

#[test]
fn accounts_are_suspended_with_a_reason_and_resumed_from_the_command_line() {
    let dir = DataDir::new();
    let prefix = format!("s{}", random_base62(10).to_lowercase());
    let email = format!("{prefix}@example.test");
    let run = |args: &[&str]| dir.run(args, "a good password\n");
    let created = dir.create_account(&email, &prefix, "a good password");
    assert!(created.status.success(), "{}", stderr(&created));

    let no_reason = run(&["account", "suspend", "--email", &email, "--reason", " "]);
    assert!(!no_reason.status.success());
    assert!(
        stderr(&no_reason).contains("reason"),
        "{}",
        stderr(&no_reason)
    );
    let unknown = run(&[
        "account",
        "suspend",
        "--email",
        "nobody@example.test",
        "--reason",
        "unpaid",
    ]);
    assert!(
        stderr(&unknown).contains("No account"),
        "{}",
        stderr(&unknown)
    );

    let suspended = run(&[
        "account", "suspend", "--email", &email, "--reason", "unpaid",
    ]);
    assert!(suspended.status.success(), "{}", stderr(&suspended));
    assert!(stderr(&suspended).contains("is suspended"));
    let resumed = run(&["account", "resume", "--email", &email]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(stderr(&resumed).contains("is resumed"));
}

/// Issue 26's contract: `account delete --email E`, confirmed by typing the email on stdin.
#[test]
fn accounts_are_deleted_from_the_command_line_only_after_typing_their_email() {
    let dir = DataDir::new();
    let prefix = format!("c{}", random_base62(10).to_lowercase());
    let email = format!("{prefix}@example.test");
    let created = dir.create_account(&email, &prefix, "a good password");
    assert!(created.status.success(), "{}", stderr(&created));
    let db = format!("{prefix}_shop");
    crate::helpers::mariadb_root(&format!(
        "CREATE DATABASE `{db}`; CREATE TABLE `{db}`.t (id INT PRIMARY KEY); INSERT INTO `{db}`.t VALUES (7)"
    ));
    let exists = || {
        let out = Command::new("mariadb")
            .args(["-uroot", "-h127.0.0.1", "-N", "-e"])
            .arg(format!(
                "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{db}'"
            ))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    };

    let delete = [
        "account",
        "delete",
        "--email",
        &email,
        "--keep-backups-days",
        "3",
    ];
    let unconfirmed = dir.run(&delete, "someone-else@example.test\n");
    assert!(!unconfirmed.status.success());
    assert!(
        stderr(&unconfirmed).contains("Not confirmed"),
        "{}",
        stderr(&unconfirmed)
    );
    assert!(exists(), "nothing changed");

    let deleted = dir.run(&delete, &format!("{email}\n"));
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    assert!(!exists(), "the database is dropped");
    let listed = String::from_utf8_lossy(&deleted.stdout).into_owned();
    let (database, file) = listed.trim().split_once('\t').expect("database<TAB>file");
    assert_eq!(database, db);
    assert!(std::path::Path::new(file).exists(), "{file}");
    assert!(stderr(&deleted).contains("free again after"));
    let again = dir.create_account(&format!("other-{email}"), &prefix, "a good password");
    assert!(!again.status.success(), "the prefix is kept for the period");
    crate::helpers::remove_account_footprint(&prefix);
}

/// Issue 26's contract: `account create … --operator` and `account promote --email E`.
#[test]
fn operators_are_made_at_creation_or_promoted_from_the_command_line() {
    let dir = DataDir::new();
    let operator = format!("o{}", random_base62(10).to_lowercase());
    let customer = format!("u{}", random_base62(10).to_lowercase());
    let email = |prefix: &str| format!("{prefix}@example.test");
    let made = dir.run(
        &[
            "account",
            "create",
            "--email",
            &email(&operator),
            "--prefix",
            &operator,
            "--password-stdin",
            "--operator",
        ],
        "a good password\n",
    );
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(stderr(&made).contains("(an operator)"), "{}", stderr(&made));
    let created = dir.create_account(&email(&customer), &customer, "a good password");
    assert!(!stderr(&created).contains("operator"));
    let promoted = dir.run(&["account", "promote", "--email", &email(&customer)], "");
    assert!(promoted.status.success(), "{}", stderr(&promoted));
    assert!(stderr(&promoted).contains("is an operator"));
    let unknown = dir.run(
        &["account", "promote", "--email", "nobody@example.test"],
        "",
    );
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("No account"));
    for prefix in [operator, customer] {
        crate::helpers::remove_account_footprint(&prefix);
    }
}
