//! propose_normalization and get_plan end to end: an rmcp client, the server, a sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::time::Duration;

use clio_mcp::handler::ServerSettings;
use clio_mcp::privacy::Privacy;
use clio_mcp::sandbox::seed::{
    CLIENT_ADDRESS, CLIENT_PHONE, DELETED_PRACTICE_OPTION, INTAKE_DATE_TEXT, MAILING_ADDRESS,
    PRACTICE_AREA, REFERRAL_CHANNEL, RETAINER,
};
use clio_mcp::sandbox::{Faults, Sandbox};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use serde_json::{Value, json};

mod common;

use common::{Harness, call, error_text, start};

async fn default_harness(matters: u32) -> Harness {
    start(matters, ServerSettings::default()).await
}

fn ok(r: &CallToolResult) -> Value {
    assert_ne!(r.is_error, Some(true), "tool error: {:?}", r.content);
    r.structured_content.clone().expect("structured content")
}

/// Every page of one class of a plan, following next_cursor.
async fn all_pages(h: &Harness, plan_id: &str, class: &str) -> Vec<Value> {
    let mut matters = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut args = json!({"plan_id": plan_id, "class": class, "limit": 50});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let page = ok(&call(h, "get_plan", args).await);
        matters.extend(page["matters"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return matters,
        }
    }
}

async fn propose(h: &Harness, args: Value) -> Value {
    let out = ok(&call(h, "propose_normalization", args).await);
    assert_eq!(out["status"], "complete", "{out}");
    out
}

fn open_matters(sb: &Sandbox, n: usize) -> Vec<u64> {
    let forbidden = sb.forbidden_matters();
    sb.matter_ids()
        .into_iter()
        .filter(|id| !forbidden.contains(id))
        .take(n)
        .collect()
}

/// Open matters that have a value for `definition` (so it can be edited behind the back).
fn open_matters_with(sb: &Sandbox, definition: u64, n: usize) -> Vec<u64> {
    let forbidden = sb.forbidden_matters();
    sb.matter_ids()
        .into_iter()
        .filter(|id| !forbidden.contains(id) && sb.value(*id, definition).is_some())
        .take(n)
        .collect()
}

#[tokio::test]
async fn address_variants_of_one_place_collapse_to_one_output() {
    let h = default_harness(50).await;
    let variants = [
        "123 North Main Street, Apartment 4B, Springfield, Illinois 62704",
        "123 n. main st. apt 4b springfield il 62704",
        "123 N Main St Apt 4B, Springfield, IL 62704",
        "  123 N Main St Apt. #4B ,Springfield , IL  62704 ",
        "123 NORTH MAIN ST., APT. 4B\nSPRINGFIELD, ILL. 62704",
    ];
    let ids = open_matters_with(&h.sandbox, CLIENT_ADDRESS, variants.len());
    for (id, v) in ids.iter().zip(variants) {
        assert!(
            h.sandbox
                .edit_behind_the_back(*id, CLIENT_ADDRESS, json!(v))
        );
    }
    let out = propose(
        &h,
        json!({"fields": ["Client Address"], "rule": {"rule": "address"}, "matter_ids": ids}),
    )
    .await;
    assert_eq!(out["counts"]["matters_scanned"], 5);
    let plan_id = out["plan_id"].as_str().unwrap();
    let mut outputs = BTreeSet::new();
    for m in all_pages(&h, plan_id, "change").await {
        outputs.insert(m["items"][0]["new"].as_str().unwrap().to_string());
    }
    for m in all_pages(&h, plan_id, "clean").await {
        outputs.insert(m["items"][0]["old"].as_str().unwrap().to_string());
    }
    assert_eq!(
        outputs,
        BTreeSet::from(["123 N Main St Apt 4B, Springfield, IL 62704".to_string()]),
        "every variant ends as the same address in the house style"
    );
    assert_eq!(out["counts"]["change"], 4);
    assert_eq!(out["counts"]["clean"], 1);
}

