//! Shared crate: models, validated inputs, the error type, server-function signatures and every page.
//! Compiled twice: with `ssr` into the server, with `hydrate` into the browser's WASM.
#[cfg(feature = "ssr")]
pub mod rpc;
// The shared types, under the paths the pages (and the server) have always used.
pub use types::{error, host, key_policy, model, names, privilege, security, validate};

pub mod account_security;
pub mod activity;
pub mod admin;
pub mod auth;
pub mod backups;
pub mod components;
pub mod connect;
pub mod database_detail;
pub mod databases;
pub mod key_options;
pub mod layout;
pub mod lists;
pub mod profile;
pub mod query;
pub mod routes;
pub mod tables;
pub mod two_factor;
pub mod usage;
pub mod users;
pub mod webhooks;
pub mod whitelist;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, MetaTags, Title, provide_meta_context};
use leptos_router::{
    Lazy, ParamSegment, StaticSegment,
    components::{ParentRoute, Route, Router, Routes},
};
use routes::*;

/// Every server function lives under this prefix; `/api` belongs to the public REST API.
pub const RPC_PREFIX: &str = "/rpc";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    send_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                // With hashed file names (a release build) the names come from cargo-leptos' hash.txt.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Scripts run only from the panel's own files, plus the inline hydration scripts Leptos writes,
/// which carry this response's nonce (leptos_axum makes one per request); no plugins, no framing,
/// no `<base>` tricks. Inline styles are not used either.
#[cfg(feature = "ssr")]
fn send_content_security_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Nobregas MySQL Panel"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Router>
            <Routes fallback=|| view! { <p class="not-found">"Page not found."</p> }>
                <Route path=StaticSegment("login") view=auth::LoginPage/>
                <Route path=(StaticSegment("login"), StaticSegment("code")) view=auth::LoginCodePage/>
                <ParentRoute path=StaticSegment("") view=layout::AppLayout>
                    <Route path=StaticSegment("") view={Lazy::<DatabasesRoute>::new()}/>
                    <Route path=StaticSegment("databases") view={Lazy::<DatabasesRoute>::new()}/>
                    <Route path=(StaticSegment("databases"), ParamSegment("name")) view={Lazy::<DatabaseDetailRoute>::new()}/>
                    <Route path=(StaticSegment("databases"), ParamSegment("name"), StaticSegment("tables")) view={Lazy::<TablesRoute>::new()}/>
                    <Route path=(StaticSegment("databases"), ParamSegment("name"), StaticSegment("tables"), ParamSegment("table")) view={Lazy::<TableRoute>::new()}/>
                    <Route path=(StaticSegment("databases"), ParamSegment("name"), StaticSegment("query")) view={Lazy::<QueryRoute>::new()}/>
                    <Route path=(StaticSegment("databases"), ParamSegment("name"), StaticSegment("backups")) view={Lazy::<BackupsRoute>::new()}/>
                    <Route path=(StaticSegment("databases"), ParamSegment("name"), StaticSegment("connect")) view={Lazy::<DatabaseConnectRoute>::new()}/>
                    <Route path=StaticSegment("users") view={Lazy::<UsersRoute>::new()}/>
                    <Route path=StaticSegment("whitelist") view={Lazy::<WhitelistRoute>::new()}/>
                    <Route path=StaticSegment("profile") view={Lazy::<ProfileRoute>::new()}/>
                    <Route path=StaticSegment("activity") view={Lazy::<ActivityRoute>::new()}/>
                    <Route path=StaticSegment("admin") view={Lazy::<AdminRoute>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
