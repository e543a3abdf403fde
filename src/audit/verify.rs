//! Checking the whole log for edited, missing, inserted, reordered or cut-off entries.

use std::path::Path;

use super::entry::{AuditEntry, GENESIS_HASH, body_hash, split_line};
use super::error::AuditError;
use super::files::{Lines, list_segments};

mod report;

pub use report::{Problem, ProblemKind, VerifyReport};

/// Beyond this many findings the log is plainly compromised; listing more does not help.
const MAX_PROBLEMS: usize = 1000;

struct Checker {
    report: VerifyReport,
    expected_seq: u64,
    /// `None` after an unreadable line: the next entry cannot be checked against it.
    expected_prev: Option<String>,
    prev_place: String,
}

impl Checker {
    fn problem(
        &mut self,
        seq: Option<u64>,
        file: &str,
        line: u64,
        kind: ProblemKind,
        message: String,
    ) {
        if self.report.problems.len() < MAX_PROBLEMS {
            self.report.problems.push(Problem {
                seq,
                file: file.to_owned(),
                line,
                kind,
                message,
            });
        }
    }

    fn check_line(&mut self, file: &str, number: u64, text: &str) {
        let expected = self.expected_seq;
        let place = format!("{file} line {number}");
        let parsed = split_line(text).and_then(|(body, stored)| {
            serde_json::from_str::<AuditEntry>(text)
                .ok()
                .map(|entry| (entry, body_hash(body) == stored))
        });
        let Some((entry, hash_ok)) = parsed else {
            self.problem(
                Some(expected),
                file,
                number,
                ProblemKind::Garbled,
                format!("{place} should hold entry {expected} but is not a readable audit entry"),
            );
            self.expected_seq = expected.saturating_add(1);
            self.expected_prev = None;
            self.prev_place = place;
            return;
        };
        self.report.entries += 1;
        let seq = entry.seq;
        if entry.action == super::entry::Action::FragmentRecovered {
            self.report.notes.push(format!(
                "entry {seq}: a torn line was recovered after a crash: {}",
                entry.detail.as_deref().unwrap_or("(no detail)")
            ));
        }
        if !hash_ok {
            // The stored seq is part of what was altered, so it only names the entry if it
            // is where we expected; otherwise name the position.
            let who = if seq == expected {
                format!("entry {seq} ({place})")
            } else {
                format!(
                    "{place}, where entry {expected} was expected, now claims to be entry {seq} and"
                )
            };
            self.problem(
                Some(expected),
                file,
                number,
                ProblemKind::Altered,
                format!(
                    "{who} was changed after it was written: its content does not match its hash"
                ),
            );
            self.expected_seq = expected.saturating_add(1);
            self.expected_prev = Some(entry.hash.clone());
            self.prev_place = place;
            self.report.head = Some((seq, entry.hash));
            return;
        }
        if seq > expected {
            let gap = if seq - expected == 1 {
                format!("entry {expected} is missing")
            } else {
                format!("entries {expected} to {} are missing", seq - 1)
            };
            self.problem(
                Some(expected),
                file,
                number,
                ProblemKind::Missing,
                format!("{gap}: {place} holds entry {seq} where entry {expected} was expected (entries were deleted, or moved)"),
            );
        } else if seq < expected {
            self.problem(
                Some(seq),
                file,
                number,
                ProblemKind::OutOfOrder,
                format!(
                    "entry {seq} ({place}) appears after entry {}: entries were inserted, duplicated or reordered",
                    expected.saturating_sub(1)
                ),
            );
            // Keep checking the rest against the in-order entries, not this stray one.
            return;
        } else if let Some(prev) = &self.expected_prev
            && *prev != entry.prev_hash
        {
            let message = if expected == 1 {
                format!(
                    "entry 1 ({place}) does not start the chain: its prev_hash should be {GENESIS_HASH}"
                )
            } else {
                format!(
                    "entry {seq} ({place}) does not chain to entry {} ({}): that entry was altered and re-hashed, replaced, or a forged entry was inserted",
                    seq - 1,
                    self.prev_place
                )
            };
            self.problem(Some(seq), file, number, ProblemKind::BrokenChain, message);
        }
        self.expected_seq = seq.saturating_add(1);
        self.expected_prev = Some(entry.hash.clone());
        self.prev_place = place;
        self.report.head = Some((seq, entry.hash));
    }
}

/// Reads every audit file in `dir` and reports everything that is not as written.
/// An `Err` means the files could not be read at all; damage is reported in the report.
pub fn verify(dir: &Path) -> Result<VerifyReport, AuditError> {
    let segments = list_segments(dir)?;
    let mut checker = Checker {
        report: VerifyReport {
            files: segments.len(),
            ..VerifyReport::default()
        },
        expected_seq: 1,
        expected_prev: Some(GENESIS_HASH.to_owned()),
        prev_place: String::new(),
    };
    let mut expected_number = 1u64;
    let last_index = segments.len().saturating_sub(1);
    for (index, segment) in segments.iter().enumerate() {
        let name = segment.name();
        if segment.number > expected_number {
            let missing = if segment.number - expected_number == 1 {
                format!(
                    "audit file {} is missing",
                    super::files::file_name(expected_number)
                )
            } else {
                format!(
                    "audit files {} to {} are missing",
                    super::files::file_name(expected_number),
                    super::files::file_name(segment.number - 1)
                )
            };
            let seq = checker.expected_seq;
            checker.problem(
                Some(seq),
                &name,
                0,
                ProblemKind::MissingFile,
                format!("{missing}; it would have started at entry {seq} (the file was deleted or renamed)"),
            );
        }
        expected_number = segment.number.saturating_add(1);
        for raw in Lines::open(&segment.path)? {
            let raw = raw?;
            let expected = checker.expected_seq;
            let place = format!("{name} line {}", raw.number);
            match raw.text {
                Ok(text) if raw.complete => checker.check_line(&name, raw.number, &text),
                Ok(_) => {
                    let where_ = if index == last_index {
                        "the last line of the log"
                    } else {
                        "the last line of this file"
                    };
                    checker.problem(
                        Some(expected),
                        &name,
                        raw.number,
                        ProblemKind::Truncated,
                        format!("{place}, {where_}, is cut off: entry {expected} is incomplete (the file was truncated or a write was interrupted)"),
                    );
                    checker.expected_seq = expected.saturating_add(1);
                    checker.expected_prev = None;
                }
                Err(_) => {
                    checker.problem(
                        Some(expected),
                        &name,
                        raw.number,
                        ProblemKind::Garbled,
                        format!(
                            "{place} should hold entry {expected} but is not valid text (UTF-8)"
                        ),
                    );
                    checker.expected_seq = expected.saturating_add(1);
                    checker.expected_prev = None;
                }
            }
        }
    }
    Ok(checker.report)
}
