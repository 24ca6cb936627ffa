//! Authentication and authorization at the HTTP edge, for every route including `/mcp`:
//! which routes are public, which permission the others need, the `401` challenge with
//! RFC 9728 protected resource metadata, `403 insufficient_scope` and `429 Retry-After`.
//! The decisions themselves are `nba_app::App::authenticate` / `authorize` / `rate_limit`,
//! the same functions every tool call goes through.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use nba_app::nba_auth::Permission;
use nba_app::{App, AuthFailure, Caller, Transport};
use serde_json::{json, Value};

use crate::error::RequiredScope;
use crate::routes::RoutePolicy;
use crate::ApiError;

pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// Routes whose tool calls are charged to the rate limit inside the app (per call), so the
/// edge does not charge them twice.
fn charged_by_app(path: &str) -> bool {
    path == "/mcp"
        || path.starts_with("/mcp/")
        || path.starts_with("/v1/tools/")
        || path.starts_with("/v1/predict")
}

/// This server's MCP resource URL: configured, else from the request's `Host`.
fn resource_url(app: &App, headers: &HeaderMap) -> String {
    if let Some(url) = app.resource_url() {
        return url.to_string();
    }
    // Only a Host this server answers to goes into a URL we send back.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| app.host_allowed(h))
        .unwrap_or("localhost");
    let scheme = if app.serves_https() { "https" } else { "http" };
    format!("{scheme}://{host}/mcp")
}

/// `https://host/.well-known/oauth-protected-resource/mcp` for resource `https://host/mcp`.
fn metadata_url(resource: &str) -> String {
    match resource
        .find("://")
        .and_then(|i| resource[i + 3..].find('/').map(|j| i + 3 + j))
    {
        Some(split) => format!(
            "{}{METADATA_PATH}{}",
            &resource[..split],
            &resource[split..]
        ),
        None => format!("{resource}{METADATA_PATH}"),
    }
}

fn quoted(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' || c == '\\' { '\'' } else { c })
        .collect()
}

fn challenge(resource: &str, error: Option<(&str, &str)>, scope: Option<&str>) -> HeaderValue {
    let mut v = format!("Bearer resource_metadata=\"{}\"", metadata_url(resource));
    if let Some((code, description)) = error {
        v.push_str(&format!(
            ", error=\"{code}\", error_description=\"{}\"",
            quoted(description)
        ));
    }
    if let Some(scope) = scope {
        v.push_str(&format!(", scope=\"{scope}\""));
    }
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
}

fn unauthorized(app: &App, headers: &HeaderMap, failure: &AuthFailure) -> Response {
    if let AuthFailure::Unavailable { retry_after_s } = failure {
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            failure.description(),
        );
        e.retry_after_s = Some(*retry_after_s);
        return e.into_response();
    }
    let resource = resource_url(app, headers);
    let error = match failure {
        AuthFailure::Missing | AuthFailure::Unavailable { .. } => None,
        AuthFailure::Invalid { .. } => Some("invalid_token"),
    };
    let description = failure.description();
    let mut response = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        description.clone(),
    )
    .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        challenge(&resource, error.map(|e| (e, description.as_str())), None),
    );
    response
}

fn add_scope_challenge(app: &App, headers: &HeaderMap, response: &mut Response) {
    if response.status() != StatusCode::FORBIDDEN {
        return;
    }
    if let Some(RequiredScope(scope)) = response.extensions().get::<RequiredScope>().copied() {
        let resource = resource_url(app, headers);
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            challenge(
                &resource,
                Some((
                    "insufficient_scope",
                    &format!("this request needs the scope {scope}"),
                )),
                Some(scope),
            ),
        );
    }
}

