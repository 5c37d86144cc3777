//! Builds the application: stores, state, one router for pages, server functions and REST.
use crate::api;
use crate::auth::{csrf, rate_limit::LoginLimiter};
use crate::backend::PanelBackend;
use crate::config::Settings;
use crate::state::AppState;
use crate::{managed, pages, store};
use anyhow::Context;
use app::backend::SharedBackend;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Opens the stores and binds the listener (port 0 picks a free port: tests use that).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let state = build_state(settings).await?;
        let listener =
            TcpListener::bind(settings.listen).await.with_context(|| format!("Failed to listen on {}", settings.listen))?;
        Ok(Self { listener, router: router(state.clone()), state })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tokio::spawn(reconcile_periodically(self.state.clone()));
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service).with_graceful_shutdown(shutdown_signal()).await
    }
}

pub async fn build_state(settings: &Settings) -> anyhow::Result<AppState> {
    let mut leptos_options = leptos::config::get_configuration(None).context("Failed to read Leptos settings")?.leptos_options;
    if leptos_options.output_name.is_empty() {
        // Built without cargo-leptos (cargo test): keep /pkg URLs consistent with the real build.
        leptos_options.output_name = "nobregas-panel".into();
    }
    Ok(AppState {
        leptos_options,
        store: store::open(&settings.data_dir).await?,
        mysql: managed::pool(settings)?,
        login_limiter: Arc::new(LoginLimiter::default()),
    })
}

pub fn router(state: AppState) -> Router {
    let backend: SharedBackend = Arc::new(PanelBackend::new(state.clone()));
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(api::health::check))
        .nest("/api", api::router())
        .leptos_routes_with_context(
            &state,
            generate_route_list(app::App),
            move || provide_context(backend.clone()),
            move || app::shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        .layer(middleware::from_fn_with_state(state.clone(), pages::require_session))
        .layer(middleware::from_fn(csrf::reject_cross_site))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

async fn security_headers(request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !is_asset {
        // Pages and API answers carry account data: never cache them.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Finishes whitelist changes a failure interrupted: at start-up, then every few minutes.
async fn reconcile_periodically(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
    loop {
        every.tick().await;
        if let Err(err) = crate::services::whitelist::reconcile(&state.store, &state.mysql).await {
            tracing::warn!(error = %err, "whitelist reconciliation did not finish; will retry");
        }
    }
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
