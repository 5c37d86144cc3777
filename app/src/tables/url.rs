//! The table page's view as its URL holds it, so a view can be shared and reloaded:
//! `/databases/{db}/tables/{table}?limit=100&order=name.desc&filter=name.like.a%25&after=42`
//! for rows, `?tab=structure` for the structure.
use super::filter::{Filter, Order};
use super::{DEFAULT_LIMIT, RowsQuery, percent_encode};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

/// Goes to an address; `true`: to the top of the new page.
type Navigate = Box<dyn Fn(&str, bool) + Send + Sync>;

/// The router's `navigate`, as a `Copy` handle for callbacks and event handlers.
#[derive(Clone, Copy)]
pub struct Navigator(StoredValue<Navigate>);

impl Navigator {
    /// The navigator of the router the calling component is in.
    pub fn of_router() -> Self {
        let navigate = use_navigate();
        let go: Navigate = Box::new(move |href: &str, scroll: bool| {
            navigate(
                href,
                NavigateOptions {
                    scroll,
                    ..Default::default()
                },
            )
        });
        Self(StoredValue::new(go))
    }

    /// Goes to `href`; `scroll`: to the top of the new page.
    pub fn go(self, href: &str, scroll: bool) {
        self.0.with_value(|navigate| navigate(href, scroll));
    }
}

/// Which part of a table the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableTab {
    Data,
    Structure,
}

/// The page's view: the rows' query and the sub-tab.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableView {
    pub rows: RowsQuery,
    pub structure: bool,
}

impl TableView {
    /// Reads the view from the URL's query (`get`: one value, `get_all`: every value of a name).
    /// Values the server would refuse (a bad limit) are left to it: it says why.
    pub fn read(get: impl Fn(&str) -> Option<String>, filters: Vec<String>) -> Self {
        Self {
            rows: RowsQuery {
                limit: get("limit").and_then(|l| l.parse().ok()),
                after: get("after").filter(|a| !a.is_empty()),
                order: get("order").filter(|o| !o.is_empty()),
                filters: filters.into_iter().filter(|f| !f.is_empty()).collect(),
            },
            structure: get("tab").as_deref() == Some("structure"),
        }
    }

    pub fn tab(&self) -> TableTab {
        if self.structure {
            TableTab::Structure
        } else {
            TableTab::Data
        }
    }

    pub fn limit(&self) -> u32 {
        self.rows.limit.unwrap_or(DEFAULT_LIMIT)
    }

    /// The same rows from the first page (a new order, filter or page size starts over).
    pub fn first_page(&self) -> Self {
        let mut view = self.clone();
        view.rows.after = None;
        view
    }

    pub fn with_limit(&self, limit: u32) -> Self {
        let mut view = self.first_page();
        view.rows.limit = (limit != DEFAULT_LIMIT).then_some(limit);
        view
    }

    pub fn with_after(&self, after: Option<String>) -> Self {
        let mut view = self.clone();
        view.rows.after = after;
        view
    }

    /// Sorting by `column`: ascending first, then the other way on each click.
    pub fn sorted_by(&self, column: &str, columns: &[String]) -> Self {
        let descending = matches!(
            self.order(columns),
            Some(Order { column: ref c, descending: false }) if c == column
        );
        let mut view = self.first_page();
        view.rows.order = Some(
            Order {
                column: column.to_owned(),
                descending,
            }
            .to_param(),
        );
        view
    }

    pub fn order(&self, columns: &[String]) -> Option<Order> {
        self.rows
            .order
            .as_deref()
            .and_then(|raw| Order::parse(raw, columns).ok())
    }

    pub fn with_filter(&self, filter: &Filter) -> Self {
        let mut view = self.first_page();
        let param = filter.to_param();
        if !view.rows.filters.contains(&param) {
            view.rows.filters.push(param);
        }
        view
    }

    pub fn without_filter(&self, param: &str) -> Self {
        let mut view = self.first_page();
        view.rows.filters.retain(|f| f != param);
        view
    }

    /// The page's address for this view.
    pub fn href(&self, database: &str, table: &str) -> String {
        let base = table_href(database, table);
        let query = if self.structure {
            "tab=structure".to_owned()
        } else {
            self.rows.to_query_string()
        };
        if query.is_empty() {
            base
        } else {
            format!("{base}?{query}")
        }
    }