#[tokio::test]
async fn proposing_writes_nothing_reads_only_pages_and_records_the_plan() {
    let h = default_harness(450).await;
    let before = h.sandbox.stats();
    let r = call(
        &h,
        "propose_normalization",
        json!({"fields": ["Client Address", MAILING_ADDRESS.to_string()], "rule": {"rule": "address"}}),
    )
    .await;
    let size = serde_json::to_string(&r).unwrap().len();
    assert!(size < 8 * 1024, "the default answer is {size} bytes");
    let out = ok(&r);
    assert_eq!(out["status"], "complete", "{out}");
    assert_eq!(out["matters"].as_array().unwrap().len(), 10);
    let stats = h.sandbox.stats();
    assert_eq!(stats.patches_applied, 0);
    let new_requests: Vec<(&String, u64)> = stats
        .by_endpoint
        .iter()
        .map(|(k, v)| (k, v - before.by_endpoint.get(k).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert!(
        new_requests.iter().all(|(k, _)| k.starts_with("GET ")),
        "only reads: {new_requests:?}"
    );
    // 450 matters at 200 a page: three list requests, never one per matter.
    let list_requests: u64 = new_requests
        .iter()
        .filter(|(k, _)| k.contains("matters") && !k.contains('{') && !k.contains(':'))
        .map(|(_, n)| *n)
        .sum();
    assert!(list_requests <= 3, "{new_requests:?}");
    assert!(
        !new_requests.iter().any(|(k, _)| k.contains("matters/")),
        "no per-matter reads: {new_requests:?}"
    );
    // Every matter this user may see (two of the 450 are not listed for it).
    assert_eq!(out["counts"]["matters_scanned"], 448);
    // Two fields of one matter form one change set.
    let plan_id = out["plan_id"].as_str().unwrap();
    let changes = all_pages(&h, plan_id, "change").await;
    assert_eq!(
        changes.len() as u64,
        out["counts"]["matters_with_changes"].as_u64().unwrap()
    );
    assert!(
        changes
            .iter()
            .any(|m| m["items"].as_array().unwrap().len() == 2),
        "some matter changes both addresses in one set"
    );
    let items: usize = changes
        .iter()
        .map(|m| m["items"].as_array().unwrap().len())
        .sum();
    assert_eq!(items as u64, out["counts"]["change"].as_u64().unwrap());
    let matter_ids: Vec<u64> = changes
        .iter()
        .map(|m| m["matter_id"].as_u64().unwrap())
        .collect();
    let mut sorted = matter_ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        sorted, matter_ids,
        "pages follow matter order without repeats"
    );
    // The audit log has the reads (by page) and the plan, never a value.
    let audit = ok(&call(&h, "audit_log", json!({"plan_id": plan_id, "limit": 100})).await);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "read").count(),
        3,
        "{actions:?}"
    );
    assert_eq!(actions.last(), Some(&"plan-created"));
    assert!(out["preview_file"].as_str().unwrap().ends_with(".html"));
    assert!(std::path::Path::new(out["preview_file"].as_str().unwrap()).exists());
}

#[tokio::test]
async fn the_same_data_gives_the_same_content_hash_and_a_change_gives_another() {
    let h = default_harness(120).await;
    let args = json!({"fields": ["Client Phone"], "rule": {"rule": "phone"}});
    let a = propose(&h, args.clone()).await;
    let b = propose(&h, args.clone()).await;
    assert_ne!(a["plan_id"], b["plan_id"]);
    assert_eq!(a["content_hash"], b["content_hash"]);
    let id = open_matters_with(&h.sandbox, CLIENT_PHONE, 1)[0];
    assert!(
        h.sandbox
            .edit_behind_the_back(id, CLIENT_PHONE, json!("312.555.0100"))
    );
    let c = propose(&h, args).await;
    assert_ne!(a["content_hash"], c["content_hash"]);
}

