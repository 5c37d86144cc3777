//! `serve`'s off-site copy flags: the bucket, its credentials and the backups' encryption key.
use crate::config::Settings;
use crate::config::offsite::{self, OffsiteSettings};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct OffsiteArgs {
    /// Copy every finished backup and archived binary log file, encrypted, to this S3-compatible
    /// bucket: https://host[:port]/<bucket>[/<prefix>][?region=<region>&style=path|virtual].
    #[arg(long, env = "NOBREGAS_BACKUP_S3_URL")]
    pub backup_s3_url: Option<String>,
    /// The bucket's access key id (or AWS_ACCESS_KEY_ID, or --backup-s3-credentials-file).
    #[arg(long, env = "NOBREGAS_BACKUP_S3_ACCESS_KEY_ID", hide_env_values = true)]
    pub backup_s3_access_key_id: Option<String>,
    /// The bucket's secret access key (or AWS_SECRET_ACCESS_KEY, or --backup-s3-credentials-file).
    #[arg(
        long,
        env = "NOBREGAS_BACKUP_S3_SECRET_ACCESS_KEY",
        hide_env_values = true
    )]
    pub backup_s3_secret_access_key: Option<String>,
    /// A file with `access_key_id=…` and `secret_access_key=…` lines (or an AWS credentials file).
    #[arg(long, env = "NOBREGAS_BACKUP_S3_CREDENTIALS_FILE")]
    pub backup_s3_credentials_file: Option<PathBuf>,
    /// The key off-site copies are encrypted with (32 bytes, base64 or hex; made, 0600, on first
    /// start). Keep a copy away from this machine: without it the copies cannot be read. Never
    /// under the data dir's backups/ or binlog/. Default: `<data dir>/backup.key`.
    #[arg(long, env = "NOBREGAS_BACKUP_KEY_FILE")]
    pub backup_key_file: Option<PathBuf>,
    /// Bytes per part of a multipart upload (at least 5 MiB, S3's smallest part).
    #[arg(long, env = "NOBREGAS_BACKUP_S3_PART_SIZE", default_value_t = OffsiteSettings::DEFAULT_PART_SIZE)]
    pub backup_s3_part_size: usize,
}

impl OffsiteArgs {
    pub fn apply(self, settings: &mut Settings) -> anyhow::Result<()> {
        let Some(url) = self
            .backup_s3_url
            .clone()
            .filter(|url| !url.trim().is_empty())
        else {
            return Ok(());
        };
        let destination = offsite::parse_url(&url).map_err(anyhow::Error::msg)?;
        let (access_key_id, secret_access_key) = self.credentials()?;
        settings.offsite = Some(OffsiteSettings {
            endpoint: destination.endpoint,
            bucket: destination.bucket,
            prefix: destination.prefix,
            region: destination.region,
            virtual_host: destination.virtual_host,
            access_key_id,
            secret_access_key,
            key_file: self
                .backup_key_file
                .unwrap_or_else(|| settings.data_dir.join("backup.key")),
            part_size: self.backup_s3_part_size.max(OffsiteSettings::MIN_PART_SIZE),
            every: OffsiteSettings::DEFAULT_EVERY,
        });
        Ok(())
    }

    fn credentials(&self) -> anyhow::Result<(String, String)> {
        if let Some(file) = &self.backup_s3_credentials_file {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("Failed to read {}", file.display()))?;
            return offsite::parse_credentials_file(&text)
                .map_err(|err| anyhow::anyhow!("{}: {err}", file.display()));
        }
        let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let id = self
            .backup_s3_access_key_id
            .clone()
            .or_else(|| from_env("AWS_ACCESS_KEY_ID"));
        let secret = self
            .backup_s3_secret_access_key
            .clone()
            .or_else(|| from_env("AWS_SECRET_ACCESS_KEY"));
        id.zip(secret).ok_or_else(|| {
            anyhow::anyhow!(
                "NOBREGAS_BACKUP_S3_URL is set but no credentials are: set NOBREGAS_BACKUP_S3_ACCESS_KEY_ID and NOBREGAS_BACKUP_S3_SECRET_ACCESS_KEY, or NOBREGAS_BACKUP_S3_CREDENTIALS_FILE"
            )
        })
    }
}
