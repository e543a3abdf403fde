//! Write jobs: plans applied to Clio as resumable background jobs, approvals that bind a
//! plan's content hash, single writes, and rollbacks built from the audit log.
//!
//! How a job writes, so that a kill at any instant costs nothing:
//! - one change set per matter, all its fields in one `PATCH`; just before a page of change
//!   sets is written, those matters are re-read in one request for fresh etags and values;
//! - the current value equals the plan's old one: write; the new one: unchanged; anything
//!   else: a conflict, never overwritten (see [`decide`]);
//! - write-ahead: the values are marked `sent` in SQLite and the intent (old value, new value,
//!   value instance, etag) is fsynced in the audit log before the `PATCH` goes out; the
//!   outcome is recorded after. A lost answer (a reset, a timeout, a crash, a 412) is resolved
//!   by re-reading the matter, never by resending blindly;
//! - one process runs a job: a lease with a heartbeat; a silent or dead holder is taken over.

pub mod crash;
pub mod decide;
pub mod error;
pub mod lease;
pub mod model;
mod prepare;
pub mod rollback;
mod run;
pub mod single;
pub mod store;
pub mod view;
mod write;

use std::sync::Arc;
use std::time::Duration;

use crate::audit::{AuditEntry, AuditError, AuditEvent, AuditLog};
use crate::background::{Runner, Waited};
use crate::clio::{ClioClient, RetryPolicy};
use crate::inventory::FieldCache;
use crate::plan::PlanStore;
use crate::privacy::Privacy;

pub use error::JobError;
pub use model::{JobCounts, JobHeader, JobStatus, Outcome, Problem};
pub use prepare::Origin;
pub use store::{JobStore, JobStoreError};
pub use view::JobView;

/// Change sets an assistant may apply without a person's approval, unless configured.
pub const DEFAULT_APPROVAL_THRESHOLD: u64 = 25;

/// The job service: one per process, shared by the tools and commands.
#[derive(Clone)]
pub struct JobService {
    /// The background handle of the one client: a person's requests go first.
    client: ClioClient,
    fields: FieldCache,
    plans: PlanStore,
    store: JobStore,
    audit: Arc<AuditLog>,
    runner: Runner,
    /// The Clio user the token belongs to, as the audit log names it.
    user: String,
    /// This process, as a lease holder.
    holder: String,
    retry: RetryPolicy,
    threshold: u64,
}

