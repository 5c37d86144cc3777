//! The signed-in pages as lazy routes: their code is in WASM chunks of their own (cargo-leptos
//! `--split`), fetched when such a page is first shown, so the sign-in page does not carry the rest
//! of the panel. On the server these are ordinary routes, and a server-rendered page names its
//! chunks in `modulepreload` links so hydration does not wait for a second round trip.
//!
//! Pages are grouped into four split points, not one each: the splitter puts code that several
//! split points share into a chunk per combination, and eight split points made ~100 chunks (up
//! to 40 requests for one page over HTTP/1.1's six connections). Four give at most fifteen.
use leptos::prelude::*;
use leptos_router::LazyRoute;

/// Which page of a group to show.
#[derive(Clone, Copy, Debug)]
pub enum Page {
    Databases,
    DatabaseDetail,
    DatabaseConnect,
    Users,
    Whitelist,
    Profile,
    Activity,
    Admin,
}

/// Everyday pages: the databases list, detail and Connect tab, users, whitelist, profile, activity,
/// and the operators' Admin area (in this split point rather than one of its own, which would
/// add a chunk of the code it shares with these pages to every one of them).
#[leptos::lazy]
fn panel_page(page: Page) -> AnyView {
    match page {
        Page::Databases => view! { <crate::databases::DatabasesPage/> }.into_any(),
        Page::DatabaseDetail => view! { <crate::database_detail::DatabaseDetailPage/> }.into_any(),
        Page::DatabaseConnect => view! { <crate::connect::ConnectPage/> }.into_any(),
        Page::Users => view! { <crate::users::UsersPage/> }.into_any(),
        Page::Whitelist => view! { <crate::whitelist::WhitelistPage/> }.into_any(),
        Page::Profile => view! { <crate::profile::ProfilePage/> }.into_any(),
        Page::Activity => view! { <crate::activity::ActivityPage/> }.into_any(),
        Page::Admin => view! { <crate::admin::AdminPage/> }.into_any(),
    }
}

/// The Query tab (editor glue, results grid, export).
#[leptos::lazy]
fn query_page() -> AnyView {
    view! { <crate::query::console::QueryPage/> }.into_any()
}

/// The Backups tab (backups, restores, imports, schedule).
#[leptos::lazy]
fn backups_page() -> AnyView {
    view! { <crate::backups::tab::BackupsPage/> }.into_any()
}

/// Which page of the Tables tab to show.
#[derive(Clone, Copy, Debug)]
pub enum TablesPage {
    /// The database's tables and views.
    List,
    /// One table's rows or structure.
    Table,
}

/// The Tables tab (table list, rows grid and editors, structure forms, CSV import/export).
#[leptos::lazy]
fn tables_page(page: TablesPage) -> AnyView {
    match page {
        TablesPage::List => view! { <crate::tables::list::TablesPage/> }.into_any(),
        TablesPage::Table => view! { <crate::tables::table::TablePage/> }.into_any(),
    }
}

/// A route type whose view is a page of one split point: `data` loads nothing (each page starts its
/// own resources), `preload` fetches the split point's code so hydration can start with it.
macro_rules! lazy_route {
    ($route:ident, $view:expr, $preload:ident) => {
        #[derive(Debug)]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                $view.await
            }

            async fn preload() {
                #[cfg(target_arch = "wasm32")]
                $preload().await;
            }
        }
    };
}

lazy_route!(
    DatabasesRoute,
    panel_page(Page::Databases),
    __preload_panel_page
);
lazy_route!(
    DatabaseDetailRoute,
    panel_page(Page::DatabaseDetail),
    __preload_panel_page
);
lazy_route!(
    DatabaseConnectRoute,
    panel_page(Page::DatabaseConnect),
    __preload_panel_page
);
lazy_route!(UsersRoute, panel_page(Page::Users), __preload_panel_page);
lazy_route!(
    WhitelistRoute,
    panel_page(Page::Whitelist),
    __preload_panel_page
);
lazy_route!(
    ProfileRoute,
    panel_page(Page::Profile),
    __preload_panel_page
);
lazy_route!(
    ActivityRoute,
    panel_page(Page::Activity),
    __preload_panel_page
);
lazy_route!(AdminRoute, panel_page(Page::Admin), __preload_panel_page);
lazy_route!(QueryRoute, query_page(), __preload_query_page);
lazy_route!(BackupsRoute, backups_page(), __preload_backups_page);
lazy_route!(
    TablesRoute,
    tables_page(TablesPage::List),
    __preload_tables_page
);
lazy_route!(
    TableRoute,
    tables_page(TablesPage::Table),
    __preload_tables_page
);
