//! The public REST API under `/api`: one module per resource, one router listing.
pub mod account;
pub mod databases;
pub mod health;
pub mod openapi;

use crate::state::AppState;
use app::error::AppError;
use axum::Router;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account::show))
        .route("/databases", get(databases::list))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { AppError::not_found("No such API endpoint; see /api/openapi.json.") })
        .method_not_allowed_fallback(|| async {
            AppError::new(app::error::ErrorCode::BadRequest, "That method is not allowed on this endpoint.")
        })
}
