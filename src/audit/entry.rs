//! The audit record types and their canonical, hash-chained JSON form.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use super::action::Action;

/// `prev_hash` of the very first entry: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event to record, before the log stamps it with sequence number, time, user,
/// session and hashes. Build with [`AuditEvent::new`] and the chained setters.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub action: Action,
    pub tool: String,
    pub matter_id: Option<u64>,
    pub field_name: Option<String>,
    pub field_def_id: Option<u64>,
    pub value_instance_id: Option<String>,
    pub old_value: Value,
    pub new_value: Value,
    pub outcome: Option<String>,
    pub job_id: Option<String>,
    pub plan_id: Option<String>,
    pub content_hash: Option<String>,
    pub intent_seq: Option<u64>,
    pub detail: Option<String>,
    pub read_matters: Vec<u64>,
    pub read_fields: Vec<String>,
}

impl AuditEvent {
    /// An event of `action` performed by `tool` (MCP tool or CLI command name).
    pub fn new(action: Action, tool: impl Into<String>) -> Self {
        AuditEvent {
            action,
            tool: tool.into(),
            matter_id: None,
            field_name: None,
            field_def_id: None,
            value_instance_id: None,
            old_value: Value::Null,
            new_value: Value::Null,
            outcome: None,
            job_id: None,
            plan_id: None,
            content_hash: None,
            intent_seq: None,
            detail: None,
            read_matters: Vec::new(),
            read_fields: Vec::new(),
        }
    }

    /// A read of privileged data: which matters and fields `tool` read, never the values.
    pub fn read<S: Into<String>>(
        tool: impl Into<String>,
        matters: impl IntoIterator<Item = u64>,
        fields: impl IntoIterator<Item = S>,
    ) -> Self {
        let mut event = AuditEvent::new(Action::Read, tool);
        event.read_matters = matters.into_iter().collect();
        event.read_fields = fields.into_iter().map(Into::into).collect();
        event
    }

    pub fn matter(mut self, matter_id: u64) -> Self {
        self.matter_id = Some(matter_id);
        self
    }

    /// The custom field by name and its Clio field definition id.
    pub fn field(mut self, name: impl Into<String>, def_id: u64) -> Self {
        self.field_name = Some(name.into());
        self.field_def_id = Some(def_id);
        self
    }

    /// The Clio custom field value instance, e.g. `"text_line-17"`.
    pub fn value_instance(mut self, id: impl Into<String>) -> Self {
        self.value_instance_id = Some(id.into());
        self
    }

    /// Value before and after; `Value::Null` when there is none.
    pub fn values(mut self, old: Value, new: Value) -> Self {
        self.old_value = old;
        self.new_value = new;
        self
    }

    pub fn outcome(mut self, outcome: impl Into<String>) -> Self {
        self.outcome = Some(outcome.into());
        self
    }

    pub fn job(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = Some(job_id.into());
        self
    }

    pub fn plan(mut self, plan_id: impl Into<String>) -> Self {
        self.plan_id = Some(plan_id.into());
        self
    }

    /// The plan's content hash the write applies (what a person reviewed).
    pub fn content_hash(mut self, hash: impl Into<String>) -> Self {
        self.content_hash = Some(hash.into());
        self
    }

    /// The sequence number of the write intent this entry is the outcome of.
    pub fn intent(mut self, seq: u64) -> Self {
        self.intent_seq = Some(seq);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// One line of the log, exactly as stored. Field order is the canonical key order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    pub user: String,
    pub session_id: String,
    pub tool: String,
    pub action: Action,
    pub matter_id: Option<u64>,
    pub field_name: Option<String>,
    pub field_def_id: Option<u64>,
    pub value_instance_id: Option<String>,
    pub old_value: Value,
    pub new_value: Value,
    pub outcome: Option<String>,
    pub job_id: Option<String>,
    pub plan_id: Option<String>,
    /// Absent from entries written before writes existed; `null` otherwise when not set.
    #[serde(default)]
    pub content_hash: Option<String>,
    #[serde(default)]
    pub intent_seq: Option<u64>,
    pub detail: Option<String>,
    pub read_matters: Vec<u64>,
    pub read_fields: Vec<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The suffix every stored line ends with, before the 64 hex digits and `"}`.
const HASH_MEMBER: &str = ",\"hash\":\"";

impl AuditEntry {
    pub(crate) fn from_event(
        event: AuditEvent,
        seq: u64,
        ts: DateTime<Utc>,
        user: String,
        session_id: String,
        prev_hash: String,
    ) -> Self {
        AuditEntry {
            seq,
            ts,
            user,
            session_id,
            tool: event.tool,
            action: event.action,
            matter_id: event.matter_id,
            field_name: event.field_name,
            field_def_id: event.field_def_id,
            value_instance_id: event.value_instance_id,
            old_value: event.old_value,
            new_value: event.new_value,
            outcome: event.outcome,
            job_id: event.job_id,
            plan_id: event.plan_id,
            content_hash: event.content_hash,
            intent_seq: event.intent_seq,
            detail: event.detail,
            read_matters: event.read_matters,
            read_fields: event.read_fields,
            prev_hash,
            hash: String::new(),
        }
    }

    /// Fills in `hash` and returns the canonical line (without the trailing newline).
    pub(crate) fn seal(&mut self) -> Result<String, serde_json::Error> {
        // Serialising with a placeholder hash of the final length and then cutting the
        // member off keeps a single definition of the key order: the struct itself.
        self.hash = GENESIS_HASH.to_owned();
        let placeholder = serde_json::to_string(self)?;
        let body = unhashed_body(&placeholder).unwrap_or(&placeholder);
        self.hash = sha256_hex(&[body, "}"]);
        Ok(format!("{body}{HASH_MEMBER}{}\"}}", self.hash))
    }
}

/// Splits a stored line into the hashed text (without its closing brace) and the stored
/// hash; `None` when the line does not end in a well-formed hash member.
pub(crate) fn split_line(line: &str) -> Option<(&str, &str)> {
    let body = unhashed_body(line)?;
    let rest = &line[body.len() + HASH_MEMBER.len()..];
    let hash = rest.strip_suffix("\"}")?;
    let well_formed = hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    well_formed.then_some((body, hash))
}

fn unhashed_body(line: &str) -> Option<&str> {
    line.rfind(HASH_MEMBER).map(|at| &line[..at])
}

/// The hash a line *should* carry, computed from its stored bytes.
pub(crate) fn body_hash(body: &str) -> String {
    sha256_hex(&[body, "}"])
}

fn sha256_hex(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_round_trip_through_serde_and_from_str() {
        for action in Action::ALL {
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
            assert_eq!(action.as_str().parse::<Action>().unwrap(), action);
        }
        assert!("delete-everything".parse::<Action>().is_err());
    }

    #[test]
    fn sealed_line_hash_covers_the_line_without_the_hash_member() {
        let event = AuditEvent::new(Action::WriteDone, "t").values("a".into(), 1.5.into());
        let mut entry = AuditEntry::from_event(
            event,
            1,
            Utc::now(),
            "u".into(),
            "s".into(),
            GENESIS_HASH.into(),
        );
        let line = entry.seal().unwrap();
        let (body, hash) = split_line(&line).unwrap();
        assert_eq!(hash, entry.hash);
        assert_eq!(body_hash(body), entry.hash);
        assert!(line.starts_with("{\"seq\":1,\"ts\":"));
        let parsed: AuditEntry = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed, entry);
    }
}
