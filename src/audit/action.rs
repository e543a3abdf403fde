//! What an audit entry records: reads, write intents and their outcomes, approvals, jobs,
//! plans, webhooks and recovered fragments, named in kebab-case in the log and on the command
//! line.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What happened. Serialised kebab-case (`write-intent`, `job-start`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Read,
    /// A write about to be sent: matter, field, value instance, old and new value, etag sent.
    WriteIntent,
    /// Outcomes, each naming its intent's sequence number: the value was changed,
    WriteDone,
    /// was already equal (nothing sent),
    WriteSkippedEqual,
    /// had been changed by someone else since the preview (never overwritten),
    Conflict,
    /// may not be changed by this Clio user (403),
    Forbidden,
    /// is gone (404),
    Gone,
    /// was refused by Clio's validation (422),
    Refused,
    /// failed after repeated tries (dead-lettered),
    Failed,
    /// or a lost answer was resolved by re-reading (outcome `changed` or `not-applied`).
    WriteResolved,
    /// A document upload about to start: matter, name, size and SHA-256 (`new_value`).
    UploadIntent,
    /// Its outcome, naming the intent: the document id, `uploaded`, `unfinished` or `failed`.
    Upload,
    Rollback,
    /// A person approved a plan's content hash.
    Approval,
    JobStart,
    JobResume,
    JobCancel,
    JobEnd,
    PlanCreated,
    /// A torn last line (a crash mid-append) was moved aside so appends could go on.
    FragmentRecovered,
    /// A webhook subscription was created, renewed or deleted (outcome says which).
    Webhook,
    /// A signed webhook delivery was received: model, record, event (the outcome).
    WebhookDelivery,
}

impl Action {
    /// Every action, in display order.
    pub const ALL: [Action; 22] = [
        Action::Read,
        Action::WriteIntent,
        Action::WriteDone,
        Action::WriteSkippedEqual,
        Action::Conflict,
        Action::Forbidden,
        Action::Gone,
        Action::Refused,
        Action::Failed,
        Action::WriteResolved,
        Action::UploadIntent,
        Action::Upload,
        Action::Rollback,
        Action::Approval,
        Action::JobStart,
        Action::JobResume,
        Action::JobCancel,
        Action::JobEnd,
        Action::PlanCreated,
        Action::FragmentRecovered,
        Action::Webhook,
        Action::WebhookDelivery,
    ];

    /// The kebab-case name used in the log and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::WriteIntent => "write-intent",
            Action::WriteDone => "write-done",
            Action::WriteSkippedEqual => "write-skipped-equal",
            Action::Conflict => "conflict",
            Action::Forbidden => "forbidden",
            Action::Gone => "gone",
            Action::Refused => "refused",
            Action::Failed => "failed",
            Action::WriteResolved => "write-resolved",
            Action::UploadIntent => "upload-intent",
            Action::Upload => "upload",
            Action::Rollback => "rollback",
            Action::Approval => "approval",
            Action::JobStart => "job-start",
            Action::JobResume => "job-resume",
            Action::JobCancel => "job-cancel",
            Action::JobEnd => "job-end",
            Action::PlanCreated => "plan-created",
            Action::FragmentRecovered => "fragment-recovered",
            Action::Webhook => "webhook",
            Action::WebhookDelivery => "webhook-delivery",
        }
    }

    /// Whether the entry records data actually changed in Clio (shown as "old -> new").
    pub fn is_change(self) -> bool {
        matches!(self, Action::WriteDone | Action::Rollback | Action::Upload)
    }

    /// Whether the entry is the outcome of a write intent (it names the intent's sequence).
    pub fn is_write_outcome(self) -> bool {
        matches!(
            self,
            Action::WriteDone
                | Action::WriteSkippedEqual
                | Action::Conflict
                | Action::Forbidden
                | Action::Gone
                | Action::Refused
                | Action::Failed
                | Action::WriteResolved
        )
    }

    /// A write that did not land and a person should look at.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            Action::Conflict | Action::Forbidden | Action::Gone | Action::Refused | Action::Failed
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
                format!(
                    "unknown action {s:?}; expected one of: {}",
                    names.join(", ")
                )
            })
    }
}
