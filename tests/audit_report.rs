//! The HTML review page: well-formed, escaped, complete.

// Test helpers outside #[test] fns are not covered by clippy.toml allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use chrono::Utc;
use clio_mcp::audit::{
    Action, AuditEvent, AuditLog, AuditOptions, read_all, render_html_report, verify,
};
use serde_json::json;

const HOSTILE: &str = "<script>alert('x')</script> & \"quotes\"";

/// Checks that every tag opened is closed in order, that text holds no raw `<`/`>`, and
/// that every `&` starts a known entity. Returns the tag names seen.
fn check_well_formed(html: &str) -> Vec<String> {
    const VOID: [&str; 2] = ["meta", "br"];
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = html.strip_prefix("<!DOCTYPE html>").expect("doctype first");
    loop {
        let text_end = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..text_end];
        assert!(!text.contains('>'), "raw '>' in text: {text:?}");
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                    .iter()
                    .any(|e| entity.starts_with(e)),
                "bare '&' in text: {entity:?}"
            );
        }
        if text_end == rest.len() {
            break;
        }
        let tag_end = rest[text_end..].find('>').expect("unterminated tag") + text_end;
        let tag = &rest[text_end + 1..tag_end];
        assert!(!tag.contains('<'), "'<' inside tag: {tag:?}");
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
        } else {
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(!name.is_empty(), "bad tag {tag:?}");
            seen.push(name.clone());
            if !VOID.contains(&name.as_str()) {
                stack.push(name);
            }
        }
        rest = &rest[tag_end + 1..];
    }
    assert!(stack.is_empty(), "unclosed tags: {stack:?}");
    seen
}

fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn seed(dir: &Path) {
    let log = AuditLog::open(dir, AuditOptions::new("alice", "s")).unwrap();
    log.append(
        AuditEvent::new(Action::JobStart, "apply")
            .job("job-1")
            .plan("plan-1"),
    )
    .unwrap();
    log.append(
        AuditEvent::new(Action::WriteDone, "apply")
            .job("job-1")
            .matter(7)
            .field(HOSTILE, 3)
            .values(json!(HOSTILE), json!("Smith & Wesson <LLP>")),
    )
    .unwrap();
    log.append(
        AuditEvent::new(Action::WriteDone, "apply")
            .job("job-1")
            .matter(8)
            .values(json!(null), json!(42)),
    )
    .unwrap();
    log.append(
        AuditEvent::new(Action::Conflict, "apply")
            .job("job-1")
            .matter(9)
            .values(json!("expected"), json!("found"))
            .detail("value changed in Clio since the plan was made"),
    )
    .unwrap();
    log.append(
        AuditEvent::new(Action::Failed, "apply")
            .job("job-1")
            .outcome("HTTP 500 <oops>"),
    )
    .unwrap();
    log.append(
        AuditEvent::new(Action::JobEnd, "apply")
            .job("job-1")
            .outcome("completed with errors"),
    )
    .unwrap();
}

fn report_for(dir: &Path) -> String {
    render_html_report(&read_all(dir).unwrap(), &verify(dir).unwrap(), Utc::now())
}

#[test]
fn report_is_well_formed_html_with_no_scripts() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let html = report_for(tmp.path());
    let tags = check_well_formed(&html);
    assert!(
        !tags
            .iter()
            .any(|t| t == "script" || t == "link" || t == "img"),
        "{tags:?}"
    );
    assert!(tags.contains(&"table".to_owned()));
}

#[test]
fn report_shows_every_change_old_and_new_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let html = report_for(tmp.path());
    for value in [
        HOSTILE,
        "Smith & Wesson <LLP>",
        "42",
        "expected",
        "found",
        "HTTP 500 <oops>",
    ] {
        assert!(html.contains(&escaped(value)), "missing escaped {value:?}");
    }
    assert!(!html.contains(HOSTILE));
    assert!(html.contains("(empty)"), "null old value is shown as empty");
}

#[test]
fn report_lists_jobs_counts_conflicts_and_integrity() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let html = report_for(tmp.path());
    assert!(html.contains("job-1"));
    assert!(html.contains("plan-1"));
    assert!(html.contains("completed with errors"));
    assert!(html.contains("write-done: 2"));
    assert!(html.contains("<td>write-done</td><td>2</td>"));
    assert!(html.contains("Conflicts, refusals and failures"));
    assert!(html.contains("value changed in Clio since the plan was made"));
    assert!(html.contains("hash chain is intact"));
}

#[test]
fn report_of_a_tampered_log_says_so_first() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let path = tmp.path().join("audit-000001.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"found\"", "\"fiddled\"");
    std::fs::write(&path, text).unwrap();
    let html = report_for(tmp.path());
    check_well_formed(&html);
    let warning = html
        .find("has been damaged or tampered with")
        .expect("warning shown");
    assert!(warning < html.find("<h2>Jobs</h2>").unwrap());
}
