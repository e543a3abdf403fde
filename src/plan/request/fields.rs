//! Naming a field and checking a value for it: a definition found by name or id, and an
//! explicit value turned into what Clio takes (a picklist label into its option id), or why not.

use crate::clio::types::CustomField;
use crate::field_type::FieldType;
use crate::normalize::{self, FieldSpec, PicklistOption};

use super::RequestError;
use crate::plan::classify::FieldContext;
use crate::plan::model::PlanField;

/// Why an empty explicit value is refused: writing it would erase data, not normalize it.
const EMPTY_VALUE: &str = "an empty value would clear the field; clearing a value is not part \
                           of a normalization — leave this matter out";

/// The value to write, or why it cannot be. A picklist value may name an option by its exact
/// label (any case); it is turned into the option id, the only thing Clio takes. A label that
/// several live options share is refused: picking one would be a guess.
pub fn check_value(field: &FieldContext, value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err(EMPTY_VALUE.to_string());
    }
    let spec = &field.spec;
    let value = if spec.field_type == FieldType::Picklist {
        let matching: Vec<u64> = spec
            .options
            .iter()
            .filter(|o| o.is_live() && o.label.trim().eq_ignore_ascii_case(value.trim()))
            .map(|o| o.id)
            .collect();
        match matching.as_slice() {
            [] => value.trim().to_string(),
            [id] => id.to_string(),
            ids => {
                let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
                return Err(format!(
                    "the label {:?} matches {} live options (ids {}); give the option id \
                     you mean",
                    value.trim(),
                    ids.len(),
                    ids.join(", ")
                ));
            }
        }
    } else {
        value.to_string()
    };
    normalize::validate(spec, &value).map_err(|e| e.to_string())?;
    Ok(value)
}

pub fn find_field<'a>(
    given: &str,
    defs: &'a [CustomField],
) -> Result<&'a CustomField, RequestError> {
    let wanted = given.trim();
    let matter_defs = || {
        defs.iter().filter(|d| {
            d.parent_type
                .as_deref()
                .is_none_or(|p| p.eq_ignore_ascii_case("matter"))
        })
    };
    let found = match wanted.parse::<u64>() {
        Ok(id) => matter_defs().find(|d| d.id == id),
        Err(_) => matter_defs()
            .filter(|d| !d.deleted)
            .find(|d| d.name.trim().eq_ignore_ascii_case(wanted))
            .or_else(|| matter_defs().find(|d| d.name.trim().eq_ignore_ascii_case(wanted))),
    };
    let def = found.ok_or_else(|| RequestError::UnknownField {
        given: crate::config::shown(given),
        known: matter_defs()
            .filter(|d| !d.deleted)
            .map(|d| format!("{} ({})", d.name, d.id))
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    if def.deleted {
        return Err(RequestError::DeletedField(def.name.clone()));
    }
    Ok(def)
}

pub fn context(def: &CustomField) -> FieldContext {
    let field_type = FieldType::parse(&def.field_type);
    FieldContext {
        field: PlanField {
            id: def.id,
            name: def.name.clone(),
            field_type: def.field_type.clone(),
        },
        spec: FieldSpec {
            // An unknown type passes no validator and fits no rule: it stays read only.
            field_type: field_type.unwrap_or(FieldType::Matter),
            options: def
                .picklist_options
                .iter()
                .map(|o| PicklistOption {
                    id: o.id,
                    label: o.option.clone(),
                    deleted: o.deleted_at.is_some(),
                    deleted_at: o.deleted_at.clone(),
                })
                .collect(),
        },
    }
}