#[tokio::test]
async fn picklist_mapping_never_picks_a_deleted_option() {
    let h = default_harness(600).await;
    let out = propose(
        &h,
        json!({"fields": ["Practice Area"], "rule": {"rule": "picklist"}}),
    )
    .await;
    let plan_id = out["plan_id"].as_str().unwrap();
    let deleted = DELETED_PRACTICE_OPTION.to_string();
    assert!(out["counts"]["needs_human"].as_u64().unwrap() > 0, "{out}");
    for class in ["change", "needs_human"] {
        for m in all_pages(&h, plan_id, class).await {
            for item in m["items"].as_array().unwrap() {
                let new = item["new"].as_str().unwrap_or("");
                assert!(!new.contains(&format!("[{deleted}]")), "{item}");
                for c in item["candidates"].as_array().into_iter().flatten() {
                    assert!(!c.as_str().unwrap().contains(&deleted), "{item}");
                }
            }
        }
    }
    // Candidates name their option ids, so the check above can see a deleted one.
    let humans_with_candidates = all_pages(&h, plan_id, "needs_human").await;
    assert!(humans_with_candidates.iter().any(|m| {
        m["items"][0]["candidates"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c.as_str().unwrap().contains("[5100")))
    }));
    // A matter still on the deleted option is asked about, with its reason.
    let humans = all_pages(&h, plan_id, "needs_human").await;
    assert!(humans.iter().any(|m| {
        m["items"][0]["old"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("[{deleted}]"))
            && m["items"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("deleted")
    }));
    // Nor can the assistant propose a deleted option itself.
    let ids = open_matters(&h.sandbox, 1);
    let out = propose(
        &h,
        json!({"fields": [PRACTICE_AREA.to_string()], "values": [{"matter_id": ids[0], "value": deleted}]}),
    )
    .await;
    assert_eq!(out["counts"]["invalid"], 1);
    assert_eq!(out["counts"]["change"], 0);
}

#[tokio::test]
async fn invalid_values_from_the_assistant_are_refused_with_the_reason() {
    let h = default_harness(40).await;
    let ids = open_matters(&h.sandbox, 4);
    let out = propose(
        &h,
        json!({
            "fields": ["Retainer Amount", "Referral Channel"],
            "values": [
                {"matter_id": ids[0], "field": "Retainer Amount", "value": "2500.50"},
                {"matter_id": ids[1], "field": "Retainer Amount", "value": "$2,500"},
                {"matter_id": ids[2], "field": RETAINER.to_string(), "value": "2500"},
                {"matter_id": ids[3], "field": "Referral Channel", "value": "Web Search"},
                {"matter_id": ids[0], "field": REFERRAL_CHANNEL.to_string(), "value": "Carrier pigeon"}
            ]
        }),
    )
    .await;
    let plan_id = out["plan_id"].as_str().unwrap();
    let invalid = all_pages(&h, plan_id, "invalid").await;
    let reasons: Vec<String> = invalid
        .iter()
        .flat_map(|m| m["items"].as_array().unwrap().clone())
        .map(|i| i["reason"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("cents")), "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r.contains("whole number")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("option id")),
        "{reasons:?}"
    );
    // The valid ones are changes (or already equal); the label became the option id.
    let changes = all_pages(&h, plan_id, "change").await;
    let channel = changes
        .iter()
        .flat_map(|m| m["items"].as_array().unwrap().clone())
        .find(|i| i["field"] == "Referral Channel")
        .unwrap();
    assert_eq!(channel["new"], "Web Search [52001]");
    assert_eq!(h.sandbox.stats().patches_applied, 0);
}

#[tokio::test]
async fn bad_requests_are_refused_before_anything_is_read() {
    let h = default_harness(20).await;
    let cases = [
        (
            json!({"fields": ["Nope"], "rule": {"rule": "address"}}),
            "Client Address",
        ),
        (
            json!({"fields": ["Retainer Amount"], "rule": {"rule": "address"}}),
            "text_line",
        ),
        (json!({"fields": ["Client Address"]}), "`rule`"),
        (
            json!({"fields": ["Client Address"], "rule": {"rule": "address"}, "values": [{"matter_id": 1, "value": "x"}]}),
            "not both",
        ),
        (
            json!({"fields": ["Client Address"], "values": [{"matter_id": 1, "value": "a"}, {"matter_id": 1, "value": "b"}]}),
            "keep one",
        ),
        (
            json!({"fields": ["Client Address", "Client Phone"], "values": [{"matter_id": 1, "value": "a"}]}),
            "`field`",
        ),
        (
            json!({"fields": ["Old Intake Notes"], "rule": {"rule": "whitespace"}}),
            "deleted",
        ),
    ];
    for (args, needle) in cases {
        let text = error_text(&call(&h, "propose_normalization", args.clone()).await);
        assert!(text.contains(needle), "{args}: {text}");
    }
    // A malformed rule is refused with serde's reason (as a protocol error or a tool error,
    // both of which the assistant sees), not a crash.
    let params = CallToolRequestParams::new("propose_normalization").with_arguments(
        json!({"fields": ["Client Phone"], "rule": {"rule": "phone", "format": "smoke"}})
            .as_object()
            .unwrap()
            .clone(),
    );
    match h.client.call_tool(params).await {
        Err(e) => assert!(e.to_string().contains("smoke"), "{e}"),
        Ok(r) => assert!(error_text(&r).contains("smoke")),
    }
    let unknown = error_text(&call(&h, "get_plan", json!({"plan_id": "plan-nope"})).await);
    assert!(unknown.contains("no plan"), "{unknown}");
    let bad_cursor = json!({"plan_id": "plan-nope", "cursor": "garbage"});
    assert!(error_text(&call(&h, "get_plan", bad_cursor).await).contains("cursor"));
    // Refused before any matter was read: no list request at all.
    assert_eq!(
        h.sandbox.stats().by_endpoint.get("GET /matters"),
        None,
        "{:?}",
        h.sandbox.stats().by_endpoint
    );
}

