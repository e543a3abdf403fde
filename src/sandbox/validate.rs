//! Clio's per-type checks on a custom field value (each refusal is a 422 message) and the
//! form the value is stored in.

use chrono::{NaiveDate, NaiveTime};
use serde_json::{Value, json};

use crate::field_type::FieldType;
use crate::sandbox::store::{FieldDef, Store};

/// An id given as a number or as digits in a string.
pub fn as_u64(v: &Value) -> Option<u64> {
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
