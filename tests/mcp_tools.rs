//! The MCP tools end to end: an rmcp client over an in-process pipe, the server on a sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use clio_mcp::handler::{ClioMcpServer, ServerSettings};
use rmcp::model::{CallToolResult, GetPromptRequestParams};
use serde_json::{Value, json};

mod common;

use common::{Harness, call};

async fn start() -> Harness {
    common::start(300, ServerSettings::default()).await
}

fn structured(r: &CallToolResult) -> &Value {
    assert_ne!(r.is_error, Some(true), "tool error: {:?}", r.content);
    r.structured_content.as_ref().expect("structured content")
}

fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn wire_size(r: &CallToolResult) -> usize {
    serde_json::to_string(r).unwrap().len()
}

fn audit_text(h: &Harness) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(h.home.path().join("audit")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            all.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    all
}

#[tokio::test]
async fn every_tool_declares_all_four_hints_and_an_output_schema() {
    for tool in ClioMcpServer::tools() {
        let a = tool
            .annotations
            .clone()
            .unwrap_or_else(|| panic!("{} has no annotations", tool.name));
        assert!(a.read_only_hint.is_some(), "{}: read_only_hint", tool.name);
        assert!(
            a.destructive_hint.is_some(),
            "{}: destructive_hint",
            tool.name
        );
        assert!(
            a.idempotent_hint.is_some(),
            "{}: idempotent_hint",
            tool.name
        );
        assert!(
            a.open_world_hint.is_some(),
            "{}: open_world_hint",
            tool.name
        );
        // The tools that answer as another one does (checked by the call harness) need none.
        let answers_as_another = [
            "apply_plan",
            "cancel_job",
            "propose_normalization",
            "propose_rollback",
        ];
        assert!(
            tool.output_schema.is_some() || answers_as_another.contains(&tool.name.as_ref()),
            "{}: output schema",
            tool.name
        );
        assert!(tool.title.is_some(), "{}: title", tool.name);
        // Exactly these change Clio; the ones that write values are marked destructive.
        let writes = [
            "apply_custom_field",
            "apply_plan",
            "cancel_job",
            "upload_document",
        ];
        let is_write = writes.contains(&tool.name.as_ref());
        assert_eq!(a.read_only_hint, Some(!is_write), "{}", tool.name);
        assert_eq!(
            a.destructive_hint,
            Some(matches!(
                tool.name.as_ref(),
                "apply_custom_field" | "apply_plan"
            )),
            "{}",
            tool.name
        );
    }
}

#[tokio::test]
async fn lists_every_tool_under_sixteen_kilobytes_with_clio_mcp_server_info() {
    let h = start().await;
    let info = h.client.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().unwrap().name, "clio-mcp");
    assert_eq!(
        info.server_info.as_ref().unwrap().version,
        env!("CARGO_PKG_VERSION")
    );
    let instructions = info.instructions.as_deref().unwrap();
    for needle in [
        "apply_plan",
        "content_hash",
        "clio-mcp plan approve",
        "data, never",
        "`sanitized` note",
    ] {
        assert!(instructions.contains(needle), "{needle}: {instructions}");
    }
    let listed = h.client.list_tools(None).await.unwrap();
    let mut names: Vec<String> = listed.tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "apply_custom_field",
            "apply_plan",
            "audit_log",
            "cancel_job",
            "find_matters",
            "get_plan",
            "job_status",
            "list_custom_fields",
            "list_documents",
            "propose_normalization",
            "propose_rollback",
            "rate_limit_status",
            "read_matter_fields",
            "upload_document"
        ]
    );
    let size = serde_json::to_string(&listed).unwrap().len();
    assert!(size < 16 * 1024, "tools/list is {size} bytes");
}

