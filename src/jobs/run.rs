//! One run of a job: take the lease, beat the heart, write page after page of change sets
//! from fresh reads, and end as completed, cancelled, interrupted or failed (each resumable
//! but the first).

use std::collections::HashMap;
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::audit::{Action, AuditEvent};
use crate::clio::matters::{IDS_PER_READ, VALUE_READ_FIELDS};
use crate::plan::{ItemClass, PlanItem};

use super::lease::{HEARTBEAT, is_stale};
use super::model::{JobCounts, JobHeader, JobStatus};
use super::write::RunContext;
use super::{JobError, JobService};

/// How often progress is reported to a watcher (a progress bar, a progress notification).
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Why the writing stopped.
enum Stop {
    /// Every value is decided.
    Done,
    /// A person asked (`cancel_job`, `jobs cancel`).
    Cancelled,
    /// This process is stopping (the server shuts down): resumable, not a person's choice.
    Interrupted,
}

impl JobService {
    /// Runs the job `job_id` in this task until it ends, reporting counts to `progress`. The
    /// caller has checked its approval ([`JobService::prepare`]); the plan's hash is checked
    /// again here, since a run may start long after. `cancel` stops it after the request in
    /// flight, as an interruption (a person's cancel goes through the store).
    pub async fn run(
        &self,
        job_id: &str,
        cancel: CancellationToken,
        progress: &(dyn Fn(&JobCounts) + Sync),
    ) -> Result<JobHeader, JobError> {
        let id = job_id.to_string();
        let header = self.db(move |s| s.header(&id)).await?;
        let (plan_header, items) = self
            .verified_plan(&header.plan_id, &header.content_hash)
            .await?;
        let (id, me) = (job_id.to_string(), self.holder.clone());
        if let Err(held) = self.db(move |s| s.take_lease(&id, &me, is_stale)).await? {
            return Err(JobError::LeaseHeld {
                job_id: job_id.to_string(),
                holder: held.holder,
                heartbeat: held.heartbeat_at.unwrap_or_else(|| "never".to_string()),
            });
        }
        let id = job_id.to_string();
        let counts = self.db(move |s| s.counts(&id)).await?;
        let first = header.requests == 0 && counts.done == 0;
        let id = job_id.to_string();
        self.db(move |s| s.set_status(&id, JobStatus::Running, None))
            .await?;
        let tool = header
            .created_by
            .rsplit_once(" via ")
            .map(|(_, t)| t.to_string())
            .unwrap_or_else(|| "job".to_string());
        self.audit(
            AuditEvent::new(
                if first {
                    Action::JobStart
                } else {
                    Action::JobResume
                },
                &tool,
            )
            .job(job_id)
            .plan(&header.plan_id)
            .content_hash(&header.content_hash)
            .detail(counts.summary()),
        )
        .await?;
        let plan: HashMap<(u64, u64), PlanItem> = items
            .into_iter()
            .filter(|i| i.class == ItemClass::Change)
            .map(|i| ((i.matter_id, i.field_id), i))
            .collect();
        let field_ids: Vec<u64> = plan_header.fields.iter().map(|f| f.id).collect();
        let field_names: Vec<String> = plan_header.fields.iter().map(|f| f.name.clone()).collect();
        // This run's own handle, so its requests are counted apart from other runs'.
        let client = self.client.background();
        let ctx = RunContext {
            job: &header,
            plan: &plan,
            field_ids: &field_ids,
            field_names: &field_names,
            client: &client,
            tool: &tool,
        };
        let started = Instant::now();
        let outcome = tokio::select! {
            r = self.write_all(&ctx, &cancel, progress) => r,
            lost = self.keep_lease(job_id) => Err(lost),
        };
        let (id, requests, seconds) = (
            job_id.to_string(),
            client.requests_sent(),
            started.elapsed().as_secs_f64(),
        );
        self.db(move |s| s.add_spent(&id, requests, seconds))
            .await?;
        let id = job_id.to_string();
        let counts = self.db(move |s| s.counts(&id)).await?;
        progress(&counts);
        let (status, action, note, error) = match &outcome {
            Ok(Stop::Done) => (JobStatus::Completed, Action::JobEnd, "completed", None),
            Ok(Stop::Cancelled) => (JobStatus::Cancelled, Action::JobCancel, "cancelled", None),
            Ok(Stop::Interrupted) => (JobStatus::Interrupted, Action::JobEnd, "interrupted", None),
            // Another process runs it now: its status is theirs to keep.
            Err(JobError::LeaseLost(_)) => return outcome.map(|_| header),
            Err(e) => (
                JobStatus::Failed,
                Action::JobEnd,
                "failed",
                Some(e.to_string()),
            ),
        };
        let (id, why) = (job_id.to_string(), error.clone());
        self.db(move |s| s.set_status(&id, status, why.as_deref()))
            .await?;
        let mut event = AuditEvent::new(action, &tool)
            .job(job_id)
            .plan(&header.plan_id)
            .content_hash(&header.content_hash)
            .outcome(note)
            .detail(match &error {
                Some(e) => format!("{}; {e}", counts.summary()),
                None => counts.summary(),
            });
        event.read_fields = Vec::new();
        self.audit(event).await?;
        let (id, me) = (job_id.to_string(), self.holder.clone());
        self.db(move |s| s.release(&id, &me)).await?;
        outcome?;
        let id = job_id.to_string();
        self.db(move |s| s.header(&id)).await
    }

