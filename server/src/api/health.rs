use crate::services::health;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `GET /healthz`: 200 when the panel store and MySQL answer, 503 naming what is down.
pub async fn check(State(state): State<AppState>) -> Response {
    let health = health::check(&state.store, &state.fleet).await;
    let status = if health.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health)).into_response()
}
