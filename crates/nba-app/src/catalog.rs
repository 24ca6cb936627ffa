//! The tool catalog: name, description, JSON Schemas for input and output, and hints. Every
//! transport lists tools from here and calls them through `App::call_tool`.

use std::sync::{Arc, OnceLock};

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
    map
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
) -> ToolSpec {
    ToolSpec {
        name,
        title,
        description,
        input_schema: Arc::new(schema_of::<I>()),
        output_schema: Arc::new(output_schema_of::<O>()),
        read_only: true,
    }
}

/// All tools, in a stable order.
pub fn tools() -> &'static [ToolSpec] {
    static TOOLS: OnceLock<Vec<ToolSpec>> = OnceLock::new();
    TOOLS.get_or_init(crate::tools::specs)
}

pub fn tool(name: &str) -> Option<&'static ToolSpec> {
    tools().iter().find(|t| t.name == name)
}
