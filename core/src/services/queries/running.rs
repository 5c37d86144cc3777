//! The statements running right now: a few connection slots per account (one customer cannot
//! take another's), and which MariaDB thread each query id runs on, so Cancel can stop it.
//!
//! A query id is known from the moment its request takes a slot, before its session exists: a
//! Cancel that arrives while the session still connects is kept (the `cancelled` flag) instead of
//! being lost, and the statement never starts.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use types::error::AppError;

pub struct Running {
    per_account: usize,
    slots: Mutex<HashMap<i64, Arc<Semaphore>>>,
    queries: Mutex<HashMap<(i64, String), Query>>,
}

/// A registered query: its session's thread once connected, and whether Cancel was asked for.
struct Query {
    thread: Option<u64>,
    cancelled: watch::Sender<bool>,
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
            queries: Mutex::default(),
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

    /// Marks the account's query `query_id` cancelled. `None`: no such query runs for the account;
    /// `Some(thread)`: the thread to stop (`None` while its session still connects).
    pub fn cancel(&self, account_id: i64, query_id: &str) -> Option<Option<u64>> {
        let queries = self.queries.lock().expect("queries lock");
        let query = queries.get(&(account_id, query_id.to_owned()))?;
        query.cancelled.send_replace(true);
        Some(query.thread)
    }
}

impl Slot {
    /// Records `query_id` as running until this slot is dropped, and answers with its Cancel
    /// flag. An id already running for the account is refused: Cancel must name one statement.
    pub fn register(
        &mut self,
        account_id: i64,
        query_id: &str,
    ) -> Result<watch::Receiver<bool>, AppError> {
        let key = (account_id, query_id.to_owned());
        let mut queries = self.registry.queries.lock().expect("queries lock");
        if queries.contains_key(&key) {
            return Err(AppError::conflict(format!(
                "A query with id {query_id} is already running."
            )));
        }
        let (cancelled, watching) = watch::channel(false);
        queries.insert(
            key.clone(),
            Query {
                thread: None,
                cancelled,
            },
        );
        self.key = Some(key);
        Ok(watching)
    }

    /// The registered query now runs on MariaDB thread `thread`.
    pub fn attach(&self, thread: u64) {
        let Some(key) = &self.key else { return };
        if let Some(query) = self
            .registry
            .queries
            .lock()
            .expect("queries lock")
            .get_mut(key)
        {
            query.thread = Some(thread);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.registry
                .queries
                .lock()
                .expect("queries lock")
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
            types::error::ErrorCode::RateLimited
        );
        let _other_account = running.take_slot(2).unwrap();
        let cancelled = a.register(1, "query-one").unwrap();
        assert_eq!(running.cancel(2, "query-one"), None, "another account's id");
        assert!(!*cancelled.borrow());
        a.attach(77);
        assert_eq!(running.cancel(1, "query-one"), Some(Some(77)));
        assert!(*cancelled.borrow());
        drop(a);
        assert_eq!(running.cancel(1, "query-one"), None);
        running.take_slot(1).unwrap();
    }

    #[test]
    fn a_cancel_before_the_session_is_connected_is_kept() {
        let running = Running::new(1);
        let mut slot = running.take_slot(1).unwrap();
        let cancelled = slot.register(1, "query-early").unwrap();
        assert_eq!(running.cancel(1, "query-early"), Some(None));
        slot.attach(5);
        assert!(
            *cancelled.borrow(),
            "the flag outlives the thread's arrival"
        );
        let mut same_id = running.take_slot(2).unwrap();
        same_id.register(2, "query-early").unwrap();
        let mut twice = Running::new(2).take_slot(1).unwrap();
        twice.register(1, "query-twice").unwrap();
        assert!(
            twice
                .registry
                .take_slot(1)
                .unwrap()
                .register(1, "query-twice")
                .is_err(),
            "one id runs once per account"
        );
    }
}
