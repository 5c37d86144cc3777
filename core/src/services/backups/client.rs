//! Running `mariadb-dump` — the one MariaDB client the panel still starts — as an account's
//! identity, so that nothing of the panel's own machine can change whom it logs in as or what it
//! does:
//! - its options are one option file that exists only in a pipe, handed over as its standard input
//!   (`--defaults-file=/dev/stdin`, which must be the first argument): no credential on a command
//!   line (`ps`) or on disk, and no `~/.my.cnf` or `/etc/mysql/…` of the panel's OS user is read;
//! - its environment is empty (`MYSQL_HOST`, `MYSQL_PWD`, `MARIADB_HOME` … would choose the
//!   server, the password or more option files) and its working directory is `/`;
//! - when the panel runs as root, it runs as `nobody`: it needs no file of the machine, only the
//!   server's socket (credential changes make the process non-dumpable, so other `nobody`
//!   processes cannot read its pipe or memory either).
//!
//! Customer files never reach a client: imports and restores run through the panel's own driver
//! (`load`).
use crate::managed::fleet::{Route, ServerTls};
use crate::services::queries::identity::Login;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A client command whose option pipes stay open until it is spawned.
pub struct ClientCommand {
    command: Command,
    /// The CA certificate's pipe, the child's descriptor 3 (`ssl-ca=/dev/fd/3`).
    _ca: Option<std::io::PipeReader>,
}

impl ClientCommand {
    pub fn command(&mut self) -> &mut Command {
        &mut self.command
    }

    pub fn spawn(mut self) -> std::io::Result<Child> {
        self.command.spawn()
    }
}

