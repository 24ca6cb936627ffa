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
            AppError::Internal(_) => "internal",
        }
    }

    /// Whether the caller can fix it by changing the request.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, AppError::Internal(_))
    }

    /// The message safe to show to a caller (internal details are replaced).
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "internal error; see the server log".to_string(),
            other => other.to_string(),
        }
    }
}

impl From<nba_store::StoreError> for AppError {
    fn from(e: nba_store::StoreError) -> Self {
        tracing::error!(error = %e, code = e.code(), "store error");
        AppError::Internal(e.to_string())
    }
}

impl From<nba_domain::DomainError> for AppError {
    fn from(e: nba_domain::DomainError) -> Self {
        AppError::InvalidArgument(e.to_string())
    }
}
