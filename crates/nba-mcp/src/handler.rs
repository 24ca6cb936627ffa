//! The MCP handler: lists the catalog and forwards tool calls, resource reads and prompt
//! requests to `nba_app::App`, mapping `AppError` once. The same handler serves stdio and
//! Streamable HTTP, in the handshake era and in the stateless 2026-07-28 era.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use nba_app::prompts::PromptRole;
use nba_app::{Answer, App, AppError, Caller, INSTRUCTIONS, SERVER_NAME, SERVER_VERSION};
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
///
/// Over stdio the caller is fixed when the process starts (from configuration, as the MCP
/// authorization spec says for stdio); over HTTP it is the one the HTTP guard authenticated
/// for each request, read from the request parts rmcp puts in the context.
#[derive(Clone)]
pub struct NbaMcpServer {
    app: App,
    catalog: Arc<Catalog>,
    stdio_caller: Option<Caller>,
}

impl NbaMcpServer {
    /// A server for HTTP: every request must carry a caller from the HTTP guard.
    pub fn new(app: App) -> NbaMcpServer {
        let catalog = Arc::new(Catalog::new(app.tools()));
        NbaMcpServer {
            app,
            catalog,
            stdio_caller: None,
        }
    }

    /// A server for one stdio session with a configured caller.
    pub fn for_stdio(app: App, caller: Caller) -> NbaMcpServer {
        NbaMcpServer {
            stdio_caller: Some(caller),
            ..NbaMcpServer::new(app)
        }
    }

