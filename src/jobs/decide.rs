//! What to do with one matter's values, given a fresh read of it: pure, no I/O.
//!
//! The current value equals the plan's old value: write (from this read, so the write names
//! the value instance of this very matter). It equals the new value: nothing to send. Anything
//! else: someone changed it since the preview, and it is never overwritten. A value whose
//! PATCH may have gone out (`sent`) is resolved the same way: new means it landed, old means
//! it did not, and is written again from this read.

use serde_json::Value;

use crate::clio::types::Matter;
use crate::clio::writes::ValueWrite;
use crate::field_type::FieldType;
use crate::plan::PlanItem;
use crate::plan::classify::same_value;

use super::store::ItemState;

/// The decision for one value.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Send this write (made from the fresh read).
    Write(ValueWrite),
    /// Already the new value: nothing to send.
    Unchanged,
    /// A write whose answer was lost did land.
    Landed,
    /// Changed since the preview: the reason says to what.
    Conflict(String),
    /// Clio no longer returns the matter.
    Gone(String),
}

/// The value of `field_id` in `read`, as text (a picklist's option id).
pub fn current_value(read: &Matter, field_id: u64) -> Option<String> {
    read.custom_field_values
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|v| v.definition_id() == Some(field_id))
        .filter(|v| v.id.is_some())
        .and_then(|v| v.value_text())
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

fn shown(value: Option<&str>) -> String {
    match value {
        Some(v) => format!("{:?}", v.replace('\n', " / ")),
        None => "no value".to_string(),
    }
}

/// The decision for the plan item `plan` (the value's `state` in the job) on the fresh
/// read `read` of its matter (`None` when Clio did not return the matter).
pub fn decide(read: Option<&Matter>, plan: &PlanItem, state: ItemState) -> Decision {
    let Some(read) = read else {
        return Decision::Gone(
            "Clio no longer returns this matter: it was deleted, or this Clio user may not \
             see it"
                .to_string(),
        );
    };
    let current = current_value(read, plan.field_id);
    let current = current.as_deref();
    let new = plan.new.as_deref();
    let old = plan.old.as_deref();
    if equal(&plan.field_type, current, new) {
        return if state == ItemState::Sent {
            Decision::Landed
        } else {
            Decision::Unchanged
        };
    }
    if !equal(&plan.field_type, current, old) {
        return Decision::Conflict(format!(
            "changed in Clio since the preview: it now holds {}, the plan expected {}; the \
             person's value is kept",
            shown(current),
            shown(old)
        ));
    }
    let write = match new {
        Some(text) => ValueWrite::set(read, plan.field_id, Value::String(text.to_string())),
        None => match ValueWrite::clear(read, plan.field_id) {
            Some(w) => w,
            None => return Decision::Unchanged,
        },
    };
    Decision::Write(write)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ItemClass;
    use serde_json::json;

    fn read(value: Option<&str>) -> Matter {
        let values = match value {
            Some(v) => json!([{"id": "text_line-77", "value": v, "custom_field": {"id": 3}}]),
            None => json!([{"id": null, "value": null, "custom_field": {"id": 3}}]),
        };
        serde_json::from_value(json!({"id": 9, "etag": "\"e\"", "custom_field_values": values}))
            .unwrap()
    }

    fn plan(old: Option<&str>, new: Option<&str>) -> PlanItem {
        PlanItem {
            matter_id: 9,
            display_number: None,
            matter_etag: Some("\"old\"".into()),
            field_id: 3,
            field_name: "Client Address".into(),
            field_type: "text_line".into(),
            // A stale instance id from the preview is never what a write names.
            value_id: Some("text_line-1".into()),
            old: old.map(str::to_string),
            old_label: None,
            new: new.map(str::to_string),
            new_label: None,
            class: ItemClass::Change,
            reason: None,
            candidates: vec![],
        }
    }

    #[test]
    fn the_old_value_is_written_from_the_fresh_read() {
        let d = decide(
            Some(&read(Some("a"))),
            &plan(Some("a"), Some("A")),
            ItemState::Pending,
        );
        match d {
            Decision::Write(w) => {
                assert_eq!(w.value_instance_id(), Some("text_line-77"));
                assert_eq!(w.matter_id(), 9);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_new_value_is_nothing_to_send_or_a_lost_answer_that_landed() {
        let p = plan(Some("a"), Some("A"));
        let r = read(Some("A"));
        assert_eq!(
            decide(Some(&r), &p, ItemState::Pending),
            Decision::Unchanged
        );
        assert_eq!(decide(Some(&r), &p, ItemState::Sent), Decision::Landed);
    }

    #[test]
    fn anything_else_is_a_conflict_never_overwritten() {
        let d = decide(
            Some(&read(Some("typed by a person"))),
            &plan(Some("a"), Some("A")),
            ItemState::Sent,
        );
        assert!(matches!(d, Decision::Conflict(r) if r.contains("typed by a person")));
        // A value cleared since the preview is a conflict too.
        let d = decide(
            Some(&read(None)),
            &plan(Some("a"), Some("A")),
            ItemState::Pending,
        );
        assert!(matches!(d, Decision::Conflict(_)));
    }

    #[test]
    fn creates_and_clears_follow_the_read() {
        let d = decide(
            Some(&read(None)),
            &plan(None, Some("A")),
            ItemState::Pending,
        );
        assert!(matches!(d, Decision::Write(w) if w.is_create()));
        let d = decide(
            Some(&read(Some("A"))),
            &plan(Some("A"), None),
            ItemState::Pending,
        );
        assert!(matches!(d, Decision::Write(w) if w.value().is_none()));
        assert_eq!(
            decide(
                Some(&read(None)),
                &plan(Some("A"), None),
                ItemState::Pending
            ),
            Decision::Unchanged
        );
        assert!(matches!(
            decide(None, &plan(Some("a"), Some("A")), ItemState::Pending),
            Decision::Gone(_)
        ));
    }
}
