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
use crate::services::queries::identity::Login;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A `mariadb-dump` command logging in as `login`, its options already in its standard input.
pub fn dump_command(tool: &Path, login: &Login) -> std::io::Result<Command> {
    let (reader, mut writer) = std::io::pipe()?;
    let run_as = unprivileged_user();
    if let Some((uid, gid)) = run_as {
        // The child reopens the pipe through /dev/stdin: it must be its own to open.
        std::os::unix::fs::fchown(&reader, Some(uid), Some(gid))?;
    }
    writer.write_all(option_file(login).as_bytes())?;
    drop(writer);
    let mut command = Command::new(tool);
    command
        .env_clear()
        .current_dir("/")
        .arg("--defaults-file=/dev/stdin")
        .stdin(Stdio::from(reader));
    if let Some((uid, gid)) = run_as {
        // std drops the supplementary groups too when root sets a uid.
        command.uid(uid).gid(gid);
    }
    Ok(command)
}

fn option_file(login: &Login) -> String {
    format!(
        "[client]\nuser={}\npassword={}\nsocket={}\nprotocol=socket\n",
        option_value(&login.user),
        option_value(&login.password),
        option_value(&login.socket.to_string_lossy())
    )
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
            socket: "/run/mysqld/mysqld.sock".into(),
        };
        let text = option_file(&login);
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
        let output = dump_command(&script, &login).unwrap().output().unwrap();
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
    fn option_values_are_quoted() {
        assert_eq!(option_value(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
