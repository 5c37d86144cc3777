//! The sealed secrets of the panel store (`domain::seal`): where each one lives, the start-up
//! check that this instance's key is the store's, sealing what earlier versions stored in the
//! clear, and re-sealing everything under a new key (`nobregas-panel secrets rotate-key`).
use crate::domain::seal::{self, Sealer};
use crate::domain::sealed_columns::{
    identity_password, server_password, totp_secret, webhook_secret,
};
use crate::store::{Store, Text};
use anyhow::{Context, bail};

const KEY_CHECK: &str = "sealing.key_check";
const KEY_CHECK_VALUE: &[u8] = b"nobregas sealed store";

/// Makes sure `sealer` is the store's key (the first instance to start records it), then seals
/// whatever is still stored in the clear. An instance with another key refuses to start.
pub async fn prepare(
    store: &Store,
    sealer: &Sealer,
    key_file: &std::path::Path,
) -> anyhow::Result<()> {
    check_key(store, sealer, key_file).await?;
    seal_cleartext(store, sealer)
        .await
        .context("Failed to seal the secrets stored in the clear")
}

async fn check_key(
    store: &Store,
    sealer: &Sealer,
    key_file: &std::path::Path,
) -> anyhow::Result<()> {
    let recorded = key_check(store).await?;
    let recorded = match recorded {
        Some(value) => value,
        None => {
            // Two instances starting at once on a new store: the first insert wins, both re-read it.
            let _ = sqlx::query("INSERT INTO sealing (id, key_check) VALUES (1, ?)")
                .bind(sealer.seal(KEY_CHECK, KEY_CHECK_VALUE))
                .execute(store)
                .await;
            key_check(store)
                .await?
                .context("The panel store has no sealing row after writing one")?
        }
    };
    match sealer.open(KEY_CHECK, &recorded) {
        Ok(value) if value == KEY_CHECK_VALUE => Ok(()),
        Ok(_) | Err(_) => {
            let sealed_with = recorded.split(':').nth(1).unwrap_or("?");
            bail!(
                "The secret key in {} (key id {}) cannot open the secrets sealed in this panel store (key id {sealed_with}). \
                 Every instance that shares a store must use the same key: copy the key file from an instance that starts, \
                 and point NOBREGAS_SECRET_KEY_FILE (or --secret-key-file) at it.",
                key_file.display(),
                sealer.id()
            )
        }
    }
}

async fn key_check(store: &Store) -> anyhow::Result<Option<String>> {
    let value: Option<Text> = sqlx::query_scalar("SELECT key_check FROM sealing WHERE id = 1")
        .fetch_optional(store)
        .await
        .context("Failed to read the panel store's sealing row")?;
    Ok(value.map(|Text(text)| text))
}

/// Seals every secret an earlier version stored in the clear (idempotent: sealed ones are skipped).
async fn seal_cleartext(store: &Store, sealer: &Sealer) -> anyhow::Result<()> {
    let mut sealed = 0;
    for SecretRow { place, value } in rows(store).await? {
        if seal::is_sealed(&value) {
            continue;
        }
        write(store, &place, &sealer.seal(&place.purpose(), &value)).await?;
        sealed += 1;
    }
    if sealed > 0 {
        tracing::info!(sealed, "sealed secrets that were stored in the clear");
    }
    Ok(())
}

/// Re-seals every secret (and the key check) under `new`, in one transaction.
pub async fn rotate(store: &Store, old: &Sealer, new: &Sealer) -> anyhow::Result<usize> {
    let rows = rows(store).await?;
    let mut resealed = Vec::with_capacity(rows.len());
    for SecretRow { place, value } in rows {
        let purpose = place.purpose();
        let text = std::str::from_utf8(&value).unwrap_or_default();
        let plain = old
            .open(&purpose, text)
            .with_context(|| format!("Failed to open {purpose} with the current key"))?;
        resealed.push((place, new.seal(&purpose, &plain)));
    }
    let mut tx = store.begin().await?;
    for (place, value) in &resealed {
        place.update(value).execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE sealing SET key_check = ? WHERE id = 1")
        .bind(new.seal(KEY_CHECK, KEY_CHECK_VALUE))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(resealed.len())
}

/// Where one sealed value lives.
enum Place {
    Identity(i64),
    Server(i64, String),
    Totp(i64),
    Webhook(String),
}

struct SecretRow {
    place: Place,
    value: Vec<u8>,
}

impl Place {
    fn purpose(&self) -> String {
        match self {
            Self::Identity(account_id) => identity_password(*account_id),
            Self::Server(_, name) => server_password(name),
            Self::Totp(account_id) => totp_secret(*account_id),
            Self::Webhook(id) => webhook_secret(id),
        }
    }

    fn update<'q>(
        &self,
        value: &'q str,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        match self {
            Self::Identity(account_id) => {
                sqlx::query("UPDATE query_identities SET password = ? WHERE account_id = ?")
                    .bind(value)
                    .bind(*account_id)
            }
            Self::Server(id, _) => sqlx::query("UPDATE servers SET password = ? WHERE id = ?")
                .bind(value)
                .bind(*id),
            Self::Totp(account_id) => {
                sqlx::query("UPDATE two_factor SET secret = ? WHERE account_id = ?")
                    .bind(value.as_bytes().to_vec())
                    .bind(*account_id)
            }
            Self::Webhook(id) => sqlx::query("UPDATE webhooks SET secret = ? WHERE id = ?")
                .bind(value)
                .bind(id.clone()),
        }
    }
}

async fn write(store: &Store, place: &Place, value: &str) -> anyhow::Result<()> {
    place.update(value).execute(store).await?;
    Ok(())
}

async fn rows(store: &Store) -> anyhow::Result<Vec<SecretRow>> {
    let mut rows = Vec::new();
    let identities: Vec<(i64, Text)> =
        sqlx::query_as("SELECT account_id, password FROM query_identities")
            .fetch_all(store)
            .await?;
    rows.extend(identities.into_iter().map(|(id, Text(value))| SecretRow {
        place: Place::Identity(id),
        value: value.into_bytes(),
    }));
    let servers: Vec<(i64, Text, Text)> = sqlx::query_as("SELECT id, name, password FROM servers")
        .fetch_all(store)
        .await?;
    rows.extend(
        servers
            .into_iter()
            .map(|(id, Text(name), Text(value))| SecretRow {
                place: Place::Server(id, name),
                value: value.into_bytes(),
            }),
    );
    let totp: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT account_id, secret FROM two_factor")
        .fetch_all(store)
        .await?;
    rows.extend(totp.into_iter().map(|(id, value)| SecretRow {
        place: Place::Totp(id),
        value,
    }));
    let webhooks: Vec<(Text, Text)> = sqlx::query_as("SELECT id, secret FROM webhooks")
        .fetch_all(store)
        .await?;
    rows.extend(
        webhooks
            .into_iter()
            .map(|(Text(id), Text(value))| SecretRow {
                place: Place::Webhook(id),
                value: value.into_bytes(),
            }),
    );
    Ok(rows)
}
