//! Sending one change set: the write-ahead mark, the intents fsynced, one `PATCH` with
//! `If-Match`, and the answer recorded, or reported unknown for a re-read to resolve.

use serde_json::Value;

use crate::audit::Action;
use crate::clio::ClioError;
use crate::clio::matters::VALUE_READ_FIELDS;
use crate::clio::types::Matter;
use crate::clio::writes::ValueWrite;
use crate::jobs::model::Outcome;
use crate::jobs::store::JobItem;
use crate::jobs::{JobError, JobService};
use crate::plan::PlanItem;

use super::{RunContext, Settlement, instance_of, raw_value};

/// How a `PATCH` ended.
pub(super) enum Sent {
    /// Every value of it is decided.
    Done,
    /// The outcome is unknown (a lost answer, a 5xx, a 412): re-read and decide again.
    Unknown { why: String, back_off: bool },
}

/// The audit action and job outcome of an answer that settles the write for good.
fn definite(e: &ClioError) -> Option<(Action, Outcome, String)> {
    match (e.status(), e) {
        (Some(403), _) => Some((
            Action::Forbidden,
            Outcome::Forbidden,
            "403: the Clio user this token belongs to may not change this matter; ask a Clio \
             administrator for access"
                .to_string(),
        )),
        (Some(404), _) => Some((
            Action::Gone,
            Outcome::Gone,
            "404: the matter no longer exists in Clio".to_string(),
        )),
        (Some(422), ClioError::Api { message, .. }) => Some((
            Action::Refused,
            Outcome::Refused,
            format!("Clio refused the value: {message}"),
        )),
        _ => None,
    }
}

fn verb(write: &ValueWrite) -> &'static str {
    if write.is_create() {
        "creates the value"
    } else if write.value().is_none() {
        "clears the value"
    } else {
        "updates the value"
    }
}

impl JobService {
    /// Marks the writes sent, fsyncs their intents, sends the one `PATCH` and records the
    /// answer; `Unknown` when the outcome must be resolved by re-reading.
    pub(super) async fn send(
        &self,
        ctx: &RunContext<'_>,
        read: &Matter,
        sending: &[(JobItem, &PlanItem, ValueWrite)],
    ) -> Result<Sent, JobError> {
        let matter_id = read.id;
        let fields: Vec<u64> = sending.iter().map(|(i, _, _)| i.field_id).collect();
        let (id, holder) = (ctx.job.id.clone(), self.holder.clone());
        if !self
            .db(move |s| s.mark_sent(&id, matter_id, &fields, &holder))
            .await?
        {
            return Err(JobError::LeaseLost(ctx.job.id.clone()));
        }
        crate::jobs::crash::at("after-mark");
        let etag = read.etag.clone().unwrap_or_default();
        let old_new = |plan: &PlanItem, write: &ValueWrite| {
            (
                raw_value(Some(read), plan.field_id),
                write.value().cloned().unwrap_or(Value::Null),
            )
        };
        let intents: Vec<_> = sending
            .iter()
            .map(|(_, plan, write)| {
                let (old, new) = old_new(plan, write);
                let mut event = self
                    .value_event(ctx, Action::WriteIntent, plan)
                    .values(old, new)
                    .detail(format!("If-Match {etag}; {}", verb(write)));
                if let Some(instance) = write.value_instance_id() {
                    event = event.value_instance(instance);
                }
                event
            })
            .collect();
        // On disk, fsynced, before the PATCH leaves: the old values are kept for a rollback.
        let seqs: Vec<u64> = self
            .audit_all(intents)
            .await?
            .iter()
            .map(|e| e.seq)
            .collect();
        let pairs: Vec<(u64, u64)> = sending
            .iter()
            .zip(&seqs)
            .map(|((i, _, _), seq)| (i.field_id, *seq))
            .collect();
        let id = ctx.job.id.clone();
        self.db(move |s| s.set_intents(&id, matter_id, &pairs))
            .await?;
        crate::jobs::crash::at("after-intent");
        let writes: Vec<ValueWrite> = sending.iter().map(|(_, _, w)| w.clone()).collect();
        let answer = ctx
            .client
            .write_custom_field_values(read, &writes, VALUE_READ_FIELDS)
            .await;
        let settled: Vec<Settlement<'_>> = match answer {
            Ok(after) => {
                crate::jobs::crash::at("after-patch");
                let returned = after.etag.clone().unwrap_or_default();
                sending
                    .iter()
                    .zip(&seqs)
                    .map(|((_, plan, write), seq)| Settlement {
                        plan,
                        intent: Some(*seq),
                        action: Action::WriteDone,
                        outcome: Outcome::Changed,
                        reason: Some(format!("etag returned {returned}")),
                        values: old_new(plan, write),
                        instance: instance_of(Some(&after), plan.field_id)
                            .or_else(|| write.value_instance_id().map(str::to_string)),
                        created: write.is_create(),
                    })
                    .collect()
            }
            Err(e) => match definite(&e) {
                Some((action, outcome, why)) => sending
                    .iter()
                    .zip(&seqs)
                    .map(|((_, plan, write), seq)| Settlement {
                        plan,
                        intent: Some(*seq),
                        action,
                        outcome,
                        reason: Some(why.clone()),
                        values: old_new(plan, write),
                        instance: None,
                        created: false,
                    })
                    .collect(),
                // A refused token that could not be refreshed, or Clio's budget exhausted for
                // good: stop the job; the values stay `sent` and the resume re-reads them.
                None if matches!(
                    e,
                    ClioError::Unauthorized { .. }
                        | ClioError::RateLimited { .. }
                        | ClioError::Refused { .. }
                ) =>
                {
                    return Err(JobError::Clio(e));
                }
                None => {
                    return Ok(Sent::Unknown {
                        back_off: !e.is_precondition_failed(),
                        why: e.to_string(),
                    });
                }
            },
        };
        self.settle_all(ctx, settled).await?;
        crate::jobs::crash::at("after-outcome");
        Ok(Sent::Done)
    }
}
