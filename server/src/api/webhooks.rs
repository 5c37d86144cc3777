use super::JsonBody;
use crate::domain::caller::Caller;
use crate::services::alerts::{deliveries, webhooks};
use crate::state::AppState;
use app::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use types::alerts::{CreateWebhook, CreatedWebhook, Delivery, DeliveryList, WebhookList};
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's endpoints, each with its OpenAPI entry; paths are relative to `/api`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(delete))
        .routes(routes!(list_deliveries))
        .routes(routes!(test))
}

/// The account's webhooks: where its alerts are posted, signed with each webhook's secret.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", operation_id = "list_webhooks", responses((status = 200, body = WebhookList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WebhookList>, AppError> {
    Ok(Json(WebhookList {
        webhooks: webhooks::list(&state.store, &caller).await?,
    }))
}

/// Adds a webhook. Without a `secret` the panel makes one and answers it this once.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", operation_id = "create_webhook", request_body = CreateWebhook,
    responses(
        (status = 201, body = CreatedWebhook, links(
            ("DeleteWebhook" = (operation_id = "delete_webhook", parameters(("id" = "$response.body#/id")))),
            ("ListWebhookDeliveries" = (operation_id = "list_webhook_deliveries", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 409, description = "The account has 10 webhooks already", body = ErrorBody),
        (status = 422, description = "Not an http(s) URL, a host that does not resolve or resolves to a private address, or a secret of the wrong length", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateWebhook>,
) -> Result<(StatusCode, Json<CreatedWebhook>), AppError> {
    let created = webhooks::create(
        &state.store,
        &state.sealer,
        &state.alerts,
        &caller,
        &request,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Deletes a webhook and its delivery log; nothing more is sent to it.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", operation_id = "delete_webhook",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such webhook in your account", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    webhooks::delete(&state.store, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The webhook's last 50 deliveries, newest first: status, attempts, the receiver's answer.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "list_webhook_deliveries",
    params(("id" = String, Path)),
    responses((status = 200, body = DeliveryList), (status = 404, description = "No such webhook in your account", body = ErrorBody)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeliveryList>, AppError> {
    Ok(Json(deliveries::list(&state.store, &caller, &id).await?))
}

/// Queues a `ping` event to this webhook alone, to try the receiver out.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks", operation_id = "test_webhook",
    params(("id" = String, Path)),
    responses((status = 202, body = Delivery), (status = 404, description = "No such webhook in your account", body = ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Delivery>), AppError> {
    let delivery = deliveries::test(&state.store, &caller, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}
