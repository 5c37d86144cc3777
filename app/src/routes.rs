//! The signed-in pages as lazy routes: each page's code is a WASM chunk of its own (cargo-leptos
//! `--split`), fetched when the page is first shown, so the sign-in page does not carry the rest of
//! the panel. On the server these are ordinary routes, and a server-rendered page names its chunk in
//! a `modulepreload` link so hydration does not wait for a second round trip.
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// One route type per page; `data` loads nothing (each page starts its own resources).
macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        #[derive(Debug)]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(DatabasesRoute, crate::databases::DatabasesPage);
lazy_page!(DatabaseDetailRoute, crate::database_detail::DatabaseDetailPage);
lazy_page!(QueryRoute, crate::query::console::QueryPage);
lazy_page!(BackupsRoute, crate::backups::tab::BackupsPage);
lazy_page!(UsersRoute, crate::users::UsersPage);
lazy_page!(WhitelistRoute, crate::whitelist::WhitelistPage);
lazy_page!(ProfileRoute, crate::profile::ProfilePage);
lazy_page!(ActivityRoute, crate::activity::ActivityPage);
