//! The newest entry (sequence number and hash) kept in the state store after each append, so
//! `audit verify` can tell a log that ends before what was written.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::error::AuditError;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
)";

/// Where the head is written: one row in the state database.
#[derive(Debug)]
pub(super) struct HeadStore {
    conn: Mutex<Connection>,
    path: PathBuf,
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> AuditError + '_ {
    move |source| AuditError::Head {
        path: path.to_path_buf(),
        source,
    }
}

impl HeadStore {
    pub(super) fn open(path: &Path) -> Result<HeadStore, AuditError> {
        // The state database holds privileged values: if this is the first to create it, it
        // is created owner-only (SQLite's side files take its mode).
        if !path.exists() {
            crate::files::private_options()
                .write(true)
                .truncate(false)
                .open(path)
                .map_err(AuditError::io("create", path))?;
        }
        let conn = Connection::open(path).map_err(sql(path))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(sql(path))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql(path))?;
        conn.execute_batch(SCHEMA).map_err(sql(path))?;
        Ok(HeadStore {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    /// Records `seq`/`hash` unless a newer head (another process's) is already there.
    pub(super) fn record(&self, seq: u64, hash: &str) -> Result<(), AuditError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
             WHERE excluded.seq > audit_head.seq",
            params![seq as i64, hash],
        )
        .map_err(sql(&self.path))?;
        Ok(())
    }
}

/// The head recorded in the state database at `path`; `None` when there is none (no
/// database, or a log written before heads were kept).
pub fn recorded_head(path: &Path) -> Result<Option<(u64, String)>, AuditError> {
    if !path.exists() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sql(path))?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(sql(path))?;
    let exists: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit_head'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql(path))?;
    if exists.is_none() {
        return Ok(None);
    }
    conn.query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
        Ok((r.get::<_, i64>(0)?.max(0) as u64, r.get::<_, String>(1)?))
    })
    .optional()
    .map_err(sql(path))
}
