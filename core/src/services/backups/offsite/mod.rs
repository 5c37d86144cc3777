//! Off-site copies: every finished backup and every archived binary log file is encrypted
//! (`crypt`) and uploaded to the operator's S3-compatible bucket (`s3`) by the maintenance lease
//! holder (`copies::pass`); a restore whose file is gone from the panel's disk fetches and
//! decrypts the copy first (`Offsite::fetch`). An object is named after its file's place under the
//! data directory (`<prefix>backups/<account>/<id>.sql.gz.enc`,
//! `<prefix>binlog/<server>/<file>.enc`), so the store says which objects should exist.
pub mod copies;
pub mod crypt;
pub mod s3;

use crate::config::offsite::OffsiteSettings;
use crypt::{BackupKey, Decryptor, Encryptor};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SUFFIX: &str = ".enc";

pub struct Offsite {
    s3: s3::S3,
    key: BackupKey,
    prefix: String,
    data_dir: PathBuf,
    part_size: usize,
    pub every: Duration,
}

impl Offsite {
    /// The destination and its key; the key file is made on first start, and refused where a copy
    /// of the backups would carry it along.
    pub fn open(settings: &OffsiteSettings, data_dir: &Path) -> anyhow::Result<Self> {
        let key_file = std::path::absolute(&settings.key_file)?;
        let data_dir = std::path::absolute(data_dir)?;
        for kept in ["backups", "binlog"] {
            if key_file.starts_with(data_dir.join(kept)) {
                anyhow::bail!(
                    "NOBREGAS_BACKUP_KEY_FILE {} lies among the backups ({}): keep the key apart from what it encrypts",
                    key_file.display(),
                    data_dir.join(kept).display()
                );
            }
        }
        let existed = key_file.exists();
        let key = BackupKey::new(&crate::domain::seal::load_or_create_key(&key_file)?);
        if !existed {
            tracing::warn!(
                key_file = %key_file.display(),
                "made a new backup encryption key: keep a copy of it away from this machine — without it the off-site copies cannot be read"
            );
        }
        tracing::info!(bucket = %settings.bucket, key = key.id(), "off-site copies of backups are on");
        Ok(Self {
            s3: s3::S3::new(settings)?,
            key,
            prefix: settings.prefix.clone(),
            data_dir,
            part_size: settings.part_size.max(crypt::CHUNK),
            every: settings.every,
        })
    }

    /// The object that holds the copy of `path` (a file under the data directory).
    pub fn object_name(&self, path: &Path) -> Option<String> {
        let relative = std::path::absolute(path)
            .ok()?
            .strip_prefix(&self.data_dir)
            .ok()?
            .to_str()?
            .to_owned();
        Some(format!("{}{relative}{SUFFIX}", self.prefix))
    }

    /// Encrypts and uploads the first `len` bytes of `path`; answers the bytes stored.
    pub async fn put(&self, path: &Path, len: u64) -> Result<u64, String> {
        let name = self
            .object_name(path)
            .ok_or_else(|| format!("{} is not under the data directory", path.display()))?;
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|err| format!("could not read {}: {err}", path.display()))?;
        let mut file = file.take(len);
        let (mut encryptor, mut out) = Encryptor::new(&self.key);
        let mut upload = self.s3.upload(&name);
        let mut sent = 0u64;
        let mut buffer = vec![0u8; crypt::CHUNK];
        let uploaded = async {
            loop {
                let read = file
                    .read(&mut buffer)
                    .await
                    .map_err(|err| format!("could not read {}: {err}", path.display()))?;
                if read == 0 {
                    break;
                }
                encryptor.update(&buffer[..read], &mut out)?;
                while out.len() >= self.part_size {
                    let rest = out.split_off(self.part_size);
                    sent += self.part_size as u64;
                    upload.part(std::mem::replace(&mut out, rest)).await?;
                }
            }
            encryptor.finish(&mut out)?;
            sent += out.len() as u64;
            Ok::<_, String>(out)
        }
        .await;
        match uploaded {
            Ok(rest) => upload.finish(rest).await.map(|()| sent),
            Err(err) => {
                upload.abort().await;
                Err(err)
            }
        }
    }

    /// Puts the decrypted off-site copy of `path` in its place; `Ok(false)` when there is none.
    pub async fn fetch(&self, path: &Path) -> Result<bool, String> {
        let name = self
            .object_name(path)
            .ok_or_else(|| format!("{} is not under the data directory", path.display()))?;
        let Some(mut response) = self.s3.get(&name).await? else {
            return Ok(false);
        };
        let aside = path.with_extension(format!(
            "offsite-{}.part",
            crate::domain::secret::random_base62(8)
        ));
        let written = async {
            if let Some(dir) = path.parent() {
                crate::data_dir::create_private_dir(dir)
                    .map_err(|err| format!("could not create {}: {err}", dir.display()))?;
            }
            let mut out = tokio::fs::File::create(&aside)
                .await
                .map_err(|err| format!("could not write {}: {err}", aside.display()))?;
            let mut decryptor = Decryptor::new(&self.key);
            let mut plain = Vec::with_capacity(2 * crypt::CHUNK);
            while let Some(bytes) = response
                .chunk()
                .await
                .map_err(|err| format!("the off-site copy could not be read: {err}"))?
            {
                decryptor.update(&bytes, &mut plain)?;
                write(&mut out, &mut plain, &aside).await?;
            }
            decryptor.finish(&mut plain)?;
            write(&mut out, &mut plain, &aside).await?;
            out.sync_all()
                .await
                .map_err(|err| format!("could not write {}: {err}", aside.display()))?;
            tokio::fs::rename(&aside, path)
                .await
                .map_err(|err| format!("could not put {} in place: {err}", path.display()))
        }
        .await;
        if written.is_err() {
            let _ = tokio::fs::remove_file(&aside).await;
        }
        written.map(|()| true)
    }

    /// Removes the object `name` (as `copies::sweep` lists them), if it is there.
    pub async fn remove(&self, name: &str) -> Result<(), String> {
        self.s3.delete(name).await
    }

    /// Fetches `path` from its off-site copy when it is missing here (a restore's file).
    pub async fn ensure_local(&self, path: &Path) -> Result<(), String> {
        if path.exists() {
            return Ok(());
        }
        tracing::info!(file = %path.display(), "fetching a file from its off-site copy");
        match self.fetch(path).await? {
            true => Ok(()),
            false => Err(format!(
                "{} is gone from the panel's disk and has no off-site copy",
                path.display()
            )),
        }
    }
}

async fn write(out: &mut tokio::fs::File, plain: &mut Vec<u8>, path: &Path) -> Result<(), String> {
    out.write_all(plain)
        .await
        .map_err(|err| format!("could not write {}: {err}", path.display()))?;
    plain.clear();
    Ok(())
}
