//! Reading entries back: filtering and cursor-based paging for tools and the CLI.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::entry::{Action, AuditEntry};
use super::error::AuditError;
use super::files::{Lines, list_segments};

/// Which entries to return; every set criterion must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Entries about this matter, including reads that covered it.
    pub matter: Option<u64>,
    pub job: Option<String>,
    pub plan: Option<String>,
    pub action: Option<Action>,
    /// Entries at or after this instant.
    pub since: Option<DateTime<Utc>>,
}

impl AuditFilter {
    pub fn matches(&self, entry: &AuditEntry) -> bool {
        self.matter
            .is_none_or(|m| entry.matter_id == Some(m) || entry.read_matters.contains(&m))
            && self
                .job
                .as_ref()
                .is_none_or(|j| entry.job_id.as_ref() == Some(j))
            && self
                .plan
                .as_ref()
                .is_none_or(|p| entry.plan_id.as_ref() == Some(p))
            && self.action.is_none_or(|a| entry.action == a)
            && self.since.is_none_or(|s| entry.ts >= s)
    }
}

/// One page of matching entries, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass back as `cursor` for the next page; `None` when there is nothing more.
    pub next_cursor: Option<u64>,
}

/// Visits every readable entry in order. Unreadable lines are skipped with a warning:
/// reading is for browsing, and `verify` is the place that reports damage.
fn for_each_entry(dir: &Path, mut visit: impl FnMut(AuditEntry) -> bool) -> Result<(), AuditError> {
    for segment in list_segments(dir)? {
        for raw in Lines::open(&segment.path)? {
            let raw = raw?;
            let parsed = raw
                .text
                .ok()
                .filter(|_| raw.complete)
                .and_then(|t| serde_json::from_str::<AuditEntry>(&t).ok());
            match parsed {
                Some(entry) => {
                    if !visit(entry) {
                        return Ok(());
                    }
                }
                None => tracing::warn!(
                    file = %segment.name(),
                    line = raw.number,
                    "skipping unreadable audit line; run `clio-mcp audit verify`"
                ),
            }
        }
    }
    Ok(())
}

/// Every readable entry, oldest first.
pub fn read_all(dir: &Path) -> Result<Vec<AuditEntry>, AuditError> {
    let mut all = Vec::new();
    for_each_entry(dir, |e| {
        all.push(e);
        true
    })?;
    Ok(all)
}

/// Up to `limit` entries matching `filter` with a sequence number above `cursor`
/// (`None` starts at the beginning). The cursor is the last returned sequence number.
pub fn query(
    dir: &Path,
    filter: &AuditFilter,
    cursor: Option<u64>,
    limit: usize,
) -> Result<AuditPage, AuditError> {
    let mut entries = Vec::new();
    let mut more = false;
    for_each_entry(dir, |entry| {
        if cursor.is_some_and(|c| entry.seq <= c) || !filter.matches(&entry) {
            return true;
        }
        if entries.len() == limit {
            more = true;
            return false;
        }
        entries.push(entry);
        true
    })?;
    let next_cursor = if more {
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(AuditPage {
        entries,
        next_cursor,
    })
}
