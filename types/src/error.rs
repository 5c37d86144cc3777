//! The one error type of the panel. Services return it, REST handlers turn it into
//! `{"error":{"code","message"}}` with the right status, and server functions carry it to the browser.
use crate::word::Word;
use serde::{Deserialize, Serialize};

/// Sent as its `as_str()` word and read back through [`Word`]: serde's derived enum visitor was
/// 3 KB of the main WASM (every page deserialises errors). A new code also goes into `Word::ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    MethodNotAllowed,
    Forbidden,
    NotFound,
    Conflict,
    ValidationFailed,
    RateLimited,
    Unavailable,
    /// The managed MySQL/MariaDB server does not answer (the panel itself is fine).
    MysqlUnavailable,
    RequestTimeout,
    PayloadTooLarge,
    /// The account's backup storage (its quota) is full.
    QuotaExceeded,
    /// A server function called with an API key: they are for the panel's own pages.
    SessionRequired,
    /// Credentials (a key, a session cookie, a password) sent over plain HTTP from a remote client.
    HttpsRequired,
    /// Too many wrong two-factor codes for the account today: its two-factor sign-in waits 15 minutes.
    TwoFactorLocked,
    /// The managed server refused a customer's SQL statement (its message and `mysql_errno` follow).
    SqlError,
    /// A customer's statement ran past its `timeout_ms` and was stopped on the server.
    QueryTimeout,
    /// A customer's statement was stopped by `POST /api/queries/{id}/cancel`.
    QueryCancelled,
    /// The operator is moving the account to another server: changes wait until it is done.
    AccountMoving,
    /// A Tables edit addressed a row whose values are no longer those the caller saw.
    RowChanged,
    /// Creating this would take the account past a limit of its plan (`nobregas-panel plan`).
    PlanLimit,
    /// The operator suspended the account: only reading why and fetching backups is left.
    AccountSuspended,
    /// A restore to a point in time the archive cannot reach (no binary log, outside the window).
    PointInTimeUnavailable,
    /// The API key's expiry has passed: the owner issues a new one.
    ApiKeyExpired,
    /// The API key was sent from an address outside its allowed networks.
    ApiKeyNetwork,
    /// A read-only API key asked to change something.
    ApiKeyReadOnly,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::ValidationFailed => "validation_failed",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::MysqlUnavailable => "mysql_unavailable",
            Self::RequestTimeout => "request_timeout",
            Self::PayloadTooLarge => "payload_too_large",
            Self::QuotaExceeded => "quota_exceeded",
            Self::SessionRequired => "session_required",
            Self::HttpsRequired => "https_required",
            Self::TwoFactorLocked => "two_factor_locked",
            Self::SqlError => "sql_error",
            Self::QueryTimeout => "query_timeout",
            Self::QueryCancelled => "query_cancelled",
            Self::AccountMoving => "account_moving",
            Self::RowChanged => "row_changed",
            Self::PlanLimit => "plan_limit",
            Self::AccountSuspended => "account_suspended",
            Self::PointInTimeUnavailable => "point_in_time_unavailable",
            Self::ApiKeyExpired => "api_key_expired",
            Self::ApiKeyNetwork => "api_key_network",
            Self::ApiKeyReadOnly => "api_key_read_only",
            Self::Internal => "internal",
        }
    }

    pub fn http_status(self) -> u16 {
        match self {
            Self::BadRequest | Self::SqlError | Self::QueryTimeout | Self::QueryCancelled => 400,
            Self::Unauthorized | Self::SessionRequired | Self::ApiKeyExpired => 401,
            Self::MethodNotAllowed => 405,
            Self::Forbidden
            | Self::HttpsRequired
            | Self::AccountSuspended
            | Self::ApiKeyNetwork
            | Self::ApiKeyReadOnly => 403,
            Self::NotFound => 404,
            Self::Conflict | Self::RowChanged | Self::PlanLimit | Self::PointInTimeUnavailable => {
                409
            }
            Self::ValidationFailed => 422,
            Self::RateLimited | Self::TwoFactorLocked => 429,
            Self::Unavailable | Self::MysqlUnavailable => 503,
            Self::RequestTimeout => 408,
            Self::PayloadTooLarge => 413,
            Self::QuotaExceeded => 507,
            Self::AccountMoving => 423,
            Self::Internal => 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds until a rate-limited caller may retry (sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// MariaDB's error number, for `sql_error` (1064 for a syntax error, 1142 for a refused command …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql_errno: Option<u16>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after_secs: None,
            mysql_errno: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, message)
    }
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::too_many(
            "Too many failed attempts; try again later.",
            retry_after_secs,
        )
    }
    pub fn too_many(message: impl Into<String>, retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(ErrorCode::RateLimited, message)
        }
    }
    /// The managed server's own refusal of a customer's statement, passed on as it said it.
    pub fn sql(errno: u16, message: impl Into<String>) -> Self {
        Self {
            mysql_errno: Some(errno),
            ..Self::new(ErrorCode::SqlError, message)
        }
    }
    pub fn mysql_unavailable() -> Self {
        Self::new(
            ErrorCode::MysqlUnavailable,
            "The MySQL server is not answering right now; the panel retries by itself, try again shortly.",
        )
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unavailable, message)
    }
    /// The detail goes to the log; the caller only learns that something broke on our side.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        #[cfg(feature = "ssr")]
        tracing::error!(%detail, "internal error");
        #[cfg(not(feature = "ssr"))]
        let _ = detail;
        Self::new(
            ErrorCode::Internal,
            "Internal error; the operator can find details in the panel's log.",
        )
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Word for ErrorCode {
    const ALL: &'static [Self] = &[
        Self::BadRequest,
        Self::Unauthorized,
        Self::MethodNotAllowed,
        Self::Forbidden,
        Self::NotFound,
        Self::Conflict,
        Self::ValidationFailed,
        Self::RateLimited,
        Self::Unavailable,
        Self::MysqlUnavailable,
        Self::RequestTimeout,
        Self::PayloadTooLarge,
        Self::QuotaExceeded,
        Self::SessionRequired,
        Self::HttpsRequired,
        Self::TwoFactorLocked,
        Self::SqlError,
        Self::QueryTimeout,
        Self::QueryCancelled,
        Self::AccountMoving,
        Self::RowChanged,
        Self::PlanLimit,
        Self::AccountSuspended,
        Self::PointInTimeUnavailable,
        Self::ApiKeyExpired,
        Self::ApiKeyNetwork,
        Self::ApiKeyReadOnly,
        Self::Internal,
    ];

    fn word(self) -> &'static str {
        self.as_str()
    }
}

