//! Shared crate: models, validated inputs, the error type, server-function signatures and every page.
//! Compiled twice: with `ssr` into the server, with `hydrate` into the browser's WASM.
pub mod error;
pub mod host;
pub mod model;
pub mod names;
pub mod privilege;
pub mod validate;
#[cfg(feature = "ssr")]
pub mod backend;

pub mod auth;
pub mod components;
pub mod database_detail;
pub mod databases;
pub mod layout;
pub mod profile;
pub mod users;
pub mod whitelist;

use leptos::prelude::*;
use leptos_meta::{Link, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, StaticSegment,
    components::{ParentRoute, Route, Router, Routes},
};

/// Every server function lives under this prefix; `/api` belongs to the public REST API.
pub const RPC_PREFIX: &str = "/rpc";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/nobregas-panel.css"/>
        <Title text="Nobregas MySQL Panel"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Router>
            <Routes fallback=|| view! { <p class="not-found">"Page not found."</p> }>
                <Route path=StaticSegment("login") view=auth::LoginPage/>
                <ParentRoute path=StaticSegment("") view=layout::AppLayout>
                    <Route path=StaticSegment("") view=databases::DatabasesPage/>
                    <Route path=StaticSegment("databases") view=databases::DatabasesPage/>
                    <Route path=(StaticSegment("databases"), ParamSegment("name")) view=database_detail::DatabaseDetailPage/>
                    <Route path=StaticSegment("users") view=users::UsersPage/>
                    <Route path=StaticSegment("whitelist") view=whitelist::WhitelistPage/>
                    <Route path=StaticSegment("profile") view=profile::ProfilePage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
