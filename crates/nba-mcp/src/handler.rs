//! The MCP handler: lists the catalog and forwards tool calls, resource reads and prompt
//! requests to `nba_app::App`, mapping `AppError` once. The same handler serves stdio and
//! Streamable HTTP, in the handshake era and in the stateless 2026-07-28 era.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use nba_app::prompts::PromptRole;
use nba_app::{App, AppError, INSTRUCTIONS, SERVER_NAME, SERVER_VERSION};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, CustomRequest,
    CustomResult, GetPromptRequestParams, GetPromptResponse, GetPromptResult, Implementation,
    ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, PromptMessage, ProtocolVersion, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, ResourceContents, Role, ServerCapabilities,
    ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{json, Value};

use crate::catalog::Catalog;
use crate::malformed;

/// Every protocol revision this server answers: the `initialize` handshake revisions and the
/// stateless 2026-07-28 revision (`server/discover`). Pinned rather than "whatever rmcp
/// knows", so an rmcp upgrade cannot silently claim a revision nobody tested.
pub const SUPPORTED_PROTOCOL_VERSIONS: &[ProtocolVersion] = &[
    ProtocolVersion::V_2024_11_05,
    ProtocolVersion::V_2025_03_26,
    ProtocolVersion::V_2025_06_18,
    ProtocolVersion::V_2025_11_25,
    ProtocolVersion::V_2026_07_28,
];

/// The MCP server over an `App`. Cheap to clone: Streamable HTTP builds one per request.
#[derive(Clone)]
pub struct NbaMcpServer {
    app: App,
    catalog: Arc<Catalog>,
}

impl NbaMcpServer {
    pub fn new(app: App) -> NbaMcpServer {
        let catalog = Arc::new(Catalog::new(app.tools()));
        NbaMcpServer { app, catalog }
    }

    fn unknown_tool(&self, name: &str) -> McpError {
        let available = self.catalog.tool_names();
        McpError::invalid_params(
            format!(
                "unknown tool '{name}'; available tools: {}",
                available.join(", ")
            ),
            Some(json!({ "tool": name, "available": available })),
        )
    }

    fn unknown_prompt(&self, name: &str) -> McpError {
        let available = self.catalog.prompt_names();
        McpError::invalid_params(
            format!(
                "unknown prompt '{name}'; available prompts: {}",
                available.join(", ")
            ),
            Some(json!({ "prompt": name, "available": available })),
        )
    }
}

/// A failed tool call as the model should see it: a result with `isError` and a message it
/// can act on. Internal details go to the log, never to the caller.
fn tool_error(tool: &str, error: &AppError) -> CallToolResult {
    if error.is_client_error() {
        tracing::debug!(tool, code = error.code(), error = %error, "tool call rejected");
    } else {
        tracing::error!(tool, code = error.code(), error = %error, "tool call failed");
    }
    CallToolResult::error(vec![ContentBlock::text(error.public_message())])
}

/// A failed `resources/read`: unknown URIs and missing data are "resource not found" (rmcp
/// turns that into invalid params for 2026-07-28 peers), bad parameters are invalid params.
fn resource_error(uri: &str, error: AppError) -> McpError {
    let data = Some(json!({ "uri": uri }));
    match error {
        AppError::UnknownName(message) | AppError::NotFound(message) => {
            McpError::resource_not_found(message, data)
        }
        AppError::InvalidArgument(message) | AppError::Ambiguous(message) => {
            McpError::invalid_params(message, data)
        }
        internal @ AppError::Internal(_) => {
            tracing::error!(uri, error = %internal, "resource read failed");
            McpError::internal_error(internal.public_message(), None)
        }
    }
}

fn prompt_error(name: &str, error: AppError) -> McpError {
    match error {
        internal @ AppError::Internal(_) => {
            tracing::error!(prompt = name, error = %internal, "prompt failed");
            McpError::internal_error(internal.public_message(), None)
        }
        client => {
            McpError::invalid_params(client.public_message(), Some(json!({ "prompt": name })))
        }
    }
}

impl ServerHandler for NbaMcpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new(SERVER_NAME, SERVER_VERSION).with_title("NBA MCP"))
        .with_instructions(INSTRUCTIONS)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(SUPPORTED_PROTOCOL_VERSIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.catalog.tools.clone()))
    }

    /// Lets the HTTP transport validate SEP-2243 `Mcp-Param-*` headers against the schema.
    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.catalog.tool(name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let name = request.name.as_ref();
        if self.catalog.tool(name).is_none() {
            return Err(self.unknown_tool(name));
        }
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let started = Instant::now();
        let outcome = self.app.call_tool(name, arguments).await;
        tracing::debug!(
            tool = name,
            ok = outcome.is_ok(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "tool call"
        );
        let result = match outcome {
            // Hosts that ignore structuredContent read the same JSON from the text item.
            Ok(value) => CallToolResult::structured(value),
            // The catalog said the tool exists; the app disagreeing is a routing error.
            Err(AppError::UnknownName(_)) => return Err(self.unknown_tool(name)),
            Err(error) => tool_error(name, &error),
        };
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(ListResourcesResult::with_all_items(
            self.catalog.resources.clone(),
        ))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(
            self.catalog.resource_templates.clone(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let content = self
            .app
            .read_resource(&request.uri)
            .await
            .map_err(|e| resource_error(&request.uri, e))?;
        let contents =
            ResourceContents::text(content.text, content.uri).with_mime_type(content.mime_type);
        Ok(ReadResourceResult::new(vec![contents]).into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(
            self.catalog.prompts.clone(),
        ))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let name = request.name.as_str();
        if !self.catalog.prompts.iter().any(|p| p.name == name) {
            return Err(self.unknown_prompt(name));
        }
        let arguments = request.arguments.unwrap_or_default();
        let output = self
            .app
            .get_prompt(name, &arguments)
            .await
            .map_err(|e| match e {
                AppError::UnknownName(_) => self.unknown_prompt(name),
                other => prompt_error(name, other),
            })?;
        let messages = output
            .messages
            .into_iter()
            .map(|m| {
                let role = match m.role {
                    PromptRole::User => Role::User,
                    PromptRole::Assistant => Role::Assistant,
                };
                PromptMessage::new_text(role, m.text)
            })
            .collect();
        Ok(GetPromptResult::new(messages)
            .with_description(output.description)
            .into())
    }

    /// Standard methods whose params did not parse arrive here (see `malformed`).
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        Err(malformed::error_for(
            &request.method,
            request.params.as_ref(),
        ))
    }
}
