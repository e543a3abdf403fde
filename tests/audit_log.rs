//! Writing the audit log: chaining, durability contract, permissions, rotation, secrets, concurrency.

// Test helpers outside #[test] fns are not covered by clippy.toml allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use clio_mcp::audit::{Action, AuditEvent, AuditLog, AuditOptions, GENESIS_HASH, read_all, verify};
use serde_json::json;

const TOKEN: &str = "tok_live_9f8e7d6c5b4a";

fn open(dir: &Path) -> AuditLog {
    AuditLog::open(dir, AuditOptions::new("alice@firm.example", "session-1")).unwrap()
}

fn jsonl_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    files
}

#[test]
fn first_entry_chains_to_64_zeros_and_later_entries_to_their_predecessor() {
    let tmp = tempfile::tempdir().unwrap();
    let log = open(tmp.path());
    let first = log
        .append(AuditEvent::new(Action::JobStart, "cli").job("job-1"))
        .unwrap();
    let second = log
        .append(
            AuditEvent::new(Action::WriteIntent, "apply_plan")
                .matter(42)
                .field("Case Stage", 7)
                .value_instance("picklist-3")
                .values(json!("Intake"), json!("Discovery"))
                .job("job-1")
                .plan("plan-9"),
        )
        .unwrap();
    assert_eq!(first.seq, 1);
    assert_eq!(first.prev_hash, GENESIS_HASH);
    assert_eq!(GENESIS_HASH.len(), 64);
    assert_eq!(second.seq, 2);
    assert_eq!(second.prev_hash, first.hash);
    assert_eq!(second.user, "alice@firm.example");
    assert_eq!(second.session_id, "session-1");
    assert_eq!(read_all(tmp.path()).unwrap(), vec![first, second]);
    assert!(verify(tmp.path()).unwrap().is_ok());
}

#[test]
fn append_returns_only_after_the_entry_is_on_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let log = open(tmp.path());
    let entry = log
        .append(AuditEvent::new(Action::WriteIntent, "t").values(json!(1), json!(2)))
        .unwrap();
    // A fresh reader (as another process would be) sees it immediately.
    let text = std::fs::read_to_string(tmp.path().join("audit-000001.jsonl")).unwrap();
    assert!(text.ends_with('\n'));
    assert!(text.contains(&entry.hash));
}

#[test]
fn lines_are_canonical_compact_json_with_fixed_key_order() {
    let tmp = tempfile::tempdir().unwrap();
    open(tmp.path())
        .append(
            AuditEvent::new(Action::Read, "get_matter")
                .values(json!({"b": 1, "a": 2}), json!(null)),
        )
        .unwrap();
    let text = std::fs::read_to_string(tmp.path().join("audit-000001.jsonl")).unwrap();
    let keys = [
        "seq",
        "ts",
        "user",
        "session_id",
        "tool",
        "action",
        "matter_id",
        "field_name",
        "field_def_id",
        "value_instance_id",
        "old_value",
        "new_value",
        "outcome",
        "job_id",
        "plan_id",
        "content_hash",
        "intent_seq",
        "detail",
        "read_matters",
        "read_fields",
        "prev_hash",
        "hash",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "keys out of order: {text}"
    );
    assert!(
        text.contains("{\"a\":2,\"b\":1}"),
        "nested keys not sorted: {text}"
    );
    assert!(
        !text.trim_end().contains(' '),
        "whitespace in canonical line: {text}"
    );
    assert!(text.contains("\"action\":\"read\""));
}

#[cfg(unix)]
#[test]
fn audit_files_and_lock_are_created_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("home").join("audit");
    open(&dir)
        .append(AuditEvent::new(Action::JobStart, "t"))
        .unwrap();
    for path in [dir.join("audit-000001.jsonl"), dir.join(".lock")] {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
}

#[test]
fn read_constructor_records_matters_and_fields_but_no_values() {
    let tmp = tempfile::tempdir().unwrap();
    let entry = open(tmp.path())
        .append(AuditEvent::read(
            "search_matters",
            [3, 5],
            ["Case Stage", "Opposing Counsel"],
        ))
        .unwrap();
    assert_eq!(entry.action, Action::Read);
    assert_eq!(entry.read_matters, vec![3, 5]);
    assert_eq!(entry.read_fields, vec!["Case Stage", "Opposing Counsel"]);
    assert!(entry.old_value.is_null() && entry.new_value.is_null());
}

