//! Where the off-site copies of backups and binary log files go (`NOBREGAS_BACKUP_S3_URL`), with
//! what credentials, and the key that encrypts them (`NOBREGAS_BACKUP_KEY_FILE`).
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

/// One S3-compatible destination for the whole panel.
#[derive(Clone)]
pub struct OffsiteSettings {
    /// The service's address, without the bucket (`https://s3.eu-west-1.amazonaws.com`).
    pub endpoint: Url,
    pub bucket: String,
    /// Prepended to every object's name (`panel-1/`), so several panels can share a bucket.
    pub prefix: String,
    pub region: String,
    /// `https://<bucket>.<endpoint host>/…` instead of `https://<endpoint host>/<bucket>/…`.
    pub virtual_host: bool,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// The 32-byte key every copy is encrypted with; made on first start when missing.
    pub key_file: PathBuf,
    /// Files larger than this go up in parts of this size (S3's multipart upload).
    pub part_size: usize,
    /// How often the panel looks for files not yet copied.
    pub every: Duration,
}

impl OffsiteSettings {
    pub const DEFAULT_PART_SIZE: usize = 16 * 1024 * 1024;
    /// S3 refuses parts smaller than this (but the last).
    pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;
    pub const DEFAULT_EVERY: Duration = Duration::from_secs(10);
}

/// The parts of `NOBREGAS_BACKUP_S3_URL`:
/// `http(s)://host[:port]/<bucket>[/<prefix>][?region=<region>&style=path|virtual]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub endpoint: Url,
    pub bucket: String,
    pub prefix: String,
    pub region: String,
    pub virtual_host: bool,
}

pub fn parse_url(raw: &str) -> Result<Destination, String> {
    let url = Url::parse(raw.trim())
        .map_err(|err| format!("NOBREGAS_BACKUP_S3_URL is not a URL ({err})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("NOBREGAS_BACKUP_S3_URL must start with https:// (or http:// for a service on this network)".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("NOBREGAS_BACKUP_S3_URL must not hold credentials (they would be logged and shown): use NOBREGAS_BACKUP_S3_ACCESS_KEY_ID and NOBREGAS_BACKUP_S3_SECRET_ACCESS_KEY, or NOBREGAS_BACKUP_S3_CREDENTIALS_FILE".into());
    }
    if url.host_str().is_none() {
        return Err("NOBREGAS_BACKUP_S3_URL has no host".into());
    }
    let mut segments = url
        .path_segments()
        .map(|s| {
            s.filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if segments.is_empty() {
        return Err("NOBREGAS_BACKUP_S3_URL names no bucket: add it as the path (https://s3.example.com/<bucket>)".into());
    }
    let bucket = segments.remove(0);
    let prefix = if segments.is_empty() {
        String::new()
    } else {
        format!("{}/", segments.join("/"))
    };
    let (mut region, mut virtual_host) = ("us-east-1".to_owned(), false);
    for (name, value) in url.query_pairs() {
        match (name.as_ref(), value.as_ref()) {
            ("region", value) if !value.is_empty() => region = value.to_owned(),
            ("style", "path") => virtual_host = false,
            ("style", "virtual") => virtual_host = true,
            (name, value) => {
                return Err(format!(
                    "NOBREGAS_BACKUP_S3_URL: unknown setting {name}={value} (known: region, style=path|virtual)"
                ));
            }
        }
    }
    let mut endpoint = url.clone();
    endpoint.set_path("/");
    endpoint.set_query(None);
    endpoint.set_fragment(None);
    Ok(Destination {
        endpoint,
        bucket,
        prefix,
        region,
        virtual_host,
    })
}

/// Credentials from a file: `access_key_id=…` and `secret_access_key=…` lines (the AWS
/// credentials file's `aws_access_key_id = …` spelling is read too; `#` starts a comment).
pub fn parse_credentials_file(text: &str) -> Result<(String, String), String> {
    let (mut id, mut secret) = (None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().to_owned();
        match name.trim().trim_start_matches("aws_") {
            "access_key_id" => id = Some(value),
            "secret_access_key" => secret = Some(value),
            _ => {}
        }
    }
    match (id, secret) {
        (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => Ok((id, secret)),
        _ => Err("the credentials file needs access_key_id=… and secret_access_key=… lines".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_names_endpoint_bucket_prefix_and_region() {
        let d =
            parse_url("https://s3.example.com:9000/backups/panel-1/eu?region=eu-west-1").unwrap();
        assert_eq!(d.endpoint.as_str(), "https://s3.example.com:9000/");
        assert_eq!(
            (d.bucket.as_str(), d.prefix.as_str()),
            ("backups", "panel-1/eu/")
        );
        assert_eq!((d.region.as_str(), d.virtual_host), ("eu-west-1", false));
        let d = parse_url("http://127.0.0.2:8014/b?style=virtual").unwrap();
        assert_eq!(
            (d.prefix.as_str(), d.region.as_str(), d.virtual_host),
            ("", "us-east-1", true)
        );
    }

    #[test]
    fn urls_with_credentials_no_bucket_or_unknown_settings_are_refused() {
        for bad in [
            "https://id:secret@s3.example.com/b",
            "https://s3.example.com/",
            "ftp://s3.example.com/b",
            "https://s3.example.com/b?regoin=x",
            "not a url",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_files_in_either_spelling() {
        let ours = parse_credentials_file("access_key_id=AK\nsecret_access_key = SK\n").unwrap();
        assert_eq!(ours, ("AK".into(), "SK".into()));
        let aws = "[default]\naws_access_key_id = AK\naws_secret_access_key = SK\n";
        assert_eq!(
            parse_credentials_file(aws).unwrap(),
            ("AK".into(), "SK".into())
        );
        assert!(parse_credentials_file("access_key_id=AK\n").is_err());
    }
}
