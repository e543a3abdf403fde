//! Custom field value writes as Clio applies them: the create, update and `_destroy` shapes,
//! all or nothing, and the trap: an update id names a value anywhere in the account.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::sandbox::delta::Delta;
use crate::sandbox::store::{Store, ValueRec};
use crate::sandbox::validate::{as_u64, validate};

/// One validated change, ready to record.
#[derive(Debug)]
pub enum Change {
    Update { number: u64, value: Value },
    Create { def_id: u64, value: Value },
    Destroy { number: u64 },
}

/// Why a PATCH's `custom_field_values` is refused: Clio's 403 or 422 message.
#[derive(Debug, PartialEq)]
pub enum Refused {
    /// The value lives on a matter this token may not change.
    Forbidden(String),
    Invalid(String),
}

impl From<String> for Refused {
    fn from(m: String) -> Refused {
        Refused::Invalid(m)
    }
}

impl From<&str> for Refused {
    fn from(m: &str) -> Refused {
        Refused::Invalid(m.to_string())
    }
}

/// Validates every item of `custom_field_values` for a PATCH of `matter_id`; nothing is
/// applied unless all are valid.
pub fn plan(store: &Store, matter_id: u64, items: &Value) -> Result<Vec<Change>, Refused> {
    let items = items
        .as_array()
        .ok_or("custom_field_values must be an array")?;
    let mut changes = Vec::new();
    let (mut named, mut creating) = (BTreeSet::new(), BTreeSet::new());
    for item in items {
        let obj = item
            .as_object()
            .ok_or("each custom_field_values entry must be an object")?;
        for key in obj.keys() {
            if !["id", "value", "custom_field", "_destroy"].contains(&key.as_str()) {
                return Err(
                    format!("{key} is not a valid attribute of a custom field value").into(),
                );
            }
        }
        let destroy = obj
            .get("_destroy")
            .is_some_and(|d| d == &json!(true) || d == &json!("true"));
        if let Some(id) = obj.get("id").filter(|v| !v.is_null()) {
            let number = value_number(id)
                .ok_or_else(|| format!("custom field value id {id} is not valid"))?;
            // The trap: the number is looked up across the whole account, not this matter.
            let target = store
                .values
                .get(&number)
                .ok_or_else(|| format!("custom field value {id} could not be found"))?;
            if store.forbidden.contains(&target.matter_id) {
                return Err(Refused::Forbidden(format!(
                    "You do not have permission to change custom field value {id}"
                )));
            }
            let def = store
                .defs
                .get(&target.def_id)
                .ok_or("custom field not found")?;
            if def.deleted {
                return Err(format!(
                    "custom field value {id} belongs to {}, a deleted custom field",
                    def.name
                )
                .into());
            }
            if !named.insert(number) {
                return Err(format!("custom field value {id} is given more than once").into());
            }
            if destroy {
                if def.required {
                    return Err(format!("{} is required and cannot be removed", def.name).into());
                }
                changes.push(Change::Destroy { number });
            } else {
                let raw = obj.get("value").ok_or("value is missing")?;
                changes.push(Change::Update {
                    number,
                    value: validate(store, def, raw)?,
                });
            }
        } else if let Some(cf) = obj.get("custom_field") {
            let def_id = cf
                .get("id")
                .and_then(as_u64)
                .ok_or("custom_field must carry an id")?;
            let def = store
                .defs
                .get(&def_id)
                .filter(|d| !d.deleted && d.parent_type == "Matter")
                .ok_or_else(|| format!("custom field {def_id} does not exist for matters"))?;
            if store.value_of(matter_id, def_id).is_some() || !creating.insert(def_id) {
                return Err(format!(
                    "{} has already been taken on this matter; update its value by its id",
                    def.name
                )
                .into());
            }
            let raw = obj.get("value").ok_or("value is missing")?;
            changes.push(Change::Create {
                def_id,
                value: validate(store, def, raw)?,
            });
        } else {
            return Err("each custom_field_values entry needs an id or a custom_field".into());
        }
    }
    Ok(changes)
}

