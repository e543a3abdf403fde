//! Table-driven check of the normalization rules against the fixture corpus.

use clio_mcp::normalize::{FieldSpec, Outcome, Rule, normalize};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Group {
    rule: Rule,
    field: FieldSpec,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[serde(rename = "in")]
    input: String,
    /// The value the field should hold afterwards (a change, or the input itself if clean).
    out: Option<String>,
    #[serde(default)]
    needs_human: bool,
    #[serde(default)]
    invalid: bool,
}

fn check(group: &Group, case: &Case) -> Result<(), String> {
    let got = normalize(&group.rule, &group.field, Some(&case.input))
        .map_err(|e| format!("error: {e}"))?;
    let ok = match (&case.out, &got) {
        (Some(want), Outcome::Change { new }) => want == new,
        (Some(want), Outcome::AlreadyClean) => *want == case.input,
        (None, Outcome::NeedsHuman { .. }) => case.needs_human,
        (None, Outcome::Invalid { .. }) => case.invalid,
        _ => false,
    };
    if !ok {
        return Err(format!("expected {:?} got {got:?}", expectation(case)));
    }
    if let Outcome::Change { new } = &got {
        let again = normalize(&group.rule, &group.field, Some(new)).map_err(|e| e.to_string())?;
        if again != Outcome::AlreadyClean {
            return Err(format!("not idempotent: {new:?} -> {again:?}"));
        }
    }
    Ok(())
}

fn expectation(case: &Case) -> String {
    match (&case.out, case.needs_human, case.invalid) {
        (Some(o), _, _) => o.clone(),
        (None, true, _) => "needs_human".into(),
        (None, _, true) => "invalid".into(),
        _ => "nothing (bad fixture)".into(),
    }
}

#[test]
fn corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/normalize");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut total, mut failures) = (0, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let groups: Vec<Group> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for group in &groups {
            for case in &group.cases {
                total += 1;
                if let Err(why) = check(group, case) {
                    let name = file.file_name().unwrap().to_string_lossy();
                    failures.push(format!(
                        "{name} [{}] {:?}: {why}",
                        group.rule.name(),
                        case.input
                    ));
                }
            }
        }
    }
    assert!(total >= 200, "corpus has only {total} cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{total} corpus cases passed");
}
