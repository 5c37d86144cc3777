//! `nobregas backups …`: jobs run on the panel; `--wait` polls them to the end (with a progress bar
//! on a terminal), `download` streams the `.sql.gz` to a file.
use crate::api::{API_SAID_NO, Api, Body, Failure, segment};
use crate::output::{Output, confirm, progress, save_body, show, size, table};
use clap::Subcommand;
use indicatif::ProgressBar;
use nobregas_client::Answer;
use reqwest::Method;
use std::path::PathBuf;
use std::time::Duration;
use types::backups::{JobStatus, PointInTimeRestore, RestoreRequest};

const POLL: Duration = Duration::from_millis(500);

#[derive(Subcommand)]
pub enum BackupsCommand {
    List {
        #[arg(long)]
        database: Option<String>,
    },
    Create {
        database: String,
        /// Wait until it is done.
        #[arg(long)]
        wait: bool,
    },
    /// Save the `.sql.gz` (default: `<id>.sql.gz`).
    Download {
        id: String,
        #[arg(short = 'o', long)]
        output_file: Option<PathBuf>,
    },
    /// Restore into a new database, or over an existing one (asked first; --yes without a terminal).
    Restore {
        id: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        wait: bool,
        #[arg(long)]
        yes: bool,
    },
    Delete {
        id: String,
        #[arg(long)]
        yes: bool,
    },
}

impl BackupsCommand {
    pub async fn run(self, api: &Api, output: Output) -> Result<(), Failure> {
        match self {
            Self::List { database } => list(api, output, database.as_deref()).await,
            Self::Create { database, wait } => create(api, output, &database, wait).await,
            Self::Download { id, output_file } => download(api, &id, output_file).await,
            Self::Restore { id, to, wait, yes } => restore(api, output, &id, to, wait, yes).await,
            Self::Delete { id, yes } => {
                confirm(&format!("Delete backup {id} (its file is removed)?"), yes)?;
                api.client().delete_backup(&id).await?;
                eprintln!("Deleted backup {id}.");
                Ok(())
            }
        }
    }
}

