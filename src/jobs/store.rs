//! The job store: jobs, the state of every value they write, leases and approvals, in the
//! state database (SQLite, WAL, full sync) beside the plans, shared by every process.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

mod approvals;
mod items;
mod lease;

pub use items::{ItemState, JobItem, Record};
pub use lease::LeaseHolder;

use super::model::{JobHeader, JobStatus};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS approvals (
    plan_id      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    approved_by  TEXT NOT NULL,
    approved_at  TEXT NOT NULL,
    via          TEXT NOT NULL,
    PRIMARY KEY (plan_id, content_hash)
);
CREATE TABLE IF NOT EXISTS jobs (
    id               TEXT PRIMARY KEY,
    plan_id          TEXT NOT NULL UNIQUE,
    content_hash     TEXT NOT NULL,
    status           TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    holder           TEXT,
    heartbeat_at     TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    requests         INTEGER NOT NULL DEFAULT 0,
    active_seconds   REAL NOT NULL DEFAULT 0,
    finished_at      TEXT,
    error            TEXT
);
CREATE TABLE IF NOT EXISTS job_items (
    job_id     TEXT NOT NULL REFERENCES jobs(id),
    matter_id  INTEGER NOT NULL,
    field_id   INTEGER NOT NULL,
    state      TEXT NOT NULL,
    outcome    TEXT,
    reason     TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    intent_seq INTEGER,
    value_id   TEXT,
    created    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, matter_id, field_id)
);
CREATE INDEX IF NOT EXISTS job_items_open ON job_items(job_id, state, matter_id);
";

/// Everything that can go wrong with the job tables, with what to do.
#[derive(Debug, thiserror::Error)]
pub enum JobStoreError {
    #[error(
        "job store {}: {source}; check the folder is writable and not on a network share, \
         or set CLIO_MCP_HOME elsewhere",
        path.display()
    )]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("job store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(
        "there is no job {0:?}: check the id (apply_plan and `clio-mcp jobs run` answer with \
         it; `clio-mcp jobs list` shows every job)"
    )]
    NoSuchJob(String),
    #[error("job store: a stored record is unreadable ({0}); it was written by another version")]
    Corrupt(String),
}

/// One connection shared by the tasks of this process; SQLite arbitrates between processes.
#[derive(Clone)]
pub struct JobStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for JobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobStore")
            .field("path", &self.path)
            .finish()
    }
}

