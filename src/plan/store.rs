//! The plan store: plans and their items in SQLite under `CLIO_MCP_HOME`, safe to share
//! between the server and CLI commands running at the same time.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

mod files;
mod read;

use crate::files::private_dir;
use files::restrict_file;

use super::model::{PlanHeader, PlanItem, PlanStatus};

pub use crate::files::state_db;

/// A scan whose heartbeat is older than this was cut off (its process stopped).
pub const STALE_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS plans (
    id           TEXT PRIMARY KEY,
    status       TEXT NOT NULL,
    header       TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plan_items (
    plan_id  TEXT NOT NULL REFERENCES plans(id),
    matter_id INTEGER NOT NULL,
    field_id INTEGER NOT NULL,
    class    TEXT NOT NULL,
    item     TEXT NOT NULL,
    PRIMARY KEY (plan_id, matter_id, field_id)
);
CREATE INDEX IF NOT EXISTS plan_items_by_class ON plan_items(plan_id, class, matter_id);
";

/// Everything that can go wrong with the state database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "plan store {}: {source}; check the folder is writable and not on a network share, \
         or set CLIO_MCP_HOME elsewhere",
        path.display()
    )]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("plan store {}: could not create its folder: {source}", path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "plan store {} was written by a newer clio-mcp (schema {found}, this one knows \
         {SCHEMA_VERSION}); upgrade clio-mcp",
        path.display()
    )]
    Newer { path: PathBuf, found: i64 },
    #[error("plan store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(
        "plan store: a stored record is unreadable ({}); it was damaged or written by another \
         version: propose the plan again",
        unreadable(.0)
    )]
    Json(#[from] serde_json::Error),
    #[error(
        "there is no plan {0:?}: check the id (propose_normalization and `clio-mcp plan \
         propose` answer with it; `clio-mcp plan list` shows every plan)"
    )]
    NoSuchPlan(String),
    #[error("plan {0:?} is no longer scanning, so it cannot change; propose again for a new plan")]
    Closed(String),
}

/// What is wrong with a stored record, without serde's wording (it names Rust types).
fn unreadable(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Syntax => "not valid JSON",
        serde_json::error::Category::Eof => "cut short",
        serde_json::error::Category::Data => "a value of the wrong kind",
        serde_json::error::Category::Io => "could not be read",
    }
}

/// One connection shared by the tasks of this process; SQLite arbitrates between processes.
#[derive(Clone)]
pub struct PlanStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for PlanStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanStore")
            .field("path", &self.path)
            .finish()
    }
}

impl PlanStore {
    /// Opens (creating if needed) the database at `path`, in a folder only the user can read.
    pub fn open(path: &Path) -> Result<PlanStore, StoreError> {
        if let Some(dir) = path.parent() {
            private_dir(dir).map_err(|source| StoreError::Folder {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        // Before SQLite opens it: the write-ahead log and its index, created later, take the
        // database file's mode, so they too must find it owner-only.
        restrict_file(path);
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(open_err)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.to_path_buf(),
                found,
            });
        }
        conn.execute_batch(SCHEMA).map_err(open_err)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(open_err)?;
        Ok(PlanStore {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (it has its own
        // transactions), so a poisoned lock is safe to keep using.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a new plan (normally with status `scanning` and no items).
    pub fn create(&self, header: &PlanHeader) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO plans (id, status, header, heartbeat_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                header.id,
                header.status.as_str(),
                serde_json::to_string(header)?,
                now()
            ],
        )?;
        Ok(())
    }

    /// Adds one page of items in one transaction, and beats the scan's heart. An item already
    /// stored for the same matter and field (a page read twice) is kept as first seen.
    pub fn add_items(&self, plan_id: &str, items: &[PlanItem]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // A finished plan is what was reviewed and hashed: nothing may be added to it.
        let beaten = tx.execute(
            "UPDATE plans SET heartbeat_at = ?2 WHERE id = ?1 AND status = 'scanning'",
            params![plan_id, now()],
        )?;
        if beaten == 0 {
            return Err(StoreError::Closed(plan_id.to_string()));
        }
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO plan_items (plan_id, matter_id, field_id, class, item)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for item in items {
                insert.execute(params![
                    plan_id,
                    item.matter_id as i64,
                    item.field_id as i64,
                    item.class.as_str(),
                    serde_json::to_string(item)?
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Tells readers the scan is alive, between pages that may take minutes to read.
    pub fn beat(&self, plan_id: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE plans SET heartbeat_at = ?2 WHERE id = ?1 AND status = 'scanning'",
            params![plan_id, now()],
        )?;
        Ok(())
    }

    /// Ends a scan: `complete` with its content hash, or `failed` with the reason.
    pub fn finish(
        &self,
        plan_id: &str,
        outcome: Result<&str, &str>,
    ) -> Result<PlanHeader, StoreError> {
        let (mut header, _) = self.stored(plan_id)?;
        if header.status != PlanStatus::Scanning {
            return Err(StoreError::Closed(plan_id.to_string()));
        }
        match outcome {
            Ok(hash) => {
                header.status = PlanStatus::Complete;
                header.content_hash = Some(hash.to_string());
            }
            Err(error) => {
                header.status = PlanStatus::Failed;
                // A failed plan has no content to prove: it must never look applicable.
                header.content_hash = None;
                header.error = Some(error.to_string());
            }
        }
        header.counts = self.counts(plan_id)?;
        let updated = self.conn().execute(
            "UPDATE plans SET status = ?2, header = ?3, heartbeat_at = ?4
             WHERE id = ?1 AND status = 'scanning'",
            params![
                plan_id,
                header.status.as_str(),
                serde_json::to_string(&header)?,
                now()
            ],
        )?;
        if updated == 0 {
            return Err(StoreError::Closed(plan_id.to_string()));
        }
        Ok(header)
    }

    /// The plan's header with live counts; a scan whose process stopped shows `interrupted`.
    pub fn header(&self, plan_id: &str) -> Result<PlanHeader, StoreError> {
        let (mut header, beat) = self.stored(plan_id)?;
        if header.status == PlanStatus::Scanning {
            header.counts = self.counts(plan_id)?;
            let stale = chrono::DateTime::parse_from_rfc3339(&beat)
                .ok()
                .is_none_or(|b| chrono::Utc::now().signed_duration_since(b) > STALE_AFTER);
            if stale {
                header.status = PlanStatus::Interrupted;
                header.error =
                    Some("the scan stopped before the end (its process ended)".to_string());
            }
        }
        Ok(header)
    }

    /// The header as stored, and the scan's last heartbeat.
    fn stored(&self, plan_id: &str) -> Result<(PlanHeader, String), StoreError> {
        let row: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT header, heartbeat_at FROM plans WHERE id = ?1",
                params![plan_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (json, beat) = row.ok_or_else(|| StoreError::NoSuchPlan(plan_id.to_string()))?;
        Ok((serde_json::from_str(&json)?, beat))
    }

    /// The most recent plans, newest first.
    pub fn list(&self, limit: usize) -> Result<Vec<PlanHeader>, StoreError> {
        let ids: Vec<String> = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM plans ORDER BY json_extract(header, '$.created_at') DESC, rowid DESC LIMIT ?1",
            )?;
            stmt.query_map(params![limit as i64], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        ids.iter().map(|id| self.header(id)).collect()
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
