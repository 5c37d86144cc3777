//! Builds the application: stores, state, one router for pages, server functions and REST.
use crate::api;
use crate::auth::{client, csrf};
use crate::config::{Settings, TlsFiles};
use crate::domain::caller::ClientInfo;
use crate::domain::seal::Sealer;
use crate::limits::{buckets::ApiLimits, login::LoginLimiter};
use crate::state::AppState;
use crate::{assets, managed, pages, store};
use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_server::tls_rustls::RustlsConfig;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub struct Application {
    listener: std::net::TcpListener,
    tls: Option<RustlsConfig>,
    router: Router,
    state: AppState,
    schedule_tick: Duration,
    lease: Duration,
}

impl Application {
    /// Opens the stores, loads the TLS certificate, binds the listener (port 0 picks a free port:
    /// tests use that).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        settings.check_transport()?;
        let state = build_state(settings).await?;
        crate::instance::heartbeat(&state.store)
            .await
            .context("Failed to register this instance in the panel store")?;
        crate::maintenance::fail_jobs_of_stopped_instances(&state, settings.lease, true)
            .await
            .context("Failed to fail the jobs a stopped panel process left")?;
        let tls = match &settings.tls {
            Some(files) => Some(load_tls(files).await?),
            None => None,
        };
        let listener = std::net::TcpListener::bind(settings.listen)
            .with_context(|| format!("Failed to listen on {}", settings.listen))?;
        listener
            .set_nonblocking(true)
            .context("Failed to configure the listener")?;
        Ok(Self {
            listener,
            tls,
            router: router(state.clone(), settings),
            state,
            schedule_tick: settings.backup_schedule_tick,
            lease: settings.lease,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or Ctrl-C; then stops accepting and lets in-flight requests finish
    /// (up to 30 s).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tokio::spawn(crate::maintenance::run(
            self.state.clone(),
            self.schedule_tick,
            self.lease,
        ));
        tokio::spawn(say_what_recovery_lacks(self.state.clone()));
        let store = self.state.store.clone();
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("Shutting down: finishing in-flight requests");
            stopper.graceful_shutdown(Some(Duration::from_secs(30)));
        });
        let served = match self.tls {
            Some(tls) => {
                axum_server::from_tcp_rustls(self.listener, tls)?
                    .handle(handle)
                    .serve(service)
                    .await
            }
            None => {
                axum_server::from_tcp(self.listener)?
                    .handle(handle)
                    .serve(service)
                    .await
            }
        };
        // Another instance need not wait for the lease to expire.
        let _ = crate::instance::release(&store, crate::instance::MAINTENANCE).await;
        served
    }
}

async fn load_tls(files: &TlsFiles) -> anyhow::Result<RustlsConfig> {
    // One process-wide crypto provider (ring); a second install attempt is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    RustlsConfig::from_pem_file(&files.cert, &files.key)
        .await
        .with_context(|| {
            format!(
                "Failed to load the TLS certificate {} and key {}",
                files.cert.display(),
                files.key.display()
            )
        })
}

pub async fn build_state(settings: &Settings) -> anyhow::Result<AppState> {
    let mut leptos_options = leptos::config::get_configuration(None)
        .context("Failed to read Leptos settings")?
        .leptos_options;
    if leptos_options.output_name.is_empty() {
        // Built without cargo-leptos (cargo test): keep /pkg URLs consistent with the real build.
        leptos_options.output_name = "nobregas-panel".into();
    }
    // A release build by cargo-leptos (`hash-files`) names /pkg files by content and lists the names in
    // hash.txt beside the binary; a binary built otherwise (cargo test) has none and uses plain names.
    leptos_options.hash_files = assets::hash_file_beside_binary(&leptos_options);
    let (store, sealer) = open_store(settings).await?;
    let store_cache = crate::store_cache::StoreCache::open(&store, &settings.data_dir)
        .context("Failed to open the panel store for the API-key cache")?;
    let mysql = managed::pool(settings)?;
    Ok(AppState::new(crate::state::Shared {
        leptos_options,
        store,
        store_cache: Arc::new(store_cache),
        fleet: managed::fleet::Fleet::new(mysql.clone(), settings, sealer.clone())?,
        queries: crate::services::queries::Queries::new(settings, sealer.clone()),
        sealer,
        mysql,
        login_limiter: Arc::new(LoginLimiter::default()),
        api_limits: Arc::new(ApiLimits::new(
            settings.api_rate_limit_per_minute,
            settings.ip_rate_limit_per_minute,
        )),
        trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
        backups: crate::services::backups::Backups::new(settings),
        offsite: settings
            .offsite
            .as_ref()
            .map(|offsite| {
                crate::services::backups::offsite::Offsite::open(offsite, &settings.data_dir)
            })
            .transpose()?
            .map(Arc::new),
        alerts: crate::services::alerts::Config::new(settings)?,
        tls: settings.tls.is_some(),
        metrics: Arc::default(),
        metrics_token: settings
            .metrics_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(Arc::from),
    }))
}

/// The panel store with its secrets' key: the data dir made private, the key loaded (or made on
/// first start), checked against the store, and anything an earlier version stored in the clear sealed.
pub async fn open_store(settings: &Settings) -> anyhow::Result<(store::Store, Arc<Sealer>)> {
    let store = store::open(&settings.data_dir, settings.store_url.as_deref()).await?;
    let key_file = &settings.secret_key_file;
    let sealer = Arc::new(Sealer::load_or_create(key_file)?);
    crate::services::secrets::prepare(&store, &sealer, key_file).await?;
    managed::default_server::seed(&store, &sealer, settings).await?;
    Ok((store, sealer))
}

