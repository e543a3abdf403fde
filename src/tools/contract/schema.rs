//! Compaction of the tools' JSON schemas: the same contract, fewer tokens for the assistant.

use std::collections::{HashMap, HashSet};

use rmcp::model::JsonObject;
use serde_json::Value;

/// Makes a tool schema cheaper for the assistant to read without changing what it accepts or
/// promises:
/// - drops noise: the `$schema` line (2020-12 is MCP's default), `"default": null`,
///   Rust-specific integer formats and the `"minimum": 0` of unsigned integers (ids and counts
///   are never negative);
/// - an optional property (one not in `required`) loses `null` from its type. In an input,
///   leaving it out means none (serde still takes an explicit null). In an output (the
///   serialize contract), a property is optional only when `skip_serializing_if` can leave it
///   out, and output structs skip every `None`, so such a property is never null;
/// - a `$defs` entry that a single `$ref` uses is written in place of that `$ref` (the
///   use-site keys, such as its description, win), and `$defs` goes when it is empty;
/// - a `oneOf` of string constants becomes an `enum` (the variants' own descriptions go: the
///   property's description says what matters);
/// - an input `cursor` loses the stock sentence "`next_cursor` of the previous page" (each
///   paged tool's description says it pages with `next_cursor`); a cursor described
///   otherwise keeps its description;
/// - an output schema loses its descriptions, its number formats and its `required` lists: assistants read the
///   tool description and the result itself, while clients use the output schema to check
///   types, which stay exact.
pub(crate) fn compact_schema(schema: &JsonObject, output: bool) -> JsonObject {
    let mut root = Value::Object(schema.clone());
    strip_noise(&mut root);
    drop_null_from_optional(&mut root);
    inline_single_use_defs(&mut root);
    constants_to_enum(&mut root);
    if !output {
        drop_cursor_boilerplate(&mut root);
    }
    if output {
        strip_formats(&mut root);
        strip_descriptions(&mut root);
        strip_required(&mut root);
    }
    match root {
        Value::Object(map) => map,
        _ => schema.clone(),
    }
}

fn strip_noise(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, v| {
                !(k.as_str() == "$schema"
                    || (k.as_str() == "default" && v.is_null())
                    || (k.as_str() == "minimum" && v.as_u64() == Some(0))
                    || (k.as_str() == "format"
                        && v.as_str().is_some_and(|f| f.starts_with("uint"))))
            });
            map.values_mut().for_each(strip_noise);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_noise),
        _ => {}
    }
}

fn constants_to_enum(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let constants: Option<Vec<Value>> = match map.get("oneOf") {
                Some(Value::Array(alternatives)) if !alternatives.is_empty() => alternatives
                    .iter()
                    .map(|a| match a.get("const") {
                        Some(c @ Value::String(_))
                            if a.as_object().is_some_and(|o| {
                                o.keys()
                                    .all(|k| ["const", "description", "type"].contains(&k.as_str()))
                            }) =>
                        {
                            Some(c.clone())
                        }
                        _ => None,
                    })
                    .collect(),
                _ => None,
            };
            if let Some(values) = constants {
                map.remove("oneOf");
                map.insert("type".to_string(), Value::String("string".to_string()));
                map.insert("enum".to_string(), Value::Array(values));
            }
            map.values_mut().for_each(constants_to_enum);
        }
        Value::Array(items) => items.iter_mut().for_each(constants_to_enum),
        _ => {}
    }
}

fn drop_cursor_boilerplate(root: &mut Value) {
    let stock = [
        "`next_cursor` of the previous page.",
        "`next_cursor` from the previous page.",
    ];
    if let Some(Value::Object(cursor)) = root.pointer_mut("/properties/cursor")
        && cursor
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| stock.contains(&d))
    {
        cursor.remove("description");
    }
}

/// `format` of numbers (`double`, `float`): Rust's detail, not the contract's.
fn strip_formats(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f == "double" || f == "float")
            {
                map.remove("format");
            }
            map.values_mut().for_each(strip_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_formats),
        _ => {}
    }
}

fn strip_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            // A property that is itself named `description` is a property, not a keyword.
            if map.get("description").is_some_and(Value::is_string) {
                map.remove("description");
            }
            map.values_mut().for_each(strip_descriptions);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_descriptions),
        _ => {}
    }
}

fn strip_required(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("required").is_some_and(Value::is_array) {
                map.remove("required");
            }
            map.values_mut().for_each(strip_required);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_required),
        _ => {}
    }
}

fn drop_null_from_optional(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let required: Vec<String> = match map.get("required") {
                Some(Value::Array(names)) => names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for (name, property) in properties.iter_mut() {
                    if !required.contains(name) {
                        without_null(property);
                    }
                }
            }
            map.values_mut().for_each(drop_null_from_optional);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_from_optional),
        _ => {}
    }
}

