//! Requests whose params do not fit the MCP schema. rmcp hands a standard method with
//! unparseable params (say `tools/call` with `"arguments": [1]`) to the handler as a custom
//! request; it must be answered "invalid params" with a message naming the field, not
//! "method not found".

use rmcp::model::{ErrorCode, ErrorData as McpError};
use serde_json::{json, Value};

/// MCP methods this server implements; their params have a known shape.
const STANDARD_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "server/discover",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "prompts/list",
    "prompts/get",
];

/// The JSON-RPC error for a custom request: invalid params for a standard method whose
/// params did not parse, method not found for anything else.
pub(crate) fn error_for(method: &str, params: Option<&Value>) -> McpError {
    if !STANDARD_METHODS.contains(&method) {
        return McpError::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("unknown method '{method}'"),
            None,
        );
    }
    let message = describe(method, params);
    McpError::invalid_params(message, Some(json!({ "method": method })))
}

fn describe(method: &str, params: Option<&Value>) -> String {
    let Some(params) = params else {
        return format!("{method}: params are missing");
    };
    let Value::Object(params) = params else {
        return format!(
            "{method}: params must be a JSON object, got {}",
            kind(params)
        );
    };
    let (name_field, object_field) = match method {
        "tools/call" | "prompts/get" => ("name", "arguments"),
        "resources/read" => ("uri", ""),
        _ => ("", ""),
    };
    if !name_field.is_empty() && !params.get(name_field).is_some_and(Value::is_string) {
        return format!("{method}: params.{name_field} must be a string");
    }
    if let Some(value) = params.get(object_field) {
        if !object_field.is_empty() && !value.is_object() && !value.is_null() {
            return format!(
                "{method}: params.{object_field} must be a JSON object of named arguments, got {}",
                kind(value)
            );
        }
    }
    format!("{method}: params do not match the MCP schema for this method")
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_bad_field() {
        let e = error_for(
            "tools/call",
            Some(&json!({ "name": "list_teams", "arguments": [1] })),
        );
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
        assert!(e.message.contains("params.arguments"), "{}", e.message);
        assert!(e.message.contains("an array"), "{}", e.message);

        let e = error_for("tools/call", Some(&json!({ "name": 5 })));
        assert!(e.message.contains("params.name"), "{}", e.message);

        let e = error_for("resources/read", Some(&json!("nba://schema")));
        assert!(e.message.contains("must be a JSON object"), "{}", e.message);
    }

    #[test]
    fn unknown_methods_are_method_not_found() {
        let e = error_for("tools/explode", None);
        assert_eq!(e.code, ErrorCode::METHOD_NOT_FOUND);
        assert!(e.message.contains("tools/explode"));
    }
}
