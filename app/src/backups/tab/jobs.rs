//! "Restores and imports": importing a file (see `import`), and the restores and imports into
//! this database (newest first) with their progress and, once done, whether the database matches
//! the manifest the file carried.
use super::import::ImportForm;
use super::{JobProgress, ListError, Live, StatusBadge, short_time, utc_second};
use crate::backups::{Job, JobKind, JobList, JobStatus, TableDifference, Verification};
use crate::components::table::DataTable;
use crate::error::AppError;
use crate::query::console::describe_error;
use leptos::prelude::*;

/// One line per table that differs from the manifest.
pub fn difference_text(difference: &TableDifference) -> String {
    let name = &difference.name;
    match difference.actual_rows {
        None => format!("{name}: missing"),
        Some(rows) if rows != difference.expected_rows => {
            format!(
                "{name}: {rows} rows, the backup has {}",
                difference.expected_rows
            )
        }
        Some(_) => format!("{name}: same rows, different checksum"),
    }
}

/// Why a job failed as the page says it: where in the file, and MariaDB's own words and number.
pub fn failure_text(job: &Job) -> String {
    let message = job
        .error
        .clone()
        .unwrap_or_else(|| "The job failed.".to_owned());
    let err = AppError {
        mysql_errno: job.mysql_errno,
        ..AppError::bad_request(message)
    };
    match job.error_line {
        Some(line) => format!("At line {line}: {}", describe_error(&err)),
        None => describe_error(&err),
    }
}

#[component]
pub fn Jobs(database: Signal<String>, jobs: Live<JobList>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="jobs-heading">
            <h2 id="jobs-heading">"Restores and imports"</h2>
            <ImportForm database jobs/>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    jobs.ready().await;
                    view! { <JobTable jobs/> }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn JobTable(jobs: Live<JobList>) -> impl IntoView {
    let shape = Memo::new(move |_| {
        jobs.data
            .with(|list| list.as_ref().map(|l| l.jobs.is_empty()))
    });
    let rows = move || {
        jobs.data
            .with(|list| list.as_ref().map(|l| l.jobs.clone()).unwrap_or_default())
    };
    let body = move || {
        match shape.get() {
        None => ().into_any(),
        Some(true) => view! { <p class="muted">"No restores or imports into this database yet."</p> }.into_any(),
        Some(false) => view! {
            <div class="table-scroll">
                <DataTable columns=&["Started", "Kind", "From", "Status", "Result"] plain=true>
                    // Keyed by what a row shows but its progress: a row is made again only when that changes.
                    <For each=rows key=|job| (job.id.clone(), job.status.as_str(), job.verification.is_some()) let:job>
                        <JobRow job jobs/>
                    </For>
                </DataTable>
            </div>
        }
        .into_any(),
    }
    };
    view! {
        <ListError error=jobs.error/>
        {body}
    }
}

#[component]
fn JobRow(job: Job, jobs: Live<JobList>) -> impl IntoView {
    let id = job.id.clone();
    let progress = Signal::derive(move || {
        jobs.data.with(|list| {
            list.as_ref()
                .and_then(|l| l.jobs.iter().find(|j| j.id == id))
                .map_or((0, 0), |j| (j.bytes_done, j.size_bytes))
        })
    });
    let status = job.status;
    let (kind, from) = match job.kind {
        JobKind::Restore => (
            "Restore",
            view! {
                "backup " <code class="job-id">{job.backup_id.clone()}</code>
                {job.at.as_deref().map(|at| format!(" to {} UTC", utc_second(at)))}
            }
            .into_any(),
        ),
        JobKind::Import => ("Import", view! { "SQL file" }.into_any()),
    };
    let state = match status {
        JobStatus::Queued | JobStatus::Running => {
            view! { <JobProgress label="Job progress" status progress/> }.into_any()
        }
        _ => ().into_any(),
    };
    let result = match status {
        JobStatus::Completed => {
            view! { <VerificationBadge verification=job.verification.clone()/> }.into_any()
        }
        JobStatus::Failed => view! { <p class="job-error">{failure_text(&job)}</p> }.into_any(),
        JobStatus::Queued | JobStatus::Running => ().into_any(),
    };
    view! {
        <tr>
            <td>{short_time(&job.created_at)}</td>
            <td>{kind}</td>
            <td>{from}</td>
            <td class="status-cell"><StatusBadge status/>{state}</td>
            <td class="result-cell">{result}</td>
        </tr>
    }
}

/// "Verified", "Differs" with the tables that do, or "Not verified (no manifest)".
#[component]
fn VerificationBadge(verification: Option<Verification>) -> impl IntoView {
    match verification {
        None => view! {
            <span class="badge neutral" title="The file carries no manifest (a dump the panel did not make)">
                "Not verified (no manifest)"
            </span>
        }
        .into_any(),
        Some(check) if check.verified => {
            let tables = match check.tables_checked {
                1 => "1 table matches the backup".to_owned(),
                n => format!("{n} tables match the backup"),
            };
            view! { <span class="badge ok">"Verified"</span>" "<span class="muted small">{tables}</span> }.into_any()
        }
        Some(check) => view! {
            <span class="badge danger">"Differs"</span>
            <ul class="differences">
                {check.differences.iter().map(|d| view! { <li class="mono">{difference_text(d)}</li> }).collect_view()}
            </ul>
        }
        .into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        Job {
            id: "j1".to_owned(),
            kind: JobKind::Import,
            database: "acme_shop".to_owned(),
            backup_id: None,
            status: JobStatus::Failed,
            bytes_done: 10,
            size_bytes: 10,
            created_at: "2026-11-30T14:05:09Z".to_owned(),
            finished_at: None,
            error: Some("You have an error in your SQL syntax".to_owned()),
            error_line: Some(12),
            mysql_errno: Some(1064),
            error_code: Some(crate::backups::JobErrorCode::SqlError),
            verification: None,
            at: None,
        }
    }

    #[test]
    fn failures_say_where_and_what() {
        assert_eq!(
            failure_text(&job()),
            "At line 12: Error 1064: You have an error in your SQL syntax"
        );
        let restore = Job {
            error_line: None,
            mysql_errno: None,
            error: Some("The backup file is gone".to_owned()),
            ..job()
        };
        assert_eq!(failure_text(&restore), "The backup file is gone");
        assert_eq!(
            failure_text(&Job {
                error: None,
                error_line: None,
                mysql_errno: None,
                ..job()
            }),
            "The job failed."
        );
    }

    #[test]
    fn differences_name_the_table_and_how() {
        let base = TableDifference {
            name: "orders".to_owned(),
            expected_rows: 100,
            actual_rows: Some(98),
            expected_checksum: 1,
            actual_checksum: Some(2),
        };
        assert_eq!(
            difference_text(&base),
            "orders: 98 rows, the backup has 100"
        );
        assert_eq!(
            difference_text(&TableDifference {
                actual_rows: None,
                actual_checksum: None,
                ..base.clone()
            }),
            "orders: missing"
        );
        assert_eq!(
            difference_text(&TableDifference {
                actual_rows: Some(100),
                ..base
            }),
            "orders: same rows, different checksum"
        );
    }
}
