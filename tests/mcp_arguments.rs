//! Bad tool arguments through MCP: every refusal is a tool error that names the argument,
//! says what is accepted, echoes at most a little of the input (cleaned of control and
//! bidirectional characters) and never a Rust type name; out-of-range values are refused with
//! the range; cursors the server did not hand out are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clio_mcp::handler::ServerSettings;
use serde_json::{Value, json};

mod common;

use common::{Harness, call, error_text};

/// Words that betray the implementation: Rust types, serde, source paths.
const LEAKS: [&str; 16] = [
    "u8",
    "u16",
    "u32",
    "u64",
    "i64",
    "usize",
    "f64",
    "struct ",
    "enum ",
    "String",
    "Vec<",
    "Option<",
    "::",
    "deserialize",
    "src/",
    ".rs",
];

fn hostile() -> String {
    format!(
        "\u{202e}\u{2066}{}\u{200b}\u{7}\u{85}\u{feff}",
        "Z".repeat(5000)
    )
}

fn is_hidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Calls `tool` with `args`; the answer must be a clean tool error naming `argument` (and
/// containing each of `also`).
async fn refused(h: &Harness, tool: &'static str, args: Value, argument: &str, also: &[&str]) {
    let shown = args.to_string().chars().take(120).collect::<String>();
    let text = error_text(&call(h, tool, args).await);
    assert!(
        text.contains(argument),
        "{tool} {shown}: {argument:?} not named in {text:?}"
    );
    for word in also {
        assert!(
            text.contains(word),
            "{tool} {shown}: {word:?} not in {text:?}"
        );
    }
    for word in LEAKS {
        assert!(
            !text.contains(word),
            "{tool} {shown}: {word:?} leaked in {text:?}"
        );
    }
    assert!(
        text.matches('Z').count() <= 200,
        "{tool}: echoed too much: {text}"
    );
    assert!(
        !text.chars().any(is_hidden),
        "{tool}: hidden characters in {text:?}"
    );
    assert!(!text.contains("failed to deserialize"), "{tool}: {text}");
}

#[tokio::test]
async fn every_tool_names_the_bad_argument_and_what_it_accepts() {
    let h = common::start(30, ServerSettings::default()).await;
    let z = hostile();
    #[rustfmt::skip]
    let table: Vec<(&'static str, Value, &str, Vec<&str>)> = vec![
        ("find_matters", json!({"limit": "many"}), "limit", vec!["whole number", "1 to 200", "Example"]),
        ("find_matters", json!({"limit": 0}), "limit", vec!["from 1 to 200"]),
        ("find_matters", json!({"limit": 5000}), "limit", vec!["from 1 to 200"]),
        ("find_matters", json!({"limit": -3}), "limit", vec!["-3"]),
        ("find_matters", json!({"limit": 2.5}), "limit", vec!["whole number"]),
        ("find_matters", json!({"limit": z}), "limit", vec!["whole number"]),
        ("find_matters", json!({"status": "archived"}), "status", vec!["open, pending, closed"]),
        ("find_matters", json!({"status": z}), "status", vec!["open, pending, closed"]),
        ("find_matters", json!({"ids": [1, "two"]}), "ids[1]", vec!["whole number"]),
        ("find_matters", json!({"ids": "1,2"}), "ids", vec!["a list"]),
        ("find_matters", json!({"query": 5}), "query", vec!["text"]),
        ("find_matters", json!({"query": "Z".repeat(100 * 1024)}), "query", vec!["at most 500"]),
        ("find_matters", json!({"updated_since": z}), "updated_since", vec!["2024-05-01"]),
        ("find_matters", json!({"cursor": "garbage"}), "cursor", vec!["next_cursor"]),
        ("find_matters", json!({"cursor": z}), "cursor", vec!["next_cursor"]),
        ("find_matters", json!({"bogus": 1, "limt": 2}), "\"bogus\"", vec!["\"limt\"", "cursor, ids, limit, query, status, updated_since"]),
        ("find_matters", json!({z.clone(): 1}), "unknown argument", vec!["accepted arguments"]),
        ("list_custom_fields", json!({"field_type": "textline"}), "field_type", vec!["text_line", "picklist"]),
        ("list_custom_fields", json!({"field_type": z}), "field_type", vec!["text_line"]),
        ("list_custom_fields", json!({"limit": 0}), "limit", vec!["from 1 to 200"]),
        ("list_custom_fields", json!({"include_deleted": "yes"}), "include_deleted", vec!["true or false"]),
        ("list_custom_fields", json!({"cursor": "10"}), "cursor", vec![]),
        ("read_matter_fields", json!({}), "matter_ids is required", vec!["Example"]),
        ("read_matter_fields", json!({"matter_ids": ["x"]}), "matter_ids[0]", vec!["whole number"]),
        ("read_matter_fields", json!({"matter_ids": 5}), "matter_ids", vec!["a list"]),
        ("read_matter_fields", json!({"matter_ids": [1], "fields": "Phone"}), "fields", vec!["a list"]),
        ("read_matter_fields", json!({"matter_ids": [1], "fields": ["No Such Field"]}), "fields[0]", vec!["no matter field", "\"No Such Field\""]),
        ("read_matter_fields", json!({"matter_ids": [1], "fields": [z]}), "fields[0]", vec!["no matter field"]),
        ("apply_custom_field", json!({"matter_id": 1, "field": "x"}), "value is required", vec!["null"]),
        ("apply_custom_field", json!({"matter_id": "1", "field": "x", "value": "v"}), "matter_id", vec!["whole number"]),
        ("apply_custom_field", json!({"matter_id": 1, "field": 7, "value": "v"}), "field", vec!["text"]),
        ("apply_custom_field", json!({"matter_id": 1, "field": "x", "value": 5}), "value", vec!["text or null"]),
        ("apply_plan", json!({"plan_id": "p"}), "content_hash is required", vec![]),
        ("apply_plan", json!({"plan_id": 1, "content_hash": "x"}), "plan_id", vec!["text"]),
        ("audit_log", json!({"limit": 1000}), "limit", vec!["from 1 to 100"]),
        ("audit_log", json!({"matter_id": -1}), "matter_id", vec!["whole number"]),
        ("audit_log", json!({"cursor": "5"}), "cursor", vec![]),
        ("audit_log", json!({"action": z}), "action", vec!["write-done"]),
        ("cancel_job", json!({}), "job_id is required", vec![]),
        ("cancel_job", json!({"job_id": 5}), "job_id", vec!["text"]),
        ("get_plan", json!({"plan_id": "p", "wait_seconds": 21}), "wait_seconds", vec!["from 0 to 20"]),
        ("get_plan", json!({"plan_id": "p", "limit": 51}), "limit", vec!["from 1 to 50"]),
        ("get_plan", json!({"plan_id": "p", "class": "changes"}), "class", vec!["needs_human"]),
        ("get_plan", json!({"plan_id": "p", "cursor": "change:5"}), "cursor", vec![]),
        ("job_status", json!({"job_id": "j", "wait_seconds": 60}), "wait_seconds", vec!["from 0 to 20"]),
        ("job_status", json!({"job_id": "j", "limit": 0}), "limit", vec!["from 1 to 100"]),
        ("job_status", json!({"job_id": "j", "cursor": "1:2"}), "cursor", vec![]),
        ("propose_normalization", json!({}), "fields is required", vec![]),
        ("propose_normalization", json!({"fields": "Phone"}), "fields", vec!["a list"]),
        ("propose_normalization", json!({"fields": ["Phone"], "limit": 0}), "limit", vec!["from 1 to 50"]),
        ("propose_normalization", json!({"fields": ["Phone"], "query": "Z".repeat(600)}), "query", vec!["at most 500"]),
        ("propose_normalization", json!({"fields": ["Phone"], "rule": "phone"}), "rule", vec!["an object"]),
        ("propose_normalization", json!({"fields": ["Phone"], "rule": {"rule": "phone", "format": "hex"}}), "rule.format", vec!["parens, dashes, dots, e164"]),
        ("propose_normalization", json!({"fields": ["Phone"], "rule": {"rule": "phon"}}), "rule.rule", vec!["address"]),
        ("propose_normalization", json!({"fields": ["Phone"], "rule": {"rule": z}}), "rule.rule", vec!["address"]),
        ("propose_normalization", json!({"fields": ["Phone"], "rule": {"rule": "phone", "fromat": "dots"}}), "\"fromat\"", vec!["format"]),
        ("propose_normalization", json!({"fields": ["Phone"], "rule": {"rule": "picklist", "threshold": "high"}}), "rule.threshold", vec!["a number"]),
        ("propose_normalization", json!({"fields": ["Phone"], "rule": {"rule": "currency", "allow_negative": "yes"}}), "rule.allow_negative", vec!["true or false"]),
        ("propose_normalization", json!({"fields": ["Phone"], "values": [{"matter_id": 1, "value": "a"}, {"matter_id": "x", "value": "b"}]}), "values[1].matter_id", vec!["whole number"]),
        ("propose_normalization", json!({"fields": ["Phone"], "values": [{"value": "b"}]}), "values[0].matter_id is required", vec![]),
        ("propose_normalization", json!({"fields": ["Phone"], "values": [{"matter_id": 1, "value": "b", z.clone(): 1}]}), "values[0]", vec!["matter_id", "value"]),
        ("propose_rollback", json!({}), "job_id is required", vec![]),
        ("propose_rollback", json!({"job_id": z}), "job_id", vec!["job-0123456789ab"]),
        ("get_plan", json!({"plan_id": z}), "plan_id", vec!["plan-0123456789ab"]),
        ("apply_plan", json!({"plan_id": "plan 1", "content_hash": "x"}), "plan_id", vec!["not an id"]),
        ("job_status", json!({"job_id": z}), "job_id", vec!["job-0123456789ab"]),
        ("cancel_job", json!({"job_id": ""}), "job_id", vec!["job-0123456789ab"]),
        ("propose_normalization", json!({"fields": [z], "rule": {"rule": "phone"}}), "no matter field", vec![]),
        ("propose_rollback", json!({"job_id": []}), "job_id", vec!["text"]),
        ("upload_document", json!({"content_base64": "aGk=", "name": "a.txt"}), "matter_id is required", vec![]),
        ("upload_document", json!({"matter_id": "x", "content_base64": "aGk=", "name": "a.txt"}), "matter_id", vec!["whole number"]),
        ("upload_document", json!({"matter_id": 1}), "path", vec!["content_base64"]),
        ("upload_document", json!({"matter_id": 1, "path": z}), "path", vec!["--allow-dir"]),
        ("upload_document", json!({"matter_id": 1, "path": 5}), "path", vec!["text"]),
        ("upload_document", json!({"matter_id": 1, "content_base64": z}), "content_base64", vec!["base64"]),
        ("upload_document", json!({"matter_id": 1, "content_base64": "aGk="}), "name is required", vec![]),
        ("upload_document", json!({"matter_id": 1, "content_base64": "aGk=", "name": z}), "name", vec![]),
        ("upload_document", json!({"matter_id": 1, "content_base64": "aGk=", "name": "a/b.txt"}), "`name`", vec![]),
        ("upload_document", json!({"matter_id": 1, "content_base64": "aGk=", "name": "a.txt", "content_type": z}), "content_type", vec!["application/pdf"]),
        ("upload_document", json!({"matter_id": 1, "content_base64": "aGk=", "name": "a.txt", "force": "yes"}), "force", vec!["true or false"]),
        ("upload_document", json!({"matter_id": 1, "content_base64": "aGk=", "name": "a.txt", "category": "x"}), "category", vec!["whole number"]),
        ("list_documents", json!({}), "matter_id is required", vec![]),
        ("list_documents", json!({"matter_id": 1, "cursor": "garbage"}), "cursor", vec!["next_cursor"]),
        ("list_documents", json!({"matter_id": 1, "cursor": z}), "cursor", vec![]),
    ];
    for (tool, args, argument, also) in table {
        refused(&h, tool, args, argument, &also).await;
    }
}

#[tokio::test]
async fn cursors_open_only_where_they_were_handed_out() {
    let h = common::start(30, ServerSettings::default()).await;
    let first = call(&h, "find_matters", json!({"limit": 2})).await;
    let cursor = first.structured_content.unwrap()["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    let next = call(&h, "find_matters", json!({"limit": 2, "cursor": cursor})).await;
    assert_ne!(next.is_error, Some(true), "{:?}", next.content);
    // One character changed, or another tool's listing: refused.
    let mut edited = cursor.clone().into_bytes();
    edited[0] = if edited[0] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited).unwrap();
    refused(
        &h,
        "find_matters",
        json!({"cursor": edited}),
        "cursor",
        &["next_cursor"],
    )
    .await;
    refused(&h, "audit_log", json!({"cursor": cursor}), "cursor", &[]).await;
    refused(
        &h,
        "list_custom_fields",
        json!({"cursor": cursor}),
        "cursor",
        &[],
    )
    .await;
    refused(
        &h,
        "get_plan",
        json!({"plan_id": "p", "cursor": cursor}),
        "cursor",
        &[],
    )
    .await;
}

#[tokio::test]
async fn a_huge_or_hostile_value_is_refused_without_being_echoed_whole() {
    let h = common::start(30, ServerSettings::default()).await;
    let page = call(&h, "find_matters", json!({"limit": 1})).await;
    let id = page.structured_content.unwrap()["matters"][0]["id"]
        .as_u64()
        .unwrap();
    let value = format!("\u{202e}{}", "Z".repeat(10_000));
    for field in ["Incident Date", "Client Email", "Retainer Amount"] {
        let r = call(
            &h,
            "apply_custom_field",
            json!({"matter_id": id, "field": field, "value": value}),
        )
        .await;
        let text = match r.is_error {
            Some(true) => error_text(&r),
            _ => serde_json::to_string(&r.structured_content).unwrap(),
        };
        assert!(
            text.matches('Z').count() <= 200,
            "{field}: {} chars echoed: {}",
            text.len(),
            text.replace(&"Z".repeat(100), "<100 Z>")
        );
        assert!(!text.contains('\u{202e}'), "{field}: {text:?}");
    }
}
