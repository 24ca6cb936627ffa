//! The direct path: a stateless (2026-07-28) `tools/call`, the protocol's hot request, answered
//! without rmcp's per-request machinery (a typed decode of the whole message, a re-encoding of
//! it to check the SEP-2243 headers, a service task and channel per request, and the answer
//! decoded into a `Value` only to be encoded again).
//!
//! Only requests that rmcp would accept and dispatch to the same handler take this path: every
//! header rmcp checks for this kind of request is present, single and exactly as expected, and
//! the message has no member this path does not understand. Anything else, valid or not, goes to
//! rmcp, which answers it (or rejects it) as before. The handler is the same
//! ([`NbaMcpServer::call`]), so a tool answers identically on both paths; an integration test
//! compares the two replies.

use std::borrow::Cow;

use http::HeaderMap;
use nba_app::Caller;
use rmcp::model::{ClientCapabilities, ErrorCode, Implementation};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::handler::{Called, NbaMcpServer};

/// The only revision this path answers; older ones use sessions or rmcp's stateless routing.
const PROTOCOL_VERSION: &str = "2026-07-28";

/// The `Host` values rmcp lets through (its DNS-rebinding guard), with its matching rule: the
/// host compared without brackets and case, the port only when the allowed entry names one.
pub(crate) struct Hosts(Vec<(String, Option<u16>)>);

fn normalize(host: &str) -> String {
    host.trim_matches('[')
        .trim_matches(']')
        .to_ascii_lowercase()
}

impl Hosts {
    /// rmcp's list (its default is loopback). An empty list, which rmcp reads as "any
    /// host", lets nothing through here: such requests go to rmcp.
    pub(crate) fn new(allowed: &[String]) -> Hosts {
        Hosts(
            allowed
                .iter()
                .map(|e| e.trim())
                .filter(|e| !e.is_empty())
                .map(|e| match http::uri::Authority::try_from(e) {
                    Ok(a) => (normalize(a.host()), a.port_u16()),
                    Err(_) => (normalize(e), None),
                })
                .collect(),
        )
    }

    fn allow(&self, host_header: &str) -> bool {
        let Ok(authority) = http::uri::Authority::try_from(host_header) else {
            return false;
        };
        let (host, port) = (normalize(authority.host()), authority.port_u16());
        self.0
            .iter()
            .any(|(h, p)| *h == host && p.is_none_or(|p| Some(p) == port))
    }
}

/// The one value of header `name`, as text; `None` when it is absent, repeated or not text.
fn single<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok()
}

/// `Accept` lists both JSON and SSE, plainly (no parameters such as `q`, which rmcp weighs).
fn accepts_json_and_sse(headers: &HeaderMap) -> bool {
    let Some(accept) = single(headers, http::header::ACCEPT.as_str()) else {
        return false;
    };
    let (mut json, mut sse) = (false, false);
    for item in accept.split(',').map(str::trim) {
        if item.contains(';') {
            return false;
        }
        json |= item.eq_ignore_ascii_case("application/json");
        sse |= item.eq_ignore_ascii_case("text/event-stream");
    }
    json && sse
}

fn is_json(headers: &HeaderMap) -> bool {
    single(headers, http::header::CONTENT_TYPE.as_str()).is_some_and(|v| {
        v.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case("application/json")
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Message<'a> {
    #[serde(borrow)]
    jsonrpc: Cow<'a, str>,
    #[allow(dead_code)]
    id: IgnoredAny,
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(borrow)]
    params: Params<'a>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default)]
    arguments: Option<Map<String, Value>>,
    #[serde(rename = "_meta", borrow)]
    meta: Meta<'a>,
}

/// The per-request metadata of 2026-07-28, and nothing else (a progress token or a log level
/// asks for behaviour rmcp provides).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta<'a> {
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", borrow)]
    protocol_version: Cow<'a, str>,
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities", borrow)]
    client_capabilities: &'a RawValue,
    #[serde(rename = "io.modelcontextprotocol/clientInfo", default, borrow)]
    client_info: Option<&'a RawValue>,
}

/// A tool call this path answers.
pub(crate) struct DirectCall {
    name: String,
    arguments: Value,
}

