//! What `serve` logs (stderr, even at trace level): what happened, never a token or a value it read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clio_mcp::sandbox::seed::CLIENT_ADDRESS;
use clio_mcp::sandbox::{Sandbox, SandboxOptions};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::json;
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn trace_logs_name_no_token_and_no_value_read() {
    let sb = Sandbox::start(SandboxOptions {
        matters: 20,
        rate_limit: 10_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let id = sb
        .matter_ids()
        .into_iter()
        .find(|id| sb.value(*id, CLIENT_ADDRESS).is_some())
        .unwrap();
    let value = sb.value(id, CLIENT_ADDRESS).unwrap();
    let value = value.as_str().unwrap().to_string();
    let home = tempfile::tempdir().unwrap();
    let cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_clio-mcp")).configure(|c| {
        c.arg("serve")
            .env("CLIO_MCP_HOME", home.path())
            .env("CLIO_BASE_URL", &sb.base_url)
            .env("CLIO_ACCESS_TOKEN", &sb.access_token)
            .env("CLIO_MCP_CREDENTIAL_STORE", "file")
            .env("CLIO_MCP_LOG", "trace")
            .env_remove("CLIO_REFRESH_TOKEN")
            .env_remove("CLIO_REGION");
    });
    let (child, stderr) = TokioChildProcess::builder(cmd)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = stderr.unwrap();
    let logs = tokio::spawn(async move {
        let mut all = String::new();
        stderr.read_to_string(&mut all).await.unwrap();
        all
    });
    let client = ().serve(child).await.unwrap();
    let args = json!({"matter_ids": [id]}).as_object().unwrap().clone();
    let r = client
        .call_tool(CallToolRequestParams::new("read_matter_fields").with_arguments(args))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    // The value did reach the assistant: the check below looks for something real.
    assert!(r.structured_content.unwrap().to_string().contains(&value));
    client.cancel().await.unwrap();
    let logs = logs.await.unwrap();
    assert!(logs.contains("connected to Clio"), "{logs}");
    assert!(!logs.contains(&sb.access_token), "the token is in the log");
    let leak: Vec<&str> = logs.lines().filter(|l| l.contains(&value)).collect();
    assert!(leak.is_empty(), "a value is in the log: {leak:#?}");
}
