//! Read-only mode and toolsets through MCP: what is listed, what a call to a withheld tool is
//! answered, the `serve` flags and environment variables, and the README's sizes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clio_mcp::gate::Gate;
use clio_mcp::handler::ServerSettings;
use clio_mcp::tools::contract::toolset_table::tools_list_bytes;
use rmcp::ServiceExt;
use rmcp::model::{CallToolResult, ListToolsResult};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::{Value, json};

mod common;

use common::{Harness, call, error_text};

async fn start(gate: Gate) -> Harness {
    common::start(
        40,
        ServerSettings {
            gate,
            ..ServerSettings::default()
        },
    )
    .await
}

async fn listed(h: &Harness) -> ListToolsResult {
    h.client.list_tools(None).await.unwrap()
}

fn names(list: &ListToolsResult) -> Vec<String> {
    let mut names: Vec<String> = list.tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    names
}

fn ok(r: &CallToolResult) -> &Value {
    assert_ne!(r.is_error, Some(true), "tool error: {:?}", r.content);
    r.structured_content.as_ref().unwrap()
}

/// Every tool the server knows that a read-only server must withhold.
const WRITES: [&str; 3] = ["apply_custom_field", "apply_plan", "cancel_job"];

#[tokio::test]
async fn read_only_lists_no_write_tool_and_refuses_each_one_called_anyway() {
    let h = start(Gate::read_only()).await;
    let list = listed(&h).await;
    assert!(!list.tools.is_empty());
    for tool in &list.tools {
        let hint = tool.annotations.as_ref().and_then(|a| a.read_only_hint);
        assert_eq!(
            hint,
            Some(true),
            "{} is listed in read-only mode",
            tool.name
        );
    }
    for write in WRITES {
        assert!(!names(&list).contains(&write.to_string()), "{write} listed");
    }
    let instructions = h.client.peer_info().unwrap().instructions.clone().unwrap();
    assert!(instructions.contains("read-only mode"), "{instructions}");

    // A real plan, proposed read-only, with its real hash: applying it is still refused.
    let ids: Vec<u64> = h.sandbox.matter_ids().into_iter().take(5).collect();
    let plan = call(
        &h,
        "propose_normalization",
        json!({"fields": ["Client Address"], "rule": {"rule": "address"}, "matter_ids": ids}),
    )
    .await;
    let plan = ok(&plan).clone();
    let calls = [
        (
            "apply_plan",
            json!({"plan_id": plan["plan_id"], "content_hash": plan["content_hash"]}),
        ),
        (
            "apply_custom_field",
            json!({"matter_id": ids[0], "field": "Client Phone", "value": "312-555-0100"}),
        ),
        ("cancel_job", json!({"job_id": "job-1"})),
    ];
    for (name, args) in calls {
        let text = error_text(&call(&h, name, args).await);
        assert!(text.contains("read-only mode"), "{name}: {text}");
        assert!(text.contains("CLIO_MCP_READ_ONLY"), "{name}: {text}");
        assert!(text.contains("--read-only"), "{name}: {text}");
    }
    assert!(
        h.sandbox.write_log().is_empty(),
        "{:?}",
        h.sandbox.write_log()
    );
}

#[tokio::test]
async fn toolsets_filter_what_is_listed_and_what_can_be_called() {
    let h = start(Gate::parse(false, Some("read,audit")).unwrap()).await;
    assert_eq!(
        names(&listed(&h).await),
        [
            "audit_log",
            "find_matters",
            "list_custom_fields",
            "rate_limit_status",
            "read_matter_fields"
        ]
    );
    let found = call(&h, "find_matters", json!({"limit": 2})).await;
    assert_eq!(ok(&found)["matters"].as_array().unwrap().len(), 2);
    let text = error_text(&call(&h, "get_plan", json!({"plan_id": "p"})).await);
    assert!(text.contains("`normalize` toolset"), "{text}");
    assert!(text.contains("enabled: read,audit"), "{text}");
    assert!(text.contains("CLIO_MCP_TOOLSETS"), "{text}");
    let text = error_text(
        &call(
            &h,
            "apply_custom_field",
            json!({"matter_id": 1, "field": "Client Phone", "value": "x"}),
        )
        .await,
    );
    assert!(text.contains("`write` toolset"), "{text}");
    // A name that is no tool at all is still a protocol error, not a refusal.
    let params = rmcp::model::CallToolRequestParams::new("no_such_tool");
    assert!(h.client.call_tool(params).await.is_err());
    assert!(h.sandbox.write_log().is_empty());
}

