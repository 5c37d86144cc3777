//! One lock per account, held by every change to the account's MySQL accounts (whitelist entries,
//! database users, passwords, grants) and by reconciliation of that account. Without it a removal
//! could be undone by a reconciliation or a user creation that read the whitelist a moment before.
//!
//! In-process first (a Tokio mutex per account); with a shared store (several instances) also a
//! MySQL named lock on the store (`GET_LOCK`), held by one of its connections until the guard
//! goes, so that two instances do not change one account at once either. Keyed by prefix, which
//! names the account as uniquely as its id and is known even where only a user name is (every
//! database user is `<prefix>_…`, and prefixes contain no `_`).
use crate::store::{self, Engine, Store};
use sqlx::pool::PoolConnection;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::Duration;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};
use types::error::AppError;
use types::names::DbUserName;
use types::validate::Prefix;

/// How long a change waits for another instance's change of the same account.
const SHARED_WAIT: Duration = Duration::from_secs(30);

/// Held while the account is being changed; dropping it lets the next change in.
pub struct AccountGuard {
    /// The store connection holding the named lock (shared store only), and the lock's name.
    shared: Option<(PoolConnection<sqlx::Any>, String)>,
    _local: OwnedMutexGuard<()>,
}

impl Drop for AccountGuard {
    fn drop(&mut self) {
        if let Some((mut conn, name)) = self.shared.take() {
            // Named locks belong to the session: release it before the connection goes back to
            // the pool. Without a runtime (shutdown) the connection is closed, which releases it.
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(async move {
                        if sqlx::query("DO RELEASE_LOCK(?)")
                            .bind(&name)
                            .execute(&mut *conn)
                            .await
                            .is_err()
                        {
                            drop(conn.detach());
                        }
                    });
                }
                Err(_) => drop(conn.detach()),
            }
        }
    }
}

/// Weak entries: a lock lives only while someone holds or awaits it; dead entries are swept when
/// the map grows, so it stays as small as the number of accounts changing at once.
static LOCKS: LazyLock<Mutex<HashMap<String, Weak<AsyncMutex<()>>>>> =
    LazyLock::new(Default::default);

const SWEEP_ABOVE: usize = 256;

/// Waits for the account's lock (503 when another instance holds it for more than 30 s).
pub async fn lock(store: &Store, prefix: &Prefix) -> Result<AccountGuard, AppError> {
    lock_key(store, prefix.as_str()).await
}

/// The account's quota lock: held while an upload reserves bytes, so that two uploads (on any
/// instance) cannot both take the last of the account's room. Separate from `lock`, which MySQL
/// changes hold for longer.
pub async fn lock_quota(store: &Store, prefix: &Prefix) -> Result<AccountGuard, AppError> {
    lock_key(store, &format!("{}.quota", prefix.as_str())).await
}

/// The lock of the account a database user belongs to.
pub async fn lock_for_user(store: &Store, user: &DbUserName) -> Result<AccountGuard, AppError> {
    let name = user.as_str();
    lock_key(
        store,
        name.split_once('_').map_or(name, |(prefix, _)| prefix),
    )
    .await
}

async fn lock_key(store: &Store, key: &str) -> Result<AccountGuard, AppError> {
    let local = local_lock(key).await;
    if store::engine(store) == Engine::Sqlite {
        // One process owns a SQLite store: the in-process lock is all there is.
        return Ok(AccountGuard {
            shared: None,
            _local: local,
        });
    }
    let name = format!("nobregas.account.{key}");
    let mut conn = store.acquire().await?;
    let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
        .bind(&name)
        .bind(SHARED_WAIT.as_secs() as i64)
        .fetch_one(&mut *conn)
        .await?;
    if got != Some(1) {
        return Err(AppError::unavailable(
            "Another panel instance is changing this account; try again in a moment.",
        ));
    }
    Ok(AccountGuard {
        shared: Some((conn, name)),
        _local: local,
    })
}

async fn local_lock(key: &str) -> OwnedMutexGuard<()> {
    let mutex = {
        let mut locks = LOCKS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if locks.len() > SWEEP_ABOVE {
            locks.retain(|_, weak| weak.strong_count() > 0);
        }
        match locks.get(key).and_then(Weak::upgrade) {
            Some(mutex) => mutex,
            None => {
                let mutex = Arc::new(AsyncMutex::new(()));
                locks.insert(key.to_owned(), Arc::downgrade(&mutex));
                mutex
            }
        }
    };
    mutex.lock_owned().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_account_waits_another_does_not() {
        let store = crate::store::open(
            &std::env::temp_dir().join(format!(
                "nobregas-lock-{}",
                crate::domain::secret::random_base62(8)
            )),
            None,
        )
        .await
        .unwrap();
        let acme = Prefix::parse("acme").unwrap();
        let held = lock(&store, &acme).await.unwrap();
        let user = DbUserName::parse("acme_app", &acme).unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(50), lock_for_user(&store, &user))
                .await
                .is_err(),
            "same account waits"
        );
        let other = Prefix::parse("other").unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(50), lock(&store, &other))
                .await
                .is_ok(),
            "another account does not"
        );
        drop(held);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), lock_for_user(&store, &user))
                .await
                .is_ok(),
            "free again"
        );
    }

    #[tokio::test]
    async fn unused_locks_are_swept() {
        for n in 0..(SWEEP_ABOVE + 10) {
            drop(local_lock(&format!("sweep{n}")).await);
        }
        let len = LOCKS.lock().unwrap().len();
        assert!(len <= SWEEP_ABOVE + 1 + 16, "{len} entries kept");
    }
}
