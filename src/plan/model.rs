//! The plan records: what a proposal looked at and what it concluded, matter by matter.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::normalize::{Candidate, Rule};

/// Where a plan is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// The scan is still reading matters; counts grow until it is complete.
    Scanning,
    /// Every matter in scope was classified; the plan can be reviewed.
    Complete,
    /// The scan stopped on an error (see `error`); propose again.
    Failed,
    /// The process that scanned stopped before the end; propose again.
    Interrupted,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Scanning => "scanning",
            PlanStatus::Complete => "complete",
            PlanStatus::Failed => "failed",
            PlanStatus::Interrupted => "interrupted",
        }
    }
}

/// What a proposal concluded about one field of one matter.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ItemClass {
    /// The value will be replaced by `new` when the plan is applied.
    Change,
    /// The value is already in house format (or already equals the proposed value).
    Clean,
    /// No value, and nothing proposed for it.
    Empty,
    /// The rule will not guess (or the matter could not be read); a person decides.
    NeedsHuman,
    /// The value (current or proposed) cannot be written to this field.
    Invalid,
}

impl ItemClass {
    pub const ALL: [ItemClass; 5] = [
        ItemClass::Change,
        ItemClass::NeedsHuman,
        ItemClass::Invalid,
        ItemClass::Clean,
        ItemClass::Empty,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemClass::Change => "change",
            ItemClass::Clean => "clean",
            ItemClass::Empty => "empty",
            ItemClass::NeedsHuman => "needs_human",
            ItemClass::Invalid => "invalid",
        }
    }

    pub fn parse(s: &str) -> Option<ItemClass> {
        ItemClass::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The heading a reviewer sees.
    pub fn title(self) -> &'static str {
        match self {
            ItemClass::Change => "Changes",
            ItemClass::NeedsHuman => "Needs a human",
            ItemClass::Invalid => "Invalid",
            ItemClass::Clean => "Already clean",
            ItemClass::Empty => "Empty",
        }
    }
}

/// A custom field the plan covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanField {
    /// The definition id (the same on every matter).
    pub id: u64,
    pub name: String,
    pub field_type: String,
}

/// How the proposed values were made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanSource {
    /// A normalization rule applied to every value in scope.
    Rule { rule: Rule },
    /// Values the assistant wrote, validated one by one.
    Values { count: usize },
    /// A rollback of jobs: the values they changed put back, from the audit log.
    Rollback { jobs: Vec<String>, count: usize },
}

/// One field of one matter: what was read, and what the proposal concluded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanItem {
    pub matter_id: u64,
    pub display_number: Option<String>,
    /// The matter's etag when it was read; the write will send it as `If-Match`.
    pub matter_etag: Option<String>,
    pub field_id: u64,
    pub field_name: String,
    pub field_type: String,
    /// The value-instance id read on this matter; absent when the field has no value yet
    /// (the write then creates it on `field_id`).
    pub value_id: Option<String>,
    /// The current value as text (a picklist's option id).
    pub old: Option<String>,
    /// For a picklist, the label of the current option.
    pub old_label: Option<String>,
    /// The proposed value: set for `change`, and for an explicit value found `invalid` (the
    /// refused value, never applied). Never set for `needs_human`: its suggestions are in
    /// `candidates`.
    pub new: Option<String>,
    /// For a picklist, the label of the proposed option.
    pub new_label: Option<String>,
    pub class: ItemClass,
    /// Why, for `needs_human` and `invalid`.
    pub reason: Option<String>,
    /// Suggestions for `needs_human`, best first; never applied.
    pub candidates: Vec<Candidate>,
}

impl PlanItem {
    /// The current value as a person reads it: `label [option id]` for a picklist, one line.
    pub fn old_text(&self) -> String {
        shown(&self.old, &self.old_label)
    }

    /// The proposed value, as [`PlanItem::old_text`] shows the current one.
    pub fn new_text(&self) -> String {
        shown(&self.new, &self.new_label)
    }
}

fn shown(value: &Option<String>, label: &Option<String>) -> String {
    match (value, label) {
        (Some(v), Some(l)) => format!("{l} [{v}]"),
        (Some(v), None) => v.replace('\n', " / "),
        (None, _) => "(none)".to_string(),
    }
}

/// How many items fell in each class, and how many matters were read and would change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanCounts {
    pub matters_scanned: u64,
    /// Matters with at least one `change`: each is one change set, written in one request.
    pub matters_with_changes: u64,
    pub change: u64,
    pub clean: u64,
    pub empty: u64,
    pub needs_human: u64,
    pub invalid: u64,
}

impl PlanCounts {
    pub fn add(&mut self, class: ItemClass) {
        *self.slot(class) += 1;
    }

    /// The counter of `class`.
    pub fn slot(&mut self, class: ItemClass) -> &mut u64 {
        match class {
            ItemClass::Change => &mut self.change,
            ItemClass::Clean => &mut self.clean,
            ItemClass::Empty => &mut self.empty,
            ItemClass::NeedsHuman => &mut self.needs_human,
            ItemClass::Invalid => &mut self.invalid,
        }
    }

    /// `N changes on M matters, N need a human, N invalid, N clean, N empty`.
    pub fn classes(&self) -> String {
        format!(
            "{} changes on {} matters, {} need a human, {} invalid, {} clean, {} empty",
            self.change,
            self.matters_with_changes,
            self.needs_human,
            self.invalid,
            self.clean,
            self.empty
        )
    }

    /// `N matters read: ` followed by [`PlanCounts::classes`].
    pub fn summary(&self) -> String {
        format!("{} matters read: {}", self.matters_scanned, self.classes())
    }

    pub fn get(&self, class: ItemClass) -> u64 {
        match class {
            ItemClass::Change => self.change,
            ItemClass::Clean => self.clean,
            ItemClass::Empty => self.empty,
            ItemClass::NeedsHuman => self.needs_human,
            ItemClass::Invalid => self.invalid,
        }
    }
}

/// A plan's header: everything but the items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanHeader {
    pub id: String,
    pub status: PlanStatus,
    /// RFC 3339.
    pub created_at: String,
    /// Who proposed it (the Clio user) and through what (tool or command).
    pub created_by: String,
    pub fields: Vec<PlanField>,
    pub source: PlanSource,
    /// The scope in words, e.g. `status=open`, `ids: 12 matters`, `all matters`.
    pub scope: String,
    pub counts: PlanCounts,
    /// SHA-256 over the plan's definition and every item, set once the scan is complete; an
    /// apply names it to prove it applies exactly what was reviewed.
    pub content_hash: Option<String>,
    /// Why the scan failed.
    pub error: Option<String>,
}
