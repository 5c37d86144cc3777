//! The default server (`NOBREGAS_MYSQL_URL`) as a row of `servers`, like every registered one, so
//! that it can be drained and removed. Made on the store's first start; while it is the row the
//! environment made (`from_env`), later starts refresh it from the environment (the operator's
//! configuration stays where it always was). Once removed, it is not made again.
use super::fleet::{DEFAULT_NAME, is_loopback};
use crate::config::Settings;
use crate::domain::seal::Sealer;
use crate::domain::{sealed_columns, time};
use crate::store::{self, Store};
use anyhow::Context;

const SEEDED: &str = "default_server_seeded";
/// `servers.socket`: ask the server which socket it listens on.
pub const ASK_THE_SERVER: &str = "@@socket";

/// Makes (or refreshes) the `default` row, and places accounts that have no server on it.
pub async fn seed(store: &Store, sealer: &Sealer, settings: &Settings) -> anyhow::Result<()> {
    let parsed = url::Url::parse(&settings.mysql_url)
        .context("NOBREGAS_MYSQL_URL is not a valid mysql:// URL")?;
    let password = percent_decoded(parsed.password().unwrap_or_default());
    let mut without_password = parsed.clone();
    let _ = without_password.set_password(None);
    let host = parsed.host_str().unwrap_or("localhost").to_owned();
    let ca_pem = match super::default_tls(settings)? {
        super::server::ServerTls::Verified { ca_pem } => Some(ca_pem),
        _ => None,
    };
    let socket = match &settings.mysql_socket {
        Some(path) => Some(path.to_string_lossy().into_owned()),
        None if is_loopback(&host) => Some(ASK_THE_SERVER.to_owned()),
        None => None,
    };
    let sealed = sealer.seal(
        &sealed_columns::server_password(DEFAULT_NAME),
        password.as_bytes(),
    );
    let seeded: Option<store::Text> =
        sqlx::query_scalar("SELECT value FROM panel_settings WHERE name = ?")
            .bind(SEEDED)
            .fetch_optional(store)
            .await?;
    if seeded.is_none() {
        // Two instances starting on one new store: the unique name lets one row in.
        let _ = sqlx::query(
            "INSERT INTO servers (name, url, password, public_host, draining, created_at, ca_pem, tls_insecure, from_env, socket)
             VALUES (?, ?, '', NULL, 0, ?, NULL, 0, 1, NULL)",
        )
        .bind(DEFAULT_NAME)
        .bind(without_password.as_str())
        .bind(time::now())
        .execute(store)
        .await;
        let _ = sqlx::query(store::dialect(
            store,
            "INSERT INTO panel_settings (name, value) VALUES (?, '1') ON CONFLICT (name) DO NOTHING",
            "INSERT IGNORE INTO panel_settings (name, value) VALUES (?, '1')",
        ))
        .bind(SEEDED)
        .execute(store)
        .await?;
    }
    sqlx::query(
        "UPDATE servers SET url = ?, password = ?, public_host = ?, ca_pem = ?, tls_insecure = 0, socket = ?
         WHERE name = ? AND from_env = 1",
    )
    .bind(without_password.as_str())
    .bind(sealed)
    .bind(settings.public_mysql_host.as_deref())
    .bind(ca_pem)
    .bind(socket)
    .bind(DEFAULT_NAME)
    .execute(store)
    .await?;
    // Accounts made before this (or written into the store by hand) live on the default server.
    sqlx::query(
        "UPDATE accounts SET server_id = (SELECT id FROM servers WHERE name = ? AND from_env = 1)
         WHERE server_id IS NULL",
    )
    .bind(DEFAULT_NAME)
    .execute(store)
    .await?;
    Ok(())
}

/// `%XX` escapes of a URL's password, decoded.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decoded;

    #[test]
    fn a_url_password_is_decoded() {
        assert_eq!(percent_decoded("p%40ss%2Fw0rd%"), "p@ss/w0rd%");
        assert_eq!(percent_decoded(""), "");
    }
}
