//! Application errors: what went wrong, in words a user or a model can act on, with a stable
//! code. Transports map them once at the edge (MCP: tool error result; HTTP: status code).

use thiserror::Error;

#[derive(Debug, Error)]
pub enum AppError {
    /// The arguments are malformed or out of range; the message names the field.
    #[error("{0}")]
    InvalidArgument(String),
    /// A team, player, game or season the store does not have.
    #[error("{0}")]
    NotFound(String),
    /// The input matches several things; the message lists them.
    #[error("{0}")]
    Ambiguous(String),
    /// No tool, resource or prompt of that name.
    #[error("{0}")]
    UnknownName(String),
    /// No valid credentials (HTTP 401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but the principal lacks `permission` (HTTP 403).
    #[error("{message}")]
    Forbidden {
        message: String,
        permission: nba_auth::Permission,
    },
    /// The principal's rate limit is used up; retry after that many seconds (HTTP 429).
    #[error("rate limit exceeded: retry after {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    /// The caller has as many calls in flight as one caller may (HTTP 429).
    #[error("{message}")]
    TooManyCalls { message: String, retry_after_s: u64 },
    /// The server is at a capacity limit; retry after that many seconds (HTTP 503).
    #[error("{message}")]
    Overloaded { message: String, retry_after_s: u64 },
    /// A dependency (the database) cannot be reached now (HTTP 503).
    #[error("{message}")]
    Unavailable { message: String, retry_after_s: u64 },
    /// The call ran past its deadline and was stopped (HTTP 504).
    #[error("{0}")]
    Timeout(String),
    /// The answer would be larger than the limit; nothing was sent (HTTP 413 style, 422).
    #[error("{0}")]
    TooLarge(String),
    /// Something failed on our side; details are logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::InvalidArgument(_) => "invalid_argument",
            AppError::NotFound(_) => "not_found",
            AppError::Ambiguous(_) => "ambiguous",
            AppError::UnknownName(_) => "unknown_name",
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden { .. } => "forbidden",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::TooManyCalls { .. } => "too_many_calls",
            AppError::Overloaded { .. } => "overloaded",
            AppError::Unavailable { .. } => "unavailable",
            AppError::Timeout(_) => "timeout",
            AppError::TooLarge(_) => "answer_too_large",
            AppError::Internal(_) => "internal",
        }
    }

    /// Seconds after which a retry may succeed, for errors that are about load or outages.
    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_s }
            | AppError::TooManyCalls { retry_after_s, .. }
            | AppError::Overloaded { retry_after_s, .. }
            | AppError::Unavailable { retry_after_s, .. } => Some(*retry_after_s),
            _ => None,
        }
    }

    /// Whether the caller can fix it by changing the request.
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            AppError::Internal(_) | AppError::Unavailable { .. } | AppError::Overloaded { .. }
        )
    }

    /// The message safe to show to a caller (internal details are replaced).
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "internal error; see the server log".to_string(),
            other => other.to_string(),
        }
    }
}

/// What a caller is told when the database could not be used.
pub(crate) const DB_UNAVAILABLE: &str = "the database cannot be reached now; retry shortly (predictions from the loaded model keep working)";

impl AppError {
    /// A store error while every pooled connection is in use is load, not an outage: the
    /// pool's wait ran out because others hold the connections (`overloaded`, retry in 1 s).
    pub(crate) fn or_busy(self, store: &nba_store::Store) -> AppError {
        let (open, idle) = store.pool_status();
        let max_connections = store.pool().options().get_max_connections();
        match &self {
            AppError::Unavailable { message, .. }
                if message == DB_UNAVAILABLE && open >= max_connections && idle == 0 =>
            {
                nba_ops::record_shed("db_pool");
                AppError::Overloaded {
                    message: format!(
                        "the server is busy: all {max_connections} database connections are in use; retry shortly"
                    ),
                    retry_after_s: 1,
                }
            }
            _ => self,
        }
    }
}

/// Set when any use of the store found the database unreachable; the key cache then stops
/// asking it (last known good) until its probe reaches it again.
pub(crate) static DB_UNREACHABLE: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

impl From<nba_store::StoreError> for AppError {
    fn from(e: nba_store::StoreError) -> Self {
        if e.is_unavailable() {
            DB_UNREACHABLE.store(true, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(error = %e, "database unavailable");
            return AppError::Unavailable {
                message: DB_UNAVAILABLE.into(),
                retry_after_s: 5,
            };
        }
        tracing::error!(error = %e, code = e.code(), "store error");
        AppError::Internal(e.to_string())
    }
}

impl From<nba_domain::DomainError> for AppError {
    fn from(e: nba_domain::DomainError) -> Self {
        AppError::InvalidArgument(e.to_string())
    }
}

impl From<nba_model::ModelError> for AppError {
    fn from(e: nba_model::ModelError) -> Self {
        use nba_model::ModelError as M;
        match e {
            M::NoTrainingData { .. } | M::NothingToEvaluate(_) | M::InvalidName(_) | M::Onnx(_) => {
                AppError::InvalidArgument(e.to_string())
            }
            M::NotFound(_) => AppError::NotFound(e.to_string()),
            M::Registry(_) | M::Io { .. } => AppError::Unavailable {
                message: e.to_string(),
                retry_after_s: 30,
            },
            _ => AppError::Internal(e.to_string()),
        }
    }
}
