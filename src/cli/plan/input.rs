//! What `plan propose` reads from its command line and files: a `--rule` and a `--values`
//! file, refused with the setting, the entry and the key that are wrong (never serde's words).

use std::path::Path;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::cli::error::CliError;
use crate::normalize::Rule;
use crate::plan::request::ProposedValue;
use crate::tools::args;

const RULE_HINT: &str = "use a name (address, phone, person_name, whitespace, case, email, \
picklist, currency, date) or JSON like {\"rule\":\"date\",\"order\":\"mdy\"}";

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RuleArg {
    rule: Rule,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ValuesFile {
    values: Vec<ProposedValue>,
}

fn one(name: &str, value: Value) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert(name.to_string(), value);
    map
}

/// `--rule`: a rule name, or the rule as JSON.
pub(crate) fn parse_rule(s: &str) -> Result<Rule, String> {
    let value = if s.trim_start().starts_with('{') {
        serde_json::from_str(s)
            .map_err(|e| format!("it is not a rule (not JSON: {e}); {RULE_HINT}"))?
    } else {
        json!({ "rule": s.trim() })
    };
    args::parse::<RuleArg>(one("rule", value))
        .map(|r| r.rule)
        .map_err(|e| format!("it is not a rule ({e}); {RULE_HINT}"))
}

/// `--values FILE`: a JSON list of `{"matter_id", "value", "field"}` objects.
pub(crate) fn read_values(path: &Path) -> Result<Vec<ProposedValue>, CliError> {
    let usage = |what: String| {
        CliError::Usage(format!(
            "--values {}: {what}; give a JSON list like [{{\"matter_id\": 1234, \"value\": \
             \"(312) 555-0142\", \"field\": \"Client Phone\"}}]",
            path.display()
        ))
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| usage(format!("could not be read ({e})")))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| usage(format!("is not JSON ({e})")))?;
    args::parse::<ValuesFile>(one("values", value))
        .map(|v| v.values)
        .map_err(|e| usage(format!("entry {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_rule_names_the_option_and_never_a_type() {
        let e = parse_rule(r#"{"rule":"phone","format":"hex"}"#).unwrap_err();
        assert!(e.contains("rule.format"), "{e}");
        assert!(e.contains("parens, dashes, dots, e164"), "{e}");
        assert!(!e.contains("enum") && !e.contains("Rule"), "{e}");
        assert!(parse_rule("phone").is_ok());
        assert!(parse_rule("telephone").unwrap_err().contains("address"));
    }

    #[test]
    fn a_bad_values_file_names_the_entry_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.json");
        std::fs::write(
            &path,
            r#"[{"matter_id": 1, "value": "a"}, {"matter_id": "x", "value": "b"}]"#,
        )
        .unwrap();
        let e = read_values(&path).unwrap_err().to_string();
        assert!(e.contains("values[1].matter_id"), "{e}");
        assert!(!e.contains("u64") && !e.contains("struct"), "{e}");
        std::fs::write(&path, "[{").unwrap();
        assert!(
            read_values(&path)
                .unwrap_err()
                .to_string()
                .contains("is not JSON")
        );
        std::fs::write(&path, r#"[{"matter_id": 1, "value": "a"}]"#).unwrap();
        assert_eq!(read_values(&path).unwrap().len(), 1);
    }
}
