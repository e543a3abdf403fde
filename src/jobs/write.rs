//! One change set: decide every value of a matter from its fresh read, mark the writes sent,
//! fsync their intents, send one `PATCH`, and record what happened; a lost answer is resolved
//! by re-reading the matter.

use std::collections::HashMap;

use serde_json::Value;

use crate::audit::{Action, AuditEvent};
use crate::clio::ClioClient;
use crate::clio::matters::VALUE_READ_FIELDS;
use crate::clio::types::Matter;
use crate::clio::writes::ValueWrite;
use crate::plan::PlanItem;

use super::decide::{Decision, decide};

mod send;

use super::model::{JobHeader, Outcome};
use super::store::{ItemState, JobItem, Record};
use super::{JobError, JobService};
use send::Sent;

/// One value decided, to be recorded (see [`JobService::settle_all`]).
pub(super) struct Settlement<'a> {
    pub plan: &'a PlanItem,
    /// The intent it is the outcome of, when a PATCH was marked for it.
    pub intent: Option<u64>,
    pub action: Action,
    pub outcome: Outcome,
    pub reason: Option<String>,
    /// Old and new value, as the audit log keeps them.
    pub values: (Value, Value),
    /// The value-instance id written (a created one, for rollback).
    pub instance: Option<String>,
    pub created: bool,
}

/// Tries of one change set before it is dead-lettered as failed.
pub(super) const MAX_WRITE_ATTEMPTS: u32 = 5;

/// What a run works with.
pub(super) struct RunContext<'a> {
    pub job: &'a JobHeader,
    pub plan: &'a HashMap<(u64, u64), PlanItem>,
    /// The plan's fields: the only values each read asks for, and their names.
    pub field_ids: &'a [u64],
    pub field_names: &'a [String],
    /// This run's handle of the one client (its own request count).
    pub client: &'a ClioClient,
    /// Who asked, for the audit log (`apply_plan`, `jobs run`, ...).
    pub tool: &'a str,
}

/// The raw value of a field in a read, as the audit log keeps it (byte-equal for rollback).
pub(super) fn raw_value(read: Option<&Matter>, field_id: u64) -> Value {
    read.and_then(|m| m.custom_field_values.as_deref())
        .unwrap_or_default()
        .iter()
        .find(|v| v.definition_id() == Some(field_id) && v.id.is_some())
        .and_then(|v| v.value.clone())
        .unwrap_or(Value::Null)
}

pub(super) fn instance_of(read: Option<&Matter>, field_id: u64) -> Option<String> {
    read.and_then(|m| m.custom_field_values.as_deref())
        .unwrap_or_default()
        .iter()
        .find(|v| v.definition_id() == Some(field_id))
        .and_then(|v| v.id.clone())
}

impl JobService {
    /// An audit event about one value of the job.
    pub(super) fn value_event(
        &self,
        ctx: &RunContext<'_>,
        action: Action,
        plan: &PlanItem,
    ) -> AuditEvent {
        AuditEvent::new(action, ctx.tool)
            .job(&ctx.job.id)
            .plan(&ctx.job.plan_id)
            .content_hash(&ctx.job.content_hash)
            .matter(plan.matter_id)
            .field(&plan.field_name, plan.field_id)
    }

    /// Records outcomes: first in the audit log (one fsync for all), then in the store (one
    /// transaction). A crash between the two leaves the values `sent`, and the resume records
    /// them again after a re-read: an outcome is never missing from the log.
    pub(super) async fn settle_all(
        &self,
        ctx: &RunContext<'_>,
        settled: Vec<Settlement<'_>>,
    ) -> Result<(), JobError> {
        if settled.is_empty() {
            return Ok(());
        }
        let mut events = Vec::with_capacity(settled.len());
        let mut records = Vec::with_capacity(settled.len());
        for s in settled {
            let mut event = self
                .value_event(ctx, s.action, s.plan)
                .values(s.values.0, s.values.1)
                .outcome(s.outcome.as_str());
            if let Some(seq) = s.intent {
                event = event.intent(seq);
            }
            if let Some(i) = &s.instance {
                event = event.value_instance(i.clone());
            }
            if let Some(r) = &s.reason {
                event = event.detail(r.clone());
            }
            events.push(event);
            records.push(Record {
                matter_id: s.plan.matter_id,
                field_id: s.plan.field_id,
                outcome: s.outcome,
                reason: s.reason,
                value_id: s.instance,
                created: s.created,
            });
        }
        self.audit_all(events).await?;
        let id = ctx.job.id.clone();
        self.db(move |s| s.record_all(&id, &records)).await
    }

