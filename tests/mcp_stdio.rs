//! The real binary over stdio: `clio-mcp serve --sandbox` as a child process, through an rmcp
//! client and through raw frames (bad ones included) written to its stdin.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

#[path = "common/signin.rs"]
mod signin;

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

/// `clio-mcp serve` on the Clio account at `base`, with no token in the environment and the
/// sign-in (if any) in the file store of `home`.
fn serve_unsigned(base: &str, home: &std::path::Path) -> tokio::process::Command {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_clio-mcp")).configure(|c| {
        c.arg("serve")
            .env("CLIO_MCP_HOME", home)
            .env("CLIO_BASE_URL", base)
            .env("CLIO_MCP_CREDENTIAL_STORE", "file")
            .env_remove("CLIO_ACCESS_TOKEN")
            .env_remove("CLIO_REFRESH_TOKEN")
            .env_remove("CLIO_REGION")
            .stderr(std::process::Stdio::null());
    })
}

fn tool_text(r: &rmcp::model::CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn serve_without_a_sign_in_starts_and_tools_say_to_run_auth_login() {
    let home = tempfile::tempdir().unwrap();
    // A loopback port nobody listens on: Clio is unreachable too.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/api/v4", closed.local_addr().unwrap());
    drop(closed);
    let cmd = serve_unsigned(&base, home.path());
    let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();
    let info = client.peer_info().unwrap().server_info.clone().unwrap();
    assert_eq!(info.name, "clio-mcp");
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), clio_mcp::handler::ClioMcpServer::tools().len());
    assert!(!client.list_all_prompts().await.unwrap().is_empty());
    for _ in 0..2 {
        let args = json!({"limit": 3}).as_object().unwrap().clone();
        let r = client
            .call_tool(CallToolRequestParams::new("find_matters").with_arguments(args))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true));
        let text = tool_text(&r);
        assert!(text.contains("not signed in to Clio"), "{text}");
        assert!(text.contains("clio-mcp auth login"), "{text}");
    }
    // An unknown tool is still the protocol's error, not the sign-in's.
    let unknown = client
        .call_tool(CallToolRequestParams::new("no_such_tool"))
        .await;
    assert!(unknown.is_err());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn serve_picks_up_a_sign_in_made_while_it_runs_on_the_next_call() {
    let sb = clio_mcp::sandbox::Sandbox::start(clio_mcp::sandbox::SandboxOptions {
        matters: 20,
        rate_limit: 10_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let cmd = serve_unsigned(&sb.base_url, home.path());
    let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();
    let call = || async {
        let args = json!({"limit": 3}).as_object().unwrap().clone();
        client
            .call_tool(CallToolRequestParams::new("find_matters").with_arguments(args))
            .await
            .unwrap()
    };
    let first = call().await;
    assert_eq!(first.is_error, Some(true));
    assert!(tool_text(&first).contains("clio-mcp auth login"));
    signin::sign_in(
        &sb.base_url,
        (sb.client_id.as_str(), sb.client_secret.as_str()),
        home.path(),
    )
    .await;
    let second = call().await;
    assert_ne!(second.is_error, Some(true), "{}", tool_text(&second));
    let rows = second.structured_content.unwrap()["matters"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rows, 3);
    client.cancel().await.unwrap();
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

#[tokio::test]
async fn error_answers_echo_no_hostile_method_and_no_serde_text() {
    let mut raw = Raw::start();
    raw.initialize().await;
    let method = format!("no/such\u{202E}\u{1B}[2J\u{E0075}{}", "m".repeat(10_000));
    let frame = json!({"jsonrpc": "2.0", "id": 30, "method": method, "params": {}});
    raw.send(frame.to_string().as_bytes()).await;
    let answer = raw.recv().await;
    expect_error(&answer, -32601, &json!(30), "a hostile unknown method");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("method not found: no/such[2Jm"),
        "{message}"
    );
    assert!(message.chars().count() <= 100, "{} chars", message.len());
    assert!(
        !message.chars().any(clio_mcp::text::is_hidden),
        "{message:?}"
    );
    for params in [
        json!({"name": 5}),
        json!({"name": {"deep": "`x`"}}),
        json!(5),
    ] {
        let frame = json!({"jsonrpc": "2.0", "id": 31, "method": "tools/call", "params": params});
        raw.send(frame.to_string().as_bytes()).await;
        let answer = raw.recv().await;
        expect_error(&answer, -32602, &json!(31), "tools/call with bad params");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("invalid params for tools/call: params"),
            "{message}"
        );
        for serde in [
            "expected",
            "struct",
            "invalid type",
            "`5`",
            "`x`",
            "Request",
        ] {
            assert!(!message.contains(serde), "{serde}: {message}");
        }
    }
    raw.ping(32).await;
}