#[test]
fn rotation_starts_numbered_files_and_keeps_the_chain_across_them() {
    let tmp = tempfile::tempdir().unwrap();
    let log = AuditLog::open(tmp.path(), AuditOptions::new("u", "s").max_file_bytes(1500)).unwrap();
    for i in 0..20 {
        log.append(
            AuditEvent::new(Action::WriteDone, "t")
                .matter(i)
                .values(json!(i), json!(i + 1)),
        )
        .unwrap();
    }
    let files = jsonl_files(tmp.path());
    assert!(files.len() >= 3, "expected rotation, got {files:?}");
    assert!(files[0].ends_with("audit-000001.jsonl"));
    assert!(files[1].ends_with("audit-000002.jsonl"));
    for f in &files {
        assert!(std::fs::metadata(f).unwrap().len() <= 1500);
    }
    let entries = read_all(tmp.path()).unwrap();
    assert_eq!(entries.len(), 20);
    for pair in entries.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
        assert_eq!(pair[1].seq, pair[0].seq + 1);
    }
    let report = verify(tmp.path()).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.files, files.len());
}

#[test]
fn token_never_appears_in_any_audit_file() {
    let tmp = tempfile::tempdir().unwrap();
    let options = AuditOptions::new(format!("user {TOKEN}"), format!("sess-{TOKEN}")).secret(TOKEN);
    let log = AuditLog::open(tmp.path(), options).unwrap();
    let t = || format!("Bearer {TOKEN}");
    log.append(
        AuditEvent::new(Action::Failed, format!("tool-{TOKEN}"))
            .matter(1)
            .field(t(), 2)
            .value_instance(t())
            .values(
                json!({"auth": t(), TOKEN: [t(), {"deep": t()}]}),
                json!(t()),
            )
            .outcome(t())
            .job(t())
            .plan(t())
            .detail(format!("401 for header Authorization: Bearer {TOKEN}")),
    )
    .unwrap();
    log.append(AuditEvent::read("r", [1], [t()])).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(tmp.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        checked += 1;
    }
    assert!(checked >= 2);
    let entries = read_all(tmp.path()).unwrap();
    assert!(entries[0].detail.as_deref().unwrap().contains("[redacted]"));
    assert!(verify(tmp.path()).unwrap().is_ok());
}

