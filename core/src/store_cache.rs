//! What the panel reads from its store on nearly every request — API keys it has already looked
//! up, and each account's database names (`services::database_index`) — kept in memory so that a
//! request costs a map lookup instead of a trip to the store's worker thread (sqlx hands every
//! SQLite statement to a thread of its own: tens of microseconds and two context switches, which
//! under load cost half the throughput of `GET /api/databases`). The cache is only ever
//! as old as the store: before every use it asks SQLite's `PRAGMA data_version` (on a connection
//! of its own, answered in-process in about a microsecond), which changes whenever any other
//! connection — this process's pool or the CLI in another process — has committed. Any change
//! empties the cache, so a regenerated key fails on the very next request and a database the
//! panel created is listed at once.
//!
//! A shared store (MySQL, several instances) has no such free check — asking it would cost the
//! same round trip as the lookup — so there the cache stays empty and every request looks its key
//! up, which is what makes a key regenerated through one instance fail at once on the others.
use crate::store::{self, Engine, Store};
use rusqlite::{Connection, OpenFlags};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Mutex;
use types::key_policy::{KeyAccess, KeyNetwork};
use types::validate::Prefix;

/// What a valid key stands for.
#[derive(Debug, Clone)]
pub struct KnownKey {
    pub account_id: i64,
    pub prefix: Prefix,
    pub last4: String,
    pub last_used_at: Option<i64>,
    /// Cached like the rest: suspending writes the store, which drops the cache.
    pub suspended: bool,
    /// The key's policy: compared with the clock and the client at every request.
    pub expires_at: Option<i64>,
    pub networks: Vec<KeyNetwork>,
    pub access: KeyAccess,
}

pub struct StoreCache {
    inner: Mutex<Inner>,
    /// (account, address) pairs whose use of an API key is already in the store's `api_key_ips`.
    /// Kept on every engine and never emptied by a store change: that table only grows.
    key_ips: Mutex<HashSet<(i64, IpAddr)>>,
}

/// Pairs kept in `key_ips` before it starts over (each costs one store lookup to learn again).
const KEY_IPS_KEPT: usize = 100_000;

struct Inner {
    /// `None`: a shared store, nothing is cached.
    store: Option<Connection>,
    /// The store's `data_version` when `keys` was last known to be current.
    version: Option<i64>,
    keys: HashMap<[u8; 32], KnownKey>,
    /// Account id → its database names, as the index had them.
    databases: HashMap<i64, Vec<String>>,
}

/// A miss, with the store's version before the caller reads the store: see `remember`.
pub struct Miss(Option<i64>);

impl StoreCache {
    /// For a SQLite store, a read-only connection to its file in `data_dir` (open the pool first:
    /// the file must exist); for a shared store, a cache that keeps nothing.
    pub fn open(pool: &Store, data_dir: &Path) -> rusqlite::Result<Self> {
        let store = match store::engine(pool) {
            Engine::Sqlite => {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                Some(Connection::open_with_flags(store::path(data_dir), flags)?)
            }
            Engine::MySql => None,
        };
        Ok(Self {
            inner: Mutex::new(Inner {
                store,
                version: None,
                keys: HashMap::new(),
                databases: HashMap::new(),
            }),
            key_ips: Mutex::default(),
        })
    }

    /// The key's entry if nothing was committed to the store since it was remembered.
    pub fn get(&self, hash: &[u8; 32]) -> Result<KnownKey, Miss> {
        let mut inner = self.inner.lock().expect("store cache");
        let version = inner.current_version();
        match version.and_then(|_| inner.keys.get(hash)) {
            Some(known) => Ok(known.clone()),
            None => Err(Miss(version)),
        }
    }

    /// Keeps what the caller read from the store after `miss` — unless the store changed
    /// meanwhile (the row read may already be stale: a regeneration committed in between).
    pub fn remember(&self, hash: [u8; 32], known: KnownKey, miss: Miss) {
        let mut inner = self.inner.lock().expect("store cache");
        if miss.0.is_some() && inner.current_version() == miss.0 {
            inner.keys.insert(hash, known);
        }
    }
}

impl StoreCache {
    /// The account's database names if nothing was committed to the store since they were remembered.
    pub fn databases(&self, account_id: i64) -> Result<Vec<String>, Miss> {
        let mut inner = self.inner.lock().expect("store cache");
        let version = inner.current_version();
        match version.and_then(|_| inner.databases.get(&account_id)) {
            Some(names) => Ok(names.clone()),
            None => Err(Miss(version)),
        }
    }

    /// Keeps the names read after `miss`, unless the store changed meanwhile.
    pub fn remember_databases(&self, account_id: i64, names: Vec<String>, miss: Miss) {
        let mut inner = self.inner.lock().expect("store cache");
        if miss.0.is_some() && inner.current_version() == miss.0 {
            inner.databases.insert(account_id, names);
        }
    }
}

impl StoreCache {
    /// Whether the account's key was used from `ip` before, as far as this process knows.
    pub fn ip_known(&self, account_id: i64, ip: IpAddr) -> bool {
        let known = self.key_ips.lock().expect("store cache");
        known.contains(&(account_id, ip))
    }

    /// `ip` is in the store's record of the account's addresses.
    pub fn remember_ip(&self, account_id: i64, ip: IpAddr) {
        let mut known = self.key_ips.lock().expect("store cache");
        if known.len() >= KEY_IPS_KEPT {
            known.clear();
        }
        known.insert((account_id, ip));
    }
}

impl Inner {
    /// The store's version now; a change empties the cache. `None` (the store could not be
    /// asked) disables caching until it can.
    fn current_version(&mut self) -> Option<i64> {
        let store = self.store.as_ref()?;
        let version = store
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut s| s.query_row([], |row| row.get(0)))
            .ok();
        if version.is_none() || version != self.version {
            self.keys.clear();
            self.databases.clear();
            self.version = version;
        }
        version
    }
}
