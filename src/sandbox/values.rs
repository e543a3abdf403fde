//! Custom field value writes as Clio applies them: per-type validation (422), the create,
//! update and `_destroy` shapes, and the trap: an update id names a value anywhere in the account.

use chrono::{NaiveDate, NaiveTime, Utc};
use serde_json::{Value, json};

use crate::field_type::FieldType;
use crate::sandbox::store::{FieldDef, Store};

/// One validated change, ready to apply.
#[derive(Debug)]
pub enum Change {
    Update { number: u64, value: Value },
    Create { def_id: u64, value: Value },
    Destroy { number: u64 },
}

/// Validates every item of `custom_field_values` for a PATCH of `matter_id`; nothing is
/// applied unless all are valid. Errors are Clio's 422 messages.
pub fn plan(store: &Store, matter_id: u64, items: &Value) -> Result<Vec<Change>, String> {
    let items = items
        .as_array()
        .ok_or("custom_field_values must be an array")?;
    let mut changes = Vec::new();
    for item in items {
        let obj = item
            .as_object()
            .ok_or("each custom_field_values entry must be an object")?;
        for key in obj.keys() {
            if !["id", "value", "custom_field", "_destroy"].contains(&key.as_str()) {
                return Err(format!(
                    "{key} is not a valid attribute of a custom field value"
                ));
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
            let def = store
                .defs
                .get(&target.def_id)
                .ok_or("custom field not found")?;
            if destroy {
                if def.required {
                    return Err(format!("{} is required and cannot be removed", def.name));
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
            if store.value_of(matter_id, def_id).is_some() {
                return Err(format!(
                    "{} has already been taken on this matter; update its value by its id",
                    def.name
                ));
            }
            let raw = obj.get("value").ok_or("value is missing")?;
            changes.push(Change::Create {
                def_id,
                value: validate(store, def, raw)?,
            });
        } else {
            return Err("each custom_field_values entry needs an id or a custom_field".to_string());
        }
    }
    Ok(changes)
}

/// Applies validated changes; returns the matters whose data changed.
pub fn apply(store: &mut Store, matter_id: u64, changes: Vec<Change>) -> Vec<u64> {
    let now = Utc::now();
    let mut touched = vec![matter_id];
    for change in changes {
        match change {
            Change::Update { number, value } => {
                if let Some(v) = store.values.get_mut(&number) {
                    v.value = value;
                    v.updated_at = now;
                    v.version += 1;
                    touched.push(v.matter_id);
                }
            }
            Change::Create { def_id, value } => {
                store.add_value(matter_id, def_id, value, now);
            }
            Change::Destroy { number } => {
                if let Some(v) = store.remove_value(number) {
                    touched.push(v.matter_id);
                }
            }
        }
    }
    touched.sort_unstable();
    touched.dedup();
    for m in &touched {
        store.touch_matter(*m, now);
    }
    touched
}

/// `"text_line-17"`, `"17"` or `17` -> 17. The type prefix is not checked, as on Clio.
fn value_number(id: &Value) -> Option<u64> {
    match id {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.rsplit('-').next()?.parse().ok(),
        _ => None,
    }
}

fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: &Value) -> Option<&str> {
    v.as_str()
}

/// Checks a value against its field's type and returns it as stored.
pub fn validate(store: &Store, def: &FieldDef, raw: &Value) -> Result<Value, String> {
    let name = &def.name;
    if raw.is_null() {
        return Err(format!(
            "{name}: value can't be blank; use _destroy to clear it"
        ));
    }
    match def.field_type {
        FieldType::TextLine | FieldType::TextArea => {
            let s = text(raw).ok_or_else(|| format!("{name}: value must be text"))?;
            let max = if def.field_type == FieldType::TextLine {
                255
            } else {
                65_535
            };
            if s.chars().count() > max {
                return Err(format!(
                    "{name}: value is too long (maximum is {max} characters)"
                ));
            }
            if def.field_type == FieldType::TextLine && s.contains('\n') {
                return Err(format!(
                    "{name}: a single-line text value cannot contain line breaks"
                ));
            }
            Ok(json!(s))
        }
        FieldType::Picklist => {
            let id = as_u64(raw).ok_or_else(|| {
                format!("{name}: value must be the id of one of the field's picklist options")
            })?;
            match def.options.iter().find(|o| o.id == id) {
                Some(o) if o.deleted_at.is_none() => Ok(json!(id)),
                Some(_) => Err(format!("{name}: picklist option {id} has been deleted")),
                None => Err(format!(
                    "{name}: {id} is not a picklist option of this field"
                )),
            }
        }
        FieldType::Currency => {
            let whole = match raw {
                Value::Number(n) => n
                    .as_i64()
                    .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
                Value::String(s) if !s.contains('.') => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            whole
                .map(|n| json!(n))
                .ok_or_else(|| format!("{name}: currency must be a whole number without decimals"))
        }
        FieldType::Numeric => match raw {
            Value::Number(_) => Ok(raw.clone()),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|f| json!(f))
                .ok_or_else(|| format!("{name}: value must be a number")),
            _ => Err(format!("{name}: value must be a number")),
        },
        FieldType::Date => {
            let s = text(raw).unwrap_or("");
            let ok = s.len() == 10 && NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok();
            if ok {
                Ok(json!(s))
            } else {
                Err(format!("{name}: {raw} is not a valid date (YYYY-MM-DD)"))
            }
        }
        FieldType::Time => {
            let s = text(raw).unwrap_or("");
            let parsed = NaiveTime::parse_from_str(s, "%H:%M:%S")
                .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"));
            parsed
                .map(|t| json!(t.format("%H:%M:%S").to_string()))
                .map_err(|_| format!("{name}: {raw} is not a valid time (HH:MM or HH:MM:SS)"))
        }
        FieldType::Email => {
            let s = text(raw).unwrap_or("");
            let valid = s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !s.chars().any(char::is_whitespace)
                    && s.matches('@').count() == 1
            });
            if valid {
                Ok(json!(s))
            } else {
                Err(format!("{name}: {raw} is not a valid email address"))
            }
        }
        FieldType::Url => {
            let s = text(raw).unwrap_or("");
            let valid = url::Url::parse(s)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            if valid {
                Ok(json!(s))
            } else {
                Err(format!("{name}: {raw} is not a valid URL (http or https)"))
            }
        }
        FieldType::Checkbox => match raw {
            Value::Bool(b) => Ok(json!(b)),
            Value::String(s) if s == "true" || s == "false" => Ok(json!(s == "true")),
            _ => Err(format!("{name}: value must be true or false")),
        },
        FieldType::Matter => {
            let id = as_u64(raw).filter(|id| store.matters.contains_key(id));
            id.map(|id| json!(id))
                .ok_or_else(|| format!("{name}: {raw} is not a matter of this account"))
        }
        FieldType::Contact => as_u64(raw)
            .filter(|id| *id > 0)
            .map(|id| json!(id))
            .ok_or_else(|| format!("{name}: value must be a contact id")),
    }
}
