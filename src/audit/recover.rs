//! A torn last line (a crash in the middle of an append) is moved aside, so the log does not
//! stay blocked: the fragment goes to a file beside its segment and an entry records it.
//!
//! The fragment was never acknowledged: `append` returns only after the whole line, newline
//! included, is fsynced, so nothing (no PATCH) ever waited for it. Any other damage still
//! stops appends until a person runs `clio-mcp audit verify`.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::entry::{Action, AuditEvent};
use super::error::AuditError;
use super::files::{last_line, list_segments};
use crate::files::private_options;

/// Where a recovered fragment is kept: beside its segment, never read as one.
pub(crate) const FRAGMENT_MARK: &str = ".torn-";

/// Moves a torn last line aside and returns the event that records it; `None` when the log
/// ends with a whole line. Call with the log's lock held.
pub(super) fn torn_tail(dir: &Path) -> Result<Option<AuditEvent>, AuditError> {
    let segments = list_segments(dir)?;
    // An empty newest file (a crash right after creating it) is not torn; look before it.
    for segment in segments.iter().rev() {
        let Some((fragment, complete)) = last_line(&segment.path)? else {
            continue;
        };
        if complete {
            return Ok(None);
        }
        let len = std::fs::metadata(&segment.path)
            .map_err(AuditError::io("inspect", &segment.path))?
            .len();
        let keep = len.saturating_sub(fragment.len() as u64);
        let name = segment.name();
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        let aside = dir.join(format!("{name}{FRAGMENT_MARK}{stamp}"));
        let mut file = private_options()
            .write(true)
            .create_new(true)
            .open(&aside)
            .map_err(AuditError::io("keep the torn fragment in", &aside))?;
        file.write_all(&fragment)
            .and_then(|()| file.sync_all())
            .map_err(AuditError::io("write the torn fragment to", &aside))?;
        let log = std::fs::OpenOptions::new()
            .write(true)
            .open(&segment.path)
            .map_err(AuditError::io("open", &segment.path))?;
        log.set_len(keep)
            .and_then(|()| log.sync_all())
            .map_err(AuditError::io("cut the torn line off", &segment.path))?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(AuditError::io("fsync the audit directory", dir))?;
        let sha = hex::encode(Sha256::digest(&fragment));
        let aside_name = aside
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        tracing::warn!(segment = %name, bytes = fragment.len(), "recovered a torn audit line");
        let detail = format!(
            "the last line of {name} was cut off by a crash in the middle of an append and \
             never acknowledged: {} bytes (SHA-256 {sha}) moved to {aside_name}",
            fragment.len()
        );
        return Ok(Some(
            AuditEvent::new(Action::FragmentRecovered, "audit")
                .outcome("moved-aside")
                .detail(detail),
        ));
    }
    Ok(None)
}
