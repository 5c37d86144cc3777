//! Shared models: the very types the REST API returns and the pages render.
use serde::{Deserialize, Serialize};

/// `GET /api/account`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Account {
    pub email: String,
    /// Every database and database user of the account is named `<prefix>_<suffix>`.
    pub prefix: String,
    pub api_key: Option<ApiKeyInfo>,
    /// RFC 3339, UTC: when the account's key was revoked — someone reported it as exposed
    /// (`POST /api/keys/revoke`), or it went unused past its `revoke_after_unused_days`; `null`
    /// once a new key is issued.
    pub api_key_revoked_at: Option<String>,
    /// Why, in words: "it was reported as exposed", "it was unused for 30 days".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_revoked_reason: Option<String>,
    /// Set while the operator has the account suspended (`nobregas-panel account suspend`).
    #[serde(default)]
    pub suspension: Option<Suspension>,
    /// The account's plan and its limits (`GET /api/account` only; the pages ask `get_usage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<AccountPlan>,
    /// What the account uses of them (`GET /api/account` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<AccountUsage>,
}

/// The account's plan (`nobregas-panel plan`); a limit of `null` is no limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountPlan {
    pub name: String,
    pub max_databases: Option<i64>,
    pub max_users: Option<i64>,
    /// Bytes, all of the account's databases together.
    pub max_storage: Option<i64>,
    /// Bytes, all of the account's backups together.
    pub max_backup_storage: Option<i64>,
    /// `MAX_USER_CONNECTIONS` of each database user (MariaDB enforces it).
    pub max_user_connections: Option<i64>,
    /// `MAX_QUERIES_PER_HOUR` of each database user (MariaDB enforces it).
    pub max_queries_per_hour: Option<i64>,
    pub max_whitelist: Option<i64>,
    /// Hours over `max_storage` before INSERT, UPDATE and CREATE are withheld.
    #[serde(default)]
    pub storage_grace_hours: i64,
}

/// What the account uses. Storage is measured by the panel in the background, a few databases
/// at a time (never on a request: measuring stalls a busy server), so it is as of
/// `storage_measured_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountUsage {
    pub databases: i64,
    pub users: i64,
    pub whitelist_hosts: i64,
    /// Data and indexes of every database, as last measured.
    pub storage_bytes: i64,
    /// RFC 3339, UTC: the oldest measurement in `storage_bytes`; `null` before the first one.
    pub storage_measured_at: Option<String>,
    /// The completed backups' files.
    pub backup_bytes: i64,
    /// RFC 3339, UTC: since when the storage has been at or over the plan's (`null`: under).
    #[serde(default)]
    pub storage_over_since: Option<String>,
    /// RFC 3339, UTC: over the plan's storage for longer than its grace period, INSERT, UPDATE
    /// and CREATE were taken from the account's database users then, until it is under again
    /// (SELECT, DELETE and DROP stay). `null`: writes are allowed.
    #[serde(default)]
    pub writes_withheld_since: Option<String>,
}

/// The share of a limit that is worth telling about: 100 (reached), 80 (near), else 0 (and always
/// 0 without a limit). The usage bars and the storage alerts go by it.
pub fn storage_threshold(used: i64, limit: Option<i64>) -> i64 {
    match limit {
        Some(limit) if used >= limit => 100,
        Some(limit) if used.saturating_mul(5) >= limit.saturating_mul(4) => 80,
        _ => 0,
    }
}

/// `get_usage`: the plan and the usage, for the usage bars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanUsage {
    pub plan: AccountPlan,
    pub usage: AccountUsage,
}

/// Why and since when the account is suspended: its database users are locked, scheduled
/// backups wait, and everything but this page, signing in and existing backups answers 403
/// `account_suspended`. Nothing in the databases is touched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Suspension {
    /// RFC 3339, UTC.
    pub since: String,
    /// The operator's reason, as given to `account suspend --reason`.
    pub reason: String,
}

/// `POST /api/keys/revoke`: a key found where it should not be (a public repository, a log).
// Not Debug: it may be a live key.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevokeKey {
    pub key: String,
}

/// The one answer to a revocation report, whether or not the key was valid (no oracle).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevocationReceived {
    pub message: String,
}

/// What may be shown about the active key: never the key itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiKeyInfo {
    /// `nbg_••••••••abcd`: the scheme and the last four characters.
    pub masked: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub last_used_ip: Option<String>,
    /// RFC 3339, UTC: the last time this key arrived over plain HTTP from a remote client. It was
    /// refused (403 `https_required`), but it crossed the network readable: regenerate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_insecurely_at: Option<String>,
    /// The client address that sent it so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_insecurely_from: Option<String>,
    // The key's policy (issue 28), as `POST /api/keys` takes it. Spelled out rather than a
    // flattened `KeyOptions`: serde's flatten would add kilobytes to the first page's WASM.
    /// RFC 3339, UTC; absent: the key does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Absent or empty: any address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_networks: Vec<String>,
    #[serde(default)]
    pub access: crate::key_policy::KeyAccess,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_after_unused_days: Option<u32>,
    /// RFC 3339, UTC: the last request refused (403 `api_key_network`) for coming from outside
    /// the allowed networks, and its address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_refused_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_refused_from: Option<String>,
    /// Days left (rounded up) when the key expires within 14 days: Profile shows a banner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<i64>,
}

