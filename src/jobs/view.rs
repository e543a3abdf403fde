//! A job as a person, an assistant or a script reads it: status, counts, pace, ETA from the
//! rate budget, the next step, and a page of the values that did not land.

use schemars::JsonSchema;
use serde::Serialize;

use crate::plan::PlanStore;
use crate::privacy::Privacy;

use super::JobError;
use super::lease;
use super::model::{JobCounts, JobHeader, JobStatus, Outcome, Problem};
use super::store::JobStore;

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

/// The status as it is now: a job stored as running whose holder stopped is interrupted.
/// `running_here` says this process runs it (its heartbeat may lag behind a slow request).
pub fn live_status(header: &JobHeader, running_here: bool) -> JobStatus {
    if running_here {
        return JobStatus::Running;
    }
    if header.status != JobStatus::Running {
        return header.status;
    }
    match &header.holder {
        Some(h) if !lease::is_stale(h, header.heartbeat_at.as_deref()) => JobStatus::Running,
        _ => JobStatus::Interrupted,
    }
}

/// `matter:field`, as [`load`] hands it out.
fn parse_cursor(cursor: &str) -> Option<(u64, u64)> {
    let (m, f) = cursor.trim().split_once(':')?;
    Some((m.parse().ok()?, f.parse().ok()?))
}

/// Reads a job and one page of its problems from the stores (no Clio needed), and renders it.
#[allow(clippy::too_many_arguments)]
pub fn load(
    store: &JobStore,
    plans: &PlanStore,
    job_id: &str,
    cursor: Option<&str>,
    limit: usize,
    privacy: Privacy,
    rate_limit_per_minute: u32,
    running_here: bool,
) -> Result<JobView, JobError> {
    let after = match cursor {
        None => None,
        Some(c) => Some(parse_cursor(c).ok_or_else(|| {
            JobError::BadRequest(
                "cursor is not one job_status handed out: pass next_cursor back unchanged, or \
                 leave it out to start from the first problem"
                    .to_string(),
            )
        })?),
    };
    let limit = limit.clamp(1, MAX_PROBLEMS);
    let header = store.header(job_id)?;
    let counts = store.counts(job_id)?;
    let mut items = store.problems(job_id, after, limit + 1)?;
    let more = if items.len() > limit {
        items.truncate(limit);
        items
            .last()
            .map(|i| format!("{}:{}", i.matter_id, i.field_id))
    } else {
        None
    };
    let names: Vec<(u64, String)> = plans
        .header(&header.plan_id)?
        .fields
        .into_iter()
        .map(|f| (f.id, f.name))
        .collect();
    let problems = items
        .into_iter()
        .map(|i| Problem {
            matter_id: i.matter_id,
            field: names
                .iter()
                .find(|(id, _)| *id == i.field_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| format!("field {}", i.field_id)),
            outcome: i.outcome.unwrap_or(Outcome::Failed),
            reason: i.reason.unwrap_or_default(),
        })
        .collect();
    let status = live_status(&header, running_here);
    // Before the job is done, say which of its matters Clio reported changed since the
    // proposal: the job re-reads each before writing, so none is overwritten blindly.
    let changed = match status {
        JobStatus::Completed => Vec::new(),
        _ => plans.changed_since_proposal(&header.plan_id)?,
    };
    let mut view = render(
        &header,
        status,
        counts,
        problems,
        more,
        rate_limit_per_minute,
        privacy,
    );
    if !changed.is_empty() {
        let ids: Vec<String> = changed.iter().map(u64::to_string).collect();
        view.next_step = format!(
            "Changed in Clio since the plan was proposed: matters {}. The job re-reads each \
             before writing and keeps a value changed meanwhile as a conflict. {}",
            ids.join(", "),
            view.next_step
        );
    }
    Ok(view)
}

/// Requests left for `counts`: one list read per 200 matters and one write per matter.
pub fn requests_left(counts: &JobCounts) -> u64 {
    let matters = counts.matters.saturating_sub(counts.matters_done);
    matters.div_ceil(200) + matters
}

/// Renders a job. `status` is the live status (a dead holder reads `interrupted`);
/// `problems` are already shaped; `more` is the cursor of the next page.
fn render(
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
