//! What the MCP black-box tests share: a sandbox, a server on it, an rmcp client over an
//! in-process pipe, and a tool call that checks the result against the tool's output schema.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

pub mod cli;

use std::num::NonZeroU32;

use clio_mcp::clio::{ClioClient, RetryPolicy};
use clio_mcp::handler::{ClioMcpServer, ServerSettings};
use clio_mcp::sandbox::{Sandbox, SandboxOptions};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::Value;

/// A generous budget: these tests are about behaviour, not pacing.
pub const RATE: u32 = 60_000;

pub struct Harness<C: ClientHandler = ()> {
    pub client: RunningService<RoleClient, C>,
    pub sandbox: Sandbox,
    pub home: tempfile::TempDir,
}

/// A sandbox of `matters` matters and a server on it with `settings`, state in a temp dir.
pub async fn start(matters: u32, settings: ServerSettings) -> Harness {
    start_with(matters, settings, ()).await
}

/// As [`start`], with `handler` as the MCP client (one that answers forms, or counts progress).
pub async fn start_with<C: ClientHandler>(
    matters: u32,
    settings: ServerSettings,
    handler: C,
) -> Harness<C> {
    let sandbox = Sandbox::start(SandboxOptions {
        matters,
        rate_limit: RATE,
        ..Default::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = sandbox.clio_config(NonZeroU32::new(RATE).unwrap()).unwrap();
    let clio = ClioClient::new(&config, RetryPolicy::fast()).unwrap();
    let server = clio_mcp::server::build_with(clio, home.path(), settings)
        .await
        .unwrap();
    let (server_io, client_io) = tokio::io::duplex(1024 * 1024);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let client = handler.serve(client_io).await.unwrap();
    Harness {
        client,
        sandbox,
        home,
    }
}

/// Calls a tool; a structured result must satisfy the tool's advertised output schema.
pub async fn call<C: ClientHandler>(
    h: &Harness<C>,
    name: &'static str,
    args: Value,
) -> CallToolResult {
    let params = CallToolRequestParams::new(name).with_arguments(args.as_object().unwrap().clone());
    call_with(h, params).await
}

/// As [`call`], with the request's parameters (a progress token, say) built by the caller.
pub async fn call_with<C: ClientHandler>(
    h: &Harness<C>,
    params: CallToolRequestParams,
) -> CallToolResult {
    let name = params.name.to_string();
    let result = h.client.call_tool(params).await.unwrap();
    if let Some(content) = &result.structured_content {
        let tool = ClioMcpServer::tools()
            .into_iter()
            .find(|t| t.name == name)
            .unwrap();
        // Tools that answer as another one does declare no schema of their own: check theirs.
        let schema = match tool.output_schema {
            Some(s) => Value::Object(s.as_ref().clone()),
            None => {
                let like = match name.as_str() {
                    "apply_plan" | "cancel_job" => "job_status",
                    "propose_rollback" | "propose_normalization" => "get_plan",
                    other => panic!("{other} returns structured content but declares no schema"),
                };
                let tool = ClioMcpServer::tools()
                    .into_iter()
                    .find(|t| t.name == like)
                    .unwrap();
                Value::Object(tool.output_schema.unwrap().as_ref().clone())
            }
        };
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(content)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{name} output breaks its schema: {errors:#?}"
        );
    }
    result
}

/// The text of a tool error; fails when the result is not an error.
pub fn error_text(r: &CallToolResult) -> String {
    assert_eq!(
        r.is_error,
        Some(true),
        "expected an error: {:?}",
        r.structured_content
    );
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}
