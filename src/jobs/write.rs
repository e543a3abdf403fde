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
use super::store::{ItemState, JobItem};
use super::{JobError, JobService};
use send::Sent;

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

    /// Records an outcome in the store and the audit log.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn settle(
        &self,
        ctx: &RunContext<'_>,
        plan: &PlanItem,
        item: &JobItem,
        action: Action,
        outcome: Outcome,
        reason: Option<String>,
        values: (Value, Value),
        instance: Option<String>,
        created: bool,
    ) -> Result<(), JobError> {
        let (id, m, f) = (ctx.job.id.clone(), plan.matter_id, plan.field_id);
        let (why, inst) = (reason.clone(), instance.clone());
        self.db(move |s| s.record(&id, m, f, outcome, why.as_deref(), inst.as_deref(), created))
            .await?;
        let mut event = self
            .value_event(ctx, action, plan)
            .values(values.0, values.1)
            .outcome(outcome.as_str());
        if let Some(seq) = item.intent_seq {
            event = event.intent(seq);
        }
        if let Some(i) = instance {
            event = event.value_instance(i);
        }
        if let Some(r) = reason {
            event = event.detail(r);
        }
        self.audit(event).await?;
        Ok(())
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
                match decide(read.as_ref(), plan, item.state) {
                    Decision::Unchanged => {
                        self.settle(
                            ctx,
                            plan,
                            &item,
                            Action::WriteSkippedEqual,
                            Outcome::Unchanged,
                            None,
                            (old.clone(), old),
                            instance_of(read.as_ref(), plan.field_id),
                            false,
                        )
                        .await?;
                    }
                    Decision::Landed => {
                        let new = old.clone();
                        self.settle(
                            ctx,
                            plan,
                            &item,
                            Action::WriteResolved,
                            Outcome::Changed,
                            Some(
                                "the answer to this write was lost; a re-read shows it landed"
                                    .into(),
                            ),
                            (Value::Null, new),
                            instance_of(read.as_ref(), plan.field_id),
                            plan.old.is_none(),
                        )
                        .await?;
                    }
                    Decision::Conflict(reason) => {
                        self.settle(
                            ctx,
                            plan,
                            &item,
                            Action::Conflict,
                            Outcome::Conflict,
                            Some(reason),
                            (old, Value::Null),
                            None,
                            false,
                        )
                        .await?;
                    }
                    Decision::Gone(reason) => {
                        self.settle(
                            ctx,
                            plan,
                            &item,
                            Action::Gone,
                            Outcome::Gone,
                            Some(reason),
                            (Value::Null, Value::Null),
                            None,
                            false,
                        )
                        .await?;
                    }
                    Decision::Write(write) => {
                        if item.state == ItemState::Sent {
                            // Its PATCH went out before (a crash, a lost answer) but did not land.
                            let mut event = self
                                .value_event(ctx, Action::WriteResolved, plan)
                                .outcome("not-applied")
                                .detail("the answer to this write was lost; a re-read shows it did not land: it is written again from that read");
                            if let Some(seq) = item.intent_seq {
                                event = event.intent(seq);
                            }
                            self.audit(event).await?;
                            let id = ctx.job.id.clone();
                            let f = item.field_id;
                            self.db(move |s| s.reopen(&id, matter_id, f)).await?;
                        }
                        sending.push((item, plan, write));
                    }
                }
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
                for (item, plan, _) in &sending {
                    let old = raw_value(read.as_ref(), plan.field_id);
                    self.settle(
                        ctx,
                        plan,
                        item,
                        Action::Failed,
                        Outcome::Failed,
                        Some(why.clone()),
                        (old, Value::Null),
                        None,
                        false,
                    )
                    .await?;
                }
                return Ok(());
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
