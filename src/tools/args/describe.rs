//! The words of an argument error: which argument (a path into the arguments), what was given,
//! what is accepted (read from the tool's input schema, or failing that from what the parser
//! expected, translated) and an example. serde's own text is read, never shown.

use serde_json::Value;

use super::ArgError;
use super::text::{GIVEN_CHARS, NAME_CHARS, clean, given, given_text};
use super::words::{accepted, example, expected_words, names};

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// The path as the error names it: `values[2].matter_id`, input keys cleaned and cut.
fn render_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if out.is_empty() => out.push_str(&clean(k, NAME_CHARS)),
            Seg::Key(k) => out.push_str(&format!(".{}", clean(k, NAME_CHARS))),
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        out.push_str("arguments");
    }
    clean(&out, GIVEN_CHARS)
}

fn at<'v>(mut value: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    for seg in path {
        value = match seg {
            Seg::Key(k) => value.get(k)?,
            Seg::Index(i) => value.get(i)?,
        };
    }
    Some(value)
}

fn schema_at<'s>(mut schema: &'s Value, path: &[Seg]) -> Option<&'s Value> {
    for seg in path {
        schema = match seg {
            Seg::Key(k) => schema.get("properties")?.get(k)?,
            Seg::Index(_) => schema.get("items")?,
        };
    }
    Some(schema)
}

/// The top-level arguments the schema does not know, all named at once with the known ones.
pub fn unknown_arguments(schema: &Value, value: &Value) -> Option<ArgError> {
    if schema.get("additionalProperties") != Some(&Value::Bool(false)) {
        return None;
    }
    let known: Vec<&str> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let unknown: Vec<&String> = value
        .as_object()?
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .collect();
    let first = unknown.first()?;
    let shown: Vec<String> = unknown
        .iter()
        .take(3)
        .map(|k| given_text(&clean(k, 28)))
        .collect();
    let more = match unknown.len() {
        n if n > 3 => format!(" and {} more", n - 3),
        _ => String::new(),
    };
    let accepted = if known.is_empty() {
        "this tool takes no arguments".to_string()
    } else {
        format!("accepted arguments: {}", names(&known))
    };
    Some(ArgError::new(
        given_text(&clean(first, NAME_CHARS)),
        format!("unknown argument {}{more}; {accepted}", shown.join(", ")),
    ))
}

/// What serde's message says, read (never repeated).
enum Problem {
    Missing(String),
    UnknownName(String, String),
    UnknownValue(String, String),
    Invalid(String, String),
    Other,
}

/// Splits `text` after `prefix` at the last `sep` (input is quoted before it, ours after).
fn split<'t>(text: &'t str, prefix: &str, sep: &str) -> Option<(&'t str, &'t str)> {
    let rest = text.strip_prefix(prefix)?;
    let at = rest.rfind(sep)?;
    Some((&rest[..at], &rest[at + sep.len()..]))
}

fn read(message: &str) -> Problem {
    if let Some(rest) = message.strip_prefix("missing field `") {
        return Problem::Missing(rest.trim_end_matches('`').to_string());
    }
    for (prefix, unknown_name) in [("unknown field `", true), ("unknown variant `", false)] {
        let parts = split(message, prefix, "`, expected ")
            .or_else(|| split(message, prefix, "`, there are no "));
        if let Some((name, expected)) = parts {
            let (name, expected) = (name.to_string(), expected.to_string());
            return match unknown_name {
                true => Problem::UnknownName(name, expected),
                false => Problem::UnknownValue(name, expected),
            };
        }
    }
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some((unexpected, expected)) = split(message, prefix, ", expected ") {
            return Problem::Invalid(unexpected.to_string(), expected.to_string());
        }
    }
    Problem::Other
}

/// serde's description of a JSON value, as in its `invalid type` messages.
fn serde_unexpected(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".to_string(),
        Value::Object(_) => "map".to_string(),
    }
}

/// Inside a value the parser could not follow (an internally tagged rule), the one key whose
/// value (or name) the message is about.
fn refine(path: &mut Vec<Seg>, value: &Value, matches: impl Fn(&str, &Value) -> bool) {
    let Some(map) = at(value, path).and_then(Value::as_object) else {
        return;
    };
    let hits: Vec<&String> = map
        .iter()
        .filter(|(k, v)| matches(k, v))
        .map(|(k, _)| k)
        .collect();
    if let [one] = hits.as_slice() {
        path.push(Seg::Key((*one).clone()));
    }
}

/// The error for a failed parse of `value` against `schema`.
pub fn error(
    schema: &Value,
    value: &Value,
    e: &serde_path_to_error::Error<serde_json::Error>,
) -> ArgError {
    let mut path: Vec<Seg> = e
        .path()
        .iter()
        .filter_map(|s| match s {
            serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
            _ => None,
        })
        .collect();
    let problem = read(&e.inner().to_string());
    let head = match &problem {
        Problem::Missing(name) => {
            path.push(Seg::Key(name.clone()));
            format!("{} is required", render_path(&path))
        }
        Problem::UnknownName(name, _) => {
            if matches!(path.last(), Some(Seg::Key(k)) if k == name) {
                path.pop();
            }
            let shown = given_text(&clean(name, NAME_CHARS));
            format!("{}: unknown name {shown}", render_path(&path))
        }
        Problem::UnknownValue(name, _) => {
            refine(&mut path, value, |_, v| v.as_str() == Some(name));
            format!(
                "{}: {} is not accepted",
                render_path(&path),
                given_text(name)
            )
        }
        Problem::Invalid(unexpected, _) => {
            if unexpected != "map" {
                refine(&mut path, value, |_, v| serde_unexpected(v) == *unexpected);
            }
            match at(value, &path) {
                Some(v) if !path.is_empty() => {
                    format!("{}: {} is not accepted", render_path(&path), given(v))
                }
                _ => format!("{}: not accepted", render_path(&path)),
            }
        }
        Problem::Other => format!("{}: not accepted", render_path(&path)),
    };
    let node = schema_at(schema, &path);
    let accepted = match (&problem, node) {
        (Problem::UnknownName(_, exp), _) => format!(
            "accepted names: {}",
            expected_words(exp).trim_start_matches("one of ")
        ),
        (_, Some(n)) => format!("accepted: {}", accepted(n)),
        (Problem::UnknownValue(_, exp) | Problem::Invalid(_, exp), None) => {
            format!("accepted: {}", expected_words(exp))
        }
        _ => "see the tool's input schema".to_string(),
    };
    let leaf = path.iter().rev().find_map(|s| match s {
        Seg::Key(k) => Some(k.as_str()),
        Seg::Index(_) => None,
    });
    let example = example(leaf, node);
    let example = match (path.last(), example) {
        (Some(Seg::Index(_)), Value::Array(items)) => items.into_iter().next().unwrap_or_default(),
        (_, example) => example,
    };
    let example = match (leaf, example.is_null()) {
        (_, true) => String::new(),
        (Some(name), false) if matches!(path.last(), Some(Seg::Key(_))) => {
            format!(". Example: \"{}\": {example}", clean(name, NAME_CHARS))
        }
        (_, false) => format!(". Example: {example}"),
    };
    ArgError::new(render_path(&path), format!("{head}; {accepted}{example}"))
}