    /// Who sent this request: the HTTP guard's caller (with this JSON-RPC request's own
    /// id for the audit log), else the stdio caller.
    fn caller(&self, context: &RequestContext<RoleServer>) -> Result<Caller, McpError> {
        let from_http = context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Caller>())
            .cloned();
        match (from_http, &self.stdio_caller) {
            (Some(c), _) => Ok(c),
            (None, Some(c)) => Ok(Caller {
                request_id: format!("{}#{}", c.request_id, context.id),
                ..c.clone()
            }),
            (None, None) => Err(McpError::invalid_request(
                "unauthenticated: this request carries no authenticated caller",
                None,
            )),
        }
    }

    /// The tools this caller may call (what `tools/list` shows).
    fn visible_tools(&self, caller: &Caller) -> Vec<Tool> {
        let allowed = self.app.tools_for(&caller.principal);
        self.catalog
            .tools
            .iter()
            .filter(|t| allowed.iter().any(|a| a.name == t.name.as_ref()))
            .cloned()
            .collect()
    }

    /// An unknown tool (or one the caller may not see): the error lists only the tools
    /// the caller may call, as `tools/list` does.
    fn unknown_tool(&self, name: &str, caller: &Caller) -> McpError {
        let visible = self.visible_tools(caller);
        let available: Vec<&str> = visible.iter().map(|t| t.name.as_ref()).collect();
        McpError::invalid_params(
            format!(
                "unknown tool '{name}'; available tools: {}",
                available.join(", ")
            ),
            Some(json!({ "tool": name, "available": available })),
        )
    }

    /// One `tools/call`, for rmcp's handler and for the transport's direct path alike: the
    /// answer, a failed call the model should see (`isError`), or a JSON-RPC error.
    pub(crate) async fn call(
        &self,
        caller: &Caller,
        name: &str,
        arguments: Value,
    ) -> Result<Called, McpError> {
        if self.catalog.tool(name).is_none() {
            return Err(self.unknown_tool(name, caller));
        }
        let started = Instant::now();
        let outcome = self.app.call_tool_answer(caller, name, arguments).await;
        tracing::debug!(
            tool = name,
            ok = outcome.is_ok(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "tool call"
        );
        match outcome {
            Ok(answer) => Ok(Called::Answer(answer)),
            // The catalog said the tool exists; the app disagreeing is a routing error.
            Err(AppError::UnknownName(_)) => Err(self.unknown_tool(name, caller)),
            Err(error) => Ok(Called::Failed(tool_error(name, &error))),
        }
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

/// What a `tools/call` came to, short of a JSON-RPC error.
pub(crate) enum Called {
    Answer(Answer),
    Failed(CallToolResult),
}

/// A failed tool call as the model should see it: a result with `isError` and a message it
/// can act on. Internal details go to the log, never to the caller.
fn tool_error(tool: &str, error: &AppError) -> CallToolResult {
    if error.is_client_error() {
        tracing::debug!(tool, code = error.code(), error = %error, "tool call rejected");
    } else {
        tracing::error!(tool, code = error.code(), error = %error, "tool call failed");
    }
    let message = match error.retry_after_s() {
        Some(s) => format!("{} (retry after {s} s)", error.public_message()),
        None => error.public_message(),
    };
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// Load, outage and deadline errors: a JSON-RPC error whose data carries the stable code and
/// the wait before a retry.
fn capacity_error(error: &AppError) -> McpError {
    let mut data = json!({ "code": error.code() });
    if let Some(s) = error.retry_after_s() {
        data["retry_after_s"] = json!(s);
    }
    McpError::internal_error(error.public_message(), Some(data))
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
        denied @ (AppError::Unauthenticated(_)
        | AppError::Forbidden { .. }
        | AppError::RateLimited { .. }
        | AppError::TooManyCalls { .. }) => access_error(&denied),
        load @ (AppError::Overloaded { .. }
        | AppError::Unavailable { .. }
        | AppError::Timeout(_)
        | AppError::TooLarge(_)) => capacity_error(&load),
    }
}

/// Denied by access control or the rate limit: a JSON-RPC error whose data carries the
/// stable code (and the permission or wait), so clients can tell it from bad parameters.
fn access_error(error: &AppError) -> McpError {
    let mut data = json!({ "code": error.code() });
    match error {
        AppError::Forbidden { permission, .. } => data["permission"] = json!(permission.as_str()),
        other => {
            if let Some(s) = other.retry_after_s() {
                data["retry_after_s"] = json!(s);
            }
        }
    }
    McpError::invalid_request(error.public_message(), Some(data))
}

fn prompt_error(name: &str, error: AppError) -> McpError {
    match error {
        denied @ (AppError::Unauthenticated(_)
        | AppError::Forbidden { .. }
        | AppError::RateLimited { .. }
        | AppError::TooManyCalls { .. }) => access_error(&denied),
        load @ (AppError::Overloaded { .. }
        | AppError::Unavailable { .. }
        | AppError::Timeout(_)
        | AppError::TooLarge(_)) => capacity_error(&load),
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
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let caller = self.caller(&context)?;
        Ok(ListToolsResult::with_all_items(self.visible_tools(&caller)))
    }

    /// Lets the HTTP transport validate SEP-2243 `Mcp-Param-*` headers against the schema.
    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.catalog.tool(name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let caller = self.caller(&context)?;
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let result = match self.call(&caller, &request.name, arguments).await? {
            // Hosts that ignore structuredContent read the same JSON from the text item.
            // The text is the encoded answer itself, not a second encoding of the value.
            Called::Answer(answer) => {
                let mut result = CallToolResult::structured(Value::Null);
                result.content = vec![ContentBlock::text(answer.text())];
                result.structured_content = Some(answer.to_value());
                result
            }
            Called::Failed(result) => result,
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
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let caller = self.caller(&context)?;
        let content = self
            .app
            .read_resource(&caller, &request.uri)
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
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let caller = self.caller(&context)?;
        let name = request.name.as_str();
        if !self.catalog.prompts.iter().any(|p| p.name == name) {
            return Err(self.unknown_prompt(name));
        }
        let arguments = request.arguments.unwrap_or_default();
        let output = self
            .app
            .get_prompt(&caller, name, &arguments)
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
