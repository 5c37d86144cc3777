//! The signed-in pages as lazy routes: their code is in WASM chunks of their own (cargo-leptos
//! `--split`), fetched when such a page is first shown, so the sign-in page does not carry the rest
//! of the panel. On the server these are ordinary routes, and a server-rendered page names its
//! chunks in `modulepreload` links so hydration does not wait for a second round trip.
//!
//! Pages are grouped into three split points, not one each: the splitter puts code that several
//! split points share into a chunk per combination, and eight split points made ~100 chunks (up
//! to 40 requests for one page over HTTP/1.1's six connections). Three give at most seven.
use leptos::prelude::*;
use leptos_router::LazyRoute;

/// Which page of a group to show.
#[derive(Clone, Copy, Debug)]
pub enum Page {
    Databases,
    DatabaseDetail,
    Users,
    Whitelist,
    Profile,
    Activity,
}

/// Everyday pages: the databases list and detail, users, whitelist, profile, activity.
#[leptos::lazy]
fn panel_page(page: Page) -> AnyView {
    match page {
        Page::Databases => view! { <crate::databases::DatabasesPage/> }.into_any(),
        Page::DatabaseDetail => view! { <crate::database_detail::DatabaseDetailPage/> }.into_any(),
        Page::Users => view! { <crate::users::UsersPage/> }.into_any(),
        Page::Whitelist => view! { <crate::whitelist::WhitelistPage/> }.into_any(),
        Page::Profile => view! { <crate::profile::ProfilePage/> }.into_any(),
        Page::Activity => view! { <crate::activity::ActivityPage/> }.into_any(),
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

/// One route type per page of the panel group; `data` loads nothing (each page starts its own
/// resources).
macro_rules! panel_route {
    ($route:ident, $page:ident) => {
        #[derive(Debug)]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                panel_page(Page::$page).await
            }

            // Hydration needs the page's code before it starts: loaded here, beside `data`.
            async fn preload() {
                #[cfg(target_arch = "wasm32")]
                __preload_panel_page().await;
            }
        }
    };
}

panel_route!(DatabasesRoute, Databases);
panel_route!(DatabaseDetailRoute, DatabaseDetail);
panel_route!(UsersRoute, Users);
panel_route!(WhitelistRoute, Whitelist);
panel_route!(ProfileRoute, Profile);
panel_route!(ActivityRoute, Activity);

#[derive(Debug)]
pub struct QueryRoute;

impl LazyRoute for QueryRoute {
    fn data() -> Self {
        Self
    }

    async fn view(_this: Self) -> AnyView {
        query_page().await
    }

    async fn preload() {
        #[cfg(target_arch = "wasm32")]
        __preload_query_page().await;
    }
}

#[derive(Debug)]
pub struct BackupsRoute;

impl LazyRoute for BackupsRoute {
    fn data() -> Self {
        Self
    }

    async fn view(_this: Self) -> AnyView {
        backups_page().await
    }

    async fn preload() {
        #[cfg(target_arch = "wasm32")]
        __preload_backups_page().await;
    }
}