#[tokio::test]
async fn list_custom_fields_groups_by_type_with_advice_and_deleted_options() {
    let h = start().await;
    let r = call(&h, "list_custom_fields", json!({})).await;
    assert!(wire_size(&r) < 8 * 1024, "{} bytes", wire_size(&r));
    let out = structured(&r);
    assert_eq!(out["total_fields"], 20);
    let groups = out["groups"].as_array().unwrap();
    let picklist = groups
        .iter()
        .find(|g| g["field_type"] == "picklist")
        .unwrap();
    assert!(
        picklist["write_advice"]
            .as_str()
            .unwrap()
            .contains("option")
    );
    let practice = picklist["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Practice Area")
        .unwrap();
    assert_eq!(practice["required"], true);
    let options = practice["options"].as_array().unwrap();
    assert_eq!(options.len(), 7);
    assert_eq!(options.iter().filter(|o| o["deleted"] == true).count(), 1);
    assert!(
        groups
            .iter()
            .flat_map(|g| g["fields"].as_array().unwrap())
            .any(|f| f["deleted"] == true)
    );
    assert!(text(&r).contains("picklist"));

    // Paged: two fields a page.
    let first = call(&h, "list_custom_fields", json!({"limit": 2})).await;
    let cursor = structured(&first)["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    let second = call(
        &h,
        "list_custom_fields",
        json!({"limit": 2, "cursor": cursor}),
    )
    .await;
    assert!(!structured(&second)["groups"].as_array().unwrap().is_empty());
    let bad = call(&h, "list_custom_fields", json!({"cursor": "abc"})).await;
    assert_eq!(bad.is_error, Some(true));
}

#[tokio::test]
async fn find_matters_pages_with_an_opaque_cursor_under_eight_kilobytes() {
    let h = start().await;
    let r = call(&h, "find_matters", json!({})).await;
    assert!(wire_size(&r) < 8 * 1024, "{} bytes", wire_size(&r));
    let out = structured(&r);
    let rows = out["matters"].as_array().unwrap();
    assert_eq!(rows.len(), 25);
    for key in [
        "id",
        "display_number",
        "description",
        "status",
        "updated_at",
    ] {
        assert!(rows[0].get(key).is_some(), "row lacks {key}");
    }
    let cursor = out["next_cursor"].as_str().unwrap().to_string();
    assert!(
        !cursor.contains("http"),
        "cursor should be opaque: {cursor}"
    );
    let next = call(&h, "find_matters", json!({"cursor": cursor})).await;
    let next_rows = structured(&next)["matters"].as_array().unwrap().clone();
    assert_eq!(next_rows.len(), 25);
    assert_ne!(next_rows[0]["id"], rows[0]["id"]);

    let by_ids = call(
        &h,
        "find_matters",
        json!({"ids": [rows[0]["id"], rows[1]["id"]]}),
    )
    .await;
    assert_eq!(structured(&by_ids)["matters"].as_array().unwrap().len(), 2);
    // An explicit null is taken as "not given", although the schema only says "string".
    let nulls = call(
        &h,
        "find_matters",
        json!({"query": null, "status": null, "limit": 2}),
    )
    .await;
    assert_eq!(structured(&nulls)["matters"].as_array().unwrap().len(), 2);
    let closed = call(&h, "find_matters", json!({"status": "closed", "limit": 5})).await;
    for m in structured(&closed)["matters"].as_array().unwrap() {
        assert_eq!(m["status"], "Closed");
    }
}

#[tokio::test]
async fn find_matters_refuses_bogus_and_foreign_cursors_and_bad_arguments() {
    let h = start().await;
    let bogus = call(&h, "find_matters", json!({"cursor": "not-a-cursor!!"})).await;
    assert_eq!(bogus.is_error, Some(true));
    assert!(text(&bogus).contains("next_cursor"));
    let foreign = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode("https://evil.example/api/v4/matters.json?page_token=x");
    let r = call(&h, "find_matters", json!({"cursor": foreign})).await;
    assert_eq!(r.is_error, Some(true));
    let r = call(&h, "find_matters", json!({"updated_since": "last tuesday"})).await;
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("ISO 8601"));
    let r = call(&h, "find_matters", json!({"status": "archived"})).await;
    assert_eq!(r.is_error, Some(true));
    let r = call(&h, "find_matters", json!({"limit": "many"})).await;
    assert_eq!(r.is_error, Some(true));
    let r = call(&h, "find_matters", json!({"bogus_field": 1})).await;
    assert_eq!(r.is_error, Some(true));
}

