//! Bad input on the command line, in a file it names, or in the environment: the message names
//! the flag, the entry or the variable, says what is accepted, repeats little of the input,
//! and never a Rust type name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::cli::{clio, text};

const LEAKS: [&str; 8] = [
    "u32",
    "u64",
    "usize",
    "struct ",
    "enum ",
    "::",
    "deserialize",
    "panicked",
];

fn refused(args: &[&str], env: &[(&str, &str)], wanted: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    let out = clio(home.path(), args, env);
    assert!(!out.status.success(), "{args:?} succeeded: {}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    for word in wanted {
        assert!(
            err.contains(word),
            "{args:?} {env:?}: {word:?} not in {err}"
        );
    }
    for word in LEAKS {
        assert!(
            !err.contains(word),
            "{args:?} {env:?}: {word:?} leaked in {err}"
        );
    }
    assert!(
        err.matches('Z').count() <= 200,
        "{args:?}: echoed too much: {}",
        err.len()
    );
    err
}

#[test]
fn flags_of_the_wrong_kind_name_the_flag() {
    refused(&["plan", "list", "--limit", "many"], &[], &["--limit"]);
    refused(
        &["plan", "show", "p", "--class", "changes"],
        &[],
        &["--class", "needs_human"],
    );
    refused(&["plan", "nonsense"], &[], &["nonsense"]);
}

#[test]
fn a_bad_rule_or_values_file_names_the_option_or_entry() {
    refused(
        &[
            "plan",
            "propose",
            "--sandbox",
            "--field",
            "Client Phone",
            "--rule",
            r#"{"rule":"phone","format":"hex"}"#,
        ],
        &[],
        &["--rule", "rule.format", "parens, dashes, dots, e164"],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("values.json");
    std::fs::write(
        &file,
        r#"[{"matter_id": 1, "value": "a"}, {"matter_id": "x", "value": "b"}]"#,
    )
    .unwrap();
    refused(
        &[
            "plan",
            "propose",
            "--sandbox",
            "--field",
            "Client Phone",
            "--values",
            file.to_str().unwrap(),
        ],
        &[],
        &["--values", "values[1].matter_id", "whole number"],
    );
    std::fs::write(&file, "[{\"matter_id\": 1,").unwrap();
    refused(
        &[
            "plan",
            "propose",
            "--sandbox",
            "--field",
            "Client Phone",
            "--values",
            file.to_str().unwrap(),
        ],
        &[],
        &["--values", "is not JSON"],
    );
}

#[test]
fn a_bad_environment_setting_names_the_variable_and_is_repeated_short() {
    let long = format!("\u{202e}{}", "Z".repeat(5000));
    let err = refused(
        &["auth", "status"],
        &[("CLIO_REGION", &long)],
        &["CLIO_REGION", "us, ca, eu, au"],
    );
    assert!(!err.contains('\u{202e}'), "{err:?}");
    refused(
        &["auth", "status"],
        &[("CLIO_RATE_LIMIT", "fast")],
        &["CLIO_RATE_LIMIT", "whole number"],
    );
    refused(
        &["auth", "status"],
        &[("CLIO_BASE_URL", "ftp://x")],
        &["CLIO_BASE_URL", "http"],
    );
    refused(
        &["auth", "status"],
        &[("CLIO_MCP_CREDENTIAL_STORE", "vault")],
        &["CLIO_MCP_CREDENTIAL_STORE", "keyring"],
    );
}
