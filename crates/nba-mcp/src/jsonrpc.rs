//! What makes a message JSON-RPC 2.0, checked before rmcp sees it, so malformed input gets
//! a JSON-RPC error (`-32700` parse error, `-32600` invalid request, `id: null` when the id
//! is unknown) over HTTP and stdio alike, instead of plain text or silence.

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

/// Parses `body` as one JSON-RPC 2.0 request, notification or response.
pub(crate) fn check(body: &[u8]) -> Result<Value, Malformed> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        bad(
            Value::Null,
            -32700,
            &format!("parse error: the message is not valid JSON ({e})"),
        )
    })?;
    if v.is_array() {
        return Err(bad(
            Value::Null,
            -32600,
            "invalid request: batches are not supported; send one JSON-RPC message at a time",
        ));
    }
    let Some(obj) = v.as_object() else {
        return Err(bad(
            Value::Null,
            -32600,
            "invalid request: a JSON-RPC message is a JSON object",
        ));
    };
    let id = obj
        .get("id")
        .filter(|i| i.is_string() || i.is_i64() || i.is_u64())
        .cloned()
        .unwrap_or(Value::Null);
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(bad(
            id,
            -32600,
            "invalid request: \"jsonrpc\" must be \"2.0\"",
        ));
    }
    let is_request = obj.get("method").is_some_and(Value::is_string);
    let is_response = obj.contains_key("result") || obj.contains_key("error");
    if !is_request && !is_response {
        return Err(bad(id, -32600, "invalid request: a message needs a string \"method\" (or, as a response, \"result\" or \"error\")"));
    }
    if obj.contains_key("id") && !(id.is_string() || id.is_number()) {
        return Err(bad(
            Value::Null,
            -32600,
            "invalid request: \"id\" must be a string or an integer",
        ));
    }
    if let Some(params) = obj.get("params") {
        if !params.is_object() && !params.is_array() {
            return Err(bad(
                id,
                -32600,
                "invalid request: \"params\" must be an object",
            ));
        }
    }
    Ok(v)
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
        let line = error_line(&check(b"nope").unwrap_err());
        assert!(line.ends_with(b"\n"));
        let v: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["id"], Value::Null);
    }
}
