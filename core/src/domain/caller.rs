//! Who acts on an account: the authenticated caller of a request, or the panel itself. The
//! services take it; `auth` produces it from a key or a session.
use std::net::IpAddr;
use types::validate::Prefix;

/// Who is on the other end of a request, resolved once by the server's outermost middleware
/// (trusted proxies applied) and kept in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub https: bool,
}

/// An authenticated account, and how it authenticated (for the audit log).
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: i64,
    pub prefix: Prefix,
    pub actor: Actor,
    /// The client's address (trusted proxies applied); `None` for the panel's own jobs.
    pub ip: Option<IpAddr>,
    /// The browser session the request came with (`None` for API keys and the panel itself).
    pub session: Option<i64>,
    /// The operator suspended the account: `auth::api_limit` lets through only what a suspended
    /// customer may still do (read why, fetch backups, sign out).
    pub suspended: bool,
}

/// Who acted on the account's behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Session,
    /// The key as the Profile page shows it (`nbg_…abcd`), never the key itself; whether it is a
    /// read-only key.
    ApiKey {
        masked: String,
        read_only: bool,
    },
    /// The operator's command line.
    Cli,
    /// An operator's account, from the Admin area or `/api/admin` (its email).
    Operator {
        email: String,
    },
    /// The panel itself (reconciliation, start-up).
    System,
    /// Not signed in (a failed sign-in).
    Anonymous,
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Self::Session => "session".into(),
            Self::ApiKey { masked, .. } => format!("api_key {masked}"),
            Self::Cli => "cli".into(),
            Self::Operator { email } => format!("operator {email}"),
            Self::System => "system".into(),
            Self::Anonymous => "anonymous".into(),
        }
    }
}

impl Caller {
    /// The panel acting for an account on its own (reconciliation).
    pub fn system(account_id: i64, prefix: Prefix) -> Self {
        Self {
            account_id,
            prefix,
            actor: Actor::System,
            ip: None,
            session: None,
            suspended: false,
        }
    }

    /// A read-only API key: `auth::api_limit` lets it change nothing.
    pub fn read_only(&self) -> bool {
        matches!(
            self.actor,
            Actor::ApiKey {
                read_only: true,
                ..
            }
        )
    }
}