/// `schema` without the `null` alternative: out of a `type` list (and an `enum`), or an
/// `anyOf` of one schema and `{"type": "null"}` replaced by that schema.
fn without_null(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if let Some(Value::Array(types)) = map.get_mut("type")
        && types.iter().any(|t| t == "null")
    {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".to_string(), only);
        }
        if let Some(Value::Array(values)) = map.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
        return;
    }
    let null = serde_json::json!({"type": "null"});
    let other = match map.get("anyOf") {
        Some(Value::Array(alternatives)) if alternatives.len() == 2 => {
            match alternatives.iter().position(|a| *a == null) {
                Some(i) => alternatives[1 - i].clone(),
                None => return,
            }
        }
        _ => return,
    };
    let Value::Object(other) = other else { return };
    map.remove("anyOf");
    for (k, v) in other {
        map.entry(k).or_insert(v);
    }
}

const DEFS_PREFIX: &str = "#/$defs/";

fn inline_single_use_defs(root: &mut Value) {
    let Some(Value::Object(defs)) = root.get("$defs").cloned() else {
        return;
    };
    let mut uses: HashMap<String, usize> = HashMap::new();
    count_refs(root, &mut uses);
    let single: JsonObject = defs
        .into_iter()
        .filter(|(name, _)| uses.get(name) == Some(&1))
        .collect();
    if single.is_empty() {
        return;
    }
    let mut inlined = HashSet::new();
    let Value::Object(map) = root else { return };
    for (key, value) in map.iter_mut() {
        if key == "$defs" {
            // Entries used once are inlined where used; the others may use them.
            if let Value::Object(entries) = value {
                for (name, body) in entries.iter_mut() {
                    if !single.contains_key(name) {
                        inline_refs(body, &single, &mut vec![name.clone()], &mut inlined);
                    }
                }
            }
        } else {
            inline_refs(value, &single, &mut Vec::new(), &mut inlined);
        }
    }
    if let Some(Value::Object(entries)) = map.get_mut("$defs") {
        entries.retain(|name, _| !inlined.contains(name));
        if entries.is_empty() {
            map.remove("$defs");
        }
    }
}

fn count_refs(value: &Value, uses: &mut HashMap<String, usize>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(DEFS_PREFIX))
            {
                *uses.entry(name.to_string()).or_default() += 1;
            }
            map.values().for_each(|v| count_refs(v, uses));
        }
        Value::Array(items) => items.iter().for_each(|v| count_refs(v, uses)),
        _ => {}
    }
}

