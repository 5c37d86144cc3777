//! Running `mariadb-dump` as an account's identity: the credentials go into a 0600 option file
//! of the job's own (never onto a command line, where `ps` shows them), and that file is the only
//! one the tool reads (`--defaults-file`): no `~/.my.cnf` or `/etc/mysql/…` of the panel's OS user
//! can change who it logs in as or what it dumps. Its environment is emptied for the same reason
//! (`MYSQL_HOST`, `MYSQL_PWD`, `MARIADB_HOME` …). Customer files never reach a client: imports and
//! restores run through the panel's own driver (`load`).
use crate::services::queries::identity::Login;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// An option file that exists while this value lives.
pub struct OptionFile(PathBuf);

impl OptionFile {
    pub fn write(dir: &Path, job_id: &str, login: &Login) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{job_id}.cnf"));
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
        writeln!(
            file,
            "[client]\nuser={}\npassword={}\nsocket={}",
            option_value(&login.user),
            option_value(&login.password),
            option_value(&login.socket.to_string_lossy())
        )?;
        file.sync_all()?;
        Ok(Self(path))
    }

    /// `--defaults-file=…`: must be the client's first argument.
    pub fn argument(&self) -> String {
        format!("--defaults-file={}", self.0.display())
    }
}

impl Drop for OptionFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
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
    fn the_option_file_is_private_and_gone_when_dropped() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("nobregas-optfile-{}", std::process::id()));
        let login = Login { user: "acme-panel".into(), password: "p\"w".into(), socket: "/run/mysqld/mysqld.sock".into() };
        let file = OptionFile::write(&dir, "job1", &login).unwrap();
        let path = dir.join("job1.cnf");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("user=\"acme-panel\"") && text.contains("password=\"p\\\"w\""), "{text}");
        assert_eq!(file.argument(), format!("--defaults-file={}", path.display()));
        drop(file);
        assert!(!path.exists());
        let _ = std::fs::remove_dir(&dir);
    }

    #[test]
    fn option_values_are_quoted() {
        assert_eq!(option_value(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
