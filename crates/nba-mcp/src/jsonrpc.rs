//! What makes a message JSON-RPC 2.0, checked before rmcp sees it, so malformed input gets
//! a JSON-RPC error (`-32700` parse error, `-32600` invalid request, `id: null` when the id
//! is unknown) over HTTP and stdio alike, instead of plain text or silence.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// A message that is not JSON-RPC: the error to answer with.
#[derive(Debug)]
pub(crate) struct Malformed {
    pub id: Value,
    pub code: i64,
    pub message: String,
}

fn bad(id: Value, code: i64, message: &str) -> Malformed {
    Malformed {
        id,
        code,
        message: message.to_string(),
    }
}

/// The error line for `e`, newline-terminated.
pub(crate) fn error_line(e: &Malformed) -> Vec<u8> {
    let mut line = serde_json::json!({
        "jsonrpc": "2.0",
        "id": e.id,
        "error": { "code": e.code, "message": e.message },
    })
    .to_string()
    .into_bytes();
    line.push(b'\n');
    line
}

/// A member name, borrowed from the message unless it has escapes.
#[derive(Deserialize, PartialEq, Eq, Hash)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

/// What the transport needs to know of a well-formed message.
#[derive(Debug)]
pub(crate) struct Checked {
    /// The request id (`null` for notifications and responses without one).
    pub id: Value,
    /// The method of a request or notification.
    pub method: Option<String>,
}

/// Parses `body` as one JSON-RPC 2.0 request, notification or response. Only the envelope
/// is decoded: member values stay raw (validated JSON, not built into values), so `params`
/// costs a scan and no allocation. A repeated member counts by its last occurrence, as in
/// `serde_json::Value`.
pub(crate) fn check(body: &[u8]) -> Result<Checked, Malformed> {
    let parse_error = |e: serde_json::Error| {
        bad(
            Value::Null,
            -32700,
            &format!("parse error: the message is not valid JSON ({e})"),
        )
    };
    let top: &RawValue = serde_json::from_slice(body).map_err(parse_error)?;
    let first = top.get().bytes().next();
    if first == Some(b'[') {
        return Err(bad(
            Value::Null,
            -32600,
            "invalid request: batches are not supported; send one JSON-RPC message at a time",
        ));
    }
    if first != Some(b'{') {
        return Err(bad(
            Value::Null,
            -32600,
            "invalid request: a JSON-RPC message is a JSON object",
        ));
    }
    let members: HashMap<Key<'_>, &RawValue> =
        serde_json::from_str(top.get()).map_err(parse_error)?;
    let small = |name: &str| -> Option<Value> {
        members
            .get(&Key(Cow::Borrowed(name)))
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
    };
    let id = small("id")
        .filter(|i| i.is_string() || i.is_i64() || i.is_u64())
        .unwrap_or(Value::Null);
    if small("jsonrpc").as_ref().and_then(Value::as_str) != Some("2.0") {
        return Err(bad(
            id,
            -32600,
            "invalid request: \"jsonrpc\" must be \"2.0\"",
        ));
    }
    let kind = |name: &str| {
        members
            .get(&Key(Cow::Borrowed(name)))
            .and_then(|raw| raw.get().bytes().next())
    };
    let method = match kind("method") {
        Some(b'"') => small("method").and_then(|m| m.as_str().map(str::to_string)),
        _ => None,
    };
    let has = |name: &str| members.contains_key(&Key(Cow::Borrowed(name)));
    let is_response = has("result") || has("error");
    if method.is_none() && !is_response {
        return Err(bad(id, -32600, "invalid request: a message needs a string \"method\" (or, as a response, \"result\" or \"error\")"));
    }
    if has("id") && id.is_null() {
        return Err(bad(
            Value::Null,
            -32600,
            "invalid request: \"id\" must be a string or an integer",
        ));
    }
    if !matches!(kind("params"), None | Some(b'{') | Some(b'[')) {
        return Err(bad(
            id,
            -32600,
            "invalid request: \"params\" must be an object",
        ));
    }
    Ok(Checked { id, method })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_malformed_message_gets_its_code() {
        assert_eq!(check(b"{\"jsonrpc\":").unwrap_err().code, -32700);
        assert_eq!(check(b"[]").unwrap_err().code, -32600);
        assert_eq!(check(b"7").unwrap_err().code, -32600);
        let e = check(br#"{"jsonrpc":"1.0","id":4,"method":"ping"}"#).unwrap_err();
        assert_eq!((e.code, e.id), (-32600, Value::from(4)));
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","id":{}}"#).unwrap_err().code,
            -32600
        );
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#)
                .unwrap_err()
                .code,
            -32600
        );
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).is_ok());
        // Only the last of repeated members counts, as in serde_json::Value.
        let ok = check(br#"{"jsonrpc":"1.0","jsonrpc":"2.0","id":"a","method":"ping"}"#).unwrap();
        assert_eq!(
            (ok.id, ok.method.as_deref()),
            (Value::from("a"), Some("ping"))
        );
        // Member names with escapes, a fractional or null id, a non-string method.
        let ok = check(br#"{"jsonrpc":"2.0","\u0069d":5,"method":"tools/call"}"#).unwrap();
        assert_eq!(ok.id, Value::from(5));
        for bad in [
            &br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#[..],
            br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":7}"#,
        ] {
            assert_eq!(check(bad).unwrap_err().code, -32600);
        }
        let line = error_line(&check(b"nope").unwrap_err());
        assert!(line.ends_with(b"\n"));
        let v: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["id"], Value::Null);
    }
}
