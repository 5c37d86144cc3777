//! The data directory is the panel's alone: the store (every account's sessions, key hashes and
//! sealed secrets), the secret key, backups and uploads of every customer. Other OS users of the
//! machine (a customer's PHP process, `nobody`) must not read any of it.
//!
//! `umask 077` at start makes everything the panel — and SQLite, which gives its `-wal` and
//! `-shm` files the database file's mode — creates private; `prepare` also takes back what an
//! earlier version left open (0755 directories, 0644 files).
use anyhow::Context;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

pub const PRIVATE_DIR: u32 = 0o700;
pub const PRIVATE_FILE: u32 = 0o600;

/// New files and directories of this process are private (0600/0700) by default.
pub fn restrict_umask() {
    // SAFETY: umask only sets the process's file-mode creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates `data_dir` (0700) if needed and makes everything already in it private.
pub fn prepare(data_dir: &Path) -> anyhow::Result<()> {
    restrict_umask();
    create_private_dir(data_dir)
        .with_context(|| format!("Failed to create data dir {}", data_dir.display()))?;
    make_private(data_dir).with_context(|| {
        format!(
            "Failed to make {} private to the panel's user",
            data_dir.display()
        )
    })
}

/// `create_dir_all` with 0700 for every directory it makes.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(PRIVATE_DIR)
        .create(dir)
}

/// Directories 0700, files 0600, recursively; symbolic links are left alone (never followed).
fn make_private(path: &Path) -> std::io::Result<()> {
    let metadata = std::fs::symlink_metadata(path)?;
    let wanted = if metadata.is_dir() {
        PRIVATE_DIR
    } else if metadata.is_file() {
        PRIVATE_FILE
    } else {
        return Ok(());
    };
    if metadata.permissions().mode() & 0o777 != wanted {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
    }
    if metadata.is_dir() {
        for entry in std::fs::read_dir(path)? {
            make_private(&entry?.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn what_an_earlier_version_left_open_becomes_private() {
        let dir = std::env::temp_dir().join(format!(
            "nobregas-datadir-{}",
            crate::domain::secret::random_base62(8)
        ));
        let account = dir.join("backups").join("7");
        std::fs::create_dir_all(&account).unwrap();
        for path in [&dir, &dir.join("backups"), &account] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        for file in [dir.join("panel.db"), account.join("b.sql.gz")] {
            std::fs::write(&file, b"x").unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        prepare(&dir).unwrap();
        assert_eq!(
            [mode(&dir), mode(&dir.join("backups")), mode(&account)],
            [0o700; 3]
        );
        assert_eq!(
            [mode(&dir.join("panel.db")), mode(&account.join("b.sql.gz"))],
            [0o600; 2]
        );
        std::fs::write(dir.join("new"), b"y").unwrap();
        assert_eq!(
            mode(&dir.join("new")),
            0o600,
            "the umask makes new files private"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