/// The call in this request, when it is a stateless `tools/call` that rmcp would accept and
/// dispatch unchanged; `None` sends the request to rmcp. The caller has checked that it is a
/// `POST` without a session id whose body is one JSON-RPC message.
pub(crate) fn direct_call(
    parts: &http::request::Parts,
    body: &[u8],
    hosts: &Hosts,
) -> Option<DirectCall> {
    let headers = &parts.headers;
    if headers.contains_key(http::header::ORIGIN)
        || !single(headers, http::header::HOST.as_str()).is_some_and(|h| hosts.allow(h))
        || !accepts_json_and_sse(headers)
        || !is_json(headers)
        || single(headers, "mcp-protocol-version") != Some(PROTOCOL_VERSION)
        || single(headers, "mcp-method") != Some("tools/call")
        || headers.keys().any(|k| k.as_str().starts_with("mcp-param-"))
    {
        return None;
    }
    let message: Message<'_> = serde_json::from_slice(body).ok()?;
    let meta = &message.params.meta;
    if message.jsonrpc != "2.0"
        || message.method != "tools/call"
        || meta.protocol_version != PROTOCOL_VERSION
        || serde_json::from_str::<ClientCapabilities>(meta.client_capabilities.get()).is_err()
        || meta
            .client_info
            .is_some_and(|i| serde_json::from_str::<Implementation>(i.get()).is_err())
        || single(headers, "mcp-name") != Some(message.params.name.as_ref())
    {
        return None;
    }
    Some(DirectCall {
        name: message.params.name.into_owned(),
        arguments: Value::Object(message.params.arguments.unwrap_or_default()),
    })
}

/// Whether `id` is one rmcp reads as a request id (a string or a signed 64-bit integer).
pub(crate) fn is_request_id(id: &Value) -> bool {
    id.is_string() || id.is_i64()
}

/// Answers the call: the JSON-RPC reply rmcp would send, with the HTTP status it would use.
pub(crate) async fn answer(
    server: &NbaMcpServer,
    caller: &Caller,
    id: &Value,
    call: DirectCall,
) -> (http::StatusCode, Vec<u8>) {
    let called = server.call(caller, &call.name, call.arguments).await;
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
    serde_json::to_writer(&mut out, id).expect("an id encodes");
    let status = match called {
        Ok(Called::Answer(answer)) => {
            // The text item is the encoded answer as a string; structuredContent is the same
            // bytes as JSON (rmcp would decode them into a value and encode them again).
            out.reserve(answer.len() * 2 + 96);
            out.extend_from_slice(
                b",\"result\":{\"resultType\":\"complete\",\"content\":[{\"type\":\"text\",\"text\":",
            );
            serde_json::to_writer(&mut out, answer.text()).expect("a string encodes");
            out.extend_from_slice(b"}],\"structuredContent\":");
            out.extend_from_slice(answer.json());
            out.extend_from_slice(b",\"isError\":false}");
            http::StatusCode::OK
        }
        Ok(Called::Failed(result)) => {
            out.extend_from_slice(b",\"result\":");
            serde_json::to_writer(&mut out, &result).expect("a tool result encodes");
            http::StatusCode::OK
        }
        Err(error) => {
            out.extend_from_slice(b",\"error\":");
            serde_json::to_writer(&mut out, &error).expect("an error encodes");
            error_status(error.code)
        }
    };
    out.push(b'}');
    (status, out)
}

/// The HTTP status rmcp gives a JSON-RPC error on the per-request (2026-07-28) path.
fn error_status(code: ErrorCode) -> http::StatusCode {
    match code {
        ErrorCode::UNSUPPORTED_PROTOCOL_VERSION
        | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY
        | ErrorCode::HEADER_MISMATCH => http::StatusCode::BAD_REQUEST,
        ErrorCode::METHOD_NOT_FOUND => http::StatusCode::NOT_FOUND,
        _ => http::StatusCode::OK,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_as_rmcp_matches_them() {
        let loopback = Hosts::new(&["localhost".into(), "127.0.0.1".into(), "::1".into()]);
        for ok in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:1",
            "[::1]:9",
            "LOCALHOST",
        ] {
            assert!(loopback.allow(ok), "{ok}");
        }
        for no in [
            "example.com",
            "localhost.example.com",
            "127.0.0.2",
            "",
            "a b",
        ] {
            assert!(!loopback.allow(no), "{no}");
        }
        let configured = Hosts::new(&["api.example.com:443".into(), "Mcp.Example.com".into()]);
        assert!(configured.allow("api.example.com:443"));
        assert!(!configured.allow("api.example.com"));
        assert!(!configured.allow("api.example.com:80"));
        assert!(configured.allow("mcp.example.com:8443"));
        assert!(!configured.allow("localhost"));
    }

    #[test]
    fn accept_must_name_both_types_plainly() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(http::header::ACCEPT, v.parse().unwrap());
            accepts_json_and_sse(&h)
        };
        assert!(with("application/json, text/event-stream"));
        assert!(with("text/event-stream,application/json"));
        assert!(!with("application/json"));
        assert!(!with("application/json;q=0, text/event-stream"));
        assert!(!with("*/*"));
    }
}
