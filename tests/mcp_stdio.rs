//! The real binary over stdio: `clio-mcp serve --sandbox` as a child process, through an rmcp
//! client and through raw frames (bad ones included) written to its stdin.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

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

/// The binary over raw pipes: frames written to its stdin, answers read line by line.
struct Raw {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    stdout: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    _home: tempfile::TempDir,
}

impl Raw {
    fn start() -> Raw {
        let home = tempfile::tempdir().unwrap();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_clio-mcp"))
            .args(["serve", "--sandbox"])
            .env("CLIO_MCP_HOME", home.path())
            .env("CLIO_MCP_LOG", "debug")
            .env_remove("CLIO_ACCESS_TOKEN")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        Raw {
            child,
            stdin,
            stdout,
            _home: home,
        }
    }

    async fn send(&mut self, frame: &[u8]) {
        self.stdin.write_all(frame).await.unwrap();
        self.stdin.write_all(b"\n").await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// The next line on stdout, which must be one JSON-RPC message.
    async fn recv(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(30), self.stdout.next_line())
            .await
            .expect("no answer within 30 s")
            .unwrap()
            .expect("stdout closed");
        let message: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout carried a line that is not JSON ({e}): {line}"));
        assert_eq!(message["jsonrpc"], "2.0", "{line}");
        message
    }

    async fn initialize(&mut self) {
        self.send(
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                   "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                              "clientInfo": {"name": "raw", "version": "0"}}})
            .to_string()
            .as_bytes(),
        )
        .await;
        let answer = self.recv().await;
        assert_eq!(answer["id"], 0, "{answer}");
        assert_eq!(
            answer["result"]["serverInfo"]["name"], "clio-mcp",
            "{answer}"
        );
        self.send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
    }

    /// A ping answered next proves the session lives and nothing else was still queued.
    async fn ping(&mut self, id: u64) {
        self.send(
            json!({"jsonrpc": "2.0", "id": id, "method": "ping"})
                .to_string()
                .as_bytes(),
        )
        .await;
        let answer = self.recv().await;
        assert_eq!(answer["id"], id, "expected the ping's answer, got {answer}");
        assert!(answer.get("result").is_some(), "{answer}");
    }
}

fn expect_error(answer: &Value, code: i64, id: &Value, what: &str) {
    assert_eq!(answer["error"]["code"], code, "{what}: {answer}");
    assert_eq!(&answer["id"], id, "{what}: {answer}");
    assert!(
        answer.get("id").is_some(),
        "{what}: an error answer must carry an id member"
    );
    assert!(answer["error"]["message"].is_string(), "{what}: {answer}");
}

#[tokio::test]
async fn every_bad_frame_gets_one_jsonrpc_error_and_the_session_goes_on() {
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{{"name":"find_matters","arguments":{{"a":{}{}}}}}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let mut garbage = vec![b'#'; 5 * 1024 * 1024];
    garbage.splice(
        0..0,
        br#"{"jsonrpc":"2.0","id":"big","params":""#.iter().copied(),
    );
    let cases: Vec<(&str, Vec<u8>, i64, Value)> = vec![
        ("truncated JSON", br#"{"jsonrpc":"2.0","id":11,"method":"tools/li"#.to_vec(), -32700, json!(11)),
        ("trailing garbage", br#"{"jsonrpc":"2.0","id":12,"method":"ping"} xyz"#.to_vec(), -32700, json!(12)),
        ("invalid UTF-8", b"{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"ping\",\"params\":{\"x\":\"\xff\xfe\"}}".to_vec(), -32700, json!(13)),
        ("a lone surrogate", br#"{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":"\ud800"}}"#.to_vec(), -32700, json!(14)),
        ("two objects on one line", br#"{"jsonrpc":"2.0","id":15,"method":"ping"}{"jsonrpc":"2.0","id":16,"method":"ping"}"#.to_vec(), -32700, json!(15)),
        ("5 MB of garbage", garbage, -32700, json!("big")),
        ("not JSON at all", b"hello".to_vec(), -32700, Value::Null),
        ("nested deeper than 128", deep.into_bytes(), -32700, json!(17)),
        ("a batch", br#"[{"jsonrpc":"2.0","id":18,"method":"ping"}]"#.to_vec(), -32600, Value::Null),
        ("no method", br#"{"jsonrpc":"2.0","id":19}"#.to_vec(), -32600, json!(19)),
        ("an unknown method", br#"{"jsonrpc":"2.0","id":20,"method":"no/such","params":{}}"#.to_vec(), -32601, json!(20)),
        ("tools/call with a number for a name", br#"{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"name":5}}"#.to_vec(), -32602, json!(21)),
        ("tools/call without params", br#"{"jsonrpc":"2.0","id":"t","method":"tools/call"}"#.to_vec(), -32602, json!("t")),
        ("tools/call with params that are not an object", br#"{"jsonrpc":"2.0","id":22,"method":"tools/call","params":5}"#.to_vec(), -32602, json!(22)),
    ];
    let mut raw = Raw::start();
    raw.initialize().await;
    for (n, (what, frame, code, id)) in cases.into_iter().enumerate() {
        raw.send(&frame).await;
        let answer = raw.recv().await;
        expect_error(&answer, code, &id, what);
        if what == "5 MB of garbage" {
            let message = answer["error"]["message"].as_str().unwrap();
            assert!(message.contains("4 MiB"), "{message}");
        }
        raw.ping(1000 + n as u64).await;
    }
    raw.send(br#"{"jsonrpc":"2.0","id":99,"method":"tools/list"}"#)
        .await;
    let tools = raw.recv().await;
    assert_eq!(tools["id"], 99);
    assert_eq!(
        tools["result"]["tools"].as_array().unwrap().len(),
        clio_mcp::handler::ClioMcpServer::tools().len()
    );
    drop(raw.stdin);
    let status = tokio::time::timeout(Duration::from_secs(30), raw.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn garbage_before_initialize_is_answered_and_initialize_still_works() {
    let mut raw = Raw::start();
    raw.send(b"{not json").await;
    expect_error(&raw.recv().await, -32700, &Value::Null, "garbage first");
    raw.initialize().await;
    raw.ping(1).await;
}
