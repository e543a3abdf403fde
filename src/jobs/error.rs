//! Why a job could not start, run or be read, each with what to do next.

use crate::audit::AuditError;
use crate::clio::ClioError;
use crate::plan::StoreError;

use super::store::JobStoreError;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] JobStoreError),
    #[error(transparent)]
    Plan(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Clio(#[from] ClioError),
    #[error(
        "plan {plan_id} has {change_sets} change sets, more than the {threshold} an assistant \
         may apply without a person's approval; a person must review it and run `clio-mcp plan \
         approve {plan_id}`, then apply it again (nothing was written)"
    )]
    NotApproved {
        plan_id: String,
        change_sets: u64,
        threshold: u64,
    },
    #[error(
        "plan {plan_id} is not approved for content hash {content_hash}: run `clio-mcp plan \
         approve {plan_id}` (or `clio-mcp jobs run {plan_id}`, which asks) first (nothing was \
         written)"
    )]
    NotApprovedAtAll {
        plan_id: String,
        content_hash: String,
    },
    #[error(
        "the content hash given ({given}) is not plan {plan_id}'s ({actual}): apply exactly \
         what was reviewed; get_plan and `clio-mcp plan show {plan_id}` show the hash \
         (nothing was written)"
    )]
    WrongHash {
        plan_id: String,
        given: String,
        actual: String,
    },
    #[error(
        "plan {plan_id} changed after it was hashed (its items no longer give content hash \
         {recorded}): it is not what was reviewed or approved, so it will not be applied. \
         Propose again and review the new plan (nothing was written)"
    )]
    PlanChanged { plan_id: String, recorded: String },
    #[error(
        "plan {plan_id} is {status}, not complete: wait for its scan (get_plan with \
         wait_seconds) or propose again (nothing was written)"
    )]
    PlanNotComplete { plan_id: String, status: String },
    #[error(
        "job {job_id} is held by another process ({holder}, last heard {heartbeat}); it is \
         still running there: watch it with `clio-mcp jobs status {job_id}` or stop it with \
         `clio-mcp jobs cancel {job_id}`. A holder silent for 15 s is taken over"
    )]
    LeaseHeld {
        job_id: String,
        holder: String,
        heartbeat: String,
    },
    #[error(
        "job {0} was taken over by another process while this one waited; this one stopped \
         without writing further (`clio-mcp jobs status {0}` shows who runs it)"
    )]
    LeaseLost(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("the job store stopped unexpectedly: {0}")]
    Stopped(String),
}

impl JobError {
    /// True when the caller can fix it (a refusal, a wrong hash, a held job, Clio's answer);
    /// false for faults of this machine (database, audit log).
    pub fn is_user_error(&self) -> bool {
        !matches!(
            self,
            JobError::Audit(_)
                | JobError::Stopped(_)
                | JobError::Store(JobStoreError::Open { .. })
                | JobError::Store(JobStoreError::Sql(_))
                | JobError::Store(JobStoreError::Corrupt(_))
                | JobError::Plan(StoreError::Open { .. })
                | JobError::Plan(StoreError::Sql(_))
        )
    }
}
