//! One lock per account, held by every change to the account's MySQL accounts (whitelist entries,
//! database users, passwords, grants) and by reconciliation of that account. Without it a removal
//! could be undone by a reconciliation or a user creation that read the whitelist a moment before.
//!
//! Process-wide: one panel process owns its store and the accounts it manages. Keyed by prefix,
//! which names the account as uniquely as its id and is known even where only a user name is (every
//! database user is `<prefix>_…`, and prefixes contain no `_`).
use app::names::DbUserName;
use app::validate::Prefix;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// Held while the account is being changed; dropping it lets the next change in.
pub type AccountGuard = OwnedMutexGuard<()>;

/// Weak entries: a lock lives only while someone holds or awaits it; dead entries are swept when
/// the map grows, so it stays as small as the number of accounts changing at once.
static LOCKS: LazyLock<Mutex<HashMap<String, Weak<AsyncMutex<()>>>>> = LazyLock::new(Default::default);

const SWEEP_ABOVE: usize = 256;

/// Waits for the account's lock.
pub async fn lock(prefix: &Prefix) -> AccountGuard {
    lock_key(prefix.as_str()).await
}

/// The lock of the account a database user belongs to.
pub async fn lock_for_user(user: &DbUserName) -> AccountGuard {
    let name = user.as_str();
    lock_key(name.split_once('_').map_or(name, |(prefix, _)| prefix)).await
}

async fn lock_key(key: &str) -> AccountGuard {
    let mutex = {
        let mut locks = LOCKS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
    use std::time::Duration;

    #[tokio::test]
    async fn one_account_waits_another_does_not() {
        let acme = Prefix::parse("acme").unwrap();
        let held = lock(&acme).await;
        let user = DbUserName::parse("acme_app", &acme).unwrap();
        assert!(tokio::time::timeout(Duration::from_millis(50), lock_for_user(&user)).await.is_err(), "same account waits");
        let other = Prefix::parse("other").unwrap();
        assert!(tokio::time::timeout(Duration::from_millis(50), lock(&other)).await.is_ok(), "another account does not");
        drop(held);
        assert!(tokio::time::timeout(Duration::from_millis(50), lock_for_user(&user)).await.is_ok(), "free again");
    }

    #[tokio::test]
    async fn unused_locks_are_swept() {
        for n in 0..(SWEEP_ABOVE + 10) {
            drop(lock_key(&format!("sweep{n}")).await);
        }
        let len = LOCKS.lock().unwrap().len();
        assert!(len <= SWEEP_ABOVE + 1 + 16, "{len} entries kept");
    }
}
