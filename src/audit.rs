//! The append-only, hash-chained audit log, its reader and verifier.
//!
//! # On-disk format
//!
//! The log lives in `<home>/audit/` as JSON Lines files named `audit-000001.jsonl`,
//! `audit-000002.jsonl`, ... (numbered so they sort in order; a new file starts when the
//! current one would grow past [`AuditOptions::max_file_bytes`]). Files are created with
//! mode 0600, opened append-only and never rewritten. One line is one [`AuditEntry`].
//!
//! # Canonical form and the hash chain
//!
//! Every line is written in *canonical JSON*: one object, no whitespace, every field of
//! [`AuditEntry`] present (absent values are `null` or `[]`), keys in this fixed order:
//!
//! `seq, ts, user, session_id, tool, action, matter_id, field_name, field_def_id,
//! value_instance_id, old_value, new_value, outcome, job_id, plan_id, content_hash,
//! intent_seq, detail, read_matters, read_fields, prev_hash, hash`
//!
//! (`content_hash` and `intent_seq` came with writes; entries written before lack them and
//! still verify, since the hash covers the bytes as stored.)
//!
//! Keys inside `old_value` / `new_value` objects are sorted. `hash` is the lowercase hex
//! SHA-256 of the canonical entry *without* the `hash` member, i.e. of the line's bytes up
//! to `,"hash":"` followed by a closing `}`. Because that text contains `prev_hash`, every
//! hash also covers the previous entry's hash, which chains the entries together across
//! file boundaries. The first entry ever written has `seq` 1 and a `prev_hash` of 64 zeros
//! ([`GENESIS_HASH`]).
//!
//! The verifier hashes the bytes exactly as stored, so any changed byte is detected. A
//! chain cannot by itself reveal that whole entries were cut off the *end* of the log;
//! `audit verify` prints the head (last sequence number and hash) so that a reviewer can
//! record it elsewhere and check later that it is still there (`--expect-head`).
//!
//! # Concurrency
//!
//! Several processes may append at once. Each append takes an exclusive advisory lock on
//! `<home>/audit/.lock`, re-reads the last entry from disk, writes, fsyncs and unlocks.

mod action;
mod entry;
mod error;
mod export;
mod files;
mod head;
mod query;
mod recover;
mod redact;
mod report;
mod table;
mod verify;
mod writer;

pub use entry::{Action, AuditEntry, AuditEvent, GENESIS_HASH};
pub use error::AuditError;
pub use error::stdout_error;
pub use export::{AUDIT_FORMATS, export};
pub use head::recorded_head;
pub use query::{AuditFilter, AuditPage, query, read_all};
pub use report::render_html_report;
pub use table::write_table;
pub use verify::{Problem, ProblemKind, VerifyReport, verify};
pub use writer::{AuditLog, AuditOptions, DEFAULT_MAX_FILE_BYTES};

use std::path::{Path, PathBuf};

/// The audit directory inside a clio-mcp home directory (`<home>/audit`).
pub fn audit_dir(home: &Path) -> PathBuf {
    home.join("audit")
}
