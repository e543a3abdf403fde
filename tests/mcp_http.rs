//! Streamable HTTP over real sockets: initialize, exact Host/Origin checks, JSON-RPC errors for
//! bad bodies, body cap, bearer token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::num::NonZeroU32;

use clio_mcp::cli::serve::ServeOptions;
use clio_mcp::clio::{ClioClient, RetryPolicy};
use clio_mcp::http_security::{HttpSecurity, HttpSecurityError};
use clio_mcp::sandbox::{Sandbox, SandboxOptions};
use clio_mcp::server::http;
use rmcp::ServiceExt;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "test-token-0123456789abcdef0123456789";

struct Running {
    addr: SocketAddr,
    ct: CancellationToken,
    _sandbox: Sandbox,
    _home: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.ct.cancel();
    }
}

async fn start(security: HttpSecurity) -> Running {
    let sandbox = Sandbox::start(SandboxOptions {
        matters: 50,
        rate_limit: 6_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = sandbox
        .clio_config(NonZeroU32::new(6_000).unwrap())
        .unwrap();
    let clio = ClioClient::new(&config, RetryPolicy::fast()).unwrap();
    let server = clio_mcp::server::build(clio, home.path()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let ct = CancellationToken::new();
    let task_ct = ct.clone();
    tokio::spawn(async move { http::serve(listener, server, &security, task_ct).await });
    Running {
        addr,
        ct,
        _sandbox: sandbox,
        _home: home,
    }
}

fn initialize_body() -> String {
    serde_json::json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "raw", "version": "0"}}
    })
    .to_string()
}

