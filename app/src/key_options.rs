//! The regenerate dialog's options for the next key (issue 28): when it expires, where it may be
//! used from, whether it may change anything, and when it retires itself unused. Left alone, they
//! give the key as it always was.
use crate::error::AppError;
use crate::key_policy::KeyAccess;
use crate::model::NewApiKey;
use leptos::prelude::*;

/// The body is `POST /api/keys`'s (every field optional: today's key), plus `expires_in_days`,
/// which the dialog's "in 30/90/365 days" sends so that the server's clock counts them.
#[server(prefix = "/rpc", endpoint = "regenerate_api_key", input = leptos::server_fn::codec::Json)]
pub async fn regenerate_api_key(
    #[server(default)] expires_at: Option<String>,
    #[server(default)] expires_in_days: Option<u32>,
    #[server(default)] allowed_networks: Vec<String>,
    #[server(default)] access: crate::key_policy::KeyAccess,
    #[server(default)] revoke_after_unused_days: Option<u32>,
) -> Result<NewApiKey, AppError> {
    use panel_core::domain::time;
    use panel_core::services::security;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        let expires_at = match (expires_at, expires_in_days) {
            (Some(_), Some(_)) => {
                return Err(AppError::validation(
                    "Give expires_at or expires_in_days, not both.",
                ));
            }
            (None, Some(days @ 1..=crate::key_policy::MAX_EXPIRY_DAYS)) => {
                Some(time::rfc3339(time::now() + i64::from(days) * 86_400))
            }
            (None, Some(_)) => {
                return Err(AppError::validation(format!(
                    "expires_in_days must be between 1 and {}.",
                    crate::key_policy::MAX_EXPIRY_DAYS
                )));
            }
            (at, None) => at,
        };
        let options = crate::key_policy::KeyOptions {
            expires_at,
            allowed_networks,
            access,
            revoke_after_unused_days,
        };
        security::regenerate_api_key(&state.store, &caller, &options).await
    })
    .await
}

/// What the person picked in the dialog, as they typed it.
#[derive(Clone, Copy)]
pub struct KeyChoices {
    /// `never`, a number of days, or `date`.
    expiry: RwSignal<String>,
    /// `YYYY-MM-DD` from the date picker.
    date: RwSignal<String>,
    networks: RwSignal<String>,
    read_only: RwSignal<bool>,
    /// Empty (never) or a number of days.
    unused: RwSignal<String>,
}

impl Default for KeyChoices {
    fn default() -> Self {
        Self {
            expiry: RwSignal::new("never".to_owned()),
            date: RwSignal::new(String::new()),
            networks: RwSignal::new(String::new()),
            read_only: RwSignal::new(false),
            unused: RwSignal::new(String::new()),
        }
    }
}

impl KeyChoices {
    /// The server function's input. A date is the last second of that day (UTC); a number of
    /// days is counted by the server, whose clock is the one that expires the key.
    pub fn request(&self) -> RegenerateApiKey {
        let expiry = self.expiry.get_untracked();
        let (expires_at, expires_in_days) = match expiry.as_str() {
            "never" => (None, None),
            "date" => (
                Some(format!("{}T23:59:59Z", self.date.get_untracked())),
                None,
            ),
            days => (None, days.parse().ok()),
        };
        RegenerateApiKey {
            expires_at,
            expires_in_days,
            allowed_networks: self
                .networks
                .get_untracked()
                .split([',', '\n', ' '])
                .filter(|network| !network.is_empty())
                .map(str::to_owned)
                .collect(),
            access: if self.read_only.get_untracked() {
                KeyAccess::ReadOnly
            } else {
                KeyAccess::Full
            },
            revoke_after_unused_days: self.unused.get_untracked().parse().ok(),
        }
    }
}

#[component]
pub fn KeyOptionsFields(choices: KeyChoices) -> impl IntoView {
    let KeyChoices {
        expiry,
        date,
        networks,
        read_only,
        unused,
    } = choices;
    view! {
        <div class="key-options">
            <label for="key-expiry">"Expires"</label>
            <select id="key-expiry" bind:value=expiry>
                <option value="never">"Never"</option>
                <option value="30">"In 30 days"</option>
                <option value="90">"In 90 days"</option>
                <option value="365">"In 365 days"</option>
                <option value="date">"On a date"</option>
            </select>
            <Show when=move || expiry.get() == "date">
                <label for="key-expiry-date">"Expiry date (the key works until the end of that day, UTC)"</label>
                <input id="key-expiry-date" type="date" required bind:value=date/>
            </Show>
            <label for="key-networks">"Allowed networks"</label>
            <textarea
                id="key-networks"
                rows="2"
                placeholder="203.0.113.0/24, 2001:db8::/48"
                aria-describedby="key-networks-hint"
                bind:value=networks
            ></textarea>
            <p id="key-networks-hint" class="muted">
                "IPv4 or IPv6 addresses and networks, separated by commas or new lines. Empty: any address."
            </p>
            <fieldset>
                <legend>"Access"</legend>
                <label>
                    <input type="radio" name="key-access" prop:checked=move || !read_only.get()
                        on:change=move |_| read_only.set(false)/>
                    " Full: everything you can do here"
                </label>
                <label>
                    <input type="radio" name="key-access" prop:checked=move || read_only.get()
                        on:change=move |_| read_only.set(true)/>
                    " Read-only: lists and queries that change nothing"
                </label>
            </fieldset>
            <label for="key-unused">"Revoke it when unused for"</label>
            <select id="key-unused" bind:value=unused>
                <option value="">"Never"</option>
                <option value="30">"30 days"</option>
                <option value="90">"90 days"</option>
                <option value="180">"180 days"</option>
            </select>
        </div>
    }
}
