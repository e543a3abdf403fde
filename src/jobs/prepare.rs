//! Before anything is written: the plan is complete, is exactly what was reviewed (the hash
//! given, and the hash its items still give), and is approved where it must be; then its one
//! job is found or created.

use crate::audit::{Action, AuditEvent};
use crate::plan::digest::content_hash;
use crate::plan::{ItemClass, PlanHeader, PlanItem, PlanStatus};

use super::model::{JobHeader, JobStatus};
use super::store::now;
use super::{JobError, JobService};

/// Who asks for a plan to be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An assistant (an MCP tool): a plan over the approval threshold needs a person's
    /// approval recorded for its content hash.
    Assistant,
    /// A person at the command line, who approved it just before (`jobs run`, `jobs resume`).
    Person,
}

impl JobService {
    /// The plan's header and items when it is complete and its items still give the content
    /// hash recorded when it was scanned, and that hash is `expected`.
    pub async fn verified_plan(
        &self,
        plan_id: &str,
        expected: &str,
    ) -> Result<(PlanHeader, Vec<PlanItem>), JobError> {
        let id = plan_id.to_string();
        let plans = self.plans.clone();
        let (header, items) =
            tokio::task::spawn_blocking(move || -> Result<_, crate::plan::StoreError> {
                Ok((plans.header(&id)?, plans.all_items(&id)?))
            })
            .await
            .map_err(|e| JobError::Stopped(e.to_string()))??;
        if header.status != PlanStatus::Complete {
            return Err(JobError::PlanNotComplete {
                plan_id: plan_id.to_string(),
                status: header.status.as_str().to_string(),
            });
        }
        let recorded = header.content_hash.clone().unwrap_or_default();
        if expected.trim() != recorded {
            return Err(JobError::WrongHash {
                plan_id: plan_id.to_string(),
                given: expected.trim().chars().take(80).collect(),
                actual: recorded,
            });
        }
        if content_hash(&header, &items) != recorded {
            return Err(JobError::PlanChanged {
                plan_id: plan_id.to_string(),
                recorded,
            });
        }
        Ok((header, items))
    }

    /// Records that the person `by` approved exactly `content_hash` of `plan_id` (via a command
    /// or a confirmation form), in the store and the audit log.
    pub async fn approve(
        &self,
        plan_id: &str,
        content_hash: &str,
        by: &str,
        via: &str,
    ) -> Result<(), JobError> {
        let (header, _) = self.verified_plan(plan_id, content_hash).await?;
        let (id, hash, who, how) = (
            plan_id.to_string(),
            content_hash.to_string(),
            by.to_string(),
            via.to_string(),
        );
        self.db(move |s| s.approve(&id, &hash, &who, &how)).await?;
        self.audit(
            AuditEvent::new(Action::Approval, via)
                .plan(plan_id)
                .content_hash(content_hash)
                .outcome("approved")
                .detail(format!(
                    "approved by {by} (OS user) via {via}: {}",
                    header.counts.summary()
                )),
        )
        .await?;
        Ok(())
    }

    /// Who approved `content_hash` of `plan_id`, and when.
    pub async fn approval(
        &self,
        plan_id: &str,
        content_hash: &str,
    ) -> Result<Option<(String, String)>, JobError> {
        let (id, hash) = (plan_id.to_string(), content_hash.to_string());
        self.db(move |s| s.approval(&id, &hash)).await
    }

    /// Whether the assistant must have a person's approval for this plan.
    pub fn needs_approval(&self, header: &PlanHeader) -> bool {
        header.counts.matters_with_changes > self.threshold
    }

    /// Checks the plan and its approval, then returns its job: the existing one (to resume,
    /// or completed), or a new one with a pending value per change. Nothing is written.
    pub async fn prepare(
        &self,
        plan_id: &str,
        content_hash: &str,
        origin: Origin,
        tool: &str,
    ) -> Result<JobHeader, JobError> {
        let (header, items) = self.verified_plan(plan_id, content_hash).await?;
        let hash = header.content_hash.clone().unwrap_or_default();
        let approved = self.approval(plan_id, &hash).await?.is_some();
        match origin {
            Origin::Person if !approved => {
                return Err(JobError::NotApprovedAtAll {
                    plan_id: plan_id.to_string(),
                    content_hash: hash,
                });
            }
            Origin::Assistant if !approved && self.needs_approval(&header) => {
                return Err(JobError::NotApproved {
                    plan_id: plan_id.to_string(),
                    change_sets: header.counts.matters_with_changes,
                    threshold: self.threshold,
                });
            }
            _ => {}
        }
        if let Some(job) = self.job_of_plan(plan_id).await? {
            return Ok(job);
        }
        let values: Vec<(u64, u64)> = items
            .iter()
            .filter(|i| i.class == ItemClass::Change)
            .map(|i| (i.matter_id, i.field_id))
            .collect();
        let job = JobHeader {
            id: format!("job-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
            plan_id: plan_id.to_string(),
            content_hash: hash,
            status: JobStatus::Interrupted,
            created_at: now(),
            created_by: format!("{} via {tool}", self.user),
            holder: None,
            heartbeat_at: None,
            cancel_requested: false,
            requests: 0,
            active_seconds: 0.0,
            finished_at: None,
            error: None,
        };
        let stored = job.clone();
        if self.db(move |s| s.create(&stored, &values)).await? {
            return Ok(job);
        }
        // Another process created the plan's job a moment ago: that one is the job.
        self.job_of_plan(plan_id)
            .await?
            .ok_or_else(|| JobError::Stopped("the plan's job vanished".to_string()))
    }
}
