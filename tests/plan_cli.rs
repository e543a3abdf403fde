#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `clio-mcp plan ...` run as a black box through the built binary, on the in-process sandbox.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_clio-mcp");

const CSV_HEADER: [&str; 14] = [
    "class",
    "matter_id",
    "display_number",
    "field_name",
    "field_id",
    "field_type",
    "value_id",
    "old",
    "old_label",
    "new",
    "new_label",
    "reason",
    "candidates",
    "matter_etag",
];

/// `clio-mcp --home HOME plan --sandbox ARGS...`, checked for what no command may print:
/// terminal escapes on stdout, a panic on stderr.
fn plan(home: &Path, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .arg("--home")
        .arg(home)
        .args(["plan", "--sandbox"])
        .args(args)
        .env_remove("CLIO_MCP_HOME")
        .env_remove("CLIO_MCP_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stdout.contains('\u{1b}'),
        "terminal escapes on stdout of {args:?}:\n{stdout}"
    );
    assert!(!stderr.contains("panicked"), "panic in {args:?}:\n{stderr}");
    out
}

/// The stdout of a command that must succeed.
fn ok(home: &Path, args: &[&str]) -> String {
    let out = plan(home, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The stderr of a command that must be refused as a usage error (exit 2).
fn refused(home: &Path, args: &[&str]) -> String {
    let out = plan(home, args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

/// The plan id from the first line, `Plan plan-... (status)`.
fn plan_id(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    let id = first
        .strip_prefix("Plan ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `Plan <id>` first line in:\n{text}"));
    assert!(
        id.starts_with("plan-") && id.len() > "plan-".len(),
        "{id:?} in:\n{text}"
    );
    id.to_string()
}

/// `(matters read, changes, need a human, invalid, clean, empty)` from the summary line
/// `N matters read: N changes on N matters, N need a human, N invalid, N clean, N empty`.
fn summary(text: &str) -> [u64; 6] {
    let line = text
        .lines()
        .find(|l| l.contains("matters read:"))
        .unwrap_or_else(|| panic!("no summary line in:\n{text}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(numbers.len(), 7, "{line}");
    [
        numbers[0], numbers[1], numbers[3], numbers[4], numbers[5], numbers[6],
    ]
}

/// The class headings printed, e.g. `["Changes (1831)", "Empty (116)"]`.
fn headings(text: &str) -> Vec<&str> {
    const TITLES: [&str; 5] = [
        "Changes (",
        "Needs a human (",
        "Invalid (",
        "Already clean (",
        "Empty (",
    ];
    text.lines()
        .filter(|l| TITLES.iter().any(|t| l.starts_with(t)))
        .collect()
}

fn propose_addresses(home: &Path) -> (String, String) {
    let text = ok(
        home,
        &["propose", "--field", "Client Address", "--rule", "address"],
    );
    (plan_id(&text), text)
}

#[test]
fn propose_prints_the_plan_its_counts_its_changes_and_a_reviewer_file_that_list_and_show_find() {
    let home = tempfile::tempdir().unwrap();
    let (id, text) = propose_addresses(home.path());

    assert!(text.contains(&format!("Plan {id} (complete)")), "{text}");
    assert!(text.contains("fields: Client Address (4101)"), "{text}");
    let [read, change, needs_human, invalid, clean, empty] = summary(&text);
    assert_eq!(
        read, 1_996,
        "2,000 less the 4 this user may not see: {text}"
    );
    assert!(change > 0, "{text}");
    assert_eq!(
        change + needs_human + invalid + clean + empty,
        read,
        "{text}"
    );
    assert!(
        headings(&text).contains(&format!("Changes ({change})").as_str()),
        "{text}"
    );
    // Propose shows only the changes.
    assert_eq!(headings(&text).len(), 1, "{text}");
    let reviewer = text
        .lines()
        .find_map(|l| l.strip_prefix("Reviewer file (every row): "))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no reviewer file in:\n{text}"));
    assert!(reviewer.is_file(), "{}", reviewer.display());
    assert!(
        reviewer.starts_with(home.path().join("sandbox")),
        "{}",
        reviewer.display()
    );
    let html = std::fs::read_to_string(&reviewer).unwrap();
    assert!(html.contains(&id), "the reviewer file names its plan");
    assert!(
        text.contains(&format!("clio-mcp plan show {id} --sandbox")),
        "{text}"
    );

    let list = ok(home.path(), &["list"]);
    let line = list
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_else(|| panic!("{id} not listed:\n{list}"));
    assert!(line.contains("complete"), "{line}");
    assert!(line.contains(&format!("{change} changes")), "{line}");
    assert!(line.contains("Client Address (4101)"), "{line}");

    let only = ok(home.path(), &["show", &id, "--class", "needs_human"]);
    assert_eq!(plan_id(&only), id);
    assert_eq!(
        headings(&only),
        vec![format!("Needs a human ({needs_human})")],
        "{only}"
    );
    let items: Vec<&str> = only
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains("Client Address:"))
        .collect();
    assert!(!items.is_empty(), "{only}");
    // Each needs_human line carries its reason, in parentheses.
    assert!(
        items.iter().all(|l| l.contains("  (") && l.ends_with(')')),
        "{only}"
    );
}

#[test]
fn export_writes_a_csv_with_one_change_row_per_change_shown_and_an_html_page() {
    let home = tempfile::tempdir().unwrap();
    let (id, _) = propose_addresses(home.path());
    let shown = ok(home.path(), &["show", &id]);
    let [read, change, needs_human, invalid, clean, empty] = summary(&shown);

    let csv_path = home.path().join("review.csv");
    let wrote = ok(
        home.path(),
        &[
            "export",
            &id,
            "--format",
            "csv",
            "--output",
            csv_path.to_str().unwrap(),
        ],
    );
    assert!(wrote.contains(&csv_path.display().to_string()), "{wrote}");
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        &csv::StringRecord::from(CSV_HEADER.to_vec())
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let of = |class: &str| rows.iter().filter(|r| &r[0] == class).count() as u64;
    assert_eq!(of("change"), change);
    assert_eq!(of("needs_human"), needs_human);
    assert_eq!(of("invalid"), invalid);
    assert_eq!(of("clean"), clean);
    assert_eq!(of("empty"), empty);
    assert_eq!(rows.len() as u64, read, "one row per matter for one field");
    // A change row has an old and a new value and names its field.
    let first_change = rows.iter().find(|r| &r[0] == "change").unwrap();
    assert_eq!(&first_change[3], "Client Address");
    assert_eq!(&first_change[4], "4101");
    assert!(!first_change[7].is_empty() && !first_change[9].is_empty());
    assert_ne!(&first_change[7], &first_change[9]);

    let html_path = home.path().join("review.html");
    ok(
        home.path(),
        &[
            "export",
            &id,
            "--format",
            "html",
            "--output",
            html_path.to_str().unwrap(),
        ],
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{}",
        &html[..80.min(html.len())]
    );
    assert!(html.contains(&id));
    assert!(html.trim_end().ends_with("</html>"));
}

#[test]
fn an_unknown_field_exits_2_and_lists_the_real_field_names() {
    let home = tempfile::tempdir().unwrap();
    let err = refused(
        home.path(),
        &["propose", "--field", "Client Adress", "--rule", "address"],
    );
    assert!(err.contains("Client Adress"), "{err}");
    for real in [
        "Client Address (4101)",
        "Mailing Address (4102)",
        "Fee Quote (4108)",
    ] {
        assert!(err.contains(real), "{real} missing from: {err}");
    }
}

#[test]
fn a_rule_on_a_field_type_it_does_not_fit_exits_2_naming_the_types_it_works_on() {
    let home = tempfile::tempdir().unwrap();
    let err = refused(
        home.path(),
        &["propose", "--field", "Fee Quote", "--rule", "currency"],
    );
    assert!(err.contains("Fee Quote"), "{err}");
    assert!(err.contains("text_line"), "{err}");
    assert!(err.contains("works on currency"), "{err}");
}

#[test]
fn a_rule_that_is_not_valid_json_exits_2_with_the_rule_names_and_an_example() {
    let home = tempfile::tempdir().unwrap();
    let err = refused(
        home.path(),
        &[
            "propose",
            "--field",
            "Client Address",
            "--rule",
            r#"{"rule":"date","#,
        ],
    );
    assert!(err.contains("is not a rule"), "{err}");
    assert!(err.contains("use a name (address, phone"), "{err}");
    assert!(err.contains(r#"{"rule":"date","order":"mdy"}"#), "{err}");
}

#[test]
fn show_before_any_propose_exits_2_telling_to_run_propose_first() {
    let home = tempfile::tempdir().unwrap();
    let err = refused(home.path(), &["show", "plan-000000000000"]);
    assert!(err.contains("run `clio-mcp plan propose` first"), "{err}");
    let err = refused(home.path(), &["list"]);
    assert!(err.contains("run `clio-mcp plan propose` first"), "{err}");
}

#[test]
fn proposed_picklist_values_are_a_change_for_a_live_label_and_invalid_with_reasons_otherwise() {
    let home = tempfile::tempdir().unwrap();
    let values = home.path().join("values.json");
    std::fs::write(
        &values,
        serde_json::json!([
            {"matter_id": 1_000_001, "value": "Web Search"},
            {"matter_id": 1_000_002, "value": "52007"},
            {"matter_id": 1_000_003, "value": "Carrier pigeon?!"},
        ])
        .to_string(),
    )
    .unwrap();
    let text = ok(
        home.path(),
        &[
            "propose",
            "--field",
            "Referral Channel",
            "--values",
            values.to_str().unwrap(),
        ],
    );
    let id = plan_id(&text);

    let shown = ok(home.path(), &["show", &id]);
    assert_eq!(summary(&shown), [3, 1, 0, 2, 0, 0], "{shown}");
    assert_eq!(
        headings(&shown),
        vec!["Changes (1)", "Invalid (2)"],
        "{shown}"
    );
    let line = |matter: &str| {
        shown
            .lines()
            .find(|l| l.contains(&format!("[{matter}] Referral Channel")))
            .unwrap_or_else(|| panic!("no line for {matter} in:\n{shown}"))
    };
    assert!(
        line("1000001").contains("->  Web Search [52001]"),
        "{shown}"
    );
    let deleted = line("1000002");
    assert!(deleted.contains("52007"), "{deleted}");
    assert!(deleted.contains("is deleted"), "{deleted}");
    let nonsense = line("1000003");
    assert!(nonsense.contains("Carrier pigeon?!"), "{nonsense}");
    assert!(
        nonsense.contains("picklist fields take an option id"),
        "{nonsense}"
    );
    // The invalid lines come after the heading `Invalid (2)`, the change before it.
    let invalid_at = shown.find("Invalid (2)").unwrap();
    assert!(shown.find(deleted).unwrap() > invalid_at);
    assert!(shown.find(nonsense).unwrap() > invalid_at);
    assert!(shown.find(line("1000001")).unwrap() < invalid_at);
}