#[tokio::test]
async fn a_long_scan_answers_scanning_and_get_plan_reports_progress_until_complete() {
    let settings = ServerSettings {
        scan_wait: Duration::ZERO,
        ..ServerSettings::default()
    };
    let h = start(800, settings).await;
    h.sandbox.set_faults(Faults {
        latency: Duration::from_millis(400),
        ..Faults::default()
    });
    let first = ok(&call(
        &h,
        "propose_normalization",
        json!({"fields": ["Client Address"], "rule": {"rule": "address"}}),
    )
    .await);
    assert_eq!(first["status"], "scanning", "{first}");
    assert!(first["next_step"].as_str().unwrap().contains("get_plan"));
    assert!(first.get("content_hash").is_none());
    let plan_id = first["plan_id"].as_str().unwrap();
    // Progress grows while the scan runs, and a partial plan shows no change sets.
    let mut progress = Vec::new();
    loop {
        let now = ok(&call(
            &h,
            "get_plan",
            json!({"plan_id": plan_id, "wait_seconds": 1}),
        )
        .await);
        if now["status"] != "scanning" {
            break;
        }
        assert!(now["matters"].as_array().unwrap().is_empty(), "{now}");
        assert!(now.get("next_cursor").is_none());
        progress.push(now["counts"]["matters_scanned"].as_u64().unwrap());
    }
    assert!(
        progress.iter().any(|n| *n > 0 && *n < 800),
        "progress seen while scanning: {progress:?}"
    );
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    let done = ok(&call(
        &h,
        "get_plan",
        json!({"plan_id": plan_id, "wait_seconds": 20}),
    )
    .await);
    assert_eq!(done["status"], "complete", "{done}");
    assert_eq!(
        done["counts"]["matters_scanned"], 798,
        "800 less the 2 this user may not see"
    );
    assert!(done["content_hash"].as_str().unwrap().len() == 64);
}