/// A `mariadb-dump` command logging in as `login`, its options already in its standard input.
pub fn dump_command(tool: &Path, login: &Login) -> std::io::Result<ClientCommand> {
    let (reader, mut writer) = std::io::pipe()?;
    let run_as = unprivileged_user();
    if let Some((uid, gid)) = run_as {
        // The child reopens the pipe through /dev/stdin: it must be its own to open.
        std::os::unix::fs::fchown(&reader, Some(uid), Some(gid))?;
    }
    let ca_pem = match (&login.route, &login.tls) {
        (Route::Tcp { .. }, ServerTls::Verified { ca_pem }) => Some(ca_pem.as_str()),
        _ => None,
    };
    writer.write_all(option_file(login, ca_pem.is_some()).as_bytes())?;
    drop(writer);
    let mut command = Command::new(tool);
    command
        .env_clear()
        .current_dir("/")
        .arg("--defaults-file=/dev/stdin")
        .stdin(Stdio::from(reader));
    let ca = match ca_pem {
        Some(pem) => {
            // A certificate is public, but a file of it would need a directory `nobody` can
            // read: it travels in a pipe too (far below a pipe's buffer, so written at once).
            let (ca_reader, mut ca_writer) = std::io::pipe()?;
            if let Some((uid, gid)) = run_as {
                std::os::unix::fs::fchown(&ca_reader, Some(uid), Some(gid))?;
            }
            ca_writer.write_all(pem.as_bytes())?;
            drop(ca_writer);
            let fd = ca_reader.as_raw_fd();
            // SAFETY: dup2 and fcntl are async-signal-safe; nothing else runs in the closure.
            unsafe {
                command.pre_exec(move || {
                    if fd == 3 {
                        // Already descriptor 3: only its close-on-exec flag must go.
                        if libc::fcntl(3, libc::F_SETFD, 0) == -1 {
                            return Err(std::io::Error::last_os_error());
                        }
                    } else if libc::dup2(fd, 3) == -1 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            Some(ca_reader)
        }
        None => None,
    };
    if let Some((uid, gid)) = run_as {
        // std drops the supplementary groups too when root sets a uid.
        command.uid(uid).gid(gid);
    }
    Ok(ClientCommand { command, _ca: ca })
}

/// The client's whole configuration: the login, and the route — the server's socket, or TCP with
/// TLS as the panel's own connections have it (the certificate and host name checked against the
/// CA in descriptor 3 when `verified_ca`).
fn option_file(login: &Login, verified_ca: bool) -> String {
    let mut text = format!(
        "[client]\nuser={}\npassword={}\n",
        option_value(&login.user),
        option_value(&login.password),
    );
    match &login.route {
        Route::Socket(socket) => text.push_str(&format!(
            "socket={}\nprotocol=socket\n",
            option_value(&socket.to_string_lossy())
        )),
        Route::Tcp { host, port, .. } => {
            text.push_str(&format!(
                "host={}\nport={port}\nprotocol=tcp\n",
                option_value(host)
            ));
            match (&login.tls, verified_ca) {
                (_, true) => text.push_str("ssl\nssl-ca=/dev/fd/3\nssl-verify-server-cert\n"),
                (ServerTls::Insecure, _) => text.push_str("ssl\n"),
                _ => {}
            }
        }
    }
    text
}

/// `nobody` when the panel runs as root (`make run` on a fresh machine); else the panel's own user.
fn unprivileged_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    // SAFETY: getpwnam reads a static entry; it is copied out at once, before any other call could
    // overwrite it (start-up and job threads do not call getpw* elsewhere).
    let nobody = unsafe { libc::getpwnam(c"nobody".as_ptr()) };
    // SAFETY: a non-null result points to a valid passwd entry.
    Some(if nobody.is_null() {
        (65534, 65534)
    } else {
        unsafe { ((*nobody).pw_uid, (*nobody).pw_gid) }
    })
}

/// Option files read `\` escapes inside double quotes: quote every value.
fn option_value(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The first of `names` found on PATH (MariaDB's names first, MySQL's as the fallback).
pub fn find_tool(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(["/usr/bin".into(), "/usr/local/bin".into()])
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

pub fn dump_tool() -> Option<PathBuf> {
    find_tool(&["mariadb-dump", "mysqldump"])
}

/// The last lines a failed tool wrote, for the job's error.
pub fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_travel_in_a_pipe_and_nothing_else_reaches_the_client() {
        use std::os::unix::fs::PermissionsExt;
        let login = Login {
            user: "acme-panel".into(),
            password: "p\"w".into(),
            route: Route::Socket("/run/mysqld/mysqld.sock".into()),
            tls: ServerTls::Loopback,
        };
        let text = option_file(&login, false);
        assert!(
            text.contains("user=\"acme-panel\"") && text.contains("password=\"p\\\"w\""),
            "{text}"
        );
        // A stand-in for the client that shows what it would read, see, and be.
        let dir = std::env::temp_dir().join(format!(
            "nobregas-client-{}",
            crate::domain::secret::random_base62(8)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("client");
        std::fs::write(&script, "#!/bin/sh\necho \"args: $*\"\ncat /dev/stdin\necho \"env: $(env | grep -v '^PWD=' | wc -l)\"\necho \"cwd: $PWD\"\necho \"uid: $(id -u)\"\n").unwrap();
        for path in [&dir, &script] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let output = dump_command(&script, &login)
            .unwrap()
            .command()
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let seen = String::from_utf8(output.stdout).unwrap();
        assert!(
            output.status.success(),
            "{seen} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            seen.starts_with("args: --defaults-file=/dev/stdin\n"),
            "{seen}"
        );
        assert!(seen.contains(&text), "{seen}");
        assert!(
            seen.contains("env: 0\n") || seen.contains("env: 1\n"),
            "an empty environment (sh adds a few of its own): {seen}"
        );
        assert!(seen.contains("cwd: /\n"), "{seen}");
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            assert!(
                !seen.contains("uid: 0\n"),
                "as root, the client runs as nobody: {seen}"
            );
        }
    }

    #[test]
    fn over_tcp_the_client_checks_the_certificate_against_the_ca_in_a_pipe() {
        let login = Login {
            user: "acme-panel".into(),
            password: "pw".into(),
            route: Route::Tcp {
                host: "db2.example".into(),
                port: 3307,
                identity_hosts: vec!["203.0.113.9".into()],
            },
            tls: ServerTls::Verified {
                ca_pem: "-----BEGIN CERTIFICATE-----".into(),
            },
        };
        let text = option_file(&login, true);
        for line in [
            "host=\"db2.example\"\n",
            "port=3307\n",
            "protocol=tcp\n",
            "ssl-ca=/dev/fd/3\n",
            "ssl-verify-server-cert\n",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        assert!(!text.contains("socket"), "{text}");
    }

    #[test]
    fn option_values_are_quoted() {
        assert_eq!(option_value(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