/// Now, as stored: RFC 3339 with milliseconds, UTC.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl JobStore {
    /// Opens the job tables in the state database at `path` (created owner-only beforehand
    /// by the plan store, which is always opened first).
    pub fn open(path: &Path) -> Result<JobStore, JobStoreError> {
        let open_err = |source| JobStoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        // A job's state is the write-ahead record of what was sent: every commit is on disk
        // before the PATCH it describes goes out.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        conn.execute_batch(SCHEMA).map_err(open_err)?;
        Ok(JobStore {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        })
    }

    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        // SQLite has its own transactions: a panic while holding the lock leaves no half-write.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ---- jobs ----

    /// Records a new job and one pending item per value it writes, in one transaction.
    /// False when the plan already has a job (another process created it first).
    pub fn create(&self, header: &JobHeader, values: &[(u64, u64)]) -> Result<bool, JobStoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO jobs (id, plan_id, content_hash, status, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                header.id,
                header.plan_id,
                header.content_hash,
                header.status.as_str(),
                header.created_at,
                header.created_by
            ],
        )?;
        if inserted == 0 {
            return Ok(false);
        }
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO job_items (job_id, matter_id, field_id, state)
                 VALUES (?1, ?2, ?3, 'pending')",
            )?;
            for (matter, field) in values {
                insert.execute(params![header.id, *matter as i64, *field as i64])?;
            }
        }
        tx.commit()?;
        Ok(true)
    }

    /// The job of `plan_id`, if it has one (a plan is applied by one job, resumed as needed).
    pub fn job_of_plan(&self, plan_id: &str) -> Result<Option<JobHeader>, JobStoreError> {
        let id: Option<String> = self
            .conn()
            .query_row(
                "SELECT id FROM jobs WHERE plan_id = ?1",
                params![plan_id],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|id| self.header(&id)).transpose()
    }

    /// The job as stored (a `running` job whose holder stopped still reads `running` here;
    /// see [`super::lease`] for who is alive).
    pub fn header(&self, job_id: &str) -> Result<JobHeader, JobStoreError> {
        let conn = self.conn();
        let row = conn
            .query_row(
                "SELECT id, plan_id, content_hash, status, created_at, created_by, holder,
                        heartbeat_at, cancel_requested, requests, active_seconds, finished_at,
                        error
                 FROM jobs WHERE id = ?1",
                params![job_id],
                |r| {
                    Ok((
                        JobHeader {
                            id: r.get(0)?,
                            plan_id: r.get(1)?,
                            content_hash: r.get(2)?,
                            status: JobStatus::Running,
                            created_at: r.get(4)?,
                            created_by: r.get(5)?,
                            holder: r.get(6)?,
                            heartbeat_at: r.get(7)?,
                            cancel_requested: r.get::<_, i64>(8)? != 0,
                            requests: r.get::<_, i64>(9)?.max(0) as u64,
                            active_seconds: r.get(10)?,
                            finished_at: r.get(11)?,
                            error: r.get(12)?,
                        },
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        let (mut header, status) = row.ok_or_else(|| JobStoreError::NoSuchJob(job_id.into()))?;
        header.status = JobStatus::parse(&status)
            .ok_or_else(|| JobStoreError::Corrupt(format!("job status {status:?}")))?;
        Ok(header)
    }

    /// The most recent jobs, newest first.
    pub fn list(&self, limit: usize) -> Result<Vec<JobHeader>, JobStoreError> {
        let ids: Vec<String> = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?1",
            )?;
            stmt.query_map(params![limit as i64], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        ids.iter().map(|id| self.header(id)).collect()
    }

    /// Jobs with work left: stored as running (perhaps by a process that died), cancelled
    /// or failed.
    pub fn unfinished(&self) -> Result<Vec<JobHeader>, JobStoreError> {
        let ids: Vec<String> = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM jobs WHERE status != 'completed' ORDER BY created_at, rowid",
            )?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        ids.iter().map(|id| self.header(id)).collect()
    }

    /// Sets the stored status (and error), e.g. `running` when a run starts.
    pub fn set_status(
        &self,
        job_id: &str,
        status: JobStatus,
        error: Option<&str>,
    ) -> Result<(), JobStoreError> {
        let finished = (status == JobStatus::Completed).then(now);
        self.conn().execute(
            "UPDATE jobs SET status = ?2, error = ?3,
                             finished_at = COALESCE(?4, finished_at)
             WHERE id = ?1",
            params![job_id, status.as_str(), error, finished],
        )?;
        Ok(())
    }

    /// Asks the job to stop after its request in flight, whichever process runs it.
    pub fn request_cancel(&self, job_id: &str) -> Result<(), JobStoreError> {
        let n = self.conn().execute(
            "UPDATE jobs SET cancel_requested = 1 WHERE id = ?1",
            params![job_id],
        )?;
        if n == 0 {
            return Err(JobStoreError::NoSuchJob(job_id.into()));
        }
        Ok(())
    }

    /// Clears a cancellation, when a person resumes the job.
    pub fn clear_cancel(&self, job_id: &str) -> Result<(), JobStoreError> {
        self.conn().execute(
            "UPDATE jobs SET cancel_requested = 0 WHERE id = ?1",
            params![job_id],
        )?;
        Ok(())
    }

    pub fn cancel_requested(&self, job_id: &str) -> Result<bool, JobStoreError> {
        Ok(self.conn().query_row(
            "SELECT cancel_requested FROM jobs WHERE id = ?1",
            params![job_id],
            |r| r.get::<_, i64>(0),
        )? != 0)
    }

    /// Adds what a run spent: Clio requests and seconds of running.
    pub fn add_spent(
        &self,
        job_id: &str,
        requests: u64,
        seconds: f64,
    ) -> Result<(), JobStoreError> {
        self.conn().execute(
            "UPDATE jobs SET requests = requests + ?2, active_seconds = active_seconds + ?3
             WHERE id = ?1",
            params![job_id, requests as i64, seconds],
        )?;
        Ok(())
    }
}
