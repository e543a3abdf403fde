//! What `verify` found: problems located by sequence number, file and line, notes for a
//! reviewer, and the checks of a head recorded elsewhere (by a person or the state store).

use std::path::Path;

use serde::Serialize;

use crate::audit::error::AuditError;

/// The kind of damage found, for programs; [`Problem::message`] explains it for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// A numbered audit file is absent.
    MissingFile,
    /// A line that is not a readable audit entry.
    Garbled,
    /// The last line stops before its end.
    Truncated,
    /// An entry's content does not match its own hash.
    Altered,
    /// Sequence numbers jump forward: entries were removed.
    Missing,
    /// A sequence number repeats or goes backwards: entries were inserted or moved.
    OutOfOrder,
    /// An entry's `prev_hash` is not the hash of the entry before it.
    BrokenChain,
    /// The newest entry is not the one the reviewer recorded earlier.
    HeadMismatch,
}

/// One finding, located by sequence number, file and line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The sequence number of the entry that should be at this place, when known.
    pub seq: Option<u64>,
    pub file: String,
    pub line: u64,
    pub kind: ProblemKind,
    pub message: String,
}

/// The result of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub files: usize,
    /// Lines that were readable entries (whether or not they passed every check).
    pub entries: u64,
    /// Sequence number and hash of the newest readable entry.
    pub head: Option<(u64, String)>,
    pub problems: Vec<Problem>,
    /// Things a reviewer should know that are not damage: torn lines recovered after a crash.
    pub notes: Vec<String>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The sequence number at which the log first goes wrong.
    pub fn first_bad_seq(&self) -> Option<u64> {
        self.problems.first().and_then(|p| p.seq)
    }

    /// Checks that the entry the reviewer recorded earlier (seq and hash) is the head, or
    /// at least still present, which reveals entries cut off the end of the log.
    pub fn check_expected_head(
        &mut self,
        dir: &Path,
        seq: u64,
        hash: &str,
    ) -> Result<(), AuditError> {
        self.check_head(dir, seq, hash, "recorded earlier as the newest entry")
    }

    /// Checks the head the state store kept after each append (see [`crate::audit::recorded_head`]):
    /// a log that ends before it was cut short.
    pub fn check_recorded_head(
        &mut self,
        dir: &Path,
        seq: u64,
        hash: &str,
    ) -> Result<(), AuditError> {
        self.check_head(
            dir,
            seq,
            hash,
            "recorded by the state store as written (state.sqlite)",
        )
    }

    fn check_head(
        &mut self,
        dir: &Path,
        seq: u64,
        hash: &str,
        recorded: &str,
    ) -> Result<(), AuditError> {
        if self
            .head
            .as_ref()
            .is_some_and(|(s, h)| *s == seq && h == hash)
        {
            return Ok(());
        }
        let found = crate::audit::read_all(dir)?
            .into_iter()
            .find(|e| e.seq == seq)
            .map(|e| e.hash);
        let message = match found {
            Some(h) if h == hash => return Ok(()),
            Some(_) => format!(
                "entry {seq} has a different hash than the one {recorded}: the log was rewritten"
            ),
            None => format!(
                "entry {seq}, {recorded}, is no longer in the log: entries were cut off the end"
            ),
        };
        self.problems.push(Problem {
            seq: Some(seq),
            file: String::new(),
            line: 0,
            kind: ProblemKind::HeadMismatch,
            message,
        });
        Ok(())
    }
}
