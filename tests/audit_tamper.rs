//! Verification: every kind of tampering is found and located by sequence number.

// Test helpers outside #[test] fns are not covered by clippy.toml allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use clio_mcp::audit::{
    Action, AuditEvent, AuditLog, AuditOptions, ProblemKind, VerifyReport, verify,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Writes `n` change entries (seq 1..=n) into `dir`, rotating at `max_file_bytes`.
fn write_log(dir: &Path, n: u64, max_file_bytes: u64) {
    let log = AuditLog::open(
        dir,
        AuditOptions::new("u", "s").max_file_bytes(max_file_bytes),
    )
    .unwrap();
    for i in 1..=n {
        log.append(
            AuditEvent::new(Action::WriteDone, "apply_plan")
                .matter(100 + i)
                .field("Case Stage", 7)
                .values(json!(format!("old-{i}")), json!(format!("new-{i}"))),
        )
        .unwrap();
    }
}

fn file(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("audit-{n:06}.jsonl"))
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(
        path,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
}

/// Recomputes a line's own hash the way a careful forger would.
fn rehash(line: &str) -> String {
    let at = line.rfind(",\"hash\":\"").unwrap();
    let body = &line[..at];
    let hash = hex::encode(Sha256::digest(format!("{body}}}").as_bytes()));
    format!("{body},\"hash\":\"{hash}\"}}")
}

fn set_field(line: &str, key: &str, value: Value) -> String {
    // Re-serialising through a Value would reorder keys, so the edit is textual.
    let mut entry: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
    let old = serde_json::to_string(&entry[key]).unwrap();
    entry.insert(key.to_owned(), value.clone());
    line.replacen(
        &format!("\"{key}\":{old}"),
        &format!("\"{key}\":{}", value),
        1,
    )
}

/// Writes a log of `n` entries in one file, lets `edit` change its lines, and verifies it,
/// which must fail.
fn tampered(n: u64, edit: impl FnOnce(&mut Vec<String>)) -> VerifyReport {
    let tmp = tempfile::tempdir().unwrap();
    write_log(tmp.path(), n, u64::MAX);
    let path = file(tmp.path(), 1);
    let mut l = lines(&path);
    edit(&mut l);
    write_lines(&path, &l);
    failed(tmp.path())
}

fn failed(dir: &Path) -> VerifyReport {
    let report = verify(dir).unwrap();
    assert!(!report.is_ok(), "tampering was not detected");
    report
}

#[test]
fn untouched_log_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    write_log(tmp.path(), 5, u64::MAX);
    let report = verify(tmp.path()).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
    assert_eq!(report.entries, 5);
    assert_eq!(report.head.unwrap().0, 5);
}

#[test]
fn empty_or_missing_directory_verifies_as_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let report = verify(&tmp.path().join("nothing-here")).unwrap();
    assert!(report.is_ok());
    assert_eq!(report.entries, 0);
}

#[test]
fn edited_value_is_found_at_its_entry() {
    let report = tampered(5, |l| {
        l[2] = l[2].replace("new-3", "new-X");
    });
    assert_eq!(report.first_bad_seq(), Some(3));
    assert_eq!(report.problems[0].kind, ProblemKind::Altered);
    assert!(
        report.problems[0]
            .message
            .contains("changed after it was written")
    );
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
}

#[test]
fn edited_value_with_recomputed_hash_breaks_the_link_to_the_next_entry() {
    let report = tampered(5, |l| {
        l[2] = rehash(&l[2].replace("new-3", "new-X"));
    });
    assert_eq!(report.first_bad_seq(), Some(4));
    assert_eq!(report.problems[0].kind, ProblemKind::BrokenChain);
    assert!(
        report.problems[0].message.contains("entry 3"),
        "{}",
        report.problems[0].message
    );
}

#[test]
fn deleted_line_is_reported_as_missing_entry() {
    let report = tampered(5, |l| {
        l.remove(1);
    });
    assert_eq!(report.first_bad_seq(), Some(2));
    assert_eq!(report.problems[0].kind, ProblemKind::Missing);
    assert!(report.problems[0].message.contains("entry 2 is missing"));
}

#[test]
fn inserted_forged_line_with_its_own_valid_hash_is_found() {
    let report = tampered(5, |l| {
        // A forger copies entry 3, gives it entry 2's place in the chain and re-hashes it.
        let prev_hash: Value = serde_json::from_str::<Value>(&l[1]).unwrap()["hash"].clone();
        let forged = set_field(
            &set_field(&l[2], "new_value", json!("forged")),
            "prev_hash",
            prev_hash,
        );
        l.insert(2, rehash(&forged));
    });
    assert_eq!(report.first_bad_seq(), Some(3));
    assert_eq!(report.problems[0].kind, ProblemKind::OutOfOrder);
}

