//! What a proposal asks for, checked against the field definitions before anything is read.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clio::FieldType;
use crate::clio::types::CustomField;
use crate::normalize::{self, FieldSpec, NormalizeError, PicklistOption, Rule};

use super::classify::FieldContext;
use super::model::PlanField;

/// Most explicit values one proposal takes; larger sets are split by the caller.
pub const MAX_VALUES: usize = 1_000;
/// Most fields one proposal covers.
pub const MAX_FIELDS: usize = 10;
/// Most matter ids one proposal scope names.
pub const MAX_IDS: usize = 1_000;

// One value written by the assistant for one field of one matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposedValue {
    pub matter_id: u64,
    /// Field name or id; needed only when the proposal has several fields.
    #[serde(default)]
    pub field: Option<String>,
    /// Exact value (picklist: option id or exact label).
    pub value: String,
}

/// Which matters a rule is applied to; all empty means every matter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    pub query: Option<String>,
    /// `open`, `pending` or `closed`.
    pub status: Option<String>,
    pub ids: Vec<u64>,
}

impl Scope {
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(q) = &self.query {
            parts.push(format!("query={q:?}"));
        }
        if let Some(s) = &self.status {
            parts.push(format!("status={s}"));
        }
        if !self.ids.is_empty() {
            parts.push(format!("ids: {} matters", self.ids.len()));
        }
        if parts.is_empty() {
            "all matters".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// A proposal as asked for.
#[derive(Debug, Clone, Default)]
pub struct ProposeRequest {
    /// Field names (case-insensitive) or definition ids.
    pub fields: Vec<String>,
    pub rule: Option<Rule>,
    pub values: Vec<ProposedValue>,
    pub scope: Scope,
}

/// Why a proposal cannot start; every message says what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("name at least one field (by name or definition id); list_custom_fields shows them")]
    NoFields,
    #[error("at most {MAX_FIELDS} fields per proposal ({0} given); split it")]
    TooManyFields(usize),
    #[error("there is no matter field {given:?}; the matter fields are: {known}")]
    UnknownField { given: String, known: String },
    #[error("field {0:?} is deleted in Clio; its values cannot be written")]
    DeletedField(String),
    #[error("give either `rule` or `values`, not both")]
    RuleAndValues,
    #[error(
        "give a `rule` (e.g. {{\"rule\":\"address\"}}) to normalize existing values, or \
         `values` ([{{matter_id, value}}]) to propose exact ones"
    )]
    NoRuleNorValues,
    #[error("field {field:?}: {source}")]
    Rule {
        field: String,
        #[source]
        source: NormalizeError,
    },
    #[error("at most {MAX_VALUES} values per proposal ({0} given); split them")]
    TooManyValues(usize),
    #[error("at most {MAX_IDS} matter ids per proposal ({0} given); use a query or status instead")]
    TooManyIds(usize),
    #[error(
        "value for matter {0} does not say which field; with several fields each value needs \
         `field`"
    )]
    ValueWithoutField(u64),
    #[error("value for matter {matter}: field {field:?} is not one of this proposal's fields")]
    ValueFieldNotListed { matter: u64, field: String },
    #[error("two values for matter {matter}, field {field:?}; keep one")]
    DuplicateValue { matter: u64, field: String },
    #[error("`values` name their matters: leave the scope (ids, query, status) out")]
    ScopeWithValues,
    #[error("status {0:?} must be open, pending or closed")]
    BadStatus(String),
}

/// The fields resolved, and the explicit values checked: `Ok` to write, `Err` why not.
#[derive(Debug, Clone)]
pub struct Checked {
    pub fields: Vec<FieldContext>,
    /// Per matter and field id (values mode only).
    pub values: BTreeMap<(u64, u64), Result<String, (String, String)>>,
}

impl Checked {
    pub fn plan_fields(&self) -> Vec<PlanField> {
        self.fields.iter().map(|f| f.field.clone()).collect()
    }

