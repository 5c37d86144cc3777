//! `/api/admin/*`: the operator console over REST, for an operator's key (or session). Anyone else
//! gets 404, as for a path that does not exist.
use super::{JsonBody, QueryParams};
use crate::domain::caller::{Actor, Caller};
use crate::services::{admin, plans};
use crate::state::AppState;
use app::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Deserialize;
use types::admin::{
    AdminAccount, AdminAccountList, AdminPlan, AdminPlanList, AdminServerList, CloseAccount,
    ClosedAccount, NewAccount, OperatorEventList, PlanLimits, SetAccountPlan, SuspendAccount,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(get_account))
        .routes(routes!(set_plan))
        .routes(routes!(suspend))
        .routes(routes!(resume))
        .routes(routes!(reset_two_factor))
        .routes(routes!(close))
        .routes(routes!(list_plans, create_plan))
        .routes(routes!(update_plan, delete_plan))
        .routes(routes!(list_servers))
        .routes(routes!(list_events))
}

/// An account id from the path; anything else names no account.
fn account_id(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::not_found("No such account."))
}

/// The operator behind the request, checked before anything reads the path's id or the body:
/// anyone else gets 404 whatever they send, as for a path that does not exist.
pub struct Operator(Actor);

impl FromRequestParts<AppState> for Operator {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(Self(admin::operator(&state.store, &caller).await?))
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Search {
    /// Part of the email or prefix (case-insensitive).
    pub search: Option<String>,
}

/// Accounts whose email or prefix contains `search` (at most 500, by email).
#[utoipa::path(get, path = "/admin/accounts", tag = "admin", operation_id = "admin_list_accounts",
    params(Search),
    responses((status = 200, body = AdminAccountList), (status = 404, description = "Not an operator", body = ErrorBody)))]
pub async fn list_accounts(
    State(state): State<AppState>,
    Operator(_): Operator,
    QueryParams(query): QueryParams<Search>,
) -> Result<Json<AdminAccountList>, AppError> {
    Ok(Json(AdminAccountList {
        accounts: admin::accounts(&state.store, query.search.as_deref()).await?,
    }))
}

/// Creates an account, as `nobregas-panel account create` does.
#[utoipa::path(post, path = "/admin/accounts", tag = "admin", operation_id = "admin_create_account",
    request_body = NewAccount,
    responses(
        (status = 201, body = AdminAccount),
        (status = 404, description = "Not an operator, or no such plan or server", body = ErrorBody),
        (status = 409, description = "The email or prefix is taken", body = ErrorBody),
        (status = 422, description = "Bad email, prefix or password", body = ErrorBody),
    ))]
pub async fn create_account(
    State(state): State<AppState>,
    Operator(by): Operator,
    JsonBody(new): JsonBody<NewAccount>,
) -> Result<(StatusCode, Json<AdminAccount>), AppError> {
    let argon2 = &state.login_limiter.argon2;
    let created = admin::create_account(&state.store, &state.fleet, argon2, &new, &by).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/admin/accounts/{id}", tag = "admin", operation_id = "admin_get_account",
    params(("id" = i64, Path, description = "The account's id")),
    responses((status = 200, body = AdminAccount), (status = 404, description = "Not an operator, or no such account", body = ErrorBody)))]
pub async fn get_account(
    State(state): State<AppState>,
    Operator(_): Operator,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>, AppError> {
    let id = account_id(&id)?;
    Ok(Json(admin::account(&state.store, id).await?))
}

/// Puts the account on another plan; its users get the plan's per-user limits at once.
#[utoipa::path(put, path = "/admin/accounts/{id}/plan", tag = "admin", operation_id = "admin_set_plan",
    params(("id" = i64, Path, description = "The account's id")), request_body = SetAccountPlan,
    responses((status = 200, body = AdminAccount), (status = 404, description = "Not an operator, or no such account or plan", body = ErrorBody)))]
pub async fn set_plan(
    State(state): State<AppState>,
    Operator(by): Operator,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<SetAccountPlan>,
) -> Result<Json<AdminAccount>, AppError> {
    let id = account_id(&id)?;
    let changed = admin::set_plan(&state.store, &state.fleet, id, &request.plan, &by).await?;
    Ok(Json(changed))
}

/// Suspends the account (`account suspend`): its MySQL users are locked, its key and sessions get
/// 403 `account_suspended` with the reason.
#[utoipa::path(post, path = "/admin/accounts/{id}/suspend", tag = "admin", operation_id = "admin_suspend_account",
    params(("id" = i64, Path, description = "The account's id")), request_body = SuspendAccount,
    responses((status = 200, body = AdminAccount), (status = 404, description = "Not an operator, or no such account", body = ErrorBody),
        (status = 422, description = "No reason, or a reason over 500 characters", body = ErrorBody)))]
pub async fn suspend(
    State(state): State<AppState>,
    Operator(by): Operator,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<SuspendAccount>,
) -> Result<Json<AdminAccount>, AppError> {
    let id = account_id(&id)?;
    let account = admin::account(&state.store, id).await?;
    let suspended =
        admin::suspend(&state.store, &state.fleet, account.id, &request.reason, &by).await?;
    Ok(Json(suspended))
}

#[utoipa::path(post, path = "/admin/accounts/{id}/resume", tag = "admin", operation_id = "admin_resume_account",
    params(("id" = i64, Path, description = "The account's id")),
    responses((status = 200, body = AdminAccount), (status = 404, description = "Not an operator, or no such account", body = ErrorBody)))]
