//! The S3 requests the off-site copies need — put (whole or in parts), get, delete, list — signed
//! by rusty-s3 (presigned URLs, SigV4) and sent with reqwest.
use rusty_s3::actions::{CreateMultipartUpload, ListObjectsV2};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use std::time::Duration;

/// How long a signed request stays valid: one request's time on the wire, with room for clocks.
const SIGNED_FOR: Duration = Duration::from_secs(15 * 60);

pub struct S3 {
    bucket: Bucket,
    credentials: Credentials,
    http: reqwest::Client,
}

/// One upload in progress: either still in its first part, or already a multipart upload.
pub struct Upload<'a> {
    s3: &'a S3,
    key: String,
    multipart: Option<(String, Vec<String>)>,
}

impl S3 {
    pub fn new(settings: &crate::config::offsite::OffsiteSettings) -> anyhow::Result<Self> {
        let style = if settings.virtual_host {
            UrlStyle::VirtualHost
        } else {
            UrlStyle::Path
        };
        let bucket = Bucket::new(
            settings.endpoint.clone(),
            style,
            settings.bucket.clone(),
            settings.region.clone(),
        )
        .map_err(|err| anyhow::anyhow!("NOBREGAS_BACKUP_S3_URL: {err:?}"))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(120))
            .build()?;
        Ok(Self {
            bucket,
            credentials: Credentials::new(
                settings.access_key_id.clone(),
                settings.secret_access_key.clone(),
            ),
            http,
        })
    }

    pub fn upload(&self, key: &str) -> Upload<'_> {
        Upload {
            s3: self,
            key: key.to_owned(),
            multipart: None,
        }
    }

    /// The object's bytes as they arrive, or `None` when there is no such object.
    pub async fn get(&self, key: &str) -> Result<Option<reqwest::Response>, String> {
        let url = self
            .bucket
            .get_object(Some(&self.credentials), key)
            .sign(SIGNED_FOR);
        let response = self.http.get(url).send().await.map_err(describe)?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Ok(Some(checked(response).await?))
    }

    pub async fn delete(&self, key: &str) -> Result<(), String> {
        let url = self
            .bucket
            .delete_object(Some(&self.credentials), key)
            .sign(SIGNED_FOR);
        let response = self.http.delete(url).send().await.map_err(describe)?;
        if response.status() != reqwest::StatusCode::NOT_FOUND {
            checked(response).await?;
        }
        Ok(())
    }

    /// Every object's name under `prefix`.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, String> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut action = self.bucket.list_objects_v2(Some(&self.credentials));
            action.with_prefix(prefix);
            if let Some(token) = &token {
                action.with_continuation_token(token.clone());
            }
            let url = action.sign(SIGNED_FOR);
            let response = self.http.get(url).send().await.map_err(describe)?;
            let text = checked(response).await?.text().await.map_err(describe)?;
            let page = ListObjectsV2::parse_response(&text)
                .map_err(|err| format!("the bucket's listing could not be read: {err}"))?;
            names.extend(page.contents.into_iter().map(|object| object.key));
            match page.next_continuation_token {
                Some(next) if !next.is_empty() => token = Some(next),
                _ => return Ok(names),
            }
        }
    }
}

impl Upload<'_> {
    /// Sends one full part (a multipart upload from the first one on).
    pub async fn part(&mut self, bytes: Vec<u8>) -> Result<(), String> {
        let s3 = self.s3;
        if self.multipart.is_none() {
            let url = s3
                .bucket
                .create_multipart_upload(Some(&s3.credentials), &self.key)
                .sign(SIGNED_FOR);
            let response = s3.http.post(url).send().await.map_err(describe)?;
            let text = checked(response).await?.text().await.map_err(describe)?;
            let created = CreateMultipartUpload::parse_response(&text)
                .map_err(|err| format!("the multipart upload's answer could not be read: {err}"))?;
            self.multipart = Some((created.upload_id().to_owned(), Vec::new()));
        }
        let (id, etags) = self.multipart.as_mut().expect("created above");
        let number = u16::try_from(etags.len() + 1)
            .map_err(|_| "the file needs more than 65,535 parts: raise the part size".to_owned())?;
        let url = s3
            .bucket
            .upload_part(Some(&s3.credentials), &self.key, number, id)
            .sign(SIGNED_FOR);
        let response = s3
            .http
            .put(url)
            .body(bytes)
            .send()
            .await
            .map_err(describe)?;
        let response = checked(response).await?;
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|value| value.to_str().ok())
            .ok_or("the storage answered a part without an ETag")?
            .to_owned();
        etags.push(etag);
        Ok(())
    }

    /// Sends what is left and makes the object appear: one PUT when it never grew past a part.
    pub async fn finish(mut self, rest: Vec<u8>) -> Result<(), String> {
        if self.multipart.is_none() {
            let s3 = self.s3;
            let url = s3
                .bucket
                .put_object(Some(&s3.credentials), &self.key)
                .sign(SIGNED_FOR);
            let response = s3.http.put(url).body(rest).send().await.map_err(describe)?;
            checked(response).await?;
            return Ok(());
        }
        let completed = self.complete(rest).await;
        if completed.is_err() {
            self.abort().await;
        }
        completed
    }

    async fn complete(&mut self, rest: Vec<u8>) -> Result<(), String> {
        if !rest.is_empty() {
            self.part(rest).await?;
        }
        let s3 = self.s3;
        let (id, etags) = self.multipart.as_ref().expect("a multipart upload");
        let action = s3.bucket.complete_multipart_upload(
            Some(&s3.credentials),
            &self.key,
            id,
            etags.iter().map(String::as_str),
        );
        let url = action.sign(SIGNED_FOR);
        let response = s3
            .http
            .post(url)
            .body(action.body())
            .send()
            .await
            .map_err(describe)?;
        // S3 may answer 200 and still report an error in the body.
        let text = checked(response).await?.text().await.map_err(describe)?;
        if text.contains("<Error>") {
            return Err(format!("the storage could not complete the upload: {text}"));
        }
        Ok(())
    }

    /// Drops the parts sent so far (nothing to do before the first part).
    pub async fn abort(self) {
        let Some((id, _)) = &self.multipart else {
            return;
        };
        let s3 = self.s3;
        let url = s3
            .bucket
            .abort_multipart_upload(Some(&s3.credentials), &self.key, id)
            .sign(SIGNED_FOR);
        if let Err(err) = s3.http.delete(url).send().await {
            tracing::warn!(key = %self.key, error = %err, "could not abort an off-site upload");
        }
    }
}

fn describe(err: reqwest::Error) -> String {
    // Without the URL: a presigned URL carries a signature.
    format!(
        "the off-site storage could not be reached: {}",
        err.without_url()
    )
}

/// The answer, when it is a success; else its status and the storage's own words.
async fn checked(response: reqwest::Response) -> Result<reqwest::Response, String> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let code = body
        .split("<Code>")
        .nth(1)
        .and_then(|rest| rest.split("</Code>").next())
        .unwrap_or("");
    Err(format!("the off-site storage answered {status} {code}"))
}
