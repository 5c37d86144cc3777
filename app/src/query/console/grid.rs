//! The results region: one block per statement — a grid of rows with each column's name and type,
//! or "Query OK" with the rows affected — or the error that stopped the run.
use super::describe_error;
use crate::components::form_error::FormError;
use crate::error::AppError;
use crate::query::{QueryColumn, QueryResponse, StatementResult};
use leptos::prelude::*;
use serde_json::Value;

/// "1 row", "2 rows".
pub fn rows_text(n: u64) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{n} rows")
    }
}

/// "12 ms" below a second, "1.25 s" above.
pub fn elapsed_text(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms} ms");
    }
    // Hundredths of a second, rounded half up; no float formatting in the WASM.
    let hundredths = (ms + 5) / 10;
    format!("{}.{:02} s", hundredths / 100, hundredths % 100)
}

/// Why rows are missing: the row cap, or (fewer rows than that) the result's size cap.
pub fn truncated_text(row_count: u64, max_rows: u32) -> String {
    let shown = rows_text(row_count);
    if row_count >= u64::from(max_rows) {
        format!(
            "Showing the first {shown}: results are capped at {max_rows} rows. Export for every row."
        )
    } else {
        format!("Showing the first {shown}: results are capped at 16 MiB. Export for every row.")
    }
}

#[component]
pub fn Results(
    outcome: RwSignal<Option<Result<QueryResponse, AppError>>>,
    running: Signal<bool>,
    max_rows: u32,
) -> impl IntoView {
    let body = move || match outcome.get() {
        None => view! { <p class="muted">"Run a statement to see its result here."</p> }.into_any(),
        Some(Err(err)) => view! { <FormError message={describe_error(&err)}/> }.into_any(),
        Some(Ok(response)) => {
            let results = response.results();
            let several = results.len() > 1;
            let total = match &response {
                QueryResponse::Many(many) => Some(format!(
                    "{} statements in {}",
                    many.results.len(),
                    elapsed_text(many.elapsed_ms)
                )),
                QueryResponse::One(_) => None,
            };
            let blocks = results
                .into_iter()
                .enumerate()
                .map(|(i, result)| {
                    let title = several.then(|| format!("Statement {}", i + 1));
                    view! { <Statement result=result.clone() title max_rows/> }
                })
                .collect_view();
            view! {
                {total.map(|text| view! { <p class="muted">{text}</p> })}
                {blocks}
            }
            .into_any()
        }
    };
    view! {
        <section class="card results" aria-labelledby="results-heading" aria-busy=move || running.get().to_string()>
            <h2 id="results-heading">"Results"</h2>
            {body}
        </section>
    }
}

#[component]
fn Statement(result: StatementResult, title: Option<String>, max_rows: u32) -> impl IntoView {
    let elapsed = elapsed_text(result.elapsed_ms);
    let title = title.map(|title| view! { <h3 class="statement-title">{title}</h3> });
    if result.columns.is_empty() {
        let affected = format!(
            "Query OK, {} affected ({elapsed})",
            rows_text(result.rows_affected)
        );
        let insert_id = result
            .last_insert_id
            .map(|id| view! { <p class="muted">"Last insert id: " {id}</p> });
        return view! {
            <div class="statement">
                {title}
                <p class="query-ok">{affected}</p>
                {insert_id}
            </div>
        }
        .into_any();
    }
    let summary = format!("{} ({elapsed})", rows_text(result.row_count));
    let truncated = result
        .truncated
        .then(|| view! { <p class="warning">{truncated_text(result.row_count, max_rows)}</p> });
    view! {
        <div class="statement">
            {title}
            <p class="row-count">{summary}</p>
            {truncated}
            <div class="grid-scroll">
                <table class="data-table plain result-grid">
                    <thead>
                        <tr>{result.columns.iter().map(column_header).collect_view()}</tr>
                    </thead>
                    <tbody>
                        {result.rows.into_iter().map(|row| view! { <tr>{row.into_iter().map(cell).collect_view()}</tr> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
    .into_any()
}

fn column_header(column: &QueryColumn) -> impl IntoView + use<> {
    let type_name = match column.encoding.as_deref() {
        Some(encoding) => format!("{} ({encoding})", column.type_name),
        None => column.type_name.clone(),
    };
    view! {
        <th scope="col">
            <span class="column-name">{column.name.clone()}</span>" "
            <span class="column-type">{type_name}</span>
        </th>
    }
}

fn cell(value: Value) -> impl IntoView {
    match value {
        Value::Null => view! { <td><span class="null">"NULL"</span></td> }.into_any(),
        Value::String(text) => {
            let title = text.clone();
            view! { <td title=title>{text}</td> }.into_any()
        }
        Value::Number(n) => view! { <td class="number">{n.to_string()}</td> }.into_any(),
        other => view! { <td>{other.to_string()}</td> }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_times_read_naturally() {
        assert_eq!(rows_text(1), "1 row");
        assert_eq!(rows_text(0), "0 rows");
        assert_eq!(elapsed_text(12), "12 ms");
        assert_eq!(elapsed_text(1250), "1.25 s");
        assert_eq!(elapsed_text(1000), "1.00 s");
        assert_eq!(elapsed_text(61_994), "61.99 s");
        assert_eq!(elapsed_text(61_995), "62.00 s");
    }

    #[test]
    fn the_truncated_notice_names_the_cap_that_applied() {
        assert!(
            truncated_text(1000, 1000)
                .starts_with("Showing the first 1000 rows: results are capped at 1000 rows")
        );
        assert!(truncated_text(10, 1000).contains("16 MiB"));
    }
}