#[tokio::test]
async fn read_only_with_only_the_write_toolset_lists_nothing_that_writes() {
    let h = start(Gate::parse(true, Some("write")).unwrap()).await;
    let list = listed(&h).await;
    assert_eq!(names(&list), ["job_status"]);
    let text = error_text(&call(&h, "cancel_job", json!({"job_id": "job-1"})).await);
    assert!(text.contains("read-only mode"), "read-only wins: {text}");
}

#[tokio::test]
async fn the_readme_sizes_are_what_tools_list_sends() {
    for gate in [
        Gate::default(),
        Gate::read_only(),
        Gate::parse(false, Some("normalize")).unwrap(),
    ] {
        let h = start(gate).await;
        let mut list = listed(&h).await;
        // The protocol version's cache fields are not part of the size the README gives.
        list.result_type = None;
        list.ttl_ms = None;
        list.cache_scope = None;
        let size = serde_json::to_string(&list).unwrap().len();
        let offered = clio_mcp::tools::contract::toolset_table::offered(gate);
        let offered_names: Vec<String> = offered.iter().map(|t| t.name.to_string()).collect();
        assert_eq!(names(&list), offered_names);
        assert_eq!(size, tools_list_bytes(offered).unwrap());
        assert!(size < 16 * 1024, "tools/list is {size} bytes");
    }
}

