//! Rollback: an ordinary plan built from the audit log's write intents, putting back the old
//! value of every value a job changed (clearing the ones it created), reviewed, approved and
//! applied like any plan; a value changed since the job is never overwritten.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::audit::{Action, AuditEntry, AuditFilter, query};
use crate::plan::request::{ProposeRequest, Restore};

use super::{JobError, JobService};

/// What to roll back: the jobs, and optionally only some of their matters.
#[derive(Debug, Clone, Default)]
pub struct RollbackScope {
    pub jobs: Vec<String>,
    /// Only these matters (all when empty).
    pub matters: Vec<u64>,
}

/// The value as the plan holds it: text, a picklist's option id, a number printed.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Whether `e` records a value a job changed (directly, or resolved after a lost answer).
fn is_changed(e: &AuditEntry) -> bool {
    e.action == Action::WriteDone
        || (e.action == Action::WriteResolved && e.outcome.as_deref() == Some("changed"))
}

impl JobService {
    /// The values to put back for `scope`, from the audit log: for every value the jobs
    /// changed, the old value of its write intent (and what was written). Errors name what
    /// to do when there is nothing to roll back.
    pub async fn rollback_request(
        &self,
        scope: &RollbackScope,
    ) -> Result<ProposeRequest, JobError> {
        let dir = self.audit.dir().to_path_buf();
        let jobs = scope.jobs.clone();
        let entries = tokio::task::spawn_blocking(move || -> Result<Vec<AuditEntry>, JobError> {
            let mut all = Vec::new();
            for job in jobs {
                let filter = AuditFilter {
                    job: Some(job),
                    ..Default::default()
                };
                all.extend(query(&dir, &filter, None, usize::MAX)?.entries);
            }
            Ok(all)
        })
        .await
        .map_err(|e| JobError::Stopped(e.to_string()))??;
        let intents: BTreeMap<u64, &AuditEntry> = entries
            .iter()
            .filter(|e| e.action == Action::WriteIntent)
            .map(|e| (e.seq, e))
            .collect();
        let mut restore: BTreeMap<(u64, u64), Restore> = BTreeMap::new();
        for outcome in entries.iter().filter(|e| is_changed(e)) {
            let Some(intent) = outcome.intent_seq.and_then(|s| intents.get(&s)) else {
                continue;
            };
            let (Some(matter), Some(field)) = (intent.matter_id, intent.field_def_id) else {
                continue;
            };
            if !scope.matters.is_empty() && !scope.matters.contains(&matter) {
                continue;
            }
            restore.insert(
                (matter, field),
                Restore {
                    matter_id: matter,
                    field_id: field,
                    written: text(&intent.new_value),
                    original: text(&intent.old_value),
                },
            );
        }
        if restore.is_empty() {
            return Err(JobError::BadRequest(format!(
                "the audit log records no value changed by {}{}: there is nothing to roll back \
                 (`clio-mcp audit show --job JOB_ID` lists a job's writes)",
                scope.jobs.join(", "),
                if scope.matters.is_empty() {
                    String::new()
                } else {
                    " on those matters".to_string()
                }
            )));
        }
        let mut fields: Vec<u64> = restore.keys().map(|(_, f)| *f).collect();
        fields.sort_unstable();
        fields.dedup();
        Ok(ProposeRequest {
            fields: fields.iter().map(u64::to_string).collect(),
            restore: restore.into_values().collect(),
            rollback_of: scope.jobs.clone(),
            ..Default::default()
        })
    }

    /// The jobs of `plan_id` (a plan has at most one), for `plan rollback --plan`.
    pub async fn jobs_of_plan(&self, plan_id: &str) -> Result<Vec<String>, JobError> {
        Ok(self
            .job_of_plan(plan_id)
            .await?
            .map(|j| vec![j.id])
            .unwrap_or_default())
    }
}
