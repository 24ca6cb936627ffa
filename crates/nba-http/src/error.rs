//! Errors as HTTP responses, mapped once: every failure is `{"error": {"code", "message"}}`
//! with a status from the error kind. Internal details are logged, never sent.

use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use nba_app::AppError;
use serde_json::json;

/// An error response of the HTTP API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// `Retry-After` seconds of a 429.
    pub retry_after_s: Option<u64>,
    /// The scope a 403 lacked; the auth middleware turns it into a `WWW-Authenticate`
    /// `insufficient_scope` challenge.
    pub required_scope: Option<&'static str>,
}

/// Marks a 403 response with the scope that was missing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequiredScope(pub &'static str);

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after_s: None,
            required_scope: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_argument", message)
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> ApiError {
        let status = match &error {
            AppError::InvalidArgument(_) | AppError::Ambiguous(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) | AppError::UnknownName(_) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooManyCalls { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Overloaded { .. } | AppError::Unavailable { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            AppError::TooLarge(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let retry_after_s = error.retry_after_s();
        let required_scope = match &error {
            AppError::Forbidden { permission, .. } => Some(permission.as_str()),
            _ => None,
        };
        if !error.is_client_error() {
            tracing::error!(code = error.code(), error = %error, "request failed");
        }
        ApiError {
            retry_after_s,
            required_scope,
            ..ApiError::new(status, error.code(), error.public_message())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after_s {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        if let Some(scope) = self.required_scope {
            response.extensions_mut().insert(RequiredScope(scope));
        }
        // Lets the metrics middleware count errors by their code.
        response
            .extensions_mut()
            .insert(crate::metrics::ErrorKind(self.code));
        response
    }
}

/// Unknown paths get the same error shape as everything else.
pub(crate) async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_route",
        format!(
            "no route {method} {}; see GET /v1/tools, /live, /ready, /health",
            uri.path()
        ),
    )
}
