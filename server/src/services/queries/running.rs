//! The statements running right now: a few connection slots per account (one customer cannot
//! take another's), and which MariaDB thread each query id runs on, so Cancel can stop it.
use app::error::AppError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct Running {
    per_account: usize,
    slots: Mutex<HashMap<i64, Arc<Semaphore>>>,
    threads: Mutex<HashMap<(i64, String), u64>>,
}

/// A slot of the account's; frees itself (and forgets the query id) when dropped.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    registry: Arc<Running>,
    key: Option<(i64, String)>,
}

impl Running {
    pub fn new(per_account: usize) -> Arc<Self> {
        Arc::new(Self {
            per_account: per_account.max(1),
            slots: Mutex::default(),
            threads: Mutex::default(),
        })
    }

    /// The account's concurrency cap: `connections` slots; MariaDB's `MAX_USER_CONNECTIONS` of the
    /// identity leaves a little room above it for sessions still closing.
    pub fn per_account(&self) -> usize {
        self.per_account
    }

    /// A free slot of the account's, or 429 at once (a queue would only hide a runaway script).
    pub fn take_slot(self: &Arc<Self>, account_id: i64) -> Result<Slot, AppError> {
        let semaphore = {
            let mut slots = self.slots.lock().expect("slots lock");
            slots
                .entry(account_id)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_account)))
                .clone()
        };
        let permit = semaphore.try_acquire_owned().map_err(|_| {
            AppError::too_many(
                format!(
                    "Your account already runs {} statements at once; wait for one to finish or cancel it.",
                    self.per_account
                ),
                1,
            )
        })?;
        Ok(Slot {
            _permit: permit,
            registry: self.clone(),
            key: None,
        })
    }

    /// The thread a running query of the account's uses.
    pub fn thread_of(&self, account_id: i64, query_id: &str) -> Option<u64> {
        self.threads
            .lock()
            .expect("threads lock")
            .get(&(account_id, query_id.to_owned()))
            .copied()
    }
}

impl Slot {
    /// Records that `query_id` runs on MariaDB thread `thread` until this slot is dropped. An id
    /// already running for the account is refused: Cancel must name exactly one statement.
    pub fn register(
        &mut self,
        account_id: i64,
        query_id: &str,
        thread: u64,
    ) -> Result<(), AppError> {
        let key = (account_id, query_id.to_owned());
        let mut threads = self.registry.threads.lock().expect("threads lock");
        if threads.contains_key(&key) {
            return Err(AppError::conflict(format!(
                "A query with id {query_id} is already running."
            )));
        }
        threads.insert(key.clone(), thread);
        self.key = Some(key);
        Ok(())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.registry
                .threads
                .lock()
                .expect("threads lock")
                .remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_gets_its_own_slots_and_ids_are_forgotten_when_done() {
        let running = Running::new(2);
        let mut a = running.take_slot(1).unwrap();
        let _b = running.take_slot(1).unwrap();
        assert_eq!(
            running.take_slot(1).err().unwrap().code,
            app::error::ErrorCode::RateLimited
        );
        let _other_account = running.take_slot(2).unwrap();
        a.register(1, "query-one", 77).unwrap();
        assert_eq!(running.thread_of(1, "query-one"), Some(77));
        assert_eq!(running.thread_of(2, "query-one"), None);
        drop(a);
        assert_eq!(running.thread_of(1, "query-one"), None);
        running.take_slot(1).unwrap();
    }
}