    /// Beats the lease every few seconds; returns only when it was taken over.
    async fn keep_lease(&self, job_id: &str) -> JobError {
        loop {
            tokio::time::sleep(HEARTBEAT).await;
            let (id, me) = (job_id.to_string(), self.holder.clone());
            match self.db(move |s| s.beat(&id, &me)).await {
                Ok(true) => {}
                Ok(false) => return JobError::LeaseLost(job_id.to_string()),
                // A busy database for a moment is not a lost lease: try at the next beat.
                Err(e) => tracing::warn!(job_id, error = %e, "heartbeat not stored"),
            }
        }
    }

    /// Page after page of open matters, each re-read in one request, each matter written.
    async fn write_all(
        &self,
        ctx: &RunContext<'_>,
        cancel: &CancellationToken,
        progress: &(dyn Fn(&JobCounts) + Sync),
    ) -> Result<Stop, JobError> {
        let job_id = ctx.job.id.as_str();
        let mut reported = Instant::now();
        loop {
            if let Some(stop) = self.stop_asked(job_id, cancel).await? {
                return Ok(stop);
            }
            let id = job_id.to_string();
            let page = self.db(move |s| s.open_matters(&id, IDS_PER_READ)).await?;
            if page.is_empty() {
                return Ok(Stop::Done);
            }
            let reads = tokio::select! {
                r = ctx.client.matters_by_ids(&page, ctx.field_ids, VALUE_READ_FIELDS) => r?,
                // A read is safe to abandon: nothing was sent that changes anything.
                () = cancel.cancelled() => return Ok(Stop::Interrupted),
            };
            self.audit_read(ctx, &page).await?;
            super::crash::at("after-read");
            let mut by_id: HashMap<u64, _> = reads.into_iter().map(|m| (m.id, m)).collect();
            for matter_id in page {
                if let Some(stop) = self.stop_asked(job_id, cancel).await? {
                    return Ok(stop);
                }
                self.apply_matter(ctx, matter_id, by_id.remove(&matter_id))
                    .await?;
                if reported.elapsed() >= PROGRESS_EVERY {
                    let id = job_id.to_string();
                    progress(&self.db(move |s| s.counts(&id)).await?);
                    reported = Instant::now();
                }
            }
        }
    }

    /// A person's cancel (in the store, from any process) or this process stopping.
    async fn stop_asked(
        &self,
        job_id: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<Stop>, JobError> {
        let id = job_id.to_string();
        if self.db(move |s| s.cancel_requested(&id)).await? {
            return Ok(Some(Stop::Cancelled));
        }
        Ok(cancel.is_cancelled().then_some(Stop::Interrupted))
    }
}
