//! Property tests over hostile input: tool arguments, the `fields` selection, Clio's answers,
//! the audit reader and the plan store never panic, and every error they give is clean (no
//! Rust type name, no hidden character, little of the input).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clio_mcp::audit::{Action, AuditEvent, AuditFilter, AuditLog, AuditOptions, query, verify};
use clio_mcp::clio::error::parse_error_body;
use clio_mcp::clio::types::{CustomField, Data, Matter, Page};
use clio_mcp::clio::{ApiResponse, ClioError};
use clio_mcp::plan::ItemClass;
use clio_mcp::plan::store::PlanStore;
use clio_mcp::sandbox::fields::{Schema, parse as parse_fields};
use clio_mcp::tools::args::{ArgError, parse};
use clio_mcp::tools::*;
use proptest::prelude::*;
use serde_json::{Map, Value};

const LEAKS: [&str; 14] = [
    "u8",
    "u16",
    "u32",
    "u64",
    "i64",
    "usize",
    "f64",
    "struct ",
    "enum ",
    "Vec<",
    "Option<",
    "::",
    "deserialize",
    ".rs",
];

fn is_hidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

fn assert_clean(what: &str, text: &str) {
    for word in LEAKS {
        assert!(!text.contains(word), "{what}: {word:?} in {text:?}");
    }
    assert!(
        !text.chars().any(is_hidden),
        "{what}: hidden character in {text:?}"
    );
}

/// Argument names the tools know, so that generated objects reach past the unknown-name check.
const NAMES: [&str; 24] = [
    "query",
    "status",
    "updated_since",
    "ids",
    "cursor",
    "limit",
    "field_type",
    "include_deleted",
    "matter_ids",
    "fields",
    "matter_id",
    "field",
    "value",
    "plan_id",
    "content_hash",
    "job_id",
    "action",
    "since",
    "wait_seconds",
    "class",
    "rule",
    "values",
    "format",
    "threshold",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{0,12}",
        any::<String>(),
        Just("\u{202e}evil\u{200b}\u{7}".to_string()),
        Just("phone".to_string()),
        Just("open".to_string()),
        "[ -~]{0,300}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(NAMES.to_vec()).prop_map(str::to_string),
        1 => text(),
    ]
}

fn arguments() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((key(), json()), 0..5).prop_map(|kv| kv.into_iter().collect())
}

/// Whether the input itself holds a word the leak check looks for (then it may be echoed).
fn leaky(args: &Map<String, Value>) -> bool {
    let text = Value::Object(args.clone()).to_string();
    LEAKS.iter().any(|w| text.contains(w))
}

