//! A job as a person, an assistant or a script reads it: status, counts, pace, ETA from the
//! rate budget, the next step, and a page of the values that did not land.

use schemars::JsonSchema;
use serde::Serialize;

use crate::privacy::Privacy;

use super::model::{JobCounts, JobHeader, JobStatus, Problem};

/// Problems on one page unless asked otherwise.
pub const DEFAULT_PROBLEMS: usize = 20;
/// Most problems on one page.
pub const MAX_PROBLEMS: usize = 100;

/// What `job_status`, `apply_plan`, `cancel_job` and `jobs status --json` answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JobView {
    pub job_id: String,
    pub plan_id: String,
    /// The plan content hash the job applies.
    pub content_hash: String,
    pub status: JobStatus,
    /// What to do next.
    pub next_step: String,
    #[serde(flatten)]
    pub counts: JobCounts,
    /// Clio requests spent so far, over all runs.
    pub requests: u64,
    /// Requests per minute achieved while running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achieved_per_minute: Option<f64>,
    /// The request budget per minute in force.
    pub rate_limit_per_minute: u32,
    /// Seconds left at that budget, for the values not yet done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta_seconds: Option<u64>,
    /// The process running it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Values that did not land, with the reason: conflicts, forbidden, gone, refused, failed.
    pub problems: Vec<Problem>,
    /// Pass back as `cursor` for more problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Requests left for `counts`: one list read per 200 matters and one write per matter.
pub fn requests_left(counts: &JobCounts) -> u64 {
    let matters = counts.matters.saturating_sub(counts.matters_done);
    matters.div_ceil(200) + matters
}

/// Renders a job. `status` is the live status (a dead holder reads `interrupted`);
/// `problems` are already shaped; `more` is the cursor of the next page.
pub fn render(
    header: &JobHeader,
    status: JobStatus,
    counts: JobCounts,
    problems: Vec<Problem>,
    more: Option<String>,
    rate_limit_per_minute: u32,
    privacy: Privacy,
) -> JobView {
    let achieved = (header.active_seconds >= 1.0 && header.requests > 0)
        .then(|| header.requests as f64 * 60.0 / header.active_seconds);
    let eta = (status != JobStatus::Completed && rate_limit_per_minute > 0).then(|| {
        (requests_left(&counts) as f64 * 60.0 / f64::from(rate_limit_per_minute)).ceil() as u64
    });
    let problems = problems
        .into_iter()
        .map(|mut p| {
            p.reason = privacy.show_reason(&p.reason, &[]);
            p
        })
        .collect();
    JobView {
        job_id: header.id.clone(),
        plan_id: header.plan_id.clone(),
        content_hash: header.content_hash.clone(),
        status,
        next_step: next_step(header, status, &counts),
        counts,
        requests: header.requests,
        achieved_per_minute: achieved.map(|a| (a * 10.0).round() / 10.0),
        rate_limit_per_minute,
        eta_seconds: eta,
        holder: (status == JobStatus::Running)
            .then(|| header.holder.clone())
            .flatten(),
        error: header.error.clone(),
        problems,
        next_cursor: more,
    }
}

fn next_step(header: &JobHeader, status: JobStatus, counts: &JobCounts) -> String {
    let id = &header.id;
    match status {
        JobStatus::Running => format!(
            "Running in the background: call job_status with job_id {id} (wait_seconds up to \
             20) to follow it; cancel_job stops it after the request in flight."
        ),
        JobStatus::Completed if counts.problems() > 0 => format!(
            "Completed with {} values that did not land (listed in problems, each with its \
             reason): show them to the person; nothing was overwritten. propose_rollback with \
             job_id {id} undoes the changes.",
            counts.problems()
        ),
        JobStatus::Completed => format!(
            "Completed: every value is applied or was already equal. propose_rollback with \
             job_id {id} undoes it."
        ),
        JobStatus::Cancelled => format!(
            "Cancelled after the request in flight. apply_plan with the same plan_id and \
             content_hash (or `clio-mcp jobs resume {id}`) resumes it where it stopped."
        ),
        JobStatus::Interrupted => format!(
            "Its process stopped before the end; nothing is lost. apply_plan with the same \
             plan_id and content_hash (or `clio-mcp jobs resume {id}`) resumes it."
        ),
        JobStatus::Failed => format!(
            "Stopped on an error (see error); fix it, then apply_plan again with the same \
             plan_id and content_hash (or `clio-mcp jobs resume {id}`) to resume."
        ),
    }
}
