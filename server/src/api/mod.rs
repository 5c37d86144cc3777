//! The public REST API under `/api`: one module per resource, one router listing.
pub mod account;
pub mod audit;
pub mod backups;
pub mod databases;
pub mod health;
pub mod keys;
pub mod openapi;
pub mod queries;
pub mod security;
pub mod users;
pub mod whitelist;

use crate::state::AppState;
use app::error::AppError;
use axum::Router;
use axum::extract::FromRequest;
use axum::routing::{delete, get, post, put};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account::show))
        .route("/account/password", put(security::change_password))
        .route("/account/sessions", get(security::list_sessions).delete(security::revoke_other_sessions))
        .route("/account/sessions/{id}", delete(security::revoke_session))
        .route("/audit", get(audit::list))
        .route("/keys/revoke", post(keys::revoke))
        .route("/databases", get(databases::list).post(databases::create))
        .route("/databases/{name}", get(databases::show).delete(databases::delete))
        .route("/databases/{name}/backups", post(backups::create))
        .route("/databases/{name}/imports", post(backups::import))
        .route("/databases/{name}/backup-schedule", put(backups::set_schedule).delete(backups::delete_schedule))
        .route("/backup-schedules", get(backups::list_schedules))
        .route("/backups", get(backups::list))
        .route("/backups/{id}", get(backups::show).delete(backups::delete))
        .route("/backups/{id}/download", get(backups::download))
        .route("/backups/{id}/restore", post(backups::restore))
        .route("/restores/{id}", get(backups::show_restore))
        .route("/imports/{id}", get(backups::show_import))
        .route("/databases/{name}/query", post(queries::run))
        .route("/databases/{name}/query/export", post(queries::export))
        .route("/queries/history", get(queries::history))
        .route("/queries/{id}/cancel", post(queries::cancel))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{name}", delete(users::delete))
        .route("/users/{name}/password", put(users::set_password))
        .route("/users/{user}/privileges/{database}", put(users::set_privileges).delete(users::revoke_privileges))
        .route("/whitelist", get(whitelist::list).post(whitelist::add))
        .route("/whitelist/{id}", delete(whitelist::remove))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { AppError::not_found("No such API endpoint; see /api/openapi.json.") })
        // axum adds the `Allow` header listing the path's methods to this answer.
        .method_not_allowed_fallback(|| async {
            AppError::new(app::error::ErrorCode::MethodNotAllowed, "That method is not allowed on this endpoint.")
        })
}

/// Query parameters whose rejections use the API's error shape.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct QueryParams<T>(pub T);

/// A JSON request body whose rejections use the API's error shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct JsonBody<T>(pub T);