    /// The matters `values` name, in order.
    pub fn value_matters(&self) -> Vec<u64> {
        let set: BTreeSet<u64> = self.values.keys().map(|(m, _)| *m).collect();
        set.into_iter().collect()
    }
}

/// Resolves the fields against `definitions` and checks the rule or every value. An explicit
/// value that cannot be written is not an error of the whole request: it is kept with its
/// reason and shown as `invalid` in the plan.
pub fn check(req: &ProposeRequest, definitions: &[CustomField]) -> Result<Checked, RequestError> {
    if req.fields.is_empty() {
        return Err(RequestError::NoFields);
    }
    if req.fields.len() > MAX_FIELDS {
        return Err(RequestError::TooManyFields(req.fields.len()));
    }
    match (&req.rule, req.values.is_empty()) {
        (Some(_), false) => return Err(RequestError::RuleAndValues),
        (None, true) => return Err(RequestError::NoRuleNorValues),
        _ => {}
    }
    if let Some(s) = &req.scope.status
        && !["open", "pending", "closed"].contains(&s.to_ascii_lowercase().as_str())
    {
        return Err(RequestError::BadStatus(s.clone()));
    }
    if req.scope.ids.len() > MAX_IDS {
        return Err(RequestError::TooManyIds(req.scope.ids.len()));
    }
    let mut fields: Vec<FieldContext> = Vec::new();
    for given in &req.fields {
        let def = find_field(given, definitions)?;
        if fields.iter().all(|f| f.field.id != def.id) {
            fields.push(context(def));
        }
    }
    if let Some(rule) = &req.rule {
        for f in &fields {
            rule.check(f.spec.field_type)
                .map_err(|source| RequestError::Rule {
                    field: f.field.name.clone(),
                    source,
                })?;
        }
    }
    let mut values = BTreeMap::new();
    if !req.values.is_empty() {
        if req.values.len() > MAX_VALUES {
            return Err(RequestError::TooManyValues(req.values.len()));
        }
        if req.scope != Scope::default() {
            return Err(RequestError::ScopeWithValues);
        }
        for v in &req.values {
            let field = match (&v.field, fields.as_slice()) {
                (None, [only]) => only,
                (None, _) => return Err(RequestError::ValueWithoutField(v.matter_id)),
                (Some(name), _) => {
                    let def = find_field(name, definitions)?;
                    fields
                        .iter()
                        .find(|f| f.field.id == def.id)
                        .ok_or_else(|| RequestError::ValueFieldNotListed {
                            matter: v.matter_id,
                            field: name.clone(),
                        })?
                }
            };
            let checked = check_value(field, &v.value).map_err(|reason| (v.value.clone(), reason));
            if values
                .insert((v.matter_id, field.field.id), checked)
                .is_some()
            {
                return Err(RequestError::DuplicateValue {
                    matter: v.matter_id,
                    field: field.field.name.clone(),
                });
            }
        }
    }
    Ok(Checked { fields, values })
}

/// The value to write, or why it cannot be. A picklist value may name an option by its exact
/// label (any case); it is turned into the option id, the only thing Clio takes.
fn check_value(field: &FieldContext, value: &str) -> Result<String, String> {
    let spec = &field.spec;
    let value = if spec.field_type == FieldType::Picklist {
        spec.options
            .iter()
            .find(|o| o.is_live() && o.label.trim().eq_ignore_ascii_case(value.trim()))
            .map(|o| o.id.to_string())
            .unwrap_or_else(|| value.trim().to_string())
    } else {
        value.to_string()
    };
    normalize::validate(spec, &value).map_err(|e| e.to_string())?;
    Ok(value)
}

fn find_field<'a>(given: &str, defs: &'a [CustomField]) -> Result<&'a CustomField, RequestError> {
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
        given: given.to_string(),
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

fn context(def: &CustomField) -> FieldContext {
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
