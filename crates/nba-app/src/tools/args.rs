//! Tool arguments: parsed into the tool's input type after their sizes are checked against
//! the tool's input schema, naming the field that is wrong.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::AppError;

/// Parses tool arguments into the tool's input type, naming the bad field.
pub(crate) fn parse<T: DeserializeOwned>(
    tool: &str,
    schema: &Map<String, Value>,
    args: Value,
) -> Result<T, AppError> {
    let args = match args {
        Value::Null => Value::Object(Default::default()),
        Value::Object(m) => Value::Object(m),
        other => {
            return Err(AppError::InvalidArgument(format!(
                "{tool}: arguments must be a JSON object, got {other}"
            )))
        }
    };
    check_sizes(tool, schema, &args, "")?;
    serde_json::from_value(args)
        .map_err(|e| AppError::InvalidArgument(format!("{tool}: invalid arguments: {e}")))
}

/// Longest string argument where the schema declares no `maxLength`: names, dates, codes
/// and cursors are short; a megabyte of "team name" is an attack, not a question.
const DEFAULT_MAX_STRING: usize = 200;
/// Longest array argument where the schema declares no `maxItems`.
const DEFAULT_MAX_ITEMS: usize = 1000;

/// A keyword of a schema node or of its `anyOf`/`oneOf` branches (type unions are split).
fn keyword(schema: &Map<String, Value>, key: &str) -> Option<u64> {
    schema.get(key).and_then(Value::as_u64).or_else(|| {
        ["anyOf", "oneOf"].iter().find_map(|k| {
            schema.get(*k)?.as_array()?.iter().find_map(|b| {
                b.as_object()
                    .and_then(|b| b.get(key).and_then(Value::as_u64))
            })
        })
    })
}

/// The sub-schema of `key` under `kind` ("properties" / "items"), looking into branches.
fn child<'a>(
    schema: &'a Map<String, Value>,
    kind: &str,
    key: Option<&str>,
) -> Option<&'a Map<String, Value>> {
    let direct = |node: &'a Map<String, Value>| -> Option<&'a Map<String, Value>> {
        let v = node.get(kind)?;
        match key {
            Some(k) => v.as_object()?.get(k)?.as_object(),
            None => v.as_object(),
        }
    };
    direct(schema).or_else(|| {
        ["anyOf", "oneOf"].iter().find_map(|k| {
            schema
                .get(*k)?
                .as_array()?
                .iter()
                .find_map(|b| b.as_object().and_then(direct))
        })
    })
}

/// Refuses strings and arrays longer than the schema allows (or than the defaults), naming
/// the field, before anything is parsed or run.
fn check_sizes(
    tool: &str,
    schema: &Map<String, Value>,
    value: &Value,
    path: &str,
) -> Result<(), AppError> {
    let field = if path.is_empty() { "arguments" } else { path };
    match value {
        Value::String(s) => {
            let max = keyword(schema, "maxLength").map_or(DEFAULT_MAX_STRING, |m| m as usize);
            let n = s.chars().count();
            if n > max {
                return Err(AppError::InvalidArgument(format!(
                    "{tool}: {field} is {n} characters long; the limit is {max}"
                )));
            }
        }
        Value::Array(items) => {
            let max = keyword(schema, "maxItems").map_or(DEFAULT_MAX_ITEMS, |m| m as usize);
            if items.len() > max {
                return Err(AppError::InvalidArgument(format!(
                    "{tool}: {field} holds {} items; the limit is {max}",
                    items.len()
                )));
            }
            let empty = Map::new();
            let item_schema = child(schema, "items", None).unwrap_or(&empty);
            for (i, item) in items.iter().enumerate() {
                check_sizes(tool, item_schema, item, &format!("{field}[{i}]"))?;
            }
        }
        Value::Object(map) => {
            let empty = Map::new();
            for (k, v) in map {
                let sub = child(schema, "properties", Some(k)).unwrap_or(&empty);
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                check_sizes(tool, sub, v, &p)?;
            }
        }
        _ => {}
    }
    Ok(())
}
