//! Turns one matter's value of one field into a plan item: pure, no I/O.

use crate::clio::types::{CustomFieldValue, Matter};
use crate::field_type::FieldType;
use crate::normalize::{FieldSpec, Outcome, Rule, normalize};

use super::model::{ItemClass, PlanField, PlanItem};

/// A field as the classifier needs it: its identity, the rules' view of it, option labels.
#[derive(Debug, Clone)]
pub struct FieldContext {
    pub field: PlanField,
    pub spec: FieldSpec,
}

impl FieldContext {
    fn label(&self, option_id: &str) -> Option<String> {
        if self.spec.field_type != FieldType::Picklist {
            return None;
        }
        let id: u64 = option_id.trim().parse().ok()?;
        self.spec
            .options
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.label.clone())
    }
}

/// What is proposed for one field of one matter.
#[derive(Debug, Clone, Copy)]
pub enum Proposal<'a> {
    Rule(&'a Rule),
    /// An explicit value, already validated against the field.
    Value(&'a str),
    /// A rollback: the matter should hold `written` (what a job wrote); put `original` back
    /// (`None`: clear the value the job created).
    Restore {
        written: Option<&'a str>,
        original: Option<&'a str>,
    },
}

/// Why a rollback item is a change that clears.
pub const CLEARS: &str = "clears the value the job created";

/// The item for `ctx`'s field on `matter`, from the value Clio returned (if any).
pub fn classify(matter: &Matter, ctx: &FieldContext, proposal: Proposal<'_>) -> PlanItem {
    let current: Option<&CustomFieldValue> = matter
        .custom_field_values
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|v| v.definition_id() == Some(ctx.field.id));
    let old = current.and_then(CustomFieldValue::value_text);
    let old_label = old.as_deref().and_then(|o| ctx.label(o)).or_else(|| {
        current
            .and_then(|v| v.picklist_option.as_ref())
            .and_then(|p| p.option.clone())
    });
    let mut item = PlanItem {
        matter_id: matter.id,
        display_number: matter.display_number.clone(),
        matter_etag: matter.etag.clone(),
        field_id: ctx.field.id,
        field_name: ctx.field.name.clone(),
        field_type: ctx.field.field_type.clone(),
        // A value entry without an id is a displayed field with no value yet: a create.
        value_id: current.and_then(|v| v.id.clone()),
        old,
        old_label,
        new: None,
        new_label: None,
        class: ItemClass::Empty,
        reason: None,
        candidates: Vec::new(),
    };
    match proposal {
        Proposal::Value(new) => {
            item.class = if item
                .old
                .as_deref()
                .is_some_and(|old| same_value(ctx.spec.field_type, old, new))
            {
                ItemClass::Clean
            } else {
                item.new = Some(new.to_string());
                ItemClass::Change
            };
        }
        Proposal::Restore { written, original } => {
            let kind = ctx.spec.field_type;
            let same = |a: Option<&str>, b: Option<&str>| match (a, b) {
                (None, None) => true,
                (Some(a), Some(b)) => same_value(kind, a, b),
                _ => false,
            };
            let now = item.old.clone();
            if same(now.as_deref(), original) {
                item.class = ItemClass::Clean;
            } else if same(now.as_deref(), written) {
                item.class = ItemClass::Change;
                item.new = original.map(str::to_string);
                if original.is_none() {
                    item.reason = Some(CLEARS.to_string());
                } else if let Some(Err(e)) =
                    original.map(|o| crate::normalize::validate(&ctx.spec, o))
                {
                    item.class = ItemClass::Invalid;
                    item.reason = Some(format!("the original value can no longer be written: {e}"));
                }
            } else {
                item.class = ItemClass::NeedsHuman;
                item.reason = Some(format!(
                    "changed since the job wrote it: it now holds {}, the job wrote {}; a \
                     rollback never overwrites a later change",
                    quoted(now.as_deref()),
                    quoted(written)
                ));
            }
        }
        Proposal::Rule(rule) => match normalize(rule, &ctx.spec, item.old.as_deref()) {
            Ok(Outcome::Change { new }) => {
                item.new = Some(new);
                item.class = ItemClass::Change;
            }
            Ok(Outcome::AlreadyClean) => item.class = ItemClass::Clean,
            Ok(Outcome::Empty) => item.class = ItemClass::Empty,
            Ok(Outcome::NeedsHuman { reason, candidates }) => {
                item.class = ItemClass::NeedsHuman;
                item.reason = Some(reason);
                item.candidates = candidates;
            }
            Ok(Outcome::Invalid { reason }) => {
                item.class = ItemClass::Invalid;
                item.reason = Some(reason);
            }
            Err(e) => {
                item.class = ItemClass::Invalid;
                item.reason = Some(e.to_string());
            }
        },
    }
    item.new_label = item.new.as_deref().and_then(|n| ctx.label(n));
    item
}

fn quoted(value: Option<&str>) -> String {
    match value {
        Some(v) => format!("{:?}", v.replace('\n', " / ")),
        None => "no value".to_string(),
    }
}

/// Whether the current value already is the proposed one. Clio returns numbers as JSON
/// numbers (`2500.0`) while an assistant writes `2500`: for numeric and currency fields the
/// text would differ on an equal amount, so those compare as numbers.
pub fn same_value(field_type: FieldType, old: &str, new: &str) -> bool {
    if matches!(field_type, FieldType::Numeric | FieldType::Currency)
        && let (Ok(a), Ok(b)) = (old.trim().parse::<f64>(), new.trim().parse::<f64>())
    {
        return a == b;
    }
    old == new
}

