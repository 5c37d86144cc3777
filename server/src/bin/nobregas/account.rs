//! `nobregas account` and `nobregas keys revoke-leaked`.
use crate::api::{Api, Body, Failure};
use crate::output::{Output, show, table};
use types::model::RevokeKey;

pub async fn show_account(api: &Api, output: Output) -> Result<(), Failure> {
    let answer = api.client().get_account().await?;
    show(output, &Body::from(&answer), || {
        let account = answer.value;
        if let Some(suspension) = &account.suspension {
            eprintln!(
                "This account is suspended since {}: {}",
                suspension.since, suspension.reason
            );
        }
        let key = match (&account.api_key, &account.api_key_revoked_at) {
            (Some(info), _) => format!("{} (created {})", info.masked, info.created_at),
            (None, Some(at)) => format!(
                "revoked {at}: {}",
                account.api_key_revoked_reason.as_deref().unwrap_or("")
            ),
            (None, None) => "none".to_owned(),
        };
        let policy = account.api_key.as_ref().map(|info| info.policy());
        let policy = policy.as_ref();
        let access = policy.map_or("—", |policy| policy.access.as_str());
        let expires = policy
            .and_then(|policy| policy.expires_at.clone())
            .unwrap_or_else(|| "never".to_owned());
        let from = match policy {
            Some(policy) if !policy.allowed_networks.is_empty() => {
                policy.allowed_networks.join(",")
            }
            _ => "anywhere".to_owned(),
        };
        let unused = policy
            .and_then(|policy| policy.revoke_after_unused_days)
            .map_or_else(|| "never".to_owned(), |days| format!("after {days} days"));
        Ok(table(
            [
                "EMAIL",
                "PREFIX",
                "API KEY",
                "ACCESS",
                "EXPIRES",
                "ALLOWED FROM",
                "REVOKED WHEN UNUSED",
            ],
            [[
                account.email,
                format!("{}_", account.prefix),
                key,
                access.to_owned(),
                expires,
                from,
                unused,
            ]],
        ))
    })
}

/// Reports a key found where it should not be; no key of one's own needed.
pub async fn revoke_leaked(api: &Api, key: String) -> Result<(), Failure> {
    let received = api
        .client()
        .revoke_exposed_key(&RevokeKey { key })
        .await?
        .value;
    eprintln!("{}", received.message);
    Ok(())
}
