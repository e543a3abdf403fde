//! One write from an assistant (`apply_custom_field`): the server reads the matter itself,
//! finds the value instance of the field on that very matter, validates the value, skips an
//! equal one, fsyncs the intent, sends one `PATCH` with `If-Match`, and records the outcome.

use serde::Serialize;
use serde_json::Value;

use crate::audit::{Action, AuditEvent};
use crate::clio::ClioError;
use crate::clio::matters::VALUE_READ_FIELDS;
use crate::clio::types::{CustomField, Matter};
use crate::clio::writes::ValueWrite;
use crate::field_type::FieldType;
use crate::plan::classify::same_value;
use crate::plan::request::{check_value, context, find_field};

use super::decide::current_value;
use super::{JobError, JobService};

/// What one write ended as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteOutcome {
    /// Written: Clio now holds the new value.
    Changed,
    /// Already equal: nothing was sent.
    Unchanged,
    /// The matter changed between the read and the write (412), or a lost answer found a
    /// value nobody asked for: nothing was overwritten.
    Conflict,
    /// Not written: the value does not fit the field, or Clio refused (403, 404, 422).
    Refused,
}

/// The result of one write, with the values it concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteResult {
    pub outcome: WriteOutcome,
    pub matter_id: u64,
    pub field: String,
    pub field_id: u64,
    pub field_type: String,
    /// The value read just before (a picklist's option id).
    pub old: Option<String>,
    /// The value asked for, as written (a picklist label turned into its option id).
    pub new: Option<String>,
    /// The audit entry of the intent (or of the skip), when one was written.
    pub audit_seq: Option<u64>,
    pub reason: Option<String>,
}

/// The value to write: text, or a clear.
fn wanted(def: &CustomField, value: Option<&str>) -> Result<Option<String>, String> {
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Err(
            "an empty value would clear the field: pass value null to clear it on purpose"
                .to_string(),
        ),
        Some(v) => check_value(&context(def), v).map(Some),
    }
}

fn equal(field_type: &str, a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => same_value(
            FieldType::parse(field_type).unwrap_or(FieldType::TextLine),
            a,
            b,
        ),
        _ => false,
    }
}

