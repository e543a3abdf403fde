//! A plan as the assistant sees it: counts, the next step, and one page of change sets, with
//! every value masked in redacted mode.

use schemars::JsonSchema;
use serde::Serialize;

use crate::privacy::Privacy;

use super::model::{ItemClass, PlanCounts, PlanHeader, PlanItem, PlanSource, PlanStatus};
use super::store::{PlanStore, StoreError};

/// Most matters on one page of a plan.
pub const MAX_PAGE_MATTERS: usize = 50;

/// A plan's state and one page of its diff.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PlanView {
    pub plan_id: String,
    pub status: PlanStatus,
    /// What to do next.
    pub next_step: String,
    pub counts: PlanCounts,
    /// `name (definition id, type)`.
    pub fields: Vec<String>,
    pub scope: String,
    /// Names exactly what was reviewed; set when complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Reviewer file on this machine with every value, for a person to open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview_file: Option<String>,
    /// True when values are masked (CLIO_MCP_PRIVACY=redacted).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
    /// Matters this plan changes that Clio reported changed (webhook deliveries) since the
    /// proposal. Named to the assistant in `next_step` only: tools/list has no room for
    /// another schema property under its 16 KB budget.
    #[serde(skip)]
    #[schemars(skip)]
    pub changed_since_proposal: Vec<u64>,
    /// This page: matters with items of the class asked for, one change set each.
    pub matters: Vec<MatterDiff>,
    /// Pass back as `cursor` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The items of one matter.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MatterDiff {
    pub matter_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_number: Option<String>,
    pub items: Vec<ItemDiff>,
}

/// One field of one matter; picklist values read `label [option id]`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ItemDiff {
    pub field: String,
    pub class: ItemClass,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Suggestions, best first, never applied: `value (score)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

/// Which page of which class to show.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub class: ItemClass,
    pub after: Option<u64>,
    pub limit: usize,
}

impl PageRequest {
    /// The first page of `class`, or the page a cursor handed out points at.
    pub fn from_cursor(
        cursor: Option<&str>,
        class: ItemClass,
        limit: usize,
    ) -> Option<PageRequest> {
        let (class, after) = match cursor {
            None => (class, None),
            Some(c) => {
                let (name, id) = c.trim().split_once(':')?;
                (ItemClass::parse(name)?, Some(id.parse().ok()?))
            }
        };
        Some(PageRequest {
            class,
            after,
            limit: limit.clamp(1, MAX_PAGE_MATTERS),
        })
    }
}

/// The view of `header` with one page of items read from `store`.
pub fn render(
    store: &PlanStore,
    header: &PlanHeader,
    page: PageRequest,
    privacy: Privacy,
    preview_file: Option<String>,
) -> Result<PlanView, StoreError> {
    // While a scan runs its pages are partial: counts only, so nothing looks final.
    let sets = if header.status == PlanStatus::Complete {
        store.matter_page(&header.id, &[page.class], page.after, page.limit + 1)?
    } else {
        Vec::new()
    };
    let more = sets.len() > page.limit;
    let sets: Vec<Vec<PlanItem>> = sets.into_iter().take(page.limit).collect();
    let next_cursor = if more {
        sets.last()
            .and_then(|s| s.first())
            .map(|i| format!("{}:{}", page.class.as_str(), i.matter_id))
    } else {
        None
    };
    let matters = sets
        .into_iter()
        .filter_map(|set| {
            let first = set.first()?;
            Some(MatterDiff {
                matter_id: first.matter_id,
                // Display numbers carry client names (`00012-Smith`): not in redacted mode.
                display_number: if privacy.is_redacted() {
                    None
                } else {
                    first.display_number.clone()
                },
                items: set.iter().map(|i| item(i, privacy)).collect(),
            })
        })
        .collect();
    Ok(PlanView {
        plan_id: header.id.clone(),
        status: header.status,
        next_step: next_step(header, preview_file.as_deref()),
        counts: header.counts,
        fields: header
            .fields
            .iter()
            .map(|f| format!("{} ({}, {})", f.name, f.id, f.field_type))
            .collect(),
        // A query may name a client: masked like any other text the assistant is shown.
        scope: match privacy {
            Privacy::Full => header.scope.clone(),
            Privacy::Redacted => redact_scope(&header.scope),
        },
        content_hash: header.content_hash.clone(),
        error: header.error.clone(),
        preview_file,
        redacted: privacy.is_redacted(),
        changed_since_proposal: Vec::new(),
        matters,
        next_cursor,
    })
}

fn next_step(header: &PlanHeader, preview: Option<&str>) -> String {
    let c = &header.counts;
    match header.status {
        PlanStatus::Scanning => format!(
            "Scanning: {} matters read so far. Call get_plan with this plan_id (wait_seconds up \
             to 20) until status is complete; do not propose again.",
            c.matters_scanned
        ),
        PlanStatus::Complete
            if c.invalid > 0 && matches!(header.source, PlanSource::Values { .. }) =>
        {
            format!(
                "{} of the proposed values were refused (class=invalid lists each with its reason); \
             nothing was written. Show the person the refusals and the {} changes (class=change){}.",
                c.invalid,
                c.change,
                preview
                    .map(|p| format!("; every row is in {p}"))
                    .unwrap_or_default()
            )
        }
        PlanStatus::Complete => format!(
            "Show the person the counts and the changes (get_plan pages them; class=needs_human \
             and class=invalid list what needs a decision){}. Nothing has been written. Once the \
             person has reviewed it, apply_plan with plan_id {} and content_hash {} writes it \
             ({} change sets; over 25 the person approves with `clio-mcp plan approve {}`).",
            preview
                .map(|p| format!("; every row is in {p}"))
                .unwrap_or_default(),
            header.id,
            header.content_hash.as_deref().unwrap_or("?"),
            c.matters_with_changes,
            header.id
        ),
        PlanStatus::Failed | PlanStatus::Interrupted => {
            "The scan did not finish: fix what `error` says, then propose again.".to_string()
        }
    }
}

fn item(i: &PlanItem, privacy: Privacy) -> ItemDiff {
    let shown = |value: &Option<String>, label: &Option<String>| {
        let value = value.as_deref()?;
        Some(match label {
            // Option ids and labels are the firm's configuration, not client data.
            Some(l) => format!("{l} [{value}]"),
            None => privacy.show(value),
        })
    };
    let is_picklist = i.field_type == "picklist";
    let values: Vec<&str> = [&i.old, &i.new]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    ItemDiff {
        field: i.field_name.clone(),
        class: i.class,
        old: shown(&i.old, &i.old_label),
        new: shown(&i.new, &i.new_label),
        reason: i.reason.as_deref().map(|r| privacy.show_reason(r, &values)),
        candidates: i
            .candidates
            .iter()
            .map(|c| {
                if is_picklist {
                    format!("{} [{}] ({:.2})", c.label, c.value, c.score)
                } else {
                    format!("{} ({:.2})", privacy.show(&c.label), c.score)
                }
            })
            .collect(),
    }
}

/// The scope with any query text masked (`query="Smith"` -> `query="Xxxxx"`).
fn redact_scope(scope: &str) -> String {
    crate::privacy::redact_reason(scope, &[])
}
