//! Clio's `fields` parameter: one level of braces, unknown names refused with 400.

use serde_json::{Map, Value};

/// The fields a resource allows: a plain name, or a nested resource with its own names.
pub struct Schema {
    pub fields: &'static [(&'static str, Option<&'static [&'static str]>)],
}

/// A parsed selection: top-level name and, for a nested resource, the names inside braces.
#[derive(Debug, PartialEq)]
pub struct Selection(Vec<(String, Option<Vec<String>>)>);

/// Parses `fields` against `schema`; the error is Clio's 400 message.
pub fn parse(spec: Option<&str>, schema: &Schema) -> Result<Selection, String> {
    let Some(spec) = spec.filter(|s| !s.trim().is_empty()) else {
        return Ok(Selection(vec![("id".into(), None), ("etag".into(), None)]));
    };
    let mut out = Vec::new();
    for item in split_top(spec)? {
        let (name, inner) = match item.find('{') {
            Some(open) => {
                let inner = item[open + 1..]
                    .strip_suffix('}')
                    .ok_or_else(|| invalid(&item))?;
                if inner.contains('{') || inner.contains('}') {
                    return Err(invalid(&item));
                }
                (
                    item[..open].trim().to_string(),
                    Some(
                        inner
                            .split(',')
                            .map(|s| s.trim().to_string())
                            .collect::<Vec<_>>(),
                    ),
                )
            }
            None => (item.trim().to_string(), None),
        };
        let Some((_, nested)) = schema.fields.iter().find(|(n, _)| *n == name) else {
            return Err(invalid(&item));
        };
        if let Some(inner) = &inner {
            let Some(allowed) = nested else {
                return Err(invalid(&item));
            };
            if inner
                .iter()
                .any(|n| n.is_empty() || !allowed.contains(&n.as_str()))
            {
                return Err(invalid(&item));
            }
        }
        out.push((name, inner));
    }
    Ok(Selection(out))
}

fn invalid(item: &str) -> String {
    format!("{} is not a valid field", item.trim())
}

/// Splits on commas outside braces; unbalanced braces are invalid.
fn split_top(spec: &str) -> Result<Vec<String>, String> {
    let (mut parts, mut depth, mut current) = (Vec::new(), 0i32, String::new());
    for c in spec.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        if depth < 0 {
            return Err(invalid(spec));
        }
        current.push(c);
    }
    if depth != 0 {
        return Err(invalid(spec));
    }
    parts.push(current);
    if parts.iter().any(|p| p.trim().is_empty()) {
        return Err(invalid(spec));
    }
    Ok(parts)
}

impl Selection {
    pub fn wants(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// Keeps the selected fields of a fully rendered record; a nested resource named bare
    /// keeps its defaults (`id`, `etag`).
    pub fn apply(&self, full: &Value) -> Value {
        let mut out = Map::new();
        for (name, inner) in &self.0 {
            let value = full.get(name).cloned().unwrap_or(Value::Null);
            let picked = match (&value, inner) {
                // A list of records keeps each record's selection; a list of names
                // (a webhook's `events`) stays as it is.
                (Value::Array(items), _) => Value::Array(
                    items
                        .iter()
                        .map(|i| match i {
                            Value::Object(_) => pick(i, inner.as_deref()),
                            other => other.clone(),
                        })
                        .collect(),
                ),
                (Value::Object(_), _) => pick(&value, inner.as_deref()),
                _ => value,
            };
            out.insert(name.clone(), picked);
        }
        Value::Object(out)
    }
}

fn pick(record: &Value, names: Option<&[String]>) -> Value {
    if record.is_null() {
        return Value::Null;
    }
    let defaults = ["id".to_string(), "etag".to_string()];
    let names = names.unwrap_or(&defaults);
    let mut out = Map::new();
    for n in names {
        let v = record.get(n).cloned().unwrap_or(Value::Null);
        // One level only: anything nested below comes back as its defaults.
        let v = if v.is_object() { pick(&v, None) } else { v };
        out.insert(n.clone(), v);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: Schema = Schema {
        fields: &[
            ("id", None),
            ("etag", None),
            ("name", None),
            ("values", Some(&["id", "value", "custom_field"])),
        ],
    };

    #[test]
    fn no_fields_gives_id_and_etag() {
        let sel = parse(None, &SCHEMA).unwrap();
        let out = sel.apply(&json!({"id": 1, "etag": "\"e\"", "name": "x"}));
        assert_eq!(out, json!({"id": 1, "etag": "\"e\""}));
    }

    #[test]
    fn one_level_of_braces_selects_nested_fields() {
        let sel = parse(Some("id,values{id,custom_field}"), &SCHEMA).unwrap();
        let out = sel.apply(&json!({"id": 1, "values": [{"id": "a-1", "value": 3, "custom_field": {"id": 9, "etag": "\"c\"", "name": "N"}}]}));
        assert_eq!(
            out,
            json!({"id": 1, "values": [{"id": "a-1", "custom_field": {"id": 9, "etag": "\"c\""}}]})
        );
    }

    #[test]
    fn nested_braces_and_unknown_fields_are_refused() {
        assert_eq!(
            parse(Some("values{custom_field{id}}"), &SCHEMA).unwrap_err(),
            "values{custom_field{id}} is not a valid field"
        );
        assert!(
            parse(Some("id,bogus"), &SCHEMA)
                .unwrap_err()
                .contains("bogus")
        );
        assert!(parse(Some("values{nope}"), &SCHEMA).is_err());
        assert!(parse(Some("name{id}"), &SCHEMA).is_err());
        assert!(parse(Some("id,,name"), &SCHEMA).is_err());
        assert!(parse(Some("values{id"), &SCHEMA).is_err());
    }
}