impl JobService {
    /// Writes `value` (`None` clears) to `field` (name or definition id) of `matter_id`.
    /// Errors are for what stops the call (an unknown field, Clio unreachable); a value that
    /// cannot be written is an ordinary `refused` result.
    pub async fn write_one(
        &self,
        matter_id: u64,
        field: &str,
        value: Option<&str>,
        tool: &str,
    ) -> Result<WriteResult, JobError> {
        let definitions = self.fields.matter_fields().await?;
        let def =
            find_field(field, &definitions).map_err(|e| JobError::BadRequest(e.to_string()))?;
        let mut result = WriteResult {
            outcome: WriteOutcome::Refused,
            matter_id,
            field: def.name.clone(),
            field_id: def.id,
            field_type: def.field_type.clone(),
            old: None,
            new: value.map(str::to_string),
            audit_seq: None,
            reason: None,
        };
        let new = match wanted(def, value) {
            Ok(n) => n,
            Err(reason) => {
                result.reason = Some(reason);
                return Ok(result);
            }
        };
        result.new = new.clone();
        // A person's request: the interactive client, ahead of any running job.
        let client = self.client.interactive();
        let read = match client.get_matter(matter_id, VALUE_READ_FIELDS).await {
            Ok(m) => m,
            Err(e) if matches!(e.status(), Some(403 | 404)) => {
                result.reason = Some(refusal(matter_id, &e));
                return Ok(result);
            }
            Err(e) => return Err(e.into()),
        };
        let event = |action| {
            AuditEvent::new(action, tool)
                .matter(matter_id)
                .field(&def.name, def.id)
        };
        self.audit(AuditEvent::read(tool, [matter_id], [def.name.clone()]))
            .await?;
        result.old = current_value(&read, def.id);
        let old_raw = raw(&read, def.id);
        if equal(&def.field_type, result.old.as_deref(), new.as_deref()) {
            let skipped = self
                .audit(
                    event(Action::WriteSkippedEqual)
                        .values(old_raw.clone(), old_raw)
                        .outcome("unchanged"),
                )
                .await?;
            result.outcome = WriteOutcome::Unchanged;
            result.audit_seq = Some(skipped.seq);
            return Ok(result);
        }
        let write = match &new {
            Some(text) => ValueWrite::set(&read, def.id, Value::String(text.clone())),
            None => match ValueWrite::clear(&read, def.id) {
                Some(w) => w,
                None => {
                    result.outcome = WriteOutcome::Unchanged;
                    return Ok(result);
                }
            },
        };
        let new_raw = write.value().cloned().unwrap_or(Value::Null);
        let mut intent = event(Action::WriteIntent)
            .values(old_raw.clone(), new_raw.clone())
            .detail(format!("If-Match {}", read.etag.as_deref().unwrap_or("")));
        if let Some(i) = write.value_instance_id() {
            intent = intent.value_instance(i);
        }
        // Fsynced before the PATCH leaves: the old value is on disk for a rollback.
        let intent = self.audit(intent).await?;
        result.audit_seq = Some(intent.seq);
        let outcome = |action, outcome: &str| {
            event(action)
                .intent(intent.seq)
                .values(old_raw.clone(), new_raw.clone())
                .outcome(outcome)
        };
        match client
            .write_custom_field_values(&read, std::slice::from_ref(&write), VALUE_READ_FIELDS)
            .await
        {
            Ok(after) => {
                let etag = after.etag.clone().unwrap_or_default();
                let mut done =
                    outcome(Action::WriteDone, "changed").detail(format!("etag returned {etag}"));
                if let Some(i) = instance(&after, def.id) {
                    done = done.value_instance(i);
                }
                self.audit(done).await?;
                result.outcome = WriteOutcome::Changed;
            }
            Err(e) if e.is_precondition_failed() => {
                let why = "the matter changed in Clio between the read and the write (412); \
                           nothing was overwritten: read it again and decide";
                self.audit(outcome(Action::Conflict, "conflict").detail(why))
                    .await?;
                result.outcome = WriteOutcome::Conflict;
                result.reason = Some(why.to_string());
            }
            Err(e) if matches!(e.status(), Some(403 | 404 | 422)) => {
                let action = match e.status() {
                    Some(403) => Action::Forbidden,
                    Some(404) => Action::Gone,
                    _ => Action::Refused,
                };
                let why = refusal(matter_id, &e);
                self.audit(outcome(action, "refused").detail(why.clone()))
                    .await?;
                result.reason = Some(why);
            }
            Err(
                e @ (ClioError::UnknownOutcome { .. }
                | ClioError::Server { .. }
                | ClioError::Network { .. }),
            ) => {
                // Resolved by re-reading, never by sending again.
                let again = client.get_matter(matter_id, VALUE_READ_FIELDS).await?;
                let now = current_value(&again, def.id);
                if equal(&def.field_type, now.as_deref(), new.as_deref()) {
                    self.audit(outcome(Action::WriteResolved, "changed").detail(format!(
                        "the answer was lost ({e}); a re-read shows it landed"
                    )))
                    .await?;
                    result.outcome = WriteOutcome::Changed;
                } else if equal(&def.field_type, now.as_deref(), result.old.as_deref()) {
                    let why = format!(
                        "Clio did not answer ({e}) and a re-read shows the write did not land; nothing changed: try again"
                    );
                    self.audit(outcome(Action::WriteResolved, "not-applied").detail(why.clone()))
                        .await?;
                    result.reason = Some(why);
                } else {
                    let why = "the answer was lost and the matter now holds another value (someone changed it); nothing was overwritten".to_string();
                    self.audit(outcome(Action::Conflict, "conflict").detail(why.clone()))
                        .await?;
                    result.outcome = WriteOutcome::Conflict;
                    result.reason = Some(why);
                }
            }
            Err(e) => return Err(e.into()),
        }
        Ok(result)
    }
}

fn raw(read: &Matter, field_id: u64) -> Value {
    read.custom_field_values
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|v| v.definition_id() == Some(field_id) && v.id.is_some())
        .and_then(|v| v.value.clone())
        .unwrap_or(Value::Null)
}

fn instance(read: &Matter, field_id: u64) -> Option<String> {
    read.custom_field_values
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|v| v.definition_id() == Some(field_id))
        .and_then(|v| v.id.clone())
}

/// Clio's refusal in words a person can act on.
fn refusal(matter_id: u64, e: &ClioError) -> String {
    match (e.status(), e) {
        (Some(403), _) => format!(
            "403: the Clio user this token belongs to may not change matter {matter_id}; ask a \
             Clio administrator for access"
        ),
        (Some(404), _) => format!("404: there is no matter {matter_id} in this Clio account"),
        (_, ClioError::Api { message, .. }) => format!("Clio refused the value: {message}"),
        _ => e.to_string(),
    }
}