async fn post(addr: SocketAddr, headers: &[(&str, &str)], body: String) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(format!("http://{addr}/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn an_rmcp_client_initializes_and_calls_over_http() {
    let r = start(HttpSecurity::default()).await;
    let transport = StreamableHttpClientTransport::from_uri(format!("http://{}/mcp", r.addr));
    let client = ().serve(transport).await.unwrap();
    let info = client.peer_info().unwrap().server_info.clone().unwrap();
    assert_eq!(info.name, "clio-mcp");
    assert_eq!(
        client.list_all_tools().await.unwrap().len(),
        clio_mcp::handler::ClioMcpServer::tools().len()
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_servers_own_origins_are_accepted() {
    let r = start(HttpSecurity::default()).await;
    let port = r.addr.port();
    for origin in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
        format!("http://[::1]:{port}"),
        format!("HTTP://LocalHost:{port}"),
    ] {
        let resp = post(r.addr, &[("origin", &origin)], initialize_body()).await;
        assert_eq!(resp.status(), 200, "{origin}");
    }
}

/// A 403 with a short plain reason, nothing else.
async fn assert_refused(resp: reqwest::Response, what: &str) {
    assert_eq!(resp.status(), 403, "{what}");
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(
        content_type.starts_with("text/plain"),
        "{what}: {content_type}"
    );
    let body = resp.text().await.unwrap();
    assert!(
        body.starts_with("Forbidden: ") && body.len() < 80,
        "{what}: {body}"
    );
}

#[tokio::test]
async fn a_page_on_another_local_port_or_scheme_is_refused() {
    let r = start(HttpSecurity::default()).await;
    let port = r.addr.port();
    for origin in [
        "http://127.0.0.1:1".to_string(),
        "http://localhost:3000".to_string(),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        format!("http://localhost:{}", port.wrapping_sub(1)),
        format!("https://127.0.0.1:{port}"),
        format!("ws://127.0.0.1:{port}"),
        "http://127.0.0.1".to_string(),
        format!("http://127.0.0.1:{port}.evil.example"),
        format!("http://127.0.0.1:{port}/mcp"),
        format!("http://evil@127.0.0.1:{port}"),
        "null".to_string(),
        "".to_string(),
    ] {
        let resp = post(r.addr, &[("origin", &origin)], initialize_body()).await;
        assert_refused(resp, &origin).await;
    }
    let own = format!("http://127.0.0.1:{port}");
    let two = post(
        r.addr,
        &[("origin", &own), ("origin", "http://127.0.0.1:1")],
        initialize_body(),
    )
    .await;
    assert_refused(two, "two Origin headers").await;
}

#[tokio::test]
async fn a_host_header_must_name_an_allowed_host_with_the_bound_port() {
    let r = start(HttpSecurity::default()).await;
    let port = r.addr.port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        format!("LOCALHOST:{port}"),
    ] {
        let resp = post(r.addr, &[("host", &host)], initialize_body()).await;
        assert_eq!(resp.status(), 200, "{host}");
    }
    for host in [
        format!("127.0.0.1:{port}.evil.example"),
        format!("127.0.0.1:{port}@evil.example"),
        format!("evil.example:{port}"),
        format!("localhost.:{port}"),
        format!("127.0.0.1:0{port}"),
        format!("127.0.0.1:{port}:{port}"),
        "127.0.0.1:1".to_string(),
        format!("localhost:{}", port.wrapping_add(1)),
        // No port means port 80, which this server is not on.
        "localhost".to_string(),
        "127.0.0.1".to_string(),
    ] {
        let resp = post(r.addr, &[("host", &host)], initialize_body()).await;
        assert_refused(resp, &host).await;
    }
}

#[tokio::test]
async fn allow_host_and_allow_origin_entries_match_exactly() {
    let r = start(HttpSecurity {
        extra_hosts: vec!["mcp.example.com".into(), "proxy.example:8443".into()],
        extra_origins: vec![
            "http://localhost:3000".into(),
            "https://app.example.com".into(),
        ],
        ..Default::default()
    })
    .await;
    let port = r.addr.port();
    let hosts = [
        // A bare --allow-host name: the bound port, or no port (a proxy forwarding it).
        ("mcp.example.com".to_string(), 200),
        (format!("mcp.example.com:{port}"), 200),
        ("mcp.example.com:1".to_string(), 403),
        ("sub.mcp.example.com".to_string(), 403),
        // name:port: that port only; no port means 80 or 443, and 8443 is neither.
        ("proxy.example:8443".to_string(), 200),
        ("proxy.example".to_string(), 403),
        (format!("proxy.example:{port}"), 403),
    ];
    for (host, status) in hosts {
        let resp = post(r.addr, &[("host", &host)], initialize_body()).await;
        assert_eq!(resp.status(), status, "Host: {host}");
    }
    let origins = [
        ("http://localhost:3000", 200),
        ("http://localhost:3001", 403),
        ("https://localhost:3000", 403),
        ("https://app.example.com", 200),
        ("https://app.example.com:443", 200),
        ("https://app.example.com:8443", 403),
        ("http://app.example.com", 403),
    ];
    for (origin, status) in origins {
        let resp = post(r.addr, &[("origin", origin)], initialize_body()).await;
        assert_eq!(resp.status(), status, "Origin: {origin}");
    }
}

#[tokio::test]
async fn a_foreign_host_header_is_refused() {
    let r = start(HttpSecurity::default()).await;
    let resp = post(r.addr, &[("host", "evil.example.com")], initialize_body()).await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn a_foreign_origin_is_refused() {
    let r = start(HttpSecurity::default()).await;
    let resp = post(
        r.addr,
        &[("origin", "https://evil.example.com")],
        initialize_body(),
    )
    .await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn an_oversize_body_is_refused() {
    let r = start(HttpSecurity::default()).await;
    let big = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let resp = post(r.addr, &[], big).await;
    assert_eq!(resp.status(), 413);
}

#[tokio::test]
async fn a_remote_bind_is_refused_without_allow_remote_and_token() {
    let remote: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let err = clio_mcp::cli::serve::run(ServeOptions {
        http: Some(remote),
        sandbox: true,
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("not a loopback address"), "{err}");
    let flag_only = HttpSecurity {
        allow_remote: true,
        ..Default::default()
    };
    assert_eq!(
        flag_only.check_bind(remote),
        Err(HttpSecurityError::RemoteNeedsToken { addr: remote })
    );
    let err = clio_mcp::cli::serve::run(ServeOptions {
        http: Some(remote),
        sandbox: true,
        security: flag_only,
        home: None,
        resume_jobs: false,
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("CLIO_MCP_HTTP_TOKEN"), "{err}");
}

#[tokio::test]
async fn with_a_token_a_missing_or_wrong_bearer_is_refused() {
    let r = start(HttpSecurity {
        bearer_token: Some(SecretString::from(TOKEN)),
        ..Default::default()
    })
    .await;
    let resp = post(r.addr, &[], initialize_body()).await;
    assert_eq!(resp.status(), 401);
    // The body of a request without the token is not even read.
    let resp = post(r.addr, &[], "{nope".to_string()).await;
    assert_eq!(resp.status(), 401);
    let resp = post(
        r.addr,
        &[(
            "authorization",
            "Bearer wrong-token-0123456789abcdef0123456789",
        )],
        initialize_body(),
    )
    .await;
    assert_eq!(resp.status(), 401);
    let bearer = format!("Bearer {TOKEN}");
    let resp = post(
        r.addr,
        &[("authorization", bearer.as_str())],
        initialize_body(),
    )
    .await;
    assert_eq!(resp.status(), 200);

    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("http://{}/mcp", r.addr))
            .auth_header(TOKEN),
    );
    let client = ().serve(transport).await.unwrap();
    assert_eq!(
        client.list_all_tools().await.unwrap().len(),
        clio_mcp::handler::ClioMcpServer::tools().len()
    );
    client.cancel().await.unwrap();
}

/// A 400 whose JSON body is a JSON-RPC error with `code` and `id`.
async fn assert_jsonrpc_error(resp: reqwest::Response, code: i64, id: Value, what: &str) {
    assert_eq!(resp.status(), 400, "{what}");
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert_eq!(content_type, "application/json", "{what}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["jsonrpc"], "2.0", "{what}: {body}");
    assert_eq!(body["id"], id, "{what}: {body}");
    assert!(body.get("id").is_some(), "{what}: {body}");
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(!message.contains("deserialize"), "{what}: {message}");
}

#[tokio::test]
async fn malformed_bodies_get_400_with_a_jsonrpc_error() {
    let r = start(HttpSecurity::default()).await;
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":3,"method":"ping","params":{{"a":{}{}}}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let cases: Vec<(&str, String, i64, Value)> = vec![
        ("invalid JSON", "{nope".into(), -32700, Value::Null),
        ("an empty body", String::new(), -32700, Value::Null),
        (
            "truncated JSON",
            r#"{"jsonrpc":"2.0","id":7,"method":"initi"#.into(),
            -32700,
            json!(7),
        ),
        (
            "trailing garbage",
            r#"{"jsonrpc":"2.0","id":8,"method":"ping"} x"#.into(),
            -32700,
            json!(8),
        ),
        ("nested deeper than 128", deep, -32700, json!(3)),
        (
            "a batch",
            format!("[{}]", initialize_body()),
            -32600,
            Value::Null,
        ),
        ("not an object", "5".into(), -32600, Value::Null),
        (
            "an unknown shape",
            r#"{"foo":1}"#.into(),
            -32600,
            Value::Null,
        ),
    ];
    for (what, body, code, id) in cases {
        let resp = post(r.addr, &[], body).await;
        assert_jsonrpc_error(resp, code, id, what).await;
    }
}

/// Sends raw bytes and returns the status line; reads while writing, so a server that
/// answers before the body ends is still heard.
async fn raw_status(addr: SocketAddr, head: String, body: Vec<u8>) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    tokio::spawn(async move {
        let _ = write.write_all(head.as_bytes()).await;
        let _ = write.write_all(&body).await;
    });
    let mut line = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        tokio::io::BufReader::new(read).read_line(&mut line),
    )
    .await
    .unwrap()
    .unwrap();
    line
}

fn chunked_head(addr: SocketAddr) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n"
    )
}