#[tokio::test]
async fn read_matter_fields_resolves_values_reports_forbidden_per_matter_and_audits() {
    let h = start().await;
    let forbidden = h.sandbox.forbidden_matters()[0];
    let page = call(&h, "find_matters", json!({"limit": 3})).await;
    let ok_id = structured(&page)["matters"][0]["id"].as_u64().unwrap();
    let r = call(
        &h,
        "read_matter_fields",
        json!({"matter_ids": [ok_id, forbidden, 999_999_999]}),
    )
    .await;
    let matters = structured(&r)["matters"].as_array().unwrap().clone();
    assert_eq!(matters.len(), 3);
    assert_eq!(matters[0]["matter_id"], ok_id);
    assert!(matters[0].get("error").is_none());
    let fields = matters[0]["fields"].as_array().unwrap();
    assert!(!fields.is_empty());
    for f in fields {
        assert!(f["definition_id"].is_u64(), "{f}");
        // No value-instance id means the field has no value on this matter yet.
        assert!(f["value_id"].is_string() || f["value"].is_null(), "{f}");
        assert!(f["name"].is_string(), "{f}");
    }
    if let Some(p) = fields
        .iter()
        .find(|f| f["field_type"] == "picklist" && !f["value"].is_null())
    {
        assert!(p["picklist_label"].is_string(), "{p}");
    }
    let denied = matters[1]["error"].as_str().unwrap();
    assert!(
        denied.contains("403") && denied.contains("permission"),
        "{denied}"
    );
    assert!(matters[2]["error"].as_str().unwrap().contains("404"));

    // Twenty matters cost one list request, not twenty reads.
    let before = h.sandbox.stats().by_endpoint.clone();
    let twenty: Vec<u64> = h
        .sandbox
        .matter_ids()
        .into_iter()
        .filter(|id| !h.sandbox.forbidden_matters().contains(id))
        .take(20)
        .collect();
    let r = call(&h, "read_matter_fields", json!({"matter_ids": twenty})).await;
    assert_eq!(structured(&r)["matters"].as_array().unwrap().len(), 20);
    let after = h.sandbox.stats().by_endpoint.clone();
    let spent = |name: &str| after.get(name).unwrap_or(&0) - before.get(name).unwrap_or(&0);
    assert_eq!(spent("GET /matters"), 1, "{after:?}");
    assert_eq!(spent("GET /matters/{id}"), 0, "{after:?}");

    // Field filter by name and by definition id.
    let def_id = fields[0]["definition_id"].as_u64().unwrap();
    let name = fields[0]["name"].as_str().unwrap().to_lowercase();
    let r = call(
        &h,
        "read_matter_fields",
        json!({"matter_ids": [ok_id], "fields": [name]}),
    )
    .await;
    assert_eq!(
        structured(&r)["matters"][0]["fields"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = call(
        &h,
        "read_matter_fields",
        json!({"matter_ids": [ok_id], "fields": [def_id.to_string()]}),
    )
    .await;
    assert_eq!(
        structured(&r)["matters"][0]["fields"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The audit log records the reads (matters and field names), not values, never a token.
    let log = audit_text(&h);
    let reads: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["action"] == "read")
        .collect();
    assert_eq!(reads.len(), 4, "one per call that read something");
    assert_eq!(reads[0]["read_matters"], json!([ok_id]));
    assert_eq!(reads[0]["tool"], "read_matter_fields");
    assert!(!reads[0]["read_fields"].as_array().unwrap().is_empty());
    for secret in [
        &h.sandbox.access_token,
        &h.sandbox.refresh_token,
        &h.sandbox.client_secret,
    ] {
        assert!(
            !log.contains(secret.as_str()),
            "a secret reached the audit log"
        );
    }
    let some_value = fields
        .iter()
        .find_map(|f| f["value"].as_str().filter(|v| v.len() > 6))
        .map(str::to_string);
    if let Some(v) = some_value {
        assert!(!log.contains(&v), "a value reached the audit log: {v}");
    }
}

#[tokio::test]
async fn read_matter_fields_refuses_empty_or_oversized_batches_and_bad_arguments() {
    let h = start().await;
    let r = call(&h, "read_matter_fields", json!({"matter_ids": []})).await;
    assert_eq!(r.is_error, Some(true));
    let many: Vec<u64> = (1..=21).collect();
    let r = call(&h, "read_matter_fields", json!({"matter_ids": many})).await;
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("at most 20"));
    let r = call(&h, "read_matter_fields", json!({})).await;
    assert_eq!(r.is_error, Some(true));
    let r = call(&h, "read_matter_fields", json!({"matter_ids": ["x"]})).await;
    assert_eq!(r.is_error, Some(true));
    assert!(!h.home.path().join("audit").exists() || !audit_text(&h).contains("\"read\""));
}

#[tokio::test]
async fn rate_limit_status_reports_limiter_and_counters() {
    let h = start().await;
    call(&h, "find_matters", json!({"limit": 1})).await;
    let r = call(&h, "rate_limit_status", json!({})).await;
    let out = structured(&r);
    assert_eq!(out["limiter"]["ceiling_per_minute"], common::RATE);
    assert!(out["metrics"]["total_requests"].as_u64().unwrap() >= 2);
    assert!(out["metrics"].get("rate_limited").is_some());
    assert!(out["metrics"].get("retries").is_some());
    assert!(out["metrics"].get("waited_ms").is_some());
    assert!(text(&r).contains("requests"));
}

#[tokio::test]
async fn audit_log_filters_and_pages_reads() {
    let h = start().await;
    let page = call(&h, "find_matters", json!({"limit": 3})).await;
    let ids: Vec<u64> = structured(&page)["matters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect();
    for id in &ids {
        call(&h, "read_matter_fields", json!({"matter_ids": [id]})).await;
    }
    let r = call(&h, "audit_log", json!({"action": "read", "limit": 2})).await;
    let out = structured(&r);
    assert_eq!(out["entries"].as_array().unwrap().len(), 2);
    let cursor = out["next_cursor"].as_str().unwrap().to_string();
    let r = call(&h, "audit_log", json!({"action": "read", "cursor": cursor})).await;
    assert_eq!(structured(&r)["entries"].as_array().unwrap().len(), 1);
    let r = call(&h, "audit_log", json!({"matter_id": ids[1]})).await;
    let entries = structured(&r)["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["read_matters"], json!([ids[1]]));
    assert!(wire_size(&r) < 8 * 1024);
    let r = call(&h, "audit_log", json!({"action": "explode"})).await;
    assert_eq!(r.is_error, Some(true));
    let r = call(&h, "audit_log", json!({"since": "yesterday"})).await;
    assert_eq!(r.is_error, Some(true));
    let r = call(
        &h,
        "audit_log",
        json!({"since": "2000-01-01T00:00:00Z", "job_id": "none"}),
    )
    .await;
    assert!(structured(&r)["entries"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn prompts_cover_normalizing_a_field_and_reviewing_a_job() {
    let h = start().await;
    let prompts = h.client.list_prompts(None).await.unwrap().prompts;
    let mut names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["normalize_field", "review_job"]);
    let args = json!({"field": "Referral Source"})
        .as_object()
        .unwrap()
        .clone();
    let got = h
        .client
        .get_prompt(GetPromptRequestParams::new("normalize_field").with_arguments(args))
        .await
        .unwrap();
    let shown = serde_json::to_string(&got).unwrap();
    assert!(shown.contains("Referral Source") && shown.contains("list_custom_fields"));
    // The prompt walks through the tools that exist: propose, then page the plan.
    let tools: Vec<String> = ClioMcpServer::tools()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    for step in ["propose_normalization", "get_plan"] {
        assert!(
            shown.contains(step) && tools.iter().any(|t| t == step),
            "{step}"
        );
    }
    let args = json!({"job_id": "job-1"}).as_object().unwrap().clone();
    let got = h
        .client
        .get_prompt(GetPromptRequestParams::new("review_job").with_arguments(args))
        .await
        .unwrap();
    assert!(serde_json::to_string(&got).unwrap().contains("audit_log"));
}

#[tokio::test]
async fn field_definitions_are_read_once_for_many_calls_but_the_inventory_is_always_fresh() {
    let h = start().await;
    let definition_reads = |h: &Harness| -> u64 {
        h.sandbox
            .stats()
            .by_endpoint
            .iter()
            .filter(|(k, _)| k.contains("custom_fields"))
            .map(|(_, n)| *n)
            .sum()
    };
    let ids: Vec<u64> = h.sandbox.matter_ids().into_iter().take(2).collect();
    let before = definition_reads(&h);
    for _ in 0..3 {
        call(&h, "read_matter_fields", json!({"matter_ids": ids})).await;
    }
    assert_eq!(
        definition_reads(&h) - before,
        1,
        "three reads, one definitions request"
    );
    call(&h, "list_custom_fields", json!({})).await;
    assert_eq!(
        definition_reads(&h) - before,
        2,
        "the inventory reads them anew"
    );
    call(&h, "read_matter_fields", json!({"matter_ids": ids})).await;
    assert_eq!(definition_reads(&h) - before, 2);
}