fn check<T>(tool: &str, args: &Map<String, Value>, parsed: Result<T, ArgError>) {
    if let Err(e) = parsed {
        if leaky(args) {
            assert!(
                !e.message.chars().any(is_hidden),
                "{tool}: hidden character in {e}"
            );
        } else {
            assert_clean(tool, &e.message);
        }
        assert!(
            !e.argument.is_empty(),
            "{tool}: no argument named in {:?}",
            e.message
        );
        assert!(
            e.message.chars().count() < 1200,
            "{tool}: {} chars",
            e.message.len()
        );
        // Never more than 200 characters of any one given string come back.
        for v in args
            .values()
            .filter_map(Value::as_str)
            .filter(|s| s.len() > 200)
        {
            assert!(!e.message.contains(v), "{tool}: echoed a long value");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tool_arguments_never_panic_and_errors_are_clean(args in arguments()) {
        check("find_matters", &args, parse::<find_matters::FindMattersArgs>(args.clone()));
        check("list_custom_fields", &args, parse::<list_custom_fields::ListCustomFieldsArgs>(args.clone()));
        check("read_matter_fields", &args, parse::<read_matter_fields::ReadMatterFieldsArgs>(args.clone()));
        check("apply_custom_field", &args, parse::<apply_custom_field::ApplyCustomFieldArgs>(args.clone()));
        check("apply_plan", &args, parse::<apply_plan::ApplyPlanArgs>(args.clone()));
        check("audit_log", &args, parse::<audit_log::AuditLogArgs>(args.clone()));
        check("cancel_job", &args, parse::<cancel_job::CancelJobArgs>(args.clone()));
        check("get_plan", &args, parse::<get_plan::GetPlanArgs>(args.clone()));
        check("job_status", &args, parse::<job_status::JobStatusArgs>(args.clone()));
        check("propose_normalization", &args, parse::<propose_normalization::ProposeNormalizationArgs>(args.clone()));
        check("propose_rollback", &args, parse::<propose_rollback::ProposeRollbackArgs>(args.clone()));
    }

    #[test]
    fn rules_and_values_of_any_shape_are_refused_cleanly(rule in json(), values in json()) {
        let mut args = Map::new();
        args.insert("fields".into(), Value::from(vec!["Phone"]));
        args.insert("rule".into(), rule);
        check("rule", &args, parse::<propose_normalization::ProposeNormalizationArgs>(args.clone()));
        args.remove("rule");
        args.insert("values".into(), values);
        check("values", &args, parse::<propose_normalization::ProposeNormalizationArgs>(args.clone()));
    }

    #[test]
    fn the_fields_selection_never_panics(spec in "[a-z_{}, ]{0,40}|\\PC{0,40}", record in json()) {
        const SCHEMA: Schema = Schema {
            fields: &[("id", None), ("etag", None), ("name", None),
                ("custom_field_values", Some(&["id", "value", "custom_field"]))],
        };
        if let Ok(selection) = parse_fields(Some(&spec), &SCHEMA) {
            let picked = selection.apply(&record);
            let known = ["id", "etag", "name", "custom_field_values"];
            for name in picked.as_object().unwrap().keys() {
                prop_assert!(known.contains(&name.as_str()), "{name} selected from {spec:?}");
            }
        }
    }

    #[test]
    fn clio_answers_of_any_shape_never_panic(body in json(), status in 100u16..600, raw in prop::collection::vec(any::<u8>(), 0..300)) {
        let answer = |body: &Value| ApiResponse { status: 200, etag: None, body: body.clone() };
        for result in [
            answer(&body).parse::<Matter>().err(),
            answer(&body).parse::<CustomField>().err(),
            answer(&body).parse::<Page<Matter>>().err(),
            answer(&body).parse::<Data<Matter>>().err(),
        ].into_iter().flatten() {
            let invalid = matches!(result, ClioError::InvalidResponse { .. });
            prop_assert!(invalid, "not an InvalidResponse");
            assert_clean("a Clio answer", &result.to_string());
        }
        let text = body.to_string();
        let _ = parse_error_body(text.as_bytes());
        let _ = parse_error_body(&raw);
        let _ = ClioError::from_response(status, &raw).to_string();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_audit_reader_reports_any_line_and_never_panics(
        line in prop_oneof![
            "[ -~]{1,120}",
            json().prop_map(|v| v.to_string()),
            Just("{\"seq\":2,\"ts\":\"x\",\"action\":\"read\"}".to_string()),
        ],
        at in 0usize..4,
        raw in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        prop_assume!(!line.trim().is_empty());
        let tmp = tempfile::tempdir().unwrap();
        let log = AuditLog::open(tmp.path(), AuditOptions::new("u", "s")).unwrap();
        for i in 1..=3u64 {
            log.append(AuditEvent::new(Action::Read, "read_matter_fields").matter(100 + i)).unwrap();
        }
        drop(log);
        let file = std::fs::read_dir(tmp.path()).unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .unwrap();
        let mut lines: Vec<String> = std::fs::read_to_string(&file).unwrap().lines().map(str::to_string).collect();
        lines.insert(at.min(lines.len()), line);
        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
        let report = verify(tmp.path()).unwrap();
        prop_assert!(!report.is_ok(), "an inserted line went unnoticed");
        let _ = query(tmp.path(), &AuditFilter::default(), None, 50);
        // A segment of arbitrary bytes next to it: reported or refused, never a panic.
        std::fs::write(tmp.path().join("audit-999999.jsonl"), &raw).unwrap();
        let _ = verify(tmp.path());
        let _ = query(tmp.path(), &AuditFilter::default(), Some(2), 1);
    }

    #[test]
    fn the_plan_store_refuses_damaged_records_clearly(header in json(), item in json(), class in "[a-z_]{0,12}", text in "[ -~]{0,80}") {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("plans.db");
        let store = PlanStore::open(&path).unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        for (id, header) in [("p1", header.to_string()), ("p2", text.clone())] {
            conn.execute(
                "INSERT INTO plans (id, status, header, heartbeat_at) VALUES (?1, 'scanning', ?2, 'x')",
                rusqlite::params![id, header],
            ).unwrap();
            for (n, body) in [item.to_string(), text.clone()].into_iter().enumerate() {
                conn.execute(
                    "INSERT INTO plan_items (plan_id, matter_id, field_id, class, item) VALUES (?1, ?2, 1, ?3, ?4)",
                    rusqlite::params![id, n as i64, class, body],
                ).unwrap();
            }
        }
        for id in ["p1", "p2", "p3"] {
            let results = [
                store.header(id).err(),
                store.counts(id).err(),
                store.matter_page(id, &[ItemClass::Change, ItemClass::Invalid], None, 10).err(),
                store.all_items(id).err(),
            ];
            for e in results.into_iter().flatten() {
                assert_clean("the plan store", &e.to_string().replace(&path.display().to_string(), "PATH"));
            }
        }
        let _ = store.list(10);
    }

    #[test]
    fn a_plan_store_file_of_garbage_is_refused_not_a_panic(raw in prop::collection::vec(any::<u8>(), 0..2000)) {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("plans.db");
        std::fs::write(&path, &raw).unwrap();
        if let Ok(store) = PlanStore::open(&path) {
            let _ = store.list(10);
            let _ = store.header("p1");
        }
    }
}