#[tokio::test]
async fn redacted_mode_leaks_no_value_into_tool_output() {
    let settings = ServerSettings {
        privacy: Privacy::Redacted,
        ..ServerSettings::default()
    };
    let h = start(120, settings).await;
    let ids = open_matters(&h.sandbox, 120);
    let proposed = ["77 Sunset Boulevard, Springfield, IL 62704", "2500.50"];
    let mut secrets: Vec<String> = proposed.iter().map(|p| p.to_string()).collect();
    for id in &ids {
        for def in [
            CLIENT_ADDRESS,
            CLIENT_PHONE,
            MAILING_ADDRESS,
            INTAKE_DATE_TEXT,
            RETAINER,
        ] {
            match h.sandbox.value(*id, def) {
                Some(Value::String(v)) => secrets.push(v),
                Some(Value::Number(n)) => secrets.push(n.to_string()),
                _ => {}
            }
        }
    }
    assert!(secrets.len() > 300);
    let mut outputs: Vec<String> = Vec::new();
    let mut run = async |name: &'static str, args: Value| -> CallToolResult {
        let r = call(&h, name, args).await;
        outputs.push(serde_json::to_string(&r).unwrap());
        r
    };
    let mut plans = Vec::new();
    for (fields, rule) in [
        (json!(["Client Address", "Mailing Address"]), "address"),
        (json!(["Intake Date (typed)"]), "date"),
        (json!(["Client Phone"]), "phone"),
    ] {
        let r = run(
            "propose_normalization",
            json!({"fields": fields, "rule": {"rule": rule}, "limit": 50}),
        )
        .await;
        let out = ok(&r);
        assert_eq!(out["redacted"], true);
        plans.push(out["plan_id"].as_str().unwrap().to_string());
    }
    let r = run(
        "propose_normalization",
        json!({"fields": ["Client Address", "Retainer Amount"], "values": [
            {"matter_id": ids[0], "field": "Client Address", "value": proposed[0]},
            {"matter_id": ids[1], "field": "Retainer Amount", "value": proposed[1]}
        ]}),
    )
    .await;
    let refused = ok(&r);
    assert_eq!(refused["counts"]["invalid"], 1);
    plans.push(refused["plan_id"].as_str().unwrap().to_string());
    for plan_id in &plans {
        for class in ["change", "needs_human", "clean", "empty", "invalid"] {
            run(
                "get_plan",
                json!({"plan_id": plan_id, "class": class, "limit": 50}),
            )
            .await;
        }
    }
    // An error result and the read tools follow the setting too.
    run(
        "propose_normalization",
        json!({"fields": ["Client Phone"], "rule": {"rule": "address"}}),
    )
    .await;
    let r = run(
        "read_matter_fields",
        json!({"matter_ids": ids[..20], "fields": ["Client Address", "Client Phone",
            "Retainer Amount", "Intake Date (typed)", "Conflict Check Done"]}),
    )
    .await;
    let checkbox: Vec<Value> = ok(&r)["matters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["fields"].as_array().unwrap().clone())
        .filter(|f| f["name"] == "Conflict Check Done")
        .map(|f| f["value"].clone())
        .collect();
    // Set or not is shown; true or false is not.
    assert!(checkbox.iter().any(|v| v == "•••"), "{checkbox:?}");
    assert!(
        checkbox.iter().all(|v| v == "•••" || v.is_null()),
        "{checkbox:?}"
    );
    run("find_matters", json!({"limit": 50})).await;
    run("audit_log", json!({"limit": 100})).await;
    // Digits that are not values: times, plan ids and hashes, matter ids (which are shown).
    let noise = regex::Regex::new(
        r"\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})?|[0-9a-f]{12,}|\b10000\d\d\b|\b1000\d{3}\b",
    )
    .unwrap();
    let everything = noise.replace_all(&outputs.join("\n"), "#").to_string();
    for s in &secrets {
        // Whole values, lines, words of five characters or more (street names, cities), and
        // runs of four digits or more (ZIP codes, phone groups, years restated in a reason in
        // another form); masked digits read 9, so those runs are skipped.
        let words = s.split(|c: char| c.is_whitespace() || c == ',');
        let digits = s.split(|c: char| !c.is_ascii_digit());
        for piece in std::iter::once(s.as_str())
            .chain(s.split('\n'))
            .chain(words)
            .chain(digits)
        {
            let piece = piece.trim();
            let is_digits = !piece.is_empty() && piece.chars().all(|c| c.is_ascii_digit());
            let long_enough = if is_digits {
                piece.len() >= 4 && piece.chars().any(|c| c != '9')
            } else {
                piece.chars().count() >= 5
            };
            // Words the rules' own sentences use ("... a North American number").
            let rule_words = ["North", "American", "number", "street"];
            if long_enough
                && !rule_words.contains(&piece)
                && let Some(at) = everything.find(piece)
            {
                let from = everything[..at]
                    .char_indices()
                    .rev()
                    .nth(120)
                    .map_or(0, |(i, _)| i);
                let to = (at + 120).min(everything.len());
                let to = (to..everything.len())
                    .find(|i| everything.is_char_boundary(*i))
                    .unwrap_or(everything.len());
                panic!("leaked {piece:?} in: {}", &everything[from..to]);
            }
        }
    }
    // Masked samples are there, and the full diff is in a local file for a person.
    assert!(everything.contains("9999"), "masked samples keep the shape");
    let preview = ok(&call(&h, "get_plan", json!({"plan_id": plans[0]})).await)["preview_file"]
        .as_str()
        .unwrap()
        .to_string();
    let html = std::fs::read_to_string(&preview).unwrap();
    assert!(
        secrets
            .iter()
            .any(|s| html.contains(&s.replace('&', "&amp;")))
    );
    assert!(preview.starts_with(h.home.path().to_str().unwrap()));
}