#[test]
fn swapped_lines_are_found() {
    let report = tampered(5, |l| {
        l.swap(1, 2);
    });
    assert_eq!(report.first_bad_seq(), Some(2));
    let kinds: Vec<ProblemKind> = report.problems.iter().map(|p| p.kind).collect();
    assert!(kinds.contains(&ProblemKind::OutOfOrder), "{kinds:?}");
}

#[test]
fn file_truncated_mid_line_is_found_at_the_cut_entry() {
    let tmp = tempfile::tempdir().unwrap();
    write_log(tmp.path(), 5, u64::MAX);
    let path = file(tmp.path(), 1);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 30]).unwrap();
    let report = failed(tmp.path());
    assert_eq!(report.first_bad_seq(), Some(5));
    assert_eq!(report.problems[0].kind, ProblemKind::Truncated);
    assert!(report.problems[0].message.contains("cut off"));
}

#[test]
fn garbled_last_line_is_found() {
    let report = tampered(3, |l| {
        l[2] = "{\"seq\":3,\"ts\":garbage".to_owned();
    });
    assert_eq!(report.first_bad_seq(), Some(3));
    assert_eq!(report.problems[0].kind, ProblemKind::Garbled);
}

#[test]
fn deleted_rotated_file_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    write_log(tmp.path(), 30, 2000);
    assert!(
        file(tmp.path(), 3).exists(),
        "test needs at least three files"
    );
    let first_in_second: u64 = {
        let l = lines(&file(tmp.path(), 2));
        serde_json::from_str::<Value>(&l[0]).unwrap()["seq"]
            .as_u64()
            .unwrap()
    };
    std::fs::remove_file(file(tmp.path(), 2)).unwrap();
    let report = failed(tmp.path());
    assert_eq!(report.problems[0].kind, ProblemKind::MissingFile);
    assert!(
        report.problems[0]
            .message
            .contains("audit-000002.jsonl is missing")
    );
    assert_eq!(report.first_bad_seq(), Some(first_in_second));
}

#[test]
fn deleted_first_file_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    write_log(tmp.path(), 30, 2000);
    std::fs::remove_file(file(tmp.path(), 1)).unwrap();
    let report = failed(tmp.path());
    assert_eq!(report.first_bad_seq(), Some(1));
    assert_eq!(report.problems[0].kind, ProblemKind::MissingFile);
}

#[test]
fn whole_entries_cut_off_the_end_are_found_against_a_recorded_head() {
    let tmp = tempfile::tempdir().unwrap();
    write_log(tmp.path(), 5, u64::MAX);
    let (seq, hash) = verify(tmp.path()).unwrap().head.unwrap();
    let path = file(tmp.path(), 1);
    let mut l = lines(&path);
    l.truncate(3);
    write_lines(&path, &l);
    let mut report = verify(tmp.path()).unwrap();
    assert!(
        report.is_ok(),
        "a bare chain cannot see this; the recorded head can"
    );
    report.check_expected_head(tmp.path(), seq, &hash).unwrap();
    assert_eq!(report.first_bad_seq(), Some(5));
    assert_eq!(report.problems[0].kind, ProblemKind::HeadMismatch);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_single_changed_byte_is_detected(position in any::<prop::sample::Index>(), replacement in any::<u8>()) {
        let tmp = tempfile::tempdir().unwrap();
        write_log(tmp.path(), 4, 1200);
        let mut files: Vec<PathBuf> = std::fs::read_dir(tmp.path()).unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        prop_assume!(files.len() >= 2);
        let sizes: Vec<usize> = files.iter().map(|f| std::fs::metadata(f).unwrap().len() as usize).collect();
        let mut at = position.index(sizes.iter().sum());
        let mut target = 0;
        while at >= sizes[target] {
            at -= sizes[target];
            target += 1;
        }
        let mut bytes = std::fs::read(&files[target]).unwrap();
        prop_assume!(bytes[at] != replacement);
        bytes[at] = replacement;
        std::fs::write(&files[target], &bytes).unwrap();
        let report = verify(tmp.path()).unwrap();
        prop_assert!(!report.is_ok(), "changed byte {} of {} went unnoticed", at, files[target].display());
    }
}

#[test]
fn edited_sequence_number_is_reported_at_the_position_it_was_taken_from() {
    let report = tampered(5, |l| {
        l[2] = l[2].replacen("\"seq\":3,", "\"seq\":9,", 1);
    });
    assert_eq!(report.first_bad_seq(), Some(3));
    assert_eq!(report.problems[0].kind, ProblemKind::Altered);
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
}

#[test]
fn swapped_lines_report_the_missing_and_the_stray_entry_only() {
    let report = tampered(5, |l| {
        l.swap(1, 2);
    });
    let found: Vec<(Option<u64>, ProblemKind)> =
        report.problems.iter().map(|p| (p.seq, p.kind)).collect();
    assert_eq!(
        found,
        vec![
            (Some(2), ProblemKind::Missing),
            (Some(2), ProblemKind::OutOfOrder)
        ]
    );
}
