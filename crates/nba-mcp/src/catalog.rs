//! nba-app's tool, resource and prompt descriptions in rmcp's model types. Built once per
//! server and shared: Streamable HTTP makes a handler per request.

use nba_app::{prompts, resources, ToolSpec};
use rmcp::model::{Prompt, PromptArgument, Resource, ResourceTemplate, Tool, ToolAnnotations};

/// What the server lists, converted once.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub tools: Vec<Tool>,
    pub resources: Vec<Resource>,
    pub resource_templates: Vec<ResourceTemplate>,
    pub prompts: Vec<Prompt>,
}

impl Catalog {
    pub fn new(tools: &[ToolSpec]) -> Catalog {
        Catalog {
            tools: tools.iter().map(tool).collect(),
            resources: resources::resources()
                .into_iter()
                .map(|r| {
                    Resource::new(r.uri, r.name)
                        .with_title(r.title)
                        .with_description(r.description)
                        .with_mime_type(r.mime_type)
                })
                .collect(),
            resource_templates: resources::resource_templates()
                .into_iter()
                .map(|t| {
                    ResourceTemplate::new(t.uri_template, t.name)
                        .with_title(t.title)
                        .with_description(t.description)
                        .with_mime_type(t.mime_type)
                })
                .collect(),
            prompts: prompts::prompts()
                .into_iter()
                .map(|p| {
                    let arguments = p
                        .arguments
                        .iter()
                        .map(|a| {
                            PromptArgument::new(a.name)
                                .with_description(a.description)
                                .with_required(a.required)
                        })
                        .collect();
                    Prompt::new(p.name, Some(p.description), Some(arguments)).with_title(p.title)
                })
                .collect(),
        }
    }

    pub fn tool(&self, name: &str) -> Option<&Tool> {
        self.tools.iter().find(|t| t.name == name)
    }

    pub fn prompt_names(&self) -> Vec<&str> {
        self.prompts.iter().map(|p| p.name.as_str()).collect()
    }
}

/// Tools give the same answer for the same data and talk to nothing outside the server; all
/// but the admin's `revoke_api_key` and `backup_create` only read, and hosts use these hints
/// to auto-approve calls. Revoking is destructive (it cannot be undone); a backup only adds,
/// and each call makes a new one (not idempotent).
fn tool(spec: &ToolSpec) -> Tool {
    let annotations = ToolAnnotations::with_title(spec.title)
        .read_only(spec.read_only)
        .destructive(spec.destructive)
        .idempotent(spec.idempotent)
        .open_world(false);
    Tool::new(spec.name, spec.description, spec.input_schema.clone())
        .with_title(spec.title)
        .with_raw_output_schema(spec.output_schema.clone())
        .with_annotations(annotations)
}