#[tokio::test]
async fn a_malformed_chunked_body_gets_400_not_500() {
    let r = start(HttpSecurity::default()).await;
    let status = raw_status(
        r.addr,
        chunked_head(r.addr),
        b"zz\r\n{}\r\n0\r\n\r\n".to_vec(),
    )
    .await;
    assert!(status.starts_with("HTTP/1.1 400"), "{status}");
    // A well-formed chunked initialize still works.
    let body = initialize_body();
    let chunked = format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len());
    let status = raw_status(r.addr, chunked_head(r.addr), chunked.into_bytes()).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
}

#[tokio::test]
async fn an_oversize_chunked_body_is_refused_with_413() {
    let r = start(HttpSecurity::default()).await;
    let chunk = vec![b' '; 64 * 1024];
    let mut body = Vec::new();
    for _ in 0..32 {
        body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend_from_slice(&chunk);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let status = raw_status(r.addr, chunked_head(r.addr), body).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
}

#[tokio::test]
async fn a_malformed_tools_call_is_invalid_params_over_http() {
    let r = start(HttpSecurity::default()).await;
    let resp = post(r.addr, &[], initialize_body()).await;
    assert_eq!(resp.status(), 200);
    let session = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    let session = [("mcp-session-id", session.as_str())];
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let resp = post(r.addr, &session, initialized.to_string()).await;
    assert_eq!(resp.status(), 202);
    let call = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": 5}});
    let text = post(r.addr, &session, call.to_string())
        .await
        .text()
        .await
        .unwrap();
    let answer: Value = text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .find_map(|d| serde_json::from_str(d.trim()).ok())
        .unwrap_or_else(|| panic!("no JSON-RPC answer in {text}"));
    assert_eq!(answer["id"], 5, "{answer}");
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
}

#[tokio::test]
async fn serve_over_http_without_a_sign_in_starts_and_tools_say_to_run_auth_login() {
    use tokio::io::AsyncBufReadExt;
    let home = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_clio-mcp"))
        .args(["serve", "--http", "127.0.0.1:0"])
        .env("CLIO_MCP_HOME", home.path())
        .env("CLIO_BASE_URL", "http://127.0.0.1:9/api/v4")
        .env("CLIO_MCP_CREDENTIAL_STORE", "file")
        .env_remove("CLIO_ACCESS_TOKEN")
        .env_remove("CLIO_REGION")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let url = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("clio-mcp: serving MCP on ") {
                return rest.split_whitespace().next().unwrap().to_string();
            }
        }
        panic!("serve --http ended without serving");
    })
    .await
    .unwrap();
    let client = ().serve(StreamableHttpClientTransport::from_uri(url)).await.unwrap();
    assert_eq!(
        client.list_all_tools().await.unwrap().len(),
        clio_mcp::handler::ClioMcpServer::tools().len()
    );
    let r = client
        .call_tool(rmcp::model::CallToolRequestParams::new(
            "list_custom_fields",
        ))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let text: String = r
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect();
    assert!(text.contains("clio-mcp auth login"), "{text}");
    client.cancel().await.unwrap();
    child.kill().await.unwrap();
}
