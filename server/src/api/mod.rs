//! The public REST API under `/api`: one module per resource, each registering its endpoints.
pub mod account;
pub mod admin;
pub mod audit;
pub mod backups;
pub mod databases;
pub mod health;
pub mod keys;
pub mod openapi;
pub mod queries;
pub mod security;
pub mod tables;
pub mod users;
pub mod webhooks;
pub mod whitelist;

use crate::state::AppState;
use app::error::AppError;
use axum::Router;
use axum::extract::FromRequest;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;

/// Every endpoint with its OpenAPI entry, paths relative to `/api`: each resource module
/// registers its own, next to its handlers. `openapi::document_json` nests the same routes under
/// `/api` for the document, so an endpoint cannot be served without being documented.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(account::router())
        .merge(admin::router())
        .merge(security::router())
        .merge(audit::router())
        .merge(keys::router())
        .merge(databases::router())
        .merge(backups::router())
        .merge(queries::router())
        .merge(tables::router())
        .merge(users::router())
        .merge(whitelist::router())
        .merge(webhooks::router())
}

/// The router nested at `/api`: the endpoints, the document itself, and JSON answers for paths
/// and methods that do not exist.
pub fn router() -> Router<AppState> {
    let (router, _document) = routes().split_for_parts();
    router
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { AppError::not_found("No such API endpoint; see /api/openapi.json.") })
        // axum adds the `Allow` header listing the path's methods to this answer.
        .method_not_allowed_fallback(|| async {
            AppError::new(
                app::error::ErrorCode::MethodNotAllowed,
                "That method is not allowed on this endpoint.",
            )
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
