//! The panel's tables: column headers, an optional (visually hidden) actions column, the rows.
use leptos::prelude::*;

#[component]
pub fn DataTable(
    columns: &'static [&'static str],
    /// Adds a last column for row buttons, named for screen readers only.
    #[prop(optional)]
    with_actions: bool,
    /// Inside a card: no shadow of its own.
    #[prop(optional)]
    plain: bool,
    children: Children,
) -> impl IntoView {
    // The wrapper scrolls sideways when the columns do not fit (phones) instead of widening the page.
    view! {
        <div class="table-wrap">
        <table class=if plain { "data-table plain" } else { "data-table" }>
            <thead>
                <tr>
                    {columns.iter().map(|column| view! { <th scope="col">{*column}</th> }).collect_view()}
                    {with_actions.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                </tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
        </div>
    }
}