pub async fn resume(
    State(state): State<AppState>,
    Operator(by): Operator,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>, AppError> {
    let id = account_id(&id)?;
    let account = admin::account(&state.store, id).await?;
    Ok(Json(
        admin::resume(&state.store, &state.fleet, account.id, &by).await?,
    ))
}

/// Turns two-factor sign-in off for a customer who lost their authenticator and recovery codes.
#[utoipa::path(post, path = "/admin/accounts/{id}/reset-2fa", tag = "admin", operation_id = "admin_reset_two_factor",
    params(("id" = i64, Path, description = "The account's id")),
    responses((status = 200, body = AdminAccount), (status = 404, description = "Not an operator, or no such account", body = ErrorBody)))]
pub async fn reset_two_factor(
    State(state): State<AppState>,
    Operator(by): Operator,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>, AppError> {
    let id = account_id(&id)?;
    Ok(Json(admin::reset_two_factor(&state.store, id, &by).await?))
}

/// Closes the account (`account delete`): final backups kept `keep_backups_days`, then its
/// databases, users, identity, key and sessions dropped. `confirm` is the account's email.
#[utoipa::path(post, path = "/admin/accounts/{id}/close", tag = "admin", operation_id = "admin_close_account",
    params(("id" = i64, Path, description = "The account's id")), request_body = CloseAccount,
    responses((status = 200, body = ClosedAccount), (status = 404, description = "Not an operator, or no such account", body = ErrorBody),
        (status = 422, description = "`confirm` is not the account's email", body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    Operator(by): Operator,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<CloseAccount>,
) -> Result<Json<ClosedAccount>, AppError> {
    let id = account_id(&id)?;
    let ctx = state.backup_context();
    let (confirm, keep) = (&request.confirm, request.keep_backups_days);
    Ok(Json(admin::close(&ctx, id, confirm, keep, &by).await?))
}

#[utoipa::path(get, path = "/admin/plans", tag = "admin", operation_id = "admin_list_plans",
    responses((status = 200, body = AdminPlanList), (status = 404, description = "Not an operator", body = ErrorBody)))]
pub async fn list_plans(
    State(state): State<AppState>,
    Operator(_): Operator,
) -> Result<Json<AdminPlanList>, AppError> {
    Ok(Json(AdminPlanList {
        plans: admin::plans(&state.store).await?,
    }))
}

#[utoipa::path(post, path = "/admin/plans", tag = "admin", operation_id = "admin_create_plan",
    request_body = PlanLimits,
    responses((status = 201, body = AdminPlan), (status = 404, description = "Not an operator", body = ErrorBody),
        (status = 409, description = "A plan of that name exists", body = ErrorBody),
        (status = 422, description = "Bad name or limit", body = ErrorBody)))]
pub async fn create_plan(
    State(state): State<AppState>,
    Operator(_): Operator,
    JsonBody(wanted): JsonBody<PlanLimits>,
) -> Result<(StatusCode, Json<AdminPlan>), AppError> {
    let created = admin::create_plan(&state.store, &wanted).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Sets every limit of the plan as given (`null`: no limit); the accounts on it get the
/// per-user limits at once.
#[utoipa::path(put, path = "/admin/plans/{name}", tag = "admin", operation_id = "admin_update_plan",
    params(("name" = String, Path)), request_body = PlanLimits,
    responses((status = 200, body = AdminPlan), (status = 404, description = "Not an operator, or no such plan", body = ErrorBody),
        (status = 422, description = "Bad limit", body = ErrorBody)))]
pub async fn update_plan(
    State(state): State<AppState>,
    Operator(_): Operator,
    Path(name): Path<String>,
    JsonBody(wanted): JsonBody<PlanLimits>,
) -> Result<Json<AdminPlan>, AppError> {
    let updated = admin::update_plan(&state.store, &state.fleet, &name, &wanted).await?;
    Ok(Json(updated))
}

#[utoipa::path(delete, path = "/admin/plans/{name}", tag = "admin", operation_id = "admin_delete_plan",
    params(("name" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not an operator, or no such plan", body = ErrorBody),
        (status = 409, description = "Accounts are on it, or it is the default plan", body = ErrorBody)))]
pub async fn delete_plan(
    State(state): State<AppState>,
    Operator(_): Operator,
    Path(name): Path<String>,
) -> Result<StatusCode, AppError> {
    plans::delete(&state.store, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The managed servers: health, accounts, databases and bytes, draining.
#[utoipa::path(get, path = "/admin/servers", tag = "admin", operation_id = "admin_list_servers",
    responses((status = 200, body = AdminServerList), (status = 404, description = "Not an operator", body = ErrorBody)))]
pub async fn list_servers(
    State(state): State<AppState>,
    Operator(_): Operator,
) -> Result<Json<AdminServerList>, AppError> {
    Ok(Json(AdminServerList {
        servers: admin::servers(&state.store, &state.fleet).await?,
    }))
}

/// The newest 200 operator actions (Admin area, `/api/admin`, command line).
#[utoipa::path(get, path = "/admin/audit", tag = "admin", operation_id = "admin_list_events",
    responses((status = 200, body = OperatorEventList), (status = 404, description = "Not an operator", body = ErrorBody)))]
pub async fn list_events(
    State(state): State<AppState>,
    Operator(_): Operator,
) -> Result<Json<OperatorEventList>, AppError> {
    Ok(Json(OperatorEventList {
        events: admin::operator_events(&state.store).await?,
    }))
}
