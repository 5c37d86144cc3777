//! The frame of every signed-in page: top bar with navigation and the account menu.
use crate::admin::admin_is_operator;
use crate::auth::Logout;
use crate::components::icons::{MenuIcon, UserIcon};
use crate::error::{AppError, ErrorCode};
use crate::model::Account;
use crate::validate::encode_query_value;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_navigate};

/// The signed-in account, loaded once per layout and refetched after changes (e.g. a new key).
#[derive(Clone, Copy)]
pub struct AccountResource(pub Resource<Result<Account, AppError>>);

/// The signed-in account: what `AccountResource` holds.
#[server(prefix = "/rpc", endpoint = "get_account")]
pub async fn get_account() -> Result<Account, AppError> {
    use panel_core::services::accounts;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        accounts::view(&state.store, caller.account_id).await
    })
    .await
}

/// Whether the account's managed MySQL server answers; pages that need it would fail while it does not.
#[server(prefix = "/rpc", endpoint = "mysql_status")]
pub async fn mysql_status() -> Result<bool, AppError> {
    // Without a session there is no account's server to ask: no banner.
    let Ok((state, caller)) = crate::rpc::signed_in().await else {
        return Ok(true);
    };
    Ok(match state.mysql_for(&caller).await {
        Ok(mysql) => panel_core::services::health::mysql_up(&mysql).await,
        Err(_) => false,
    })
}

#[component]
pub fn AppLayout() -> impl IntoView {
    let account = Resource::new(|| (), |_| get_account());
    let mysql_up = Resource::new(|| (), |_| mysql_status());
    provide_context(AccountResource(account));
    redirect_to_login_when_signed_out(account);
    // On narrow screens the navigation folds behind a menu button (CSS shows the button below 640 px).
    let nav_open = RwSignal::new(false);
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Nobregas MySQL Panel"</a>
            <button
                type="button"
                class="nav-toggle"
                aria-label="Menu"
                aria-controls="main-nav"
                aria-expanded=move || nav_open.get().to_string()
                on:click=move |_| nav_open.update(|open| *open = !*open)
            >
                <MenuIcon/>
            </button>
            <nav id="main-nav" class="mainnav" class:open=move || nav_open.get() aria-label="Main" on:click=move |_| nav_open.set(false)>
                <a href="/databases">"Databases"</a>
                <a href="/users">"Users"</a>
                <a href="/whitelist">"IP whitelist"</a>
                <a href="/activity">"Activity"</a>
            </nav>
            // Awaiting the account here (not only reading it) is what makes its value reach the
            // browser on every page: the menu and the signed-out redirect depend on it.
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    account.await.ok().map(|a| view! { <span class="signed-in-as">{a.email}</span> })
                })}
            </Transition>
            <AccountMenu account/>
        </header>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                matches!(mysql_up.await, Ok(false)).then(|| view! {
                    <div class="banner danger" role="alert">
                        "The MySQL server is not answering right now. Databases, users and the whitelist are "
                        "unavailable until it is back; your profile and API key still work."
                    </div>
                })
            })}
        </Transition>
        <main class="content">
            <Outlet/>
        </main>
    }
}

/// The server already redirects page loads without a session; this covers a session that ends
/// while the page is open (signed out elsewhere, expired).
fn redirect_to_login_when_signed_out(account: Resource<Result<Account, AppError>>) {
    let location = use_location();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Err(err)) = account.get()
            && err.code == ErrorCode::Unauthorized
        {
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            navigate(
                &format!("/login?next={}", encode_query_value(&here)),
                Default::default(),
            );
        }
    });
}

#[component]
fn AccountMenu(account: Resource<Result<Account, AppError>>) -> impl IntoView {
    let open = RwSignal::new(false);
    let logout = ServerAction::<Logout>::new();
    // Operators get a link to the Admin area; for anyone else it does not exist. Asked once the
    // page runs in the browser (the menu only opens there): a plain task, not a resource, keeps
    // the main WASM every visitor loads small.
    let operator = RwSignal::new(false);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            operator.set(matches!(admin_is_operator().await, Ok(true)));
        });
    });
    let email = move || {
        account
            .get()
            .and_then(Result::ok)
            .map(|a| a.email)
            .unwrap_or_default()
    };
    view! {
        <div class="account-menu" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <button
                type="button"
                class="avatar"
                aria-label="Account menu"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <UserIcon/>
            </button>
            <Show when=move || open.get()>
                <div class="menu-dismiss" on:click=move |_| open.set(false)></div>
                <div class="menu" role="menu" aria-label="Account">
                    <p class="menu-email">{email}</p>
                    <a role="menuitem" href="/profile" on:click=move |_| open.set(false)>"Profile"</a>
                    {move || operator.get().then(|| view! {
                        <a role="menuitem" href="/admin" on:click=move |_| open.set(false)>"Admin"</a>
                    })}
                    <form method="post" action=Logout::url() on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        logout.dispatch(Logout {});
                    }>
                        <button type="submit" role="menuitem">"Sign out"</button>
                    </form>
                </div>
            </Show>
        </div>
    }
}

/// Renders `children` with the account's prefix once it is known (server-side too), for the
/// "acme_" adornments of the create forms.
#[component]
pub fn WithPrefix<F, IV>(children: F) -> impl IntoView
where
    F: Fn(String) -> IV + Send + Sync + Clone + 'static,
    IV: IntoView + 'static,
{
    let AccountResource(account) = expect_context::<AccountResource>();
    view! {
        <Transition fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move { account.await.ok().map(|a| children(a.prefix)) })
            }}
        </Transition>
    }
}