fn serve(home: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_clio-mcp"));
    cmd.args(["serve", "--sandbox"])
        .args(args)
        .env("CLIO_MCP_HOME", home)
        .env_remove("CLIO_MCP_READ_ONLY")
        .env_remove("CLIO_MCP_TOOLSETS")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn an_unknown_toolset_stops_serve_with_the_valid_names() {
    let home = tempfile::tempdir().unwrap();
    for (args, env) in [
        (vec!["--toolsets", "read,writes"], vec![]),
        (vec![], vec![("CLIO_MCP_TOOLSETS", "writes")]),
    ] {
        let out = serve(home.path(), &args, &env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(out.stdout.is_empty(), "stdout is the protocol's");
        for name in [
            "\"writes\"",
            "read",
            "normalize",
            "write",
            "documents",
            "audit",
        ] {
            assert!(stderr.contains(name), "{name}: {stderr}");
        }
    }
    // Nothing was started: no sandbox state was made.
    assert!(!home.path().join("sandbox").exists());
}

#[test]
fn serve_says_on_stderr_that_read_only_mode_is_on() {
    let home = tempfile::tempdir().unwrap();
    for (args, env) in [
        (vec!["--read-only"], vec![]),
        (vec![], vec![("CLIO_MCP_READ_ONLY", "1")]),
    ] {
        let out = serve(home.path(), &args, &env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("read-only mode is on"), "{stderr}");
    }
    let out = serve(home.path(), &[], &[("CLIO_MCP_READ_ONLY", "0")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("read-only"), "{stderr}");
}

#[tokio::test]
async fn the_environment_variables_gate_a_served_process() {
    let home = tempfile::tempdir().unwrap();
    let cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_clio-mcp")).configure(|c| {
        c.args(["serve", "--sandbox"])
            .env("CLIO_MCP_HOME", home.path())
            .env("CLIO_MCP_READ_ONLY", "1")
            .env("CLIO_MCP_TOOLSETS", "read,write")
            .env_remove("CLIO_ACCESS_TOKEN");
    });
    let (child, _) = TokioChildProcess::builder(cmd)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = ().serve(child).await.unwrap();
    let mut tools: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    tools.sort();
    assert_eq!(
        tools,
        [
            "find_matters",
            "job_status",
            "list_custom_fields",
            "rate_limit_status",
            "read_matter_fields"
        ]
    );
    let args = json!({"plan_id": "p", "content_hash": "h"});
    let r = client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("apply_plan")
                .with_arguments(args.as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(format!("{:?}", r.content).contains("read-only mode"));
    client.cancel().await.unwrap();
}

/// The sandbox account's journal of writes (one line per change Clio accepted).
fn journal(home: &std::path::Path) -> String {
    let path = clio_mcp::app::sandbox_account_dir(home).join("journal.jsonl");
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test]
async fn resume_jobs_is_refused_when_writes_are_off_and_no_unfinished_job_runs() {
    use common::cli::{clio, propose_addresses, text};
    let home = tempfile::tempdir().unwrap();
    let sb = clio_mcp::sandbox::Sandbox::start(clio_mcp::sandbox::SandboxOptions {
        matters: clio_mcp::app::SANDBOX_MATTERS,
        state_dir: Some(clio_mcp::app::sandbox_account_dir(home.path())),
        ..Default::default()
    })
    .await
    .unwrap();
    let forbidden = sb.forbidden_matters();
    let address = clio_mcp::sandbox::seed::CLIENT_ADDRESS;
    let ids: Vec<u64> = sb
        .matter_ids()
        .into_iter()
        .filter(|id| !forbidden.contains(id) && sb.value(*id, address).is_some())
        .take(4)
        .collect();
    sb.stop().await;
    let plan = propose_addresses(home.path(), &ids);
    let approved = clio(
        home.path(),
        &["plan", "--sandbox", "approve", &plan, "--yes"],
        &[],
    );
    assert!(approved.status.success(), "{}", text(&approved));
    // Killed right after its first write: an interrupted job waits to be resumed.
    let killed = clio(
        home.path(),
        &["jobs", "--sandbox", "run", &plan, "--yes"],
        &[("CLIO_MCP_CRASH_AT", "after-outcome:1")],
    );
    assert!(!killed.status.success(), "{}", text(&killed));
    let before = journal(home.path());
    for (args, env) in [
        (vec!["--read-only", "--resume-jobs"], vec![]),
        (vec!["--resume-jobs"], vec![("CLIO_MCP_READ_ONLY", "1")]),
        (
            vec!["--resume-jobs", "--toolsets", "read,normalize"],
            vec![],
        ),
        (vec!["--resume-jobs"], vec![("CLIO_MCP_TOOLSETS", "read")]),
    ] {
        let out = serve(home.path(), &args, &env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {stderr}");
        assert!(out.stdout.is_empty(), "stdout is the protocol's");
        for flag in ["--resume-jobs", "--read-only", "--toolsets"] {
            assert!(stderr.contains(flag), "{flag}: {stderr}");
        }
        assert!(!stderr.contains("resuming job"), "{stderr}");
    }
    assert_eq!(journal(home.path()), before, "no write reached the sandbox");
    let list = clio(home.path(), &["jobs", "--sandbox", "list", "--json"], &[]);
    let first = String::from_utf8_lossy(&list.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    let record: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(record["status"], "interrupted", "{record}");
}

async fn normalize_prompt(h: &Harness) -> String {
    let args = json!({"field": "Client Address"})
        .as_object()
        .unwrap()
        .clone();
    let got = h
        .client
        .get_prompt(
            rmcp::model::GetPromptRequestParams::new("normalize_field").with_arguments(args),
        )
        .await
        .unwrap();
    serde_json::to_string(&got).unwrap()
}

#[tokio::test]
async fn the_normalize_prompt_says_writes_are_off_when_apply_plan_is_withheld() {
    let all = start(Gate::default()).await;
    let shown = normalize_prompt(&all).await;
    assert!(shown.contains("call apply_plan"), "{shown}");
    assert!(!shown.contains("Writes are off"), "{shown}");
    for gate in [
        Gate::read_only(),
        Gate::parse(false, Some("read,normalize")).unwrap(),
    ] {
        let h = start(gate).await;
        let shown = normalize_prompt(&h).await;
        assert!(shown.contains("Writes are off"), "{gate:?}: {shown}");
        assert!(!shown.contains("call apply_plan"), "{gate:?}: {shown}");
        assert!(shown.contains("propose_normalization"), "{shown}");
    }
}
