//! The real binary over stdio: `clio-mcp serve --sandbox` as a child process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};

#[tokio::test]
async fn serve_sandbox_over_stdio_initializes_lists_and_calls() {
    let home = tempfile::tempdir().unwrap();
    let cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_clio-mcp")).configure(|c| {
        c.args(["serve", "--sandbox"])
            .env("CLIO_MCP_HOME", home.path())
            .env_remove("CLIO_ACCESS_TOKEN");
    });
    let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();
    let info = client.peer_info().unwrap().server_info.clone().unwrap();
    assert_eq!(info.name, "clio-mcp");
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), clio_mcp::handler::ClioMcpServer::tools().len());
    let args = serde_json::json!({"limit": 3}).as_object().unwrap().clone();
    let r = client
        .call_tool(CallToolRequestParams::new("find_matters").with_arguments(args))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true));
    let rows = r.structured_content.unwrap()["matters"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rows, 3);
    client.cancel().await.unwrap();
    // Sandbox state stays apart from a real account's audit log.
    assert!(!home.path().join("audit").exists());
}

#[tokio::test]
async fn serve_without_a_token_is_a_clear_startup_error() {
    let home = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_clio-mcp"))
        .arg("serve")
        .env("CLIO_MCP_HOME", home.path())
        .env_remove("CLIO_ACCESS_TOKEN")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("CLIO_ACCESS_TOKEN"), "{stderr}");
    assert!(stderr.contains("--sandbox"), "{stderr}");
    assert!(out.stdout.is_empty(), "stdout belongs to the protocol");
}