impl JobService {
    /// `client` is the process's client (its background handle is taken here).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        client: &ClioClient,
        fields: FieldCache,
        plans: PlanStore,
        store: JobStore,
        audit: Arc<AuditLog>,
        user: impl Into<String>,
        retry: RetryPolicy,
        threshold: u64,
    ) -> JobService {
        JobService {
            client: client.background(),
            fields,
            plans,
            store,
            audit,
            runner: Runner::new(),
            user: user.into(),
            holder: lease::me(),
            retry,
            threshold,
        }
    }

    /// Change sets an assistant may apply without a person's approval.
    pub fn approval_threshold(&self) -> u64 {
        self.threshold
    }

    /// The job of a plan, if it has one.
    pub async fn job_of_plan(&self, plan_id: &str) -> Result<Option<JobHeader>, JobError> {
        let id = plan_id.to_string();
        self.db(move |s| s.job_of_plan(&id)).await
    }

    /// The most recent jobs, newest first, with their live status.
    pub async fn list(&self, limit: usize) -> Result<Vec<(JobHeader, JobStatus)>, JobError> {
        let headers = self.db(move |s| s.list(limit)).await?;
        Ok(headers
            .into_iter()
            .map(|h| {
                let status = self.live_status(&h);
                (h, status)
            })
            .collect())
    }

    /// Jobs with work left (running elsewhere, interrupted, cancelled or failed).
    pub async fn unfinished(&self) -> Result<Vec<(JobHeader, JobStatus)>, JobError> {
        let headers = self.db(|s| s.unfinished()).await?;
        Ok(headers
            .into_iter()
            .map(|h| {
                let status = self.live_status(&h);
                (h, status)
            })
            .collect())
    }

    /// The status as it is now: a job stored as running whose holder stopped is interrupted.
    pub fn live_status(&self, header: &JobHeader) -> JobStatus {
        view::live_status(header, self.runner.is_running(&header.id))
    }

    /// The job as the assistant or a script sees it, with one page of problems.
    pub async fn view(
        &self,
        job_id: &str,
        cursor: Option<&str>,
        limit: usize,
        privacy: Privacy,
    ) -> Result<JobView, JobError> {
        let (store, plans) = (self.store.clone(), self.plans.clone());
        let (id, cursor) = (job_id.to_string(), cursor.map(str::to_string));
        let rate = self.client.limiter_status().effective_per_minute;
        let here = self.runner.is_running(job_id);
        tokio::task::spawn_blocking(move || {
            view::load(
                &store,
                &plans,
                &id,
                cursor.as_deref(),
                limit,
                privacy,
                rate,
                here,
            )
        })
        .await
        .map_err(|e| JobError::Stopped(e.to_string()))?
    }

    /// Waits up to `timeout` for a job this process runs to end.
    pub async fn wait(&self, job_id: &str, timeout: Duration) {
        if self.runner.wait(job_id, timeout).await == Waited::StillRunning {
            tracing::debug!(job_id, "job still running after the wait");
        }
    }

    /// Asks the job to stop after the request in flight, whichever process runs it.
    pub async fn cancel(&self, job_id: &str) -> Result<(), JobError> {
        let id = job_id.to_string();
        self.db(move |s| s.request_cancel(&id)).await?;
        self.runner.cancel(job_id);
        Ok(())
    }

    /// Whether this process runs the job now.
    pub fn is_running_here(&self, job_id: &str) -> bool {
        self.runner.is_running(job_id)
    }

    /// Clears a person's earlier cancel, so a resumed job runs.
    pub async fn resume(&self, job_id: &str) -> Result<(), JobError> {
        let id = job_id.to_string();
        self.db(move |s| s.clear_cancel(&id)).await
    }

    /// Runs the job in the background of this process (a tool call, `serve --resume-jobs`).
    /// A job this process already runs is left as it is.
    pub fn spawn(&self, job_id: &str) {
        if self.runner.is_running(job_id) {
            return;
        }
        let svc = self.clone();
        let id = job_id.to_string();
        self.runner.spawn(job_id, move |cancel| async move {
            if let Err(e) = svc.run(&id, cancel, &|_| {}).await {
                tracing::warn!(job_id = %id, error = %e, "the job stopped");
            }
        });
    }

    /// Stops every job of this process after its request in flight; they can be resumed.
    pub async fn shutdown(&self) {
        self.runner.shutdown(Duration::from_secs(10)).await;
    }

    /// Runs a job-store call on the blocking pool: SQLite may wait on another process.
    async fn db<T, F>(&self, f: F) -> Result<T, JobError>
    where
        T: Send + 'static,
        F: FnOnce(&JobStore) -> Result<T, JobStoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| JobError::Stopped(e.to_string()))?
            .map_err(JobError::from)
    }

    /// Appends several entries as one batch (one fsync); returns once they are on disk.
    async fn audit_all(&self, events: Vec<AuditEvent>) -> Result<Vec<AuditEntry>, JobError> {
        let log = self.audit.clone();
        let dir = log.dir().to_path_buf();
        Ok(tokio::task::spawn_blocking(move || log.append_all(events))
            .await
            .map_err(|e| AuditError::Io {
                doing: "write the audit entries",
                path: dir,
                source: std::io::Error::other(e.to_string()),
            })??)
    }

    /// Appends to the audit log on the blocking pool; returns once the entry is fsynced.
    async fn audit(&self, event: AuditEvent) -> Result<AuditEntry, JobError> {
        let log = self.audit.clone();
        let dir = log.dir().to_path_buf();
        Ok(tokio::task::spawn_blocking(move || log.append(event))
            .await
            .map_err(|e| AuditError::Io {
                doing: "write the audit entry",
                path: dir,
                source: std::io::Error::other(e.to_string()),
            })??)
    }
}
