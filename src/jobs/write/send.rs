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

use super::{RunContext, instance_of, raw_value};

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
        let mut intents = Vec::with_capacity(sending.len());
        for (_, plan, write) in sending {
            let mut event = self
                .value_event(ctx, Action::WriteIntent, plan)
                .values(
                    raw_value(Some(read), plan.field_id),
                    write.value().cloned().unwrap_or(Value::Null),
                )
                .detail(format!(
                    "If-Match {etag}; {}",
                    if write.is_create() {
                        "creates the value"
                    } else if write.value().is_none() {
                        "clears the value"
                    } else {
                        "updates the value"
                    }
                ));
            if let Some(instance) = write.value_instance_id() {
                event = event.value_instance(instance);
            }
            let entry = self.audit(event).await?;
            let (id, f, seq) = (ctx.job.id.clone(), plan.field_id, entry.seq);
            self.db(move |s| s.set_intent(&id, matter_id, f, seq))
                .await?;
            intents.push(entry.seq);
        }
        crate::jobs::crash::at("after-intent");
        let writes: Vec<ValueWrite> = sending.iter().map(|(_, _, w)| w.clone()).collect();
        let answer = ctx
            .client
            .write_custom_field_values(read, &writes, VALUE_READ_FIELDS)
            .await;
        let definite = |e: &ClioError| match e.status() {
            Some(403) => Some((Action::Forbidden, Outcome::Forbidden)),
            Some(404) => Some((Action::Gone, Outcome::Gone)),
            Some(422) => Some((Action::Refused, Outcome::Refused)),
            _ => None,
        };
        match answer {
            Ok(after) => {
                crate::jobs::crash::at("after-patch");
                let returned = after.etag.clone().unwrap_or_default();
                for ((item, plan, write), seq) in sending.iter().zip(&intents) {
                    let mut item = item.clone();
                    item.intent_seq = Some(*seq);
                    let instance = instance_of(Some(&after), plan.field_id)
                        .or_else(|| write.value_instance_id().map(str::to_string));
                    self.settle(
                        ctx,
                        plan,
                        &item,
                        Action::WriteDone,
                        Outcome::Changed,
                        Some(format!("etag returned {returned}")),
                        (
                            raw_value(Some(read), plan.field_id),
                            write.value().cloned().unwrap_or(Value::Null),
                        ),
                        instance,
                        write.is_create(),
                    )
                    .await?;
                }
                crate::jobs::crash::at("after-outcome");
                Ok(Sent::Done)
            }
            Err(e) if definite(&e).is_some() => {
                let (action, outcome) = definite(&e).unwrap_or((Action::Failed, Outcome::Failed));
                let why = match (&e, outcome) {
                    (ClioError::Api { message, .. }, Outcome::Refused) => {
                        format!("Clio refused the value: {message}")
                    }
                    (_, Outcome::Forbidden) => "403: the Clio user this token belongs to may not \
                        change this matter; ask a Clio administrator for access"
                        .to_string(),
                    (_, Outcome::Gone) => "404: the matter no longer exists in Clio".to_string(),
                    _ => e.to_string(),
                };
                for ((item, plan, write), seq) in sending.iter().zip(&intents) {
                    let mut item = item.clone();
                    item.intent_seq = Some(*seq);
                    self.settle(
                        ctx,
                        plan,
                        &item,
                        action,
                        outcome,
                        Some(why.clone()),
                        (
                            raw_value(Some(read), plan.field_id),
                            write.value().cloned().unwrap_or(Value::Null),
                        ),
                        None,
                        false,
                    )
                    .await?;
                }
                Ok(Sent::Done)
            }
            // A refused token that could not be refreshed, or Clio's budget exhausted for
            // good: stop the job; the values stay `sent` and the resume re-reads them.
            Err(
                e @ (ClioError::Unauthorized { .. }
                | ClioError::RateLimited { .. }
                | ClioError::Refused { .. }),
            ) => Err(JobError::Clio(e)),
            Err(e) => Ok(Sent::Unknown {
                back_off: !e.is_precondition_failed(),
                why: e.to_string(),
            }),
        }
    }
}

/// How a `PATCH` ended.
pub(super) enum Sent {
    /// Every value of it is decided.
    Done,
    /// The outcome is unknown (a lost answer, a 5xx, a 412): re-read and decide again.
    Unknown { why: String, back_off: bool },
}