impl ApiKeyInfo {
    /// The key's policy, as `POST /api/keys` takes it.
    pub fn policy(&self) -> crate::key_policy::KeyOptions {
        crate::key_policy::KeyOptions {
            expires_at: self.expires_at.clone(),
            allowed_networks: self.allowed_networks.clone(),
            access: self.access,
            revoke_after_unused_days: self.revoke_after_unused_days,
        }
    }
}

/// A freshly generated key, returned exactly once.
// Explicitly not Debug: the full key must never reach a log line.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewApiKey {
    pub key: String,
    pub info: ApiKeyInfo,
}

/// One database of the account, as the managed MySQL server reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Database {
    pub name: String,
    /// Data plus indexes, in bytes.
    pub size_bytes: u64,
    pub tables: u64,
    pub charset: String,
    pub collation: String,
}

/// `GET /api/databases`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DatabaseList {
    pub databases: Vec<Database>,
}

/// `GET /api/databases/{name}`: the database, its tables and which users may do what on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DatabaseDetail {
    #[serde(flatten)]
    pub database: Database,
    pub users: Vec<UserPrivileges>,
    /// Per-table statistics (estimates from information_schema).
    pub table_list: Vec<TableInfo>,
    /// How applications reach the database.
    pub connection: ConnectionInfo,
}

/// Where the managed server listens, as customers' applications should name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConnectionInfo {
    /// `NOBREGAS_PUBLIC_MYSQL_HOST`, or the host the panel itself connects to.
    pub host: String,
    pub port: u16,
    /// The Unix socket, for applications on the database server itself.
    pub socket: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserPrivileges {
    pub user: String,
    pub privileges: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TableInfo {
    pub name: String,
    /// InnoDB's estimate, not an exact count.
    pub rows: u64,
    pub size_bytes: u64,
}

/// `POST /api/databases`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateDatabase {
    pub name: String,
    /// Default `utf8mb4`.
    #[serde(default)]
    pub charset: Option<String>,
    /// Default: the server's default collation for the charset.
    #[serde(default)]
    pub collation: Option<String>,
}

impl CreateDatabase {
    /// A database with the server's default charset and collation.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            charset: None,
            collation: None,
        }
    }
}

/// `GET /api/users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserList {
    pub users: Vec<DbUser>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DbUser {
    pub name: String,
    pub databases: Vec<DatabasePrivileges>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DatabasePrivileges {
    pub database: String,
    pub privileges: Vec<String>,
}

/// `POST /api/users`. Without a password, a strong one is generated and returned once.
// Debug shows no password (below): it must never reach a log line.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateUser {
    pub name: String,
    #[serde(default)]
    pub password: Option<String>,
}

/// The answer to `POST /api/users`; `password` only when the panel generated it.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedUser {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub password: Option<String>,
}

/// `PUT /api/users/{name}/password`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetPassword {
    pub password: String,
}

// Debug shows no password: it must never reach a log line.
impl std::fmt::Debug for SetPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetPassword").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for CreateUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateUser")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// `PUT /api/users/{user}/privileges/{database}`: `["SELECT","INSERT"]` or `["ALL"]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetPrivileges {
    pub privileges: Vec<String>,
}

/// The resulting grant of one user on one database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Grant {
    pub user: String,
    pub database: String,
    pub privileges: Vec<String>,
}

/// One allowed remote host (`GET /api/whitelist`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WhitelistEntry {
    pub id: i64,
    /// As entered: `203.0.113.5`, `203.0.113.0/24`, `2001:db8::1` or `%`.
    pub host: String,
    pub note: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Whitelist {
    pub entries: Vec<WhitelistEntry>,
}

/// `POST /api/whitelist`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewWhitelistEntry {
    pub host: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Human-readable size for tables and headers ("0 B", "16.0 KiB", "1.5 MiB").
/// Integer arithmetic only: float formatting would add ~15 KB to the WASM every page loads.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut unit = 0;
    let mut divisor: u128 = 1024;
    while u128::from(bytes) >= divisor * 1024 && unit < UNITS.len() - 1 {
        divisor *= 1024;
        unit += 1;
    }
    // Tenths, rounded half up.
    let tenths = (u128::from(bytes) * 10 + divisor / 2) / divisor;
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::{CreateUser, SetPassword, human_size};

    #[test]
    fn requests_that_carry_a_password_never_print_it() {
        let create = CreateUser {
            name: "acme_app".into(),
            password: Some("hunter2-secret".into()),
        };
        let set = SetPassword {
            password: "hunter2-secret".into(),
        };
        for printed in [format!("{create:?}"), format!("{set:?}")] {
            assert!(!printed.contains("hunter2"), "{printed}");
        }
        assert!(format!("{create:?}").contains("acme_app"));
    }

    #[test]
    fn sizes_read_like_a_person_would_write_them() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(16 * 1024), "16.0 KiB");
        assert_eq!(human_size(3 * 1024 * 1024 / 2), "1.5 MiB");
        assert_eq!(human_size(1024), "1.0 KiB");
        assert_eq!(human_size(1100), "1.1 KiB");
        assert_eq!(human_size(1024 * 1024 - 1), "1024.0 KiB");
        assert_eq!(
            human_size(5 * 1024 * 1024 * 1024 + 300 * 1024 * 1024),
            "5.3 GiB"
        );
        assert_eq!(human_size(u64::MAX), "16384.0 PiB");
    }
}