/// Records validated changes into `delta` at `now`: the values' post-states, and every
/// matter they live on touched (its version and `updated_at`), `matter_id` always.
pub fn record(
    store: &Store,
    matter_id: u64,
    changes: Vec<Change>,
    now: DateTime<Utc>,
    delta: &mut Delta,
) {
    let mut touched = vec![matter_id];
    for change in changes {
        match change {
            Change::Update { number, value } => {
                if let Some(v) = store.values.get(&number) {
                    delta.values.push(ValueRec {
                        value,
                        updated_at: now,
                        version: v.version + 1,
                        ..v.clone()
                    });
                    touched.push(v.matter_id);
                }
            }
            Change::Create { def_id, value } => {
                delta.next.value += 1;
                delta.values.push(ValueRec {
                    number: delta.next.value,
                    matter_id,
                    def_id,
                    value,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                });
            }
            Change::Destroy { number } => {
                if let Some(v) = store.values.get(&number) {
                    delta.destroyed.push(number);
                    touched.push(v.matter_id);
                }
            }
        }
    }
    touched.sort_unstable();
    touched.dedup();
    for m in touched.iter().filter_map(|m| store.matters.get(m)) {
        delta.touch(m, now);
    }
}

/// `"text_line-17"`, `"17"` or `17` -> 17. The type prefix is not checked, as on Clio.
pub fn value_number(id: &Value) -> Option<u64> {
    match id {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.rsplit('-').next()?.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::seed::{CLIENT_ADDRESS, FEE_QUOTE, OLD_NOTES, seed_store};

    fn invalid(r: Result<Vec<Change>, Refused>) -> String {
        match r {
            Err(Refused::Invalid(m)) => m,
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn two_creates_of_one_field_are_refused() {
        let s = seed_store(60, 1);
        let m = *s
            .matters
            .keys()
            .find(|m| s.value_of(**m, FEE_QUOTE).is_none() && !s.forbidden.contains(m))
            .unwrap();
        let one = json!([{"custom_field": {"id": FEE_QUOTE}, "value": "1"}]);
        assert_eq!(plan(&s, m, &one).unwrap().len(), 1);
        let two = json!([{"custom_field": {"id": FEE_QUOTE}, "value": "1"}, {"custom_field": {"id": FEE_QUOTE}, "value": "2"}]);
        assert!(invalid(plan(&s, m, &two)).contains("already been taken"));
    }

    #[test]
    fn a_value_on_a_forbidden_matter_is_a_403_and_one_of_a_deleted_field_a_422() {
        let s = seed_store(200, 1);
        let open = *s.matters.keys().find(|m| !s.forbidden.contains(m)).unwrap();
        let barred = s
            .forbidden
            .iter()
            .find_map(|m| s.value_of(*m, CLIENT_ADDRESS))
            .unwrap();
        let items = json!([{"id": format!("text_line-{}", barred.number), "value": "x"}]);
        assert!(matches!(plan(&s, open, &items), Err(Refused::Forbidden(_))));
        let old = s
            .values
            .values()
            .find(|v| v.def_id == OLD_NOTES && !s.forbidden.contains(&v.matter_id))
            .unwrap();
        let items = json!([{"id": format!("text_area-{}", old.number), "value": "x"}]);
        assert!(invalid(plan(&s, old.matter_id, &items)).contains("deleted custom field"));
        let items = json!([{"id": format!("text_area-{}", old.number), "_destroy": true}]);
        assert!(invalid(plan(&s, old.matter_id, &items)).contains("deleted custom field"));
    }

    #[test]
    fn a_value_named_twice_is_refused() {
        let s = seed_store(20, 1);
        let v = s
            .values
            .values()
            .find(|v| v.def_id == CLIENT_ADDRESS)
            .unwrap();
        let id = format!("text_line-{}", v.number);
        let items = json!([{"id": id, "value": "a"}, {"id": id, "_destroy": true}]);
        assert!(invalid(plan(&s, v.matter_id, &items)).contains("more than once"));
    }
}