pub fn router(state: AppState, settings: &Settings) -> Router {
    // Server functions find the state (and through it the services) in the Leptos context.
    let context = state.clone();
    let options = state.leptos_options.clone();
    let api = api::router().layer(middleware::from_fn_with_state(
        state.clone(),
        crate::auth::api_limit::limit,
    ));
    Router::new()
        .route("/healthz", get(api::health::check))
        .route("/metrics", get(crate::metrics::serve))
        .nest("/api", api)
        .leptos_routes_with_context(
            &state,
            generate_route_list(app::App),
            move || provide_context(context.clone()),
            move || app::shell(options.clone()),
        )
        // Files from target/site (the WASM, CSS, favicon, the SQL editor); anything else is a page
        // that does not exist, rendered by Leptos.
        .fallback_service(assets::files(
            &state.leptos_options.site_root,
            leptos_axum::file_and_error_handler::<AppState, _>(app::shell).with_state(state.clone()),
        ))
        .layer(middleware::from_fn_with_state(state.clone(), pages::require_session))
        .layer(middleware::from_fn_with_state(state.clone(), crate::auth::api_limit::limit_server_functions))
        .layer(middleware::from_fn(csrf::reject_cross_site))
        .layer(DefaultBodyLimit::max(settings.body_limit_bytes))
        .layer(middleware::from_fn_with_state(settings.body_limit_bytes, body_limit))
        .layer(middleware::from_fn_with_state(settings.request_timeout, request_deadline))
        .layer(middleware::from_fn(error_shape_for_bare_statuses))
        .layer(middleware::from_fn_with_state(state.clone(), crate::auth::transport::require_https_for_credentials))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(state.leptos_options.hash_files, assets::caching))
        .layer(middleware::from_fn_with_state(state.clone(), client::resolve))
        .layer(middleware::from_fn_with_state(state.clone(), crate::metrics::record))
        .with_state(state)
}

/// Pages set their own CSP with the request's script nonce (`app::shell`); everything else gets
/// one that allows nothing to run.
const NON_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/pkg/");
    let https = request
        .extensions()
        .get::<ClientInfo>()
        .is_some_and(|client| client.https);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NON_PAGE_CSP),
        );
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !is_asset {
        // Pages and API answers carry account data: never cache them.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A request that has not produced its answer in time gets 408. Customer SQL has its own limit
/// (`timeout_ms`, up to 300 s, stopped on the server), so those routes wait for that instead.
/// Only the answer's head counts: a streaming export is bounded by its statement's limit.
async fn request_deadline(
    State(timeout): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let runs_sql = path == "/rpc/run_query"
        || (path.starts_with("/api/databases/")
            && (path.ends_with("/query") || path.ends_with("/query/export")));
    if is_import(path) {
        // An upload of up to 2 GiB may take long on a slow line; the import limit bounds it.
        return next.run(request).await;
    }
    let limit = if runs_sql {
        timeout.max(
            crate::services::queries::backstop(Duration::from_millis(app::query::MAX_TIMEOUT_MS))
                + Duration::from_secs(5),
        )
    } else {
        timeout
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => app::error::AppError::new(
            app::error::ErrorCode::RequestTimeout,
            "The request took too long and was stopped.",
        )
        .into_response(),
    }
}

/// Import uploads are streamed to disk and limited by the import service itself (2 GiB by
/// default), a table's CSV import by its handler (64 MiB); every other request body by
/// `body_limit_bytes`.
fn is_import(path: &str) -> bool {
    path.starts_with("/api/databases/")
        && (path.ends_with("/imports") || (path.contains("/tables/") && path.ends_with("/import")))
}

async fn body_limit(State(limit): State<usize>, request: Request, next: Next) -> Response {
    if is_import(request.uri().path()) {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    // A body without (or lying about) its length stops at the limit; extractors answer 413.
    let request =
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

/// tower-http's body-limit layer answer 408/413 without our error body: add it.
async fn error_shape_for_bare_statuses(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    match response.status() {
        StatusCode::REQUEST_TIMEOUT if !is_json => app::error::AppError::new(
            app::error::ErrorCode::RequestTimeout,
            "The request took too long and was stopped.",
        )
        .into_response(),
        StatusCode::PAYLOAD_TOO_LARGE if !is_json => app::error::AppError::new(
            app::error::ErrorCode::PayloadTooLarge,
            "The request body is too large.",
        )
        .into_response(),
        _ => response,
    }
}

async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("Failed to listen for SIGTERM");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

/// Start-up says, for each managed server, what it lacks for point-in-time recovery (`server
/// list` shows it too, in its ARCHIVE column).
async fn say_what_recovery_lacks(state: AppState) {
    let Ok(servers) = state.fleet.all(&state.store).await else {
        return;
    };
    for server in servers {
        match crate::services::binlog::requirements::missing(&server.pool).await {
            Ok(missing) if !missing.is_empty() => tracing::warn!(
                "{}",
                crate::services::binlog::requirements::explain(&server.name, &missing)
            ),
            Ok(_) => tracing::info!(
                server = server.name,
                "the binary log is archived: point-in-time recovery works"
            ),
            Err(err) => {
                tracing::warn!(server = server.name, error = %err, "could not check the server's binary log")
            }
        }
    }
}