/// Replaces every `$ref` to an entry of `single` with the entry itself; `within` holds the
/// entries being inlined, so a cycle is left as a `$ref`.
fn inline_refs(
    value: &mut Value,
    single: &JsonObject,
    within: &mut Vec<String>,
    inlined: &mut HashSet<String>,
) {
    match value {
        Value::Object(map) => {
            let target = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(DEFS_PREFIX))
                .filter(|name| single.contains_key(*name) && !within.iter().any(|w| w == name))
                .map(str::to_string);
            map.values_mut()
                .for_each(|v| inline_refs(v, single, within, inlined));
            if let Some(name) = target
                && let Some(body) = single.get(&name)
            {
                let mut body = body.clone();
                within.push(name.clone());
                inline_refs(&mut body, single, within, inlined);
                within.pop();
                map.remove("$ref");
                if let Value::Object(body) = body {
                    for (k, v) in body {
                        map.entry(k).or_insert(v);
                    }
                }
                inlined.insert(name);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| inline_refs(v, single, within, inlined)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::{audit_log, find_matters, list_custom_fields, read_matter_fields, router};
    use serde_json::json;

    fn compact(schema: Value) -> Value {
        let Value::Object(map) = schema else {
            panic!("a schema object")
        };
        Value::Object(compact_schema(&map, false))
    }

    #[test]
    fn string_constants_become_an_enum_and_outputs_lose_descriptions() {
        let schema = json!({
            "description": "top",
            "properties": {
                "class": {"description": "which", "oneOf": [
                    {"const": "a", "description": "A", "type": "string"},
                    {"const": "b", "type": "string"}
                ]},
                "description": {"type": "string", "description": "a property named description"},
                "mixed": {"oneOf": [{"const": "a"}, {"type": "integer"}]}
            }
        });
        let Value::Object(map) = schema else {
            panic!("a schema object")
        };
        let input = Value::Object(compact_schema(&map, false));
        assert_eq!(
            input["properties"]["class"],
            json!({"description": "which", "type": "string", "enum": ["a", "b"]})
        );
        assert!(input["properties"]["mixed"].get("oneOf").is_some());
        let output = Value::Object(compact_schema(&map, true));
        assert_eq!(output.get("description"), None);
        let nested = json!({"required": ["a"], "properties": {"a": {"type": "object",
            "required": ["b"], "properties": {"b": {"type": "integer"}}}}});
        let Value::Object(nested) = nested else {
            panic!("a schema object")
        };
        let nested = Value::Object(compact_schema(&nested, true));
        assert_eq!(nested.get("required"), None);
        assert_eq!(nested["properties"]["a"].get("required"), None);
        assert_eq!(
            output["properties"]["class"],
            json!({"type": "string", "enum": ["a", "b"]})
        );
        assert_eq!(
            output["properties"]["description"],
            json!({"type": "string"})
        );
    }

    #[test]
    fn optional_properties_lose_null_and_required_ones_keep_it() {
        let out = compact(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "text": {"type": ["string", "null"], "description": "Text.", "default": null},
                "limit": {"type": ["integer", "null"], "format": "uint32", "minimum": 0},
                "ids": {"type": ["array", "null"], "items": {"type": "integer"}},
                "mode": {"type": ["string", "null"], "enum": ["a", "b", null]},
                "kind": {"anyOf": [{"$ref": "#/$defs/Kind"}, {"type": "null"}], "description": "K."},
                "must": {"type": ["string", "null"]},
                "nested": {
                    "type": "object",
                    "properties": {"inner": {"type": ["boolean", "null"]}}
                }
            },
            "required": ["must"],
            "$defs": {"Kind": {"type": "string", "enum": ["x", "y"], "description": "A kind."}}
        }));
        assert_eq!(
            out,
            json!({
                "type": "object",
                "properties": {
                    "text": {"type": "string", "description": "Text."},
                    "limit": {"type": "integer"},
                    "ids": {"type": "array", "items": {"type": "integer"}},
                    "mode": {"type": "string", "enum": ["a", "b"]},
                    "kind": {"type": "string", "enum": ["x", "y"], "description": "K."},
                    "must": {"type": ["string", "null"]},
                    "nested": {"type": "object", "properties": {"inner": {"type": "boolean"}}}
                },
                "required": ["must"]
            })
        );
    }

    #[test]
    fn defs_used_once_are_inlined_and_shared_ones_stay() {
        let out = compact(json!({
            "type": "object",
            "properties": {
                "rows": {"type": "array", "items": {"$ref": "#/$defs/Row"}},
                "a": {"$ref": "#/$defs/Shared"},
                "b": {"$ref": "#/$defs/Shared"},
                "tree": {"$ref": "#/$defs/Tree"}
            },
            "required": ["rows", "a", "b", "tree"],
            "$defs": {
                "Row": {"type": "object", "properties": {"cell": {"$ref": "#/$defs/Cell"}}},
                "Cell": {"type": "integer"},
                "Shared": {"type": "object", "properties": {"note": {"$ref": "#/$defs/Note"}}},
                "Note": {"type": "string"},
                "Tree": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}}}
            }
        }));
        assert_eq!(
            out,
            json!({
                "type": "object",
                "properties": {
                    "rows": {"type": "array", "items": {
                        "type": "object", "properties": {"cell": {"type": "integer"}}
                    }},
                    "a": {"$ref": "#/$defs/Shared"},
                    "b": {"$ref": "#/$defs/Shared"},
                    "tree": {"$ref": "#/$defs/Tree"}
                },
                "required": ["rows", "a", "b", "tree"],
                "$defs": {
                    "Shared": {"type": "object", "properties": {"note": {"type": "string"}}},
                    "Tree": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}}}
                }
            })
        );
    }

    #[test]
    fn optional_arguments_still_take_an_explicit_null() {
        let _: find_matters::FindMattersArgs = serde_json::from_value(json!({
            "query": null, "status": null, "updated_since": null, "ids": null,
            "cursor": null, "limit": null
        }))
        .unwrap();
        let _: list_custom_fields::ListCustomFieldsArgs = serde_json::from_value(json!({
            "field_type": null, "include_deleted": null, "cursor": null, "limit": null
        }))
        .unwrap();
        let _: read_matter_fields::ReadMatterFieldsArgs =
            serde_json::from_value(json!({"matter_ids": [1], "fields": null})).unwrap();
        let _: audit_log::AuditLogArgs = serde_json::from_value(json!({
            "matter_id": null, "job_id": null, "plan_id": null, "action": null,
            "since": null, "cursor": null, "limit": null
        }))
        .unwrap();
    }

    #[test]
    fn served_schemas_have_no_null_inputs_and_no_dangling_refs() {
        fn refs(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                        out.push(r.to_string());
                    }
                    map.values().for_each(|v| refs(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        for route in router().map.values() {
            let tool = &route.attr;
            let input = Value::Object(tool.input_schema.as_ref().clone());
            // Only a required argument may be null, on purpose (`value: null` clears a field).
            let required: Vec<&str> = input["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let optional: Vec<&Value> = input["properties"]
                .as_object()
                .map(|p| {
                    p.iter()
                        .filter(|(k, _)| !required.contains(&k.as_str()))
                        .map(|(_, v)| v)
                        .collect()
                })
                .unwrap_or_default();
            for schema in optional {
                assert!(
                    !schema.to_string().contains("\"null\""),
                    "{}: {input}",
                    tool.name
                );
            }
            let output = Value::Object(tool.output_schema.as_deref().cloned().unwrap_or_default());
            for schema in [&input, &output] {
                let mut found = Vec::new();
                refs(schema, &mut found);
                for r in found {
                    let name = r.strip_prefix(DEFS_PREFIX).unwrap_or(&r);
                    assert!(schema["$defs"].get(name).is_some(), "{}: {r}", tool.name);
                }
            }
        }
    }
}