    /// Writes one matter's change set, starting from `read` (its fresh read, `None` when
    /// Clio did not return it). Returns when every value of the matter is decided, or with
    /// the error that stops the job (its values then stay `sent` or `pending` for a resume).
    pub(super) async fn apply_matter(
        &self,
        ctx: &RunContext<'_>,
        matter_id: u64,
        read: Option<Matter>,
    ) -> Result<(), JobError> {
        let mut read = read;
        let mut last_error: Option<String> = None;
        loop {
            let id = ctx.job.id.clone();
            let items = self.db(move |s| s.items_of(&id, matter_id)).await?;
            let mut sending: Vec<(JobItem, &PlanItem, ValueWrite)> = Vec::new();
            let mut settled = Vec::new();
            let mut not_landed = Vec::new();
            for item in items.into_iter().filter(|i| i.state != ItemState::Done) {
                let Some(plan) = ctx.plan.get(&(matter_id, item.field_id)) else {
                    // A job item always comes from a change of its plan: a missing one means
                    // the plan was altered, which the hash check refuses before a run.
                    return Err(JobError::Stopped(format!(
                        "job {} has a value (matter {matter_id}, field {}) its plan does not",
                        ctx.job.id, item.field_id
                    )));
                };
                let old = raw_value(read.as_ref(), plan.field_id);
                let instance = instance_of(read.as_ref(), plan.field_id);
                let settle = |action, outcome, reason, values, instance, created| Settlement {
                    plan,
                    intent: item.intent_seq,
                    action,
                    outcome,
                    reason,
                    values,
                    instance,
                    created,
                };
                match decide(read.as_ref(), plan, item.state) {
                    Decision::Unchanged => settled.push(settle(
                        Action::WriteSkippedEqual,
                        Outcome::Unchanged,
                        None,
                        (old.clone(), old),
                        instance,
                        false,
                    )),
                    Decision::Landed => settled.push(settle(
                        Action::WriteResolved,
                        Outcome::Changed,
                        Some("the answer to this write was lost; a re-read shows it landed".into()),
                        (Value::Null, old),
                        instance,
                        plan.old.is_none(),
                    )),
                    Decision::Conflict(reason) => settled.push(settle(
                        Action::Conflict,
                        Outcome::Conflict,
                        Some(reason),
                        (old, Value::Null),
                        None,
                        false,
                    )),
                    Decision::Gone(reason) => settled.push(settle(
                        Action::Gone,
                        Outcome::Gone,
                        Some(reason),
                        (Value::Null, Value::Null),
                        None,
                        false,
                    )),
                    Decision::Write(write) => {
                        if item.state == ItemState::Sent {
                            // Its PATCH went out before (a crash, a lost answer) but did not land.
                            let mut event = self
                                .value_event(ctx, Action::WriteResolved, plan)
                                .outcome("not-applied")
                                .detail(
                                    "the answer to this write was lost; a re-read shows it did \
                                     not land: it is written again from that read",
                                );
                            if let Some(seq) = item.intent_seq {
                                event = event.intent(seq);
                            }
                            not_landed.push((event, item.field_id));
                        }
                        sending.push((item, plan, write));
                    }
                }
            }
            self.settle_all(ctx, settled).await?;
            if !not_landed.is_empty() {
                let (events, fields): (Vec<_>, Vec<_>) = not_landed.into_iter().unzip();
                self.audit_all(events).await?;
                let id = ctx.job.id.clone();
                self.db(move |s| s.reopen_all(&id, matter_id, &fields))
                    .await?;
            }
            let Some(read_now) = read.as_ref().filter(|_| !sending.is_empty()) else {
                return Ok(());
            };
            let attempts = sending
                .iter()
                .map(|(i, _, _)| i.attempts)
                .max()
                .unwrap_or(0);
            if attempts >= MAX_WRITE_ATTEMPTS {
                let why = format!(
                    "gave up after {attempts} tries (dead-lettered): {}",
                    last_error.as_deref().unwrap_or("Clio kept failing")
                );
                let failed = sending
                    .iter()
                    .map(|(item, plan, _)| Settlement {
                        plan,
                        intent: item.intent_seq,
                        action: Action::Failed,
                        outcome: Outcome::Failed,
                        reason: Some(why.clone()),
                        values: (raw_value(read.as_ref(), plan.field_id), Value::Null),
                        instance: None,
                        created: false,
                    })
                    .collect();
                return self.settle_all(ctx, failed).await;
            }
            let sent = self.send(ctx, read_now, &sending).await?;
            match sent {
                Sent::Done => return Ok(()),
                Sent::Unknown { why, back_off } => {
                    last_error = Some(why);
                    if back_off {
                        tokio::time::sleep(self.retry.backoff(attempts.max(1))).await;
                    }
                    // Resolved by re-reading, never by sending again blindly.
                    read = self.reread(ctx, matter_id).await?;
                }
            }
        }
    }

    /// The matter read again, alone, for a decision after an unknown outcome.
    async fn reread(
        &self,
        ctx: &RunContext<'_>,
        matter_id: u64,
    ) -> Result<Option<Matter>, JobError> {
        let read = ctx
            .client
            .matters_by_ids(&[matter_id], ctx.field_ids, VALUE_READ_FIELDS)
            .await?;
        self.audit_read(ctx, &[matter_id]).await?;
        Ok(read.into_iter().find(|m| m.id == matter_id))
    }

    /// Records a read of the plan's fields on `matters` (which matters and fields, not values).
    pub(super) async fn audit_read(
        &self,
        ctx: &RunContext<'_>,
        matters: &[u64],
    ) -> Result<(), JobError> {
        let event = AuditEvent::read(ctx.tool, matters.iter().copied(), ctx.field_names.to_vec())
            .job(&ctx.job.id)
            .plan(&ctx.job.plan_id);
        self.audit(event).await?;
        Ok(())
    }
}
