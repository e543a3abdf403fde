//! Unit tests of argument parsing and its messages.
#![allow(clippy::unwrap_used)]

use super::*;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Item {
    matter_id: u64,
    value: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Sample {
    /// Per page, 1 to 200 (default 25).
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    status: Option<crate::tools::find_matters::MatterStatus>,
    #[serde(default)]
    values: Option<Vec<Item>>,
    #[serde(default)]
    rule: Option<crate::normalize::Rule>,
}

fn fail(v: Value) -> ArgError {
    parse::<Sample>(v.as_object().unwrap().clone()).unwrap_err()
}

fn assert_clean(e: &ArgError) {
    for word in [
        "u32",
        "u64",
        "struct",
        "enum ",
        "Sample",
        "Item",
        "Rule",
        "deserialize",
        "::",
    ] {
        assert!(!e.message.contains(word), "{word:?} in {:?}", e.message);
    }
}

#[test]
fn a_wrong_type_names_the_argument_the_value_and_what_is_accepted() {
    let e = fail(json!({"limit": "many"}));
    assert_eq!(e.argument, "limit");
    assert!(
        e.message.starts_with("limit: \"many\" is not accepted"),
        "{}",
        e.message
    );
    assert!(e.message.contains("a whole number"), "{}", e.message);
    assert!(e.message.contains("1 to 200"), "{}", e.message);
    assert!(
        e.message.contains("Example: \"limit\": 10"),
        "{}",
        e.message
    );
    assert_clean(&e);
    let e = fail(json!({"limit": -1}));
    assert!(e.message.contains("-1"), "{}", e.message);
    assert_clean(&e);
}

#[test]
fn nested_errors_name_their_path() {
    let e =
        fail(json!({"values": [{"matter_id": 1, "value": "a"}, {"matter_id": "x", "value": "b"}]}));
    assert_eq!(e.argument, "values[1].matter_id");
    assert_clean(&e);
    let e = fail(json!({"values": [{"value": "b"}]}));
    assert!(
        e.message.starts_with("values[0].matter_id is required"),
        "{}",
        e.message
    );
    let e = fail(json!({"values": [{"matter_id": 1, "value": "b", "colour": 1}]}));
    assert!(
        e.message.contains("unknown name \"colour\""),
        "{}",
        e.message
    );
    assert!(e.message.contains("matter_id, value"), "{}", e.message);
    let e = fail(json!({"values": "all"}));
    assert!(
        e.message
            .contains("a list, each an object with matter_id, value"),
        "{}",
        e.message
    );
    assert_clean(&e);
}

#[test]
fn rule_options_are_named_inside_the_rule() {
    let e = fail(json!({"rule": {"rule": "phone", "format": "hex"}}));
    assert_eq!(e.argument, "rule.format");
    assert!(
        e.message.contains("parens, dashes, dots, e164"),
        "{}",
        e.message
    );
    let e = fail(json!({"rule": {"rule": "phon"}}));
    assert_eq!(e.argument, "rule.rule");
    assert!(e.message.contains("address"), "{}", e.message);
    let e = fail(json!({"rule": {"rule": "currency", "allow_negative": "yes"}}));
    assert_eq!(e.argument, "rule.allow_negative", "{}", e.message);
    assert!(e.message.contains("true or false"), "{}", e.message);
    let e = fail(json!({"rule": {"rule": "phone", "fromat": "dots"}}));
    assert!(e.message.contains("\"fromat\""), "{}", e.message);
    assert!(e.message.contains("format"), "{}", e.message);
    let e = fail(json!({"rule": "phone"}));
    assert_eq!(e.argument, "rule");
    for v in [
        json!({"rule": {"rule": 5}}),
        json!({"rule": {}}),
        json!({"rule": []}),
    ] {
        assert_clean(&fail(v));
    }
}

#[test]
fn unknown_arguments_are_all_named_with_the_accepted_ones() {
    let e = fail(json!({"limt": 5, "stauts": "open"}));
    assert!(e.message.contains("\"limt\""), "{}", e.message);
    assert!(e.message.contains("\"stauts\""), "{}", e.message);
    assert!(
        e.message
            .contains("accepted arguments: limit, rule, status, values"),
        "{}",
        e.message
    );
}

#[test]
fn enum_values_are_listed() {
    let e = fail(json!({"status": "archived"}));
    assert!(
        e.message.contains("one of open, pending, closed"),
        "{}",
        e.message
    );
    assert!(e.message.contains("Example"), "{}", e.message);
}

#[test]
fn hostile_input_is_cut_and_cleaned() {
    let long = format!("\u{202e}{}\u{200b}", "A".repeat(100_000));
    for v in [
        json!({"status": long}),
        json!({"limit": long}),
        json!({long.clone(): 1}),
        json!({"values": [{"matter_id": 1, "value": "v", long.clone(): 1}]}),
        json!({"rule": {"rule": long}}),
    ] {
        let e = fail(v);
        assert!(e.message.matches('A').count() <= 200, "{}", e.message);
        assert!(
            !e.message.chars().any(crate::text::is_hidden),
            "{:?}",
            e.message
        );
        assert!(e.message.chars().count() < 800, "{}", e.message.len());
    }
}

#[test]
fn ranges_are_refused_with_the_range() {
    assert_eq!(limit(None, 25, 200).unwrap(), 25);
    assert_eq!(limit(Some(200), 25, 200).unwrap(), 200);
    let e = limit(Some(0), 25, 200).unwrap_err();
    assert!(e.message.contains("from 1 to 200"), "{}", e.message);
    assert!(limit(Some(5000), 25, 200).is_err());
    assert!(in_range("wait_seconds", Some(21), 0, 20, 0).is_err());
    assert!(text_at_most("query", Some(&"q".repeat(2000)), 1000).is_err());
    assert!(text_at_most("query", Some("q"), 1000).is_ok());
}

#[test]
fn argument_errors_become_marked_invalid_params() {
    let e: ErrorData = ArgError::new("limit", "limit: bad").into();
    assert!(is_argument_error(&e));
    assert!(!is_argument_error(&ErrorData::invalid_params(
        "tool not found",
        None
    )));
}

#[test]
fn every_tool_reads_its_arguments_with_args() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tools");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            !text.contains("wrapper::Parameters"),
            "{} uses rmcp's Parameters: use tools::args::Args",
            path.display()
        );
    }
}