crate::deserialize_as_word!(ErrorCode);

/// The JSON body of every REST error: `{"error":{"code":"…","message":"…"}}`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Machine-readable: bad_request, unauthorized, method_not_allowed, forbidden, not_found,
    /// conflict, validation_failed, rate_limited, unavailable, mysql_unavailable, request_timeout,
    /// payload_too_large, quota_exceeded, session_required, https_required, two_factor_locked,
    /// sql_error, query_timeout, query_cancelled, plan_limit, api_key_expired, api_key_network,
    /// api_key_read_only, internal.
    pub code: String,
    pub message: String,
    /// MariaDB's error number; only with `sql_error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql_errno: Option<u16>,
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(msg) => Self::unavailable(format!("The panel could not be reached: {msg}")),
            E::Args(msg) | E::MissingArg(msg) => Self::bad_request(msg),
            // On the server, only a request's body fails to deserialize (a JSON server function
            // sent something else): the caller's mistake, not the panel's.
            #[cfg(feature = "ssr")]
            E::Deserialization(msg) => {
                Self::bad_request(format!("The request body could not be read: {msg}"))
            }
            other => Self::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::{IntoResponse, Response};

    impl AppError {
        pub fn status(&self) -> StatusCode {
            StatusCode::from_u16(self.code.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let body = ErrorBody {
                error: ErrorDetail {
                    code: self.code.as_str().to_owned(),
                    message: self.message.clone(),
                    mysql_errno: self.mysql_errno,
                },
            };
            let mut response = (self.status(), axum::Json(body)).into_response();
            // For the server's own middleware (metrics count unreachable managed servers).
            response.extensions_mut().insert(self.code);
            let headers = response.headers_mut();
            if matches!(
                self.code,
                ErrorCode::Unauthorized | ErrorCode::SessionRequired
            ) {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            if self.code == ErrorCode::ApiKeyExpired {
                // RFC 6750: an expired token is `invalid_token`, and the description says so.
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        r#"Bearer error="invalid_token", error_description="The API key has expired""#,
                    ),
                );
            }
            if let Some(secs) = self.retry_after_secs {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }

    /// Malformed REST bodies get our error shape too: 400 for broken JSON, 422 for wrong fields.
    impl From<axum::extract::rejection::JsonRejection> for AppError {
        fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
            use axum::extract::rejection::JsonRejection as R;
            match rejection {
                R::JsonDataError(err) => AppError::validation(err.body_text()),
                R::BytesRejection(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    AppError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
                }
                R::MissingJsonContentType(_) => {
                    AppError::bad_request("Send a JSON body with Content-Type: application/json.")
                }
                other => AppError::bad_request(other.body_text()),
            }
        }
    }

    /// Query strings the API cannot read (`?limit=abc`): 422 in our shape.
    impl From<axum::extract::rejection::QueryRejection> for AppError {
        fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
            AppError::validation(rejection.body_text())
        }
    }

    /// Decides once, for every service, which database failures the caller caused.
    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            match &err {
                sqlx::Error::RowNotFound => AppError::not_found("Not found."),
                sqlx::Error::Database(db) if db.is_unique_violation() => {
                    AppError::conflict("It already exists.")
                }
                // A connection that cannot be had or breaks is taken for the managed MySQL server's
                // (a SQLite store's own failures come as Database errors; a shared MySQL store that
                // is down also answers 503, and /healthz says which of the two it is).
                sqlx::Error::PoolTimedOut
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => {
                    tracing::warn!(error = %err, "MySQL unreachable");
                    AppError::mysql_unavailable()
                }
                _ => AppError::internal(err),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;
    use crate::word::tests::round_trips;

    #[test]
    fn every_code_travels_as_its_word_and_comes_back() {
        round_trips::<ErrorCode>();
    }
}
