//! The tool catalog: name, description, JSON Schemas for input and output, and hints. Every
//! transport lists tools from here and calls them through `App::call_tool`.

use std::sync::Arc;

use schemars::JsonSchema;
use serde_json::{json, Map, Value};

/// One tool as every transport describes it.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub input_schema: Arc<Map<String, Value>>,
    pub output_schema: Arc<Map<String, Value>>,
    /// Reads only: hosts may auto-approve it.
    pub read_only: bool,
    /// A write that cannot be undone (revoking a key); a write that only adds is not.
    pub destructive: bool,
    /// Calling it again with the same arguments has no further effect.
    pub idempotent: bool,
    /// The permission a caller needs; `None`: any authenticated caller.
    pub permission: Option<nba_auth::Permission>,
}

/// JSON Schema of a type as a plain object (inlined, no `$schema` line).
pub fn schema_of<T: JsonSchema>() -> Map<String, Value> {
    let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| {
        s.inline_subschemas = true;
    });
    let schema = settings.into_generator().into_root_schema_for::<T>();
    let mut map = match schema.to_value() {
        Value::Object(m) => m,
        other => {
            let mut m = Map::new();
            m.insert("type".into(), json!("object"));
            m.insert("description".into(), other);
            m
        }
    };
    map.remove("$schema");
    map.remove("title");
    map.entry("type").or_insert(json!("object"));
    for value in map.values_mut() {
        split_type_unions(value);
    }
    map
}

/// Keywords that constrain only instances of one JSON type, so they move into that type's
/// branch when a `type` union is split. Keywords not listed (annotations such as
/// `description`/`examples`, and `enum`/`const`, which apply to every type) stay on the node.
fn keyword_owner(keyword: &str) -> Option<&'static [&'static str]> {
    const STRING: &[&str] = &["string"];
    const NUMERIC: &[&str] = &["number", "integer"];
    const SCALAR_FORMAT: &[&str] = &["string", "number", "integer"];
    const OBJECT: &[&str] = &["object"];
    const ARRAY: &[&str] = &["array"];
    Some(match keyword {
        "format" => SCALAR_FORMAT,
        "minLength" | "maxLength" | "pattern" | "contentEncoding" | "contentMediaType" => STRING,
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => NUMERIC,
        "properties"
        | "required"
        | "additionalProperties"
        | "patternProperties"
        | "propertyNames"
        | "minProperties"
        | "maxProperties"
        | "dependentRequired"
        | "dependentSchemas"
        | "unevaluatedProperties" => OBJECT,
        "items" | "prefixItems" | "minItems" | "maxItems" | "uniqueItems" | "contains"
        | "minContains" | "maxContains" | "unevaluatedItems" => ARRAY,
        _ => return None,
    })
}

/// Rewrite every `"type": ["string", "null"]`-style union as `anyOf` branches with one `type`
/// each (`{"anyOf": [{"type": "string"}, {"type": "null"}]}`): the same set of valid
/// instances, in the form hosts that map tool schemas onto a single-`type` dialect (e.g. the
/// OpenAPI subset of Gemini function declarations) accept. Type-specific keywords (`format`,
/// `minimum`, `properties`, `items`, ...) move into the branch of their type.
fn split_type_unions(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(split_type_unions),
        Value::Object(node) => {
            // Recurse first, so nested subschemas (properties, items, ...) are rewritten too;
            // instance values (`examples`, `enum`, `const`, `default`) are data, not schemas.
            for (key, child) in node.iter_mut() {
                if !matches!(key.as_str(), "examples" | "enum" | "const" | "default") {
                    split_type_unions(child);
                }
            }
            let types = match node.get("type") {
                Some(Value::Array(types)) => types.clone(),
                _ => return,
            };
            node.remove("type");
            let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            let mut branches: Vec<Map<String, Value>> = names
                .iter()
                .map(|t| {
                    let mut b = Map::new();
                    b.insert("type".into(), json!(t));
                    b
                })
                .collect();
            let keys: Vec<String> = node.keys().cloned().collect();
            for key in keys {
                let Some(owners) = keyword_owner(&key) else {
                    continue;
                };
                let targets: Vec<usize> = names
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| owners.contains(t))
                    .map(|(i, _)| i)
                    .collect();
                let Some(kw) = node.remove(&key) else {
                    continue;
                };
                if targets.is_empty() {
                    // Constrains no listed type: it never applied, keep it out of the way.
                    continue;
                }
                for i in targets {
                    branches[i].insert(key.clone(), kw.clone());
                }
            }
            let any_of = Value::Array(branches.into_iter().map(Value::Object).collect());
            if node.contains_key("anyOf") {
                // Keep the existing `anyOf` and require both.
                let all_of = node.entry("allOf").or_insert_with(|| json!([]));
                if let Value::Array(all) = all_of {
                    all.push(json!({ "anyOf": any_of }));
                }
            } else {
                node.insert("anyOf".into(), any_of);
            }
        }
        _ => {}
    }
}

/// Output schema with the `data_source` field every result carries.
fn output_schema_of<T: JsonSchema>() -> Map<String, Value> {
    let mut map = schema_of::<T>();
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        props.insert(
            "data_source".into(),
            json!({
                "type": "string",
                "description": "Where the data comes from: \"real\" (FiveThirtyEight CC BY 4.0 and NBA Stats data) or \"demo (simulated)\"."
            }),
        );
    }
    if let Some(Value::Array(req)) = map.get_mut("required") {
        req.push(json!("data_source"));
    }
    map
}

pub(crate) fn spec<I: JsonSchema, O: JsonSchema>(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    permission: Option<nba_auth::Permission>,
    (read_only, destructive, idempotent): (bool, bool, bool),
) -> ToolSpec {
    ToolSpec {
        name,
        title,
        description,
        input_schema: Arc::new(schema_of::<I>()),
        output_schema: Arc::new(output_schema_of::<O>()),
        read_only,
        destructive,
        idempotent,
        permission,
    }
}

/// All tools, in a stable order (from the one registry in `tools`).
pub fn tools() -> &'static [ToolSpec] {
    crate::tools::registry().specs()
}

pub fn tool(name: &str) -> Option<&'static ToolSpec> {
    tools().iter().find(|t| t.name == name)
}

#[cfg(test)]
mod portability_tests {
    use super::*;

    fn has_type_array(v: &Value) -> bool {
        match v {
            Value::Object(m) => {
                matches!(m.get("type"), Some(Value::Array(_))) || m.values().any(has_type_array)
            }
            Value::Array(a) => a.iter().any(has_type_array),
            _ => false,
        }
    }

    #[test]
    fn type_unions_become_single_type_any_of_branches() {
        let mut v = json!({"properties": {"x": {
            "type": ["integer", "null"], "format": "int64", "minimum": 0, "description": "d"
        }}});
        split_type_unions(&mut v);
        assert_eq!(
            v["properties"]["x"],
            json!({"description": "d", "anyOf": [
                {"type": "integer", "format": "int64", "minimum": 0}, {"type": "null"}
            ]})
        );
        for t in tools() {
            let (i, o) = (
                Value::Object((*t.input_schema).clone()),
                Value::Object((*t.output_schema).clone()),
            );
            assert!(!has_type_array(&i) && !has_type_array(&o), "{}", t.name);
        }
    }
}
