//! Argument errors in plain words: what a schema accepts, what the parser expected (without
//! Rust type names), an example value.

use serde_json::{Value, json};

use super::text::clean;

/// Most characters of a schema description quoted in an error.
const DESCRIPTION_CHARS: usize = 200;

pub fn names(list: &[&str]) -> String {
    list.join(", ")
}

/// The parser's expectation in plain words (no Rust type names).
pub fn expected_words(expected: &str) -> String {
    let listed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    if !listed.is_empty() {
        return format!("one of {}", names(&listed));
    }
    let e = expected.trim();
    match e {
        "fields" => "none (it takes no options)".into(),
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a string" | "a borrowed string" | "a character" | "char" => "text".into(),
        "a boolean" => "true or false".into(),
        _ if e.contains("sequence") || e.starts_with("tuple") || e.starts_with("an array") => {
            "a list".into()
        }
        _ if e.contains("map") || e.contains("struct") || e.contains("enum") => "an object".into(),
        _ => "a value as the tool's description says".into(),
    }
}

/// What a schema accepts, in words, with its description.
pub fn accepted(node: &Value) -> String {
    let mut words = match node.get("enum").and_then(Value::as_array) {
        Some(values) => {
            let listed: Vec<String> = values
                .iter()
                .map(|v| v.as_str().map_or(v.to_string(), str::to_string))
                .collect();
            format!("one of {}", listed.join(", "))
        }
        None => kind_words(node),
    };
    if let Some(d) = node.get("description").and_then(Value::as_str) {
        words.push_str(&format!(
            " ({})",
            clean(
                &d.trim_end_matches('.').replace('\n', " "),
                DESCRIPTION_CHARS
            )
        ));
    }
    words
}

fn kind_words(node: &Value) -> String {
    let one = |t: &str| match t {
        "integer" => "a whole number".to_string(),
        "number" => "a number".to_string(),
        "string" => "text".to_string(),
        "boolean" => "true or false".to_string(),
        "null" => "null".to_string(),
        "array" => match node.get("items") {
            Some(items) => format!("a list, each {}", kind_words(items)),
            None => "a list".to_string(),
        },
        _ => match node.get("required").and_then(Value::as_array) {
            Some(req) if !req.is_empty() => {
                let req: Vec<&str> = req.iter().filter_map(Value::as_str).collect();
                format!("an object with {}", names(&req))
            }
            _ => "an object".to_string(),
        },
    };
    match node.get("type") {
        Some(Value::String(t)) => one(t),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(one)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "a value as the tool's description says".to_string(),
    }
}

/// An example value for an argument, by its name or else by its schema.
pub fn example(name: Option<&str>, node: Option<&Value>) -> Value {
    let known = match name.unwrap_or_default() {
        "matter_id" => json!(1234),
        "matter_ids" | "ids" => json!([1234, 5678]),
        "limit" => json!(10),
        "wait_seconds" => json!(10),
        "cursor" => json!("<next_cursor of the previous page>"),
        "job_id" => json!("<job_id from apply_plan>"),
        "plan_id" => json!("<plan_id from propose_normalization>"),
        "content_hash" => json!("<content_hash from get_plan>"),
        "updated_since" | "since" => json!("2024-05-01T00:00:00Z"),
        "fields" => json!(["Phone"]),
        "field" => json!("Phone"),
        "value" => json!("(312) 555-0142"),
        "rule" => json!({"rule": "phone", "format": "parens"}),
        "values" => json!([{"matter_id": 1234, "value": "(312) 555-0142"}]),
        "query" => json!("Smith"),
        "field_type" => json!("picklist"),
        _ => Value::Null,
    };
    if !known.is_null() {
        return known;
    }
    let Some(node) = node else { return Value::Null };
    if let Some(first) = node.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    match node.get("type").and_then(Value::as_str) {
        Some("integer" | "number") => json!(1),
        Some("string") => json!("text"),
        Some("boolean") => json!(true),
        Some("array") => json!([example(None, node.get("items"))]),
        _ => Value::Null,
    }
}