/// The item for a matter Clio did not return (no permission, or deleted): a person decides.
pub fn unreadable(matter_id: u64, ctx: &FieldContext, why: &str) -> PlanItem {
    PlanItem {
        matter_id,
        display_number: None,
        matter_etag: None,
        field_id: ctx.field.id,
        field_name: ctx.field.name.clone(),
        field_type: ctx.field.field_type.clone(),
        value_id: None,
        old: None,
        old_label: None,
        new: None,
        new_label: None,
        class: ItemClass::NeedsHuman,
        reason: Some(why.to_string()),
        candidates: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clio::types::{IdRef, PicklistOptionRef};
    use crate::normalize::{PhoneOptions, PicklistOption, PicklistOptions};
    use serde_json::json;

    fn ctx(kind: FieldType, options: Vec<PicklistOption>) -> FieldContext {
        FieldContext {
            field: PlanField {
                id: 7,
                name: "F".into(),
                field_type: kind.as_str().into(),
            },
            spec: FieldSpec {
                field_type: kind,
                options,
            },
        }
    }

    fn matter(values: Vec<CustomFieldValue>) -> Matter {
        serde_json::from_value::<Matter>(
            json!({"id": 5, "etag": "\"e1\"", "display_number": "00005-X"}),
        )
        .map(|mut m| {
            m.custom_field_values = Some(values);
            m
        })
        .unwrap()
    }

    fn value(id: Option<&str>, v: serde_json::Value) -> CustomFieldValue {
        CustomFieldValue {
            id: id.map(String::from),
            etag: None,
            value: Some(v),
            field_name: Some("F".into()),
            field_type: None,
            custom_field: Some(IdRef { id: 7, name: None }),
            picklist_option: None,
        }
    }

    #[test]
    fn a_rule_change_keeps_the_value_instance_and_etag() {
        let m = matter(vec![value(Some("text_line-3"), json!("312.555.0142"))]);
        let rule = Rule::Phone(PhoneOptions::default());
        let item = classify(&m, &ctx(FieldType::TextLine, vec![]), Proposal::Rule(&rule));
        assert_eq!(item.class, ItemClass::Change);
        assert_eq!(item.new.as_deref(), Some("(312) 555-0142"));
        assert_eq!(item.value_id.as_deref(), Some("text_line-3"));
        assert_eq!(item.matter_etag.as_deref(), Some("\"e1\""));
    }

    #[test]
    fn an_explicit_value_on_a_field_without_value_is_a_create() {
        let m = matter(vec![]);
        let item = classify(&m, &ctx(FieldType::TextLine, vec![]), Proposal::Value("X"));
        assert_eq!(item.class, ItemClass::Change);
        assert_eq!(
            item.value_id, None,
            "no value yet: the write will be a create"
        );
        assert_eq!(item.new.as_deref(), Some("X"));
    }

    #[test]
    fn an_explicit_value_equal_to_the_current_one_is_clean() {
        let m = matter(vec![value(Some("text_line-3"), json!("X"))]);
        let item = classify(&m, &ctx(FieldType::TextLine, vec![]), Proposal::Value("X"));
        assert_eq!(item.class, ItemClass::Clean);
        assert_eq!(item.new, None);
    }

    #[test]
    fn an_explicit_number_equal_to_the_current_amount_is_clean() {
        for kind in [FieldType::Numeric, FieldType::Currency] {
            let m = matter(vec![value(Some("numeric-3"), json!(2500.0))]);
            let item = classify(&m, &ctx(kind, vec![]), Proposal::Value("2500"));
            assert_eq!(item.class, ItemClass::Clean, "{kind:?}: {item:?}");
            let item = classify(&m, &ctx(kind, vec![]), Proposal::Value("2500.5"));
            assert_eq!(item.class, ItemClass::Change, "{kind:?}");
        }
        // Text stays text: `2500.0` and `2500` are different words in a text field.
        let m = matter(vec![value(Some("text_line-3"), json!("2500.0"))]);
        let item = classify(
            &m,
            &ctx(FieldType::TextLine, vec![]),
            Proposal::Value("2500"),
        );
        assert_eq!(item.class, ItemClass::Change);
    }

    #[test]
    fn a_deleted_picklist_option_goes_to_a_human_with_a_live_candidate() {
        let options = vec![
            PicklistOption {
                id: 1,
                label: "Family Law".into(),
                deleted: false,
                deleted_at: None,
            },
            PicklistOption {
                id: 2,
                label: "Family law".into(),
                deleted: true,
                deleted_at: None,
            },
        ];
        let mut v = value(Some("picklist-9"), json!(2));
        v.picklist_option = Some(PicklistOptionRef {
            id: 2,
            option: Some("Family law".into()),
        });
        let m = matter(vec![v]);
        let rule = Rule::Picklist(PicklistOptions::default());
        let item = classify(
            &m,
            &ctx(FieldType::Picklist, options),
            Proposal::Rule(&rule),
        );
        assert_eq!(item.class, ItemClass::NeedsHuman, "{item:?}");
        assert_eq!(item.new, None);
        assert_eq!(item.old_label.as_deref(), Some("Family law"));
        assert_eq!(item.candidates[0].value, "1");
        assert!(item.reason.unwrap().contains("deleted"));
    }
}