/// The guard: public routes pass to `run`; everything else needs a valid bearer
/// credential, the route's permission and a token from the caller's rate limit. The
/// `Caller` goes into the request's extensions for the handlers (and for the MCP service,
/// through rmcp's `http::request::Parts`).
pub(crate) async fn guard<F, Fut>(
    app: &App,
    policy: RoutePolicy,
    request_id: &HeaderValue,
    mut req: Request,
    run: F,
) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    if policy == RoutePolicy::Public {
        return run(req).await;
    }
    // Only what the challenges need, not a copy of every header (a refcount, no copy).
    let mut headers = HeaderMap::new();
    if let Some(host) = req.headers().get(header::HOST) {
        headers.insert(header::HOST, host.clone());
    }
    let path = req.uri().path();
    let transport = if path == "/mcp" || path.starts_with("/mcp/") {
        Transport::McpHttp
    } else {
        Transport::Http
    };
    let charged = charged_by_app(path);
    let mut authorizations = req.headers().get_all(header::AUTHORIZATION).iter();
    let authorization = authorizations.next().cloned();
    if authorizations.next().is_some() {
        let failure = AuthFailure::Invalid {
            reason: "several_credentials",
            description: "send exactly one Authorization header".into(),
        };
        return unauthorized(app, &headers, &failure);
    }
    let caller = match app
        .authenticate(
            authorization.as_ref().map(HeaderValue::as_bytes),
            transport,
            request_id.to_str().unwrap_or_default(),
        )
        .await
    {
        Ok(caller) => caller,
        Err(failure) => return unauthorized(app, &headers, &failure),
    };
    // The audit target, only for routes checked (and so audited) here.
    let target = match policy {
        RoutePolicy::Needs(_) => format!("{} {}", req.method(), req.uri().path()),
        _ => String::new(),
    };
    if let RoutePolicy::Needs(permission) = policy {
        if let Err(e) = app.authorize(&caller, Some(permission), "http", &target) {
            let mut response = ApiError::from(e).into_response();
            add_scope_challenge(app, &headers, &mut response);
            return response;
        }
    }
    if !charged {
        if let Err(e) = app.rate_limit(&caller, "http") {
            return ApiError::from(e).into_response();
        }
    }
    // An OAuth client that lacks the scope of the tool it calls gets the HTTP challenge it
    // can act on (step-up authorization); key holders get the tool error from the handler.
    if transport == Transport::McpHttp
        && caller.principal.is_oauth()
        && req.method() == Method::POST
    {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await {
            Ok(b) => b,
            Err(_) => {
                return ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!(
                        "the request body is larger than {} bytes",
                        crate::MAX_BODY_BYTES
                    ),
                )
                .into_response()
            }
        };
        if let Some(tool) = called_tool(&bytes) {
            if let Some(spec) = app.tools().iter().find(|t| t.name == tool) {
                if let Err(e) = app.authorize(&caller, spec.permission, "tools/call", &tool) {
                    let mut response = ApiError::from(e).into_response();
                    add_scope_challenge(app, &headers, &mut response);
                    return response;
                }
            }
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    let audited = matches!(policy, RoutePolicy::Needs(_));
    let audit_caller = audited.then(|| caller.clone());
    req.extensions_mut().insert(caller);
    let mut response = run(req).await;
    add_scope_challenge(app, &headers, &mut response);
    if let Some(caller) = audit_caller {
        let status = response.status();
        let outcome = if status.is_success() {
            "ok".to_string()
        } else {
            format!("error:{}", status.as_u16())
        };
        app.audit(&caller, "http", &target, &outcome);
    }
    response
}

/// The tool a JSON-RPC `tools/call` request names (single requests only).
fn called_tool(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    if v.get("method")?.as_str()? != "tools/call" {
        return None;
    }
    Some(v.get("params")?.get("name")?.as_str()?.to_string())
}

/// RFC 9728 protected resource metadata, at the root and path-suffixed well-known URLs.
pub(crate) async fn resource_metadata(
    State(state): State<std::sync::Arc<crate::AppState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Json<Value> {
    let app = &state.app;
    let resource_url = resource_url(app, &headers);
    // The root form describes the server root; the `/mcp` form the MCP endpoint.
    let resource = if uri.path() == METADATA_PATH {
        match resource_url
            .find("://")
            .and_then(|i| resource_url[i + 3..].find('/').map(|j| i + 3 + j))
        {
            Some(split) => resource_url[..split].to_string(),
            None => resource_url.clone(),
        }
    } else {
        resource_url
    };
    let mut doc = json!({
        "resource": resource,
        "resource_name": "NBA MCP",
        "bearer_methods_supported": ["header"],
        "scopes_supported": Permission::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
    });
    if let Some(issuer) = app.oauth_issuer() {
        doc["authorization_servers"] = json!([issuer]);
    }
    Json(doc)
}

/// The caller the guard put on the request.
pub(crate) fn caller(req_caller: Option<axum::Extension<Caller>>) -> Result<Caller, ApiError> {
    req_caller.map(|axum::Extension(c)| c).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "authentication required: send Authorization: Bearer <API key>",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::route_policy;

    #[test]
    fn metadata_url_inserts_the_well_known_path_before_the_resource_path() {
        assert_eq!(
            metadata_url("https://nba.example.com/mcp"),
            "https://nba.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            metadata_url("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource"
        );
    }

    #[test]
    fn every_operations_route_needs_health_read_and_probes_are_public() {
        assert_eq!(route_policy("/live"), RoutePolicy::Public);
        assert_eq!(route_policy("/ready"), RoutePolicy::Public);
        assert_eq!(
            route_policy("/metrics"),
            RoutePolicy::Needs(Permission::HealthRead)
        );
        assert_eq!(
            route_policy("/health/database"),
            RoutePolicy::Needs(Permission::HealthRead)
        );
        assert_eq!(
            route_policy("/v1/ops/summary"),
            RoutePolicy::Needs(Permission::HealthRead)
        );
        assert_eq!(route_policy("/mcp"), RoutePolicy::Authenticated);
        assert_eq!(
            route_policy("/v1/tools/get_games"),
            RoutePolicy::Authenticated
        );
        assert_eq!(route_policy("/nowhere"), RoutePolicy::Authenticated);
    }

    #[test]
    fn challenge_values_stay_valid_headers() {
        let v = challenge("http://h/mcp", Some(("invalid_token", "bad \"x\"\n")), None);
        assert!(v
            .to_str()
            .unwrap()
            .contains("error_description=\"bad 'x'\""));
    }
}
