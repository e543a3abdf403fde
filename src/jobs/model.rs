//! The records of a write job: its status, what happened to each value, the counts a person
//! and a script read, and the problems listed with their reasons.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// A process holds the job and is writing.
    Running,
    /// Every change set was decided: applied, already equal, or reported as a problem.
    Completed,
    /// A person stopped it after the request in flight; it can be resumed.
    Cancelled,
    /// Its process stopped (a crash, a kill, a closed laptop) before the end; resume it.
    Interrupted,
    /// It stopped on an error that needs a person (see `error`); fix it, then resume.
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Interrupted => "interrupted",
            JobStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<JobStatus> {
        [
            JobStatus::Running,
            JobStatus::Completed,
            JobStatus::Cancelled,
            JobStatus::Interrupted,
            JobStatus::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Whether the job still has work a resume would do.
    pub fn is_unfinished(self) -> bool {
        self != JobStatus::Completed
    }
}

/// What happened to one value of a change set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Written: Clio now holds the plan's new value.
    Changed,
    /// Already equal to the plan's new value: nothing sent.
    Unchanged,
    /// Changed by someone since the preview: never overwritten.
    Conflict,
    /// This Clio user may not change the matter (403).
    Forbidden,
    /// The matter is gone (404), or Clio no longer returns it.
    Gone,
    /// Clio refused the value (422), with its message.
    Refused,
    /// Failed after repeated tries: dead-lettered, with the reason.
    Failed,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Outcome::Changed,
        Outcome::Unchanged,
        Outcome::Conflict,
        Outcome::Forbidden,
        Outcome::Gone,
        Outcome::Refused,
        Outcome::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Changed => "changed",
            Outcome::Unchanged => "unchanged",
            Outcome::Conflict => "conflict",
            Outcome::Forbidden => "forbidden",
            Outcome::Gone => "gone",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// A value that did not land and a person should look at.
    pub fn is_problem(self) -> bool {
        !matches!(self, Outcome::Changed | Outcome::Unchanged)
    }
}

/// How far a job has come, per value (a field of a matter); a change set is a matter's values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JobCounts {
    /// Values the job writes.
    pub total: u64,
    /// Values decided: every outcome below.
    pub done: u64,
    pub changed: u64,
    /// Already equal: nothing sent.
    pub unchanged: u64,
    pub conflicts: u64,
    pub forbidden: u64,
    pub gone: u64,
    pub refused: u64,
    pub failed: u64,
    /// Change sets (matters), and how many of them are decided.
    pub matters: u64,
    pub matters_done: u64,
}

impl JobCounts {
    pub fn slot(&mut self, outcome: Outcome) -> &mut u64 {
        match outcome {
            Outcome::Changed => &mut self.changed,
            Outcome::Unchanged => &mut self.unchanged,
            Outcome::Conflict => &mut self.conflicts,
            Outcome::Forbidden => &mut self.forbidden,
            Outcome::Gone => &mut self.gone,
            Outcome::Refused => &mut self.refused,
            Outcome::Failed => &mut self.failed,
        }
    }

    /// Values that did not land: conflicts, forbidden, gone, refused, failed.
    pub fn problems(&self) -> u64 {
        self.conflicts + self.forbidden + self.gone + self.refused + self.failed
    }

    /// `N of M values done: N changed, N unchanged, ...`
    pub fn summary(&self) -> String {
        format!(
            "{} of {} values done ({} of {} matters): {} changed, {} already equal, {} conflicts, \
             {} forbidden, {} gone, {} refused, {} failed",
            self.done,
            self.total,
            self.matters_done,
            self.matters,
            self.changed,
            self.unchanged,
            self.conflicts,
            self.forbidden,
            self.gone,
            self.refused,
            self.failed
        )
    }
}

/// A job as stored: everything but its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobHeader {
    pub id: String,
    pub plan_id: String,
    /// The content hash of the plan this job applies (what a person reviewed).
    pub content_hash: String,
    pub status: JobStatus,
    pub created_at: String,
    /// Who started it (the Clio user) and through what.
    pub created_by: String,
    /// The process holding the job, while one does.
    pub holder: Option<String>,
    pub heartbeat_at: Option<String>,
    pub cancel_requested: bool,
    /// Clio requests the job has sent, over all its runs.
    pub requests: u64,
    /// Seconds the job has spent running, over all its runs.
    pub active_seconds: f64,
    pub finished_at: Option<String>,
    pub error: Option<String>,
}

/// One value that did not land, for a person to look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Problem {
    pub matter_id: u64,
    pub field: String,
    pub outcome: Outcome,
    pub reason: String,
}
