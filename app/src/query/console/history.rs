//! The account's last statements (all its databases, newest first); picking one puts it back in
//! the editor.
use crate::components::load::Load;
use crate::query::{HistoryEntry, list_query_history};
use leptos::prelude::*;

/// `2026-11-30T14:05:09Z` → `2026-11-30 14:05 UTC`.
pub fn when(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => at.to_owned(),
    }
}

#[component]
pub fn History(runs: RwSignal<u32>, on_pick: Callback<String>) -> impl IntoView {
    let history = Resource::new(move || runs.get(), |_| list_query_history());
    view! {
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <Load resource=history let:history>
                {if history.entries.is_empty() {
                    view! { <p class="muted">"Statements you run show up here."</p> }.into_any()
                } else {
                    view! {
                        <ol class="history">
                            {history.entries.into_iter().map(|entry| view! { <Entry entry on_pick/> }).collect_view()}
                        </ol>
                    }
                    .into_any()
                }}
            </Load>
        </section>
    }
}

#[component]
fn Entry(entry: HistoryEntry, on_pick: Callback<String>) -> impl IntoView {
    let HistoryEntry {
        sql, database, at, ..
    } = entry;
    let meta = format!("{database} · {}", when(&at));
    let picked = sql.clone();
    view! {
        <li>
            <button type="button" class="history-entry" title="Put back in the editor" on:click=move |_| on_pick.run(picked.clone())>
                <code class="history-sql">{sql}</code>
                <span class="history-meta">{meta}</span>
            </button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::when;

    #[test]
    fn times_are_shortened_to_the_minute() {
        assert_eq!(when("2026-11-30T14:05:09Z"), "2026-11-30 14:05 UTC");
        assert_eq!(
            when("2026-11-30T14:05:09.123+00:00"),
            "2026-11-30 14:05 UTC"
        );
        assert_eq!(when("soon"), "soon");
    }
}
