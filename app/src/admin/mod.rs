//! The operator's Admin area (issue 26, item 7): accounts, plans, servers and the operators'
//! audit trail, at `/admin`. Only accounts flagged as operators see it; for anyone else the page
//! does not exist (404), as `/api/admin/*` answers. Every server function here asks
//! `admin::operator` first and acts as that operator.
pub mod accounts;
pub mod audit;
pub mod plans;
pub mod servers;

use crate::error::AppError;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
#[cfg(feature = "ssr")]
use panel_core::{domain::caller::Actor, state::AppState};

/// The operator behind the request: the panel's state and the operator as the actor of what
/// follows; 404 `not_found` for everyone else, and 403 `account_suspended` for a suspended
/// operator, as `/api/admin/*` answers.
#[cfg(feature = "ssr")]
async fn operator() -> Result<(AppState, Actor), AppError> {
    let (state, caller) = crate::rpc::signed_in().await?;
    let actor = panel_core::services::admin::operator(&state.store, &caller).await?;
    Ok((state, actor))
}

/// Whether the signed-in account is an operator (the account menu's "Admin" link). Never a
/// failure: a page calling it while it renders keeps its own status.
#[server(prefix = "/rpc", endpoint = "admin_is_operator")]
pub async fn admin_is_operator() -> Result<bool, AppError> {
    let Ok((state, caller)) = crate::rpc::signed_in_even_if_suspended().await else {
        return Ok(false);
    };
    Ok(panel_core::services::admin::operator(&state.store, &caller)
        .await
        .is_ok())
}

/// The Admin area's tabs, in the query string (`/admin`, `/admin?tab=plans`, …): one route for
/// the area, so the router (in the main WASM every visitor loads) grows by one route, not four.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdminTab {
    Accounts,
    Plans,
    Servers,
    Audit,
}

impl AdminTab {
    const ALL: [AdminTab; 4] = [Self::Accounts, Self::Plans, Self::Servers, Self::Audit];

    /// The tab `?tab=` names (none: Accounts); `None` for a tab that does not exist.
    fn named(query: Option<&str>) -> Option<Self> {
        match query {
            None | Some("accounts") => Some(Self::Accounts),
            Some("plans") => Some(Self::Plans),
            Some("servers") => Some(Self::Servers),
            Some("audit") => Some(Self::Audit),
            Some(_) => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Accounts => "Accounts",
            Self::Plans => "Plans",
            Self::Servers => "Servers",
            Self::Audit => "Audit",
        }
    }

    fn href(self) -> &'static str {
        match self {
            Self::Accounts => "/admin",
            Self::Plans => "/admin?tab=plans",
            Self::Servers => "/admin?tab=servers",
            Self::Audit => "/admin?tab=audit",
        }
    }
}

/// `admin_is_operator` for the page itself: while the server renders it for anyone but an
/// operator, the response is a 404, as for a page that does not exist.
async fn operator_or_not_found() -> Result<bool, AppError> {
    let operator = admin_is_operator().await;
    #[cfg(feature = "ssr")]
    if !matches!(operator, Ok(true))
        && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    operator
}

#[component]
fn NotFound() -> impl IntoView {
    view! { <p class="not-found">"Page not found."</p> }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    // Blocking: the server waits for the answer before it sends the status line.
    let operator = Resource::new_blocking(|| (), |_| operator_or_not_found());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                if matches!(operator.await, Ok(true)) {
                    Either::Left(view! { <AdminArea/> })
                } else {
                    Either::Right(view! { <NotFound/> })
                }
            })}
        </Transition>
    }
}

#[component]
fn AdminArea() -> impl IntoView {
    let query = use_query_map();
    let tab = Memo::new(move |_| AdminTab::named(query.read().get_str("tab")));
    let links = AdminTab::ALL
        .into_iter()
        .map(|each| {
            let current = move || (tab.get() == Some(each)).then_some("page");
            view! { <a href=each.href() aria-current=current>{each.label()}</a> }
        })
        .collect_view();
    let content = move || match tab.get() {
        Some(AdminTab::Accounts) => view! { <accounts::AccountsTab/> }.into_any(),
        Some(AdminTab::Plans) => view! { <plans::PlansTab/> }.into_any(),
        Some(AdminTab::Servers) => view! { <servers::ServersTab/> }.into_any(),
        Some(AdminTab::Audit) => view! { <audit::AuditTab/> }.into_any(),
        None => view! { <NotFound/> }.into_any(),
    };
    view! {
        <div class="admin">
            <h1>"Admin"</h1>
            <nav class="tabs" aria-label="Admin">{links}</nav>
            {content}
        </div>
    }
}
