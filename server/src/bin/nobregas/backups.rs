//! `nobregas backups …`: jobs run on the panel; `--wait` polls them to the end (with a progress bar
//! on a terminal), `download` streams the `.sql.gz` to a file.
use crate::api::{API_SAID_NO, Api, Body, Failure, segment};
use crate::output::{Output, confirm, progress, show, size, table};
use futures_util::StreamExt;
use indicatif::ProgressBar;
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;
use types::backups::{Backup, BackupList, Job, JobStatus, RestoreRequest};

const POLL: Duration = Duration::from_millis(500);

pub async fn list(api: &Api, output: Output, database: Option<String>) -> Result<(), Failure> {
    let path = match &database {
        Some(database) => format!("/api/backups?database={}", segment(database)),
        None => "/api/backups".to_owned(),
    };
    let body = api.get(&path).await?;
    show(output, &body, || {
        let list: BackupList = body.parse()?;
        let rows = list.backups.into_iter().map(|b| {
            [
                b.id,
                b.database,
                b.status.as_str().to_owned(),
                b.size_bytes.map(size).unwrap_or_default(),
                b.created_at,
            ]
        });
        Ok(table(["ID", "DATABASE", "STATUS", "SIZE", "CREATED"], rows))
    })
}

pub async fn create(api: &Api, output: Output, database: &str, wait: bool) -> Result<(), Failure> {
    let path = format!("/api/databases/{}/backups", segment(database));
    let body = api.send(api.request(Method::POST, &path)).await?;
    let started: Backup = body.parse()?;
    if !wait {
        return show(output, &body, || {
            Ok(format!(
                "Backup {} of {database} started ({}).",
                started.id,
                started.status.as_str()
            ))
        });
    }
    let bar = progress(started.estimated_bytes, &format!("Backing up {database}"));
    let (done, body) = wait_for(
        api,
        &format!("/api/backups/{}", started.id),
        bar,
        |b: &Backup| (b.status, b.bytes_done),
    )
    .await?;
    if done.status == JobStatus::Failed {
        return Err(Failure::new(
            API_SAID_NO,
            format!(
                "Backup {} failed: {}",
                done.id,
                done.error.unwrap_or_default()
            ),
        ));
    }
    show(output, &body, || {
        Ok(format!(
            "Backup {} of {database} completed ({}).",
            done.id,
            done.size_bytes.map(size).unwrap_or_default()
        ))
    })
}

pub async fn download(api: &Api, id: &str, to: Option<PathBuf>) -> Result<(), Failure> {
    let id = segment(id);
    let response = api
        .response(api.request(Method::GET, &format!("/api/backups/{id}/download")))
        .await?;
    let to = to.unwrap_or_else(|| PathBuf::from(format!("{id}.sql.gz")));
    // Written beside the target and renamed when complete: an interrupted download leaves no
    // file that looks whole.
    let partial = to.with_extension("gz.part");
    let bar = progress(response.content_length().unwrap_or(0), "Downloading");
    let mut file = std::fs::File::create(&partial)?;
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|err| Failure::new(API_SAID_NO, format!("The download stopped: {err}")))?;
        file.write_all(&chunk)?;
        bar.inc(chunk.len() as u64);
    }
    file.sync_all()?;
    std::fs::rename(&partial, &to)?;
    bar.finish_and_clear();
    eprintln!("Saved {}.", to.display());
    Ok(())
}

pub async fn restore(
    api: &Api,
    output: Output,
    id: &str,
    to: String,
    wait: bool,
    yes: bool,
) -> Result<(), Failure> {
    // Into a new database nothing is lost; over an existing one, its current contents are.
    if api
        .get(&format!("/api/databases/{}", segment(&to)))
        .await
        .is_ok()
    {
        confirm(
            &format!(
                "Restore backup {id} over the existing database {to} (its current contents are replaced)?"
            ),
            yes,
        )?;
    }
    let path = format!("/api/backups/{}/restore", segment(id));
    let body = api
        .send_json(
            Method::POST,
            &path,
            &RestoreRequest {
                database: to.clone(),
            },
        )
        .await?;
    let job: Job = body.parse()?;
    if !wait {
        return show(output, &body, || {
            Ok(format!(
                "Restore {} into {to} started ({}).",
                job.id,
                job.status.as_str()
            ))
        });
    }
    let bar = progress(job.size_bytes, &format!("Restoring into {to}"));
    let (done, body) = wait_for(api, &format!("/api/restores/{}", job.id), bar, |j: &Job| {
        (j.status, j.bytes_done)
    })
    .await?;
    if done.status == JobStatus::Failed {
        return Err(Failure::new(
            API_SAID_NO,
            format!(
                "Restore {} failed: {}",
                done.id,
                done.error.unwrap_or_default()
            ),
        ));
    }
    show(output, &body, || {
        Ok(format!("Restored backup {id} into {to}."))
    })
}

/// Polls a job (`GET path`) until it has completed or failed, moving `bar` with `state`'s bytes;
/// its last answer, parsed and as sent.
async fn wait_for<T: DeserializeOwned>(
    api: &Api,
    path: &str,
    bar: ProgressBar,
    state: impl Fn(&T) -> (JobStatus, u64),
) -> Result<(T, Body), Failure> {
    loop {
        let body = api.get(path).await?;
        let job: T = body.parse()?;
        let (status, bytes_done) = state(&job);
        bar.set_position(bytes_done.min(bar.length().unwrap_or(u64::MAX)));
        if matches!(status, JobStatus::Completed | JobStatus::Failed) {
            bar.finish_and_clear();
            return Ok((job, body));
        }
        tokio::time::sleep(POLL).await;
    }
}

pub async fn delete(api: &Api, id: &str, yes: bool) -> Result<(), Failure> {
    confirm(&format!("Delete backup {id} (its file is removed)?"), yes)?;
    api.delete(&format!("/api/backups/{}", segment(id))).await?;
    eprintln!("Deleted backup {id}.");
    Ok(())
}
