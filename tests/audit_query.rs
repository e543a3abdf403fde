//! Reading the log back: filters and cursor paging.

// Test helpers outside #[test] fns are not covered by clippy.toml allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use chrono::Utc;
use clio_mcp::audit::{Action, AuditEvent, AuditFilter, AuditLog, AuditOptions, query};
use serde_json::json;

fn seed(dir: &Path) {
    let log = AuditLog::open(dir, AuditOptions::new("u", "s")).unwrap();
    log.append(AuditEvent::new(Action::PlanCreated, "plan").plan("p1"))
        .unwrap();
    log.append(
        AuditEvent::new(Action::JobStart, "apply")
            .job("j1")
            .plan("p1"),
    )
    .unwrap();
    for m in [10, 11, 10] {
        log.append(
            AuditEvent::new(Action::WriteDone, "apply")
                .matter(m)
                .values(json!("a"), json!("b"))
                .job("j1")
                .plan("p1"),
        )
        .unwrap();
    }
    log.append(AuditEvent::new(Action::JobEnd, "apply").job("j1"))
        .unwrap();
    log.append(AuditEvent::read("get_matters", [10, 12], ["Stage"]))
        .unwrap();
    log.append(
        AuditEvent::new(Action::Conflict, "apply")
            .matter(12)
            .job("j2"),
    )
    .unwrap();
}

fn seqs(dir: &Path, filter: &AuditFilter) -> Vec<u64> {
    query(dir, filter, None, 100)
        .unwrap()
        .entries
        .iter()
        .map(|e| e.seq)
        .collect()
}

#[test]
fn matter_filter_includes_reads_that_covered_the_matter() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let filter = AuditFilter {
        matter: Some(10),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(tmp.path(), &filter), vec![3, 5, 7]);
}

#[test]
fn job_plan_and_action_filters_combine() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let job = AuditFilter {
        job: Some("j1".into()),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(tmp.path(), &job), vec![2, 3, 4, 5, 6]);
    let plan_writes = AuditFilter {
        plan: Some("p1".into()),
        action: Some(Action::WriteDone),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(tmp.path(), &plan_writes), vec![3, 4, 5]);
    let conflicts = AuditFilter {
        action: Some(Action::Conflict),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(tmp.path(), &conflicts), vec![8]);
}

#[test]
fn since_filter_excludes_older_entries() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let future = AuditFilter {
        since: Some(Utc::now() + chrono::Duration::hours(1)),
        ..AuditFilter::default()
    };
    assert!(seqs(tmp.path(), &future).is_empty());
    let past = AuditFilter {
        since: Some(Utc::now() - chrono::Duration::hours(1)),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(tmp.path(), &past).len(), 8);
}

#[test]
fn cursor_pages_through_all_matches_without_gaps_or_repeats() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let mut cursor = None;
    let mut seen = Vec::new();
    loop {
        let page = query(tmp.path(), &AuditFilter::default(), cursor, 3).unwrap();
        assert!(page.entries.len() <= 3);
        seen.extend(page.entries.iter().map(|e| e.seq));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, (1..=8).collect::<Vec<_>>());
}

#[test]
fn last_page_has_no_next_cursor() {
    let tmp = tempfile::tempdir().unwrap();
    seed(tmp.path());
    let page = query(tmp.path(), &AuditFilter::default(), Some(5), 3).unwrap();
    assert_eq!(page.entries.len(), 3);
    assert_eq!(page.next_cursor, None);
}
