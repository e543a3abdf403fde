//! The `clio-mcp audit` command line, run as a black box through the built binary.

// Test helpers outside #[test] fns are not covered by clippy.toml allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use clio_mcp::audit::{Action, AuditEvent, AuditLog, AuditOptions, audit_dir};
use serde_json::json;

fn seed(home: &Path) {
    let log = AuditLog::open(&audit_dir(home), AuditOptions::new("alice", "s1")).unwrap();
    log.append(AuditEvent::new(Action::JobStart, "apply").job("job-1"))
        .unwrap();
    log.append(
        AuditEvent::new(Action::WriteDone, "apply")
            .job("job-1")
            .matter(101)
            .field("Case Stage", 5)
            .values(json!("Intake"), json!("=Discovery")),
    )
    .unwrap();
    log.append(
        AuditEvent::new(Action::WriteDone, "apply")
            .job("job-1")
            .matter(202)
            .field("Case Stage", 5)
            .values(json!("Intake"), json!("Trial")),
    )
    .unwrap();
    log.append(AuditEvent::new(Action::JobEnd, "apply").job("job-1"))
        .unwrap();
    log.append(
        AuditEvent::new(Action::Conflict, "apply")
            .job("job-2")
            .matter(101),
    )
    .unwrap();
}

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clio-mcp"))
        .arg("--home")
        .arg(home)
        .arg("audit")
        .args(args)
        .env_remove("CLIO_MCP_HOME")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn verify_exits_zero_and_prints_head_for_an_intact_log() {
    let home = tempfile::tempdir().unwrap();
    seed(home.path());
    let out = run(home.path(), &["verify"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.starts_with("OK: 5 entries"), "{text}");
    assert!(text.contains("head: 5:"), "{text}");
}

#[test]
fn verify_exits_one_and_names_the_first_bad_entry_when_tampered() {
    let home = tempfile::tempdir().unwrap();
    seed(home.path());
    let path = audit_dir(home.path()).join("audit-000001.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"Trial\"", "\"Appeal\"");
    std::fs::write(&path, text).unwrap();
    let out = run(home.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("First bad entry: 3"), "{text}");
    assert!(text.contains("entry 3"), "{text}");
}

#[test]
fn verify_with_expected_head_detects_cut_off_entries() {
    let home = tempfile::tempdir().unwrap();
    seed(home.path());
    let head = stdout(&run(home.path(), &["verify"]))
        .lines()
        .find_map(|l| l.strip_prefix("head: ").map(str::to_owned))
        .unwrap();
    assert!(
        run(home.path(), &["verify", "--expect-head", &head])
            .status
            .success()
    );
    let path = audit_dir(home.path()).join("audit-000001.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, kept).unwrap();
    let out = run(home.path(), &["verify", "--expect-head", &head]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stdout(&out).contains("cut off the end"));
}

#[test]
fn bad_arguments_exit_with_an_error_on_stderr_and_nothing_on_stdout() {
    let home = tempfile::tempdir().unwrap();
    let out = run(home.path(), &["verify", "--expect-head", "nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SEQ:HASH"));
    let out = run(home.path(), &["show", "--action", "delete"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("write-done"));
}

#[test]
fn show_filters_by_matter_job_and_action() {
    let home = tempfile::tempdir().unwrap();
    seed(home.path());
    let text = stdout(&run(home.path(), &["show", "--matter", "101"]));
    assert!(text.contains("(2 entries)"), "{text}");
    assert!(text.contains("\"Intake\" -> \"=Discovery\""), "{text}");
    assert!(!text.contains("Trial"), "{text}");

    let text = stdout(&run(
        home.path(),
        &["show", "--job", "job-1", "--action", "write-done"],
    ));
    assert!(text.contains("(2 entries)"), "{text}");
    assert!(text.lines().next().unwrap().starts_with("SEQ"), "{text}");

    let text = stdout(&run(home.path(), &["show", "--action", "conflict"]));
    assert!(text.contains("(1 entries)"), "{text}");
    let text = stdout(&run(home.path(), &["show", "--since", "2999-01-01"]));
    assert!(text.contains("(0 entries)"), "{text}");
}

#[test]
fn export_csv_has_a_header_and_one_row_per_matching_entry() {
    let home = tempfile::tempdir().unwrap();
    seed(home.path());
    let out = run(
        home.path(),
        &["export", "--format", "csv", "--action", "write-done"],
    );
    assert!(out.status.success(), "{out:?}");
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "seq");
    assert_eq!(&headers[10], "old_value");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][6], "101");
    assert_eq!(&rows[0][10], "Intake");
    assert_eq!(
        &rows[0][11], "'=Discovery",
        "formula-looking cells are defused"
    );
    assert_eq!(&rows[1][11], "Trial");
}

#[test]
fn export_jsonl_to_a_file_writes_verifiable_entries() {
    let home = tempfile::tempdir().unwrap();
    seed(home.path());
    let file = home.path().join("out.jsonl");
    let out = run(home.path(), &["export", "--output", file.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty());
    let exported = std::fs::read_to_string(&file).unwrap();
    let original =
        std::fs::read_to_string(audit_dir(home.path()).join("audit-000001.jsonl")).unwrap();
    assert_eq!(exported, original);
}

#[test]
fn report_writes_an_html_file() {
    let home = tempfile::tempdir().unwrap();
    seed(home.path());
    let file = home.path().join("report.html");
    let out = run(home.path(), &["report", "--html", file.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("hash chain intact"));
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("=Discovery"));
}

#[test]
fn home_can_come_from_the_environment() {
    let home = tempfile::tempdir().unwrap();
    seed(home.path());
    let out = Command::new(env!("CARGO_BIN_EXE_clio-mcp"))
        .args(["audit", "verify"])
        .env("CLIO_MCP_HOME", home.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).starts_with("OK: 5 entries"));
}

#[test]
fn verify_detects_a_log_cut_short_from_the_head_the_state_store_kept() {
    let home = tempfile::tempdir().unwrap();
    let db = clio_mcp::files::state_db(home.path());
    let log = AuditLog::open(
        &audit_dir(home.path()),
        AuditOptions::new("alice", "s1").head_db(&db),
    )
    .unwrap();
    for job in ["job-1", "job-2", "job-3", "job-4"] {
        log.append(AuditEvent::new(Action::JobStart, "apply").job(job))
            .unwrap();
    }
    assert!(run(home.path(), &["verify"]).status.success());
    // No head was ever written down by a person: the state store's is enough.
    let path = audit_dir(home.path()).join("audit-000001.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, kept).unwrap();
    let out = run(home.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("entry 4"), "{text}");
    assert!(text.contains("cut off the end"), "{text}");
    assert!(text.contains("state store"), "{text}");
}

#[test]
fn verify_passes_after_a_torn_line_was_recovered_and_says_so() {
    let home = tempfile::tempdir().unwrap();
    seed(home.path());
    let path = audit_dir(home.path()).join("audit-000001.jsonl");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"seq\":6,\"ts\":");
    std::fs::write(&path, bytes).unwrap();
    // Before recovery the log is damaged...
    assert_eq!(run(home.path(), &["verify"]).status.code(), Some(1));
    // ...the next process to open it moves the fragment aside, and appends go on.
    AuditLog::open(&audit_dir(home.path()), AuditOptions::new("bob", "s2"))
        .unwrap()
        .append(AuditEvent::new(Action::JobEnd, "apply").job("job-2"))
        .unwrap();
    let out = run(home.path(), &["verify"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("note: entry 6"), "{text}");
    assert!(text.contains("torn"), "{text}");
}