    /// The export of these rows (every page: no limit or `after`) as `format`.
    pub fn export_href(
        &self,
        database: &str,
        table: &str,
        format: super::TableExportFormat,
    ) -> String {
        let rows = RowsQuery {
            order: self.rows.order.clone(),
            filters: self.rows.filters.clone(),
            ..RowsQuery::default()
        };
        let mut href = format!(
            "/api/databases/{}/tables/{}/export?format={}",
            percent_encode(database),
            percent_encode(table),
            format.extension()
        );
        let query = rows.to_query_string();
        if !query.is_empty() {
            href.push('&');
            href.push_str(&query);
        }
        href
    }
}

/// `/databases/{db}/tables`.
pub fn list_href(database: &str) -> String {
    format!("/databases/{database}/tables")
}

/// `/databases/{db}/tables/{table}`, the table's name percent-encoded.
pub fn table_href(database: &str, table: &str) -> String {
    format!("/databases/{database}/tables/{}", percent_encode(table))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::filter::Op;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> TableView {
        let map: HashMap<&str, &str> = pairs
            .iter()
            .copied()
            .filter(|(k, _)| *k != "filter")
            .collect();
        let filters = pairs
            .iter()
            .filter(|(k, _)| *k == "filter")
            .map(|(_, v)| v.to_string())
            .collect();
        TableView::read(|name| map.get(name).map(|v| v.to_string()), filters)
    }

    fn columns() -> Vec<String> {
        vec!["id".into(), "name".into()]
    }

    #[test]
    fn the_view_round_trips_through_the_url() {
        let view = read(&[
            ("limit", "100"),
            ("order", "name.desc"),
            ("filter", "name.like.a%"),
            ("after", "7"),
        ]);
        assert_eq!(view.limit(), 100);
        assert_eq!(view.tab(), TableTab::Data);
        assert_eq!(
            view.href("acme_shop", "order items"),
            "/databases/acme_shop/tables/order%20items?limit=100&after=7&order=name.desc&filter=name.like.a%25"
        );
        assert_eq!(
            read(&[("tab", "structure")]).href("d", "t"),
            "/databases/d/tables/t?tab=structure"
        );
        assert_eq!(read(&[]).href("d", "t"), "/databases/d/tables/t");
        assert_eq!(read(&[("limit", "x")]).limit(), DEFAULT_LIMIT);
    }

    #[test]
    fn sorting_toggles_and_starts_over() {
        let view = read(&[("after", "9")]);
        let asc = view.sorted_by("name", &columns());
        assert_eq!(asc.rows.order.as_deref(), Some("name"));
        assert_eq!(asc.rows.after, None);
        let desc = asc.sorted_by("name", &columns());
        assert_eq!(desc.rows.order.as_deref(), Some("name.desc"));
        assert_eq!(
            desc.sorted_by("name", &columns()).rows.order.as_deref(),
            Some("name")
        );
        assert_eq!(
            desc.sorted_by("id", &columns()).rows.order.as_deref(),
            Some("id")
        );
    }

    #[test]
    fn filters_are_added_once_and_removed() {
        let filter = Filter {
            column: "id".into(),
            op: Op::Gt,
            values: vec!["3".into()],
        };
        let view = read(&[("after", "9")])
            .with_filter(&filter)
            .with_filter(&filter);
        assert_eq!(view.rows.filters, vec!["id.gt.3"]);
        assert_eq!(view.rows.after, None);
        assert!(view.without_filter("id.gt.3").rows.filters.is_empty());
        assert_eq!(read(&[]).with_limit(DEFAULT_LIMIT).rows.limit, None);
        assert_eq!(read(&[]).with_limit(25).rows.limit, Some(25));
    }

    #[test]
    fn exports_carry_the_order_and_filters_only() {
        let view = read(&[
            ("limit", "25"),
            ("after", "3"),
            ("order", "id.desc"),
            ("filter", "id.gt.1"),
        ]);
        assert_eq!(
            view.export_href("d", "t", crate::tables::TableExportFormat::Csv),
            "/api/databases/d/tables/t/export?format=csv&order=id.desc&filter=id.gt.1"
        );
    }
}
