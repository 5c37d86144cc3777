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
            (None, Some(at)) => format!("revoked {at} (reported as exposed)"),
            (None, None) => "none".to_owned(),
        };
        Ok(table(
            ["EMAIL", "PREFIX", "API KEY"],
            [[account.email, format!("{}_", account.prefix), key]],
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