async fn list(api: &Api, output: Output, database: Option<&str>) -> Result<(), Failure> {
    let answer = api.client().list_backups(database).await?;
    show(output, &Body::from(&answer), || {
        let rows = answer.value.backups.into_iter().map(|b| {
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

async fn create(api: &Api, output: Output, database: &str, wait: bool) -> Result<(), Failure> {
    let client = api.client();
    let answer = client.create_backup(database).await?;
    let started = &answer.value;
    if !wait {
        return show(output, &Body::from(&answer), || {
            Ok(format!(
                "Backup {} of {database} started ({}).",
                started.id,
                started.status.as_str()
            ))
        });
    }
    let bar = progress(started.estimated_bytes, &format!("Backing up {database}"));
    let answer = wait_for(
        bar,
        || client.get_backup(&started.id),
        |b| (b.status, b.bytes_done),
    )
    .await?;
    let done = &answer.value;
    if done.status == JobStatus::Failed {
        return Err(Failure::new(
            API_SAID_NO,
            format!(
                "Backup {} failed: {}",
                done.id,
                done.error.clone().unwrap_or_default()
            ),
        ));
    }
    show(output, &Body::from(&answer), || {
        Ok(format!(
            "Backup {} of {database} completed ({}).",
            done.id,
            done.size_bytes.map(size).unwrap_or_default()
        ))
    })
}

async fn download(api: &Api, id: &str, to: Option<PathBuf>) -> Result<(), Failure> {
    let id = segment(id);
    // A stream, not a JSON answer: the raw response.
    let response = api
        .response(api.request(Method::GET, &format!("/api/backups/{id}/download")))
        .await?;
    let to = to.unwrap_or_else(|| PathBuf::from(format!("{id}.sql.gz")));
    let bar = progress(response.content_length().unwrap_or(0), "Downloading");
    save_body(response, &to, "download", &bar).await
}

async fn restore(
    api: &Api,
    output: Output,
    id: &str,
    to: String,
    wait: bool,
    yes: bool,
) -> Result<(), Failure> {
    let client = api.client();
    // Into a new database nothing is lost; over an existing one, its current contents are.
    if client.get_database(&to).await.is_ok() {
        confirm(
            &format!(
                "Restore backup {id} over the existing database {to} (its current contents are replaced)?"
            ),
            yes,
        )?;
    }
    let request = RestoreRequest {
        database: to.clone(),
    };
    let answer = client.restore_backup(id, &request).await?;
    follow_restore(api, output, answer, &to, wait, &format!("backup {id}")).await
}

/// `nobregas restore <database> --at <time>`: the database as it was at that second.
#[derive(clap::Args)]
pub struct RestoreAt {
    database: String,
    /// The second to restore to (RFC 3339: 2026-12-04T10:15:30Z).
    #[arg(long)]
    at: String,
    /// Where to restore: a new database (default `<database>_<yyyymmddhhmmss>`), or the database
    /// itself (asked first; --yes without a terminal).
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    wait: bool,
    #[arg(long)]
    yes: bool,
}

impl RestoreAt {
    pub async fn run(self, api: &Api, output: Output) -> Result<(), Failure> {
        let Self {
            database,
            at,
            to,
            wait,
            yes,
        } = self;
        let confirm_over = to.as_deref() == Some(database.as_str());
        if confirm_over {
            confirm(
                &format!(
                    "Restore {database} to {at} over itself (its current contents are replaced)?"
                ),
                yes,
            )?;
        }
        let request = PointInTimeRestore {
            at: at.clone(),
            database: to,
            confirm: confirm_over.then(|| database.clone()),
        };
        let answer = api
            .client()
            .restore_to_point_in_time(&database, &request)
            .await?;
        let target = answer.value.database.clone();
        follow_restore(
            api,
            output,
            answer,
            &target,
            wait,
            &format!("{database} at {at}"),
        )
        .await
    }
}

/// Shows the restore job, or (`wait`) polls it to its end with a progress bar.
async fn follow_restore(
    api: &Api,
    output: Output,
    answer: Answer<types::backups::Job>,
    to: &str,
    wait: bool,
    what: &str,
) -> Result<(), Failure> {
    let client = api.client();
    let job = &answer.value;
    if !wait {
        return show(output, &Body::from(&answer), || {
            Ok(format!(
                "Restore {} into {to} started ({}).",
                job.id,
                job.status.as_str()
            ))
        });
    }
    let bar = progress(job.size_bytes, &format!("Restoring into {to}"));
    let answer = wait_for(
        bar,
        || client.get_restore(&job.id),
        |j| (j.status, j.bytes_done),
    )
    .await?;
    let done = &answer.value;
    if done.status == JobStatus::Failed {
        return Err(Failure::new(
            API_SAID_NO,
            format!(
                "Restore {} failed: {}",
                done.id,
                done.error.clone().unwrap_or_default()
            ),
        ));
    }
    show(output, &Body::from(&answer), || {
        Ok(format!("Restored {what} into {to}."))
    })
}

/// Polls a job until it has completed or failed, moving `bar` with `state`'s bytes; its last answer.
async fn wait_for<T, Poll>(
    bar: ProgressBar,
    poll: impl Fn() -> Poll,
    state: impl Fn(&T) -> (JobStatus, u64),
) -> Result<Answer<T>, Failure>
where
    Poll: Future<Output = nobregas_client::Result<Answer<T>>>,
{
    loop {
        let answer = poll().await?;
        let (status, bytes_done) = state(&answer.value);
        bar.set_position(bytes_done.min(bar.length().unwrap_or(u64::MAX)));
        if matches!(status, JobStatus::Completed | JobStatus::Failed) {
            bar.finish_and_clear();
            return Ok(answer);
        }
        tokio::time::sleep(POLL).await;
    }
}