#[test]
fn concurrent_appenders_with_separate_handles_keep_one_valid_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = Arc::new(tmp.path().to_owned());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let dir = Arc::clone(&dir);
            std::thread::spawn(move || {
                // Each thread has its own handle and descriptor, like a separate process.
                let log = AuditLog::open(
                    &dir,
                    AuditOptions::new("u", format!("s{t}")).max_file_bytes(4096),
                )
                .unwrap();
                for i in 0..25 {
                    log.append(
                        AuditEvent::new(Action::WriteDone, "t")
                            .matter(t)
                            .detail(i.to_string()),
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let report = verify(&dir).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
    assert_eq!(report.entries, 200);
    let seqs: Vec<u64> = read_all(&dir).unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
}

#[test]
fn one_shared_handle_used_from_many_threads_keeps_a_valid_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let log = Arc::new(open(tmp.path()));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for _ in 0..20 {
                    log.append(AuditEvent::new(Action::Read, "t")).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let report = verify(tmp.path()).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
    assert_eq!(report.entries, 160);
}

#[test]
fn a_torn_last_line_is_moved_aside_recorded_and_appends_go_on() {
    let tmp = tempfile::tempdir().unwrap();
    let log = open(tmp.path());
    log.append(AuditEvent::new(Action::JobStart, "t")).unwrap();
    let path = tmp.path().join("audit-000001.jsonl");
    // A crash in the middle of the second append: half its line reached the disk.
    let whole = std::fs::read(&path).unwrap();
    let mut torn = whole.clone();
    torn.extend_from_slice(b"{\"seq\":2,\"ts\":\"2026-01-0");
    std::fs::write(&path, &torn).unwrap();
    let next = open(tmp.path())
        .append(AuditEvent::new(Action::JobEnd, "t"))
        .unwrap();
    let all = read_all(tmp.path()).unwrap();
    let actions: Vec<Action> = all.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [Action::JobStart, Action::FragmentRecovered, Action::JobEnd]
    );
    assert_eq!(next.seq, 3);
    let recorded = all[1].detail.clone().unwrap();
    assert!(recorded.contains("24 bytes"), "{recorded}");
    // The fragment is kept beside the log, byte for byte, and is not read as a segment.
    let aside: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".torn-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(
        std::fs::read(&aside[0]).unwrap(),
        b"{\"seq\":2,\"ts\":\"2026-01-0"
    );
    let report = verify(tmp.path()).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert!(report.notes[0].contains("torn"), "{:?}", report.notes);
}

#[test]
fn any_other_damage_to_the_last_line_still_stops_appends_with_an_explanation() {
    let tmp = tempfile::tempdir().unwrap();
    let log = open(tmp.path());
    log.append(AuditEvent::new(Action::JobStart, "t").outcome("started"))
        .unwrap();
    let path = tmp.path().join("audit-000001.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("started", "stopped")).unwrap();
    let err = log
        .append(AuditEvent::new(Action::JobEnd, "t"))
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("audit verify"), "{message}");
    assert!(message.contains("line 1"), "{message}");
    assert_eq!(read_all(tmp.path()).unwrap().len(), 1);
}

#[test]
fn a_new_handle_continues_the_existing_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let first = open(tmp.path())
        .append(AuditEvent::new(Action::JobStart, "t"))
        .unwrap();
    let second = open(tmp.path())
        .append(AuditEvent::new(Action::JobEnd, "t"))
        .unwrap();
    assert_eq!(second.seq, 2);
    assert_eq!(second.prev_hash, first.hash);
}

#[test]
fn entries_larger_than_the_tail_read_chunk_still_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let log = open(tmp.path());
    let big = "x".repeat(200 * 1024);
    let first = log
        .append(AuditEvent::new(Action::Upload, "t").detail(big.clone()))
        .unwrap();
    let second = log
        .append(AuditEvent::new(Action::Upload, "t").detail(big))
        .unwrap();
    let third = log.append(AuditEvent::new(Action::JobEnd, "t")).unwrap();
    assert_eq!(second.prev_hash, first.hash);
    assert_eq!(third.prev_hash, second.hash);
    assert!(verify(tmp.path()).unwrap().is_ok());
}

#[test]
fn an_entry_written_before_writes_existed_still_verifies_and_reads() {
    use sha2::{Digest, Sha256};
    let tmp = tempfile::tempdir().unwrap();
    // The canonical form of an earlier version: no `content_hash`, no `intent_seq`.
    let body = format!(
        "{{\"seq\":1,\"ts\":\"2026-01-02T03:04:05Z\",\"user\":\"u\",\"session_id\":\"s\",\
         \"tool\":\"t\",\"action\":\"read\",\"matter_id\":null,\"field_name\":null,\
         \"field_def_id\":null,\"value_instance_id\":null,\"old_value\":null,\"new_value\":null,\
         \"outcome\":null,\"job_id\":null,\"plan_id\":null,\"detail\":null,\"read_matters\":[7],\
         \"read_fields\":[\"F\"],\"prev_hash\":\"{GENESIS_HASH}\""
    );
    let hash = hex::encode(Sha256::digest(format!("{body}}}").as_bytes()));
    std::fs::write(
        tmp.path().join("audit-000001.jsonl"),
        format!("{body},\"hash\":\"{hash}\"}}\n"),
    )
    .unwrap();
    assert!(verify(tmp.path()).unwrap().is_ok());
    // And the next entry, in today's form, chains to it.
    let next = open(tmp.path())
        .append(AuditEvent::new(Action::JobStart, "cli").content_hash("abc"))
        .unwrap();
    assert_eq!(next.seq, 2);
    assert_eq!(next.prev_hash, hash);
    let all = read_all(tmp.path()).unwrap();
    assert_eq!(all[0].intent_seq, None);
    assert_eq!(all[1].content_hash.as_deref(), Some("abc"));
    assert!(verify(tmp.path()).unwrap().is_ok());
}
