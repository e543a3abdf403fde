//! What a proposal asks for, checked against the field definitions before anything is read.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clio::types::CustomField;

use crate::normalize::{NormalizeError, Rule};

use super::classify::FieldContext;
use super::model::PlanField;

mod fields;

pub use fields::{check_value, context, find_field};

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

/// A value a rollback puts back: what a job wrote there (what the matter should hold now),
/// and what was there before (`None`: the job created the value, and the rollback clears it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    pub matter_id: u64,
    pub field_id: u64,
    pub written: Option<String>,
    pub original: Option<String>,
}

/// A proposal as asked for.
#[derive(Debug, Clone, Default)]
pub struct ProposeRequest {
    /// Field names (case-insensitive) or definition ids.
    pub fields: Vec<String>,
    pub rule: Option<Rule>,
    pub values: Vec<ProposedValue>,
    pub scope: Scope,
    /// A rollback: the values to put back (built from the audit log, never by an assistant).
    pub restore: Vec<Restore>,
    /// The jobs a rollback undoes, for the plan's source.
    pub rollback_of: Vec<String>,
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
    #[error(
        "field {0:?} is deleted in Clio; its values cannot be written. Choose a live field \
         (list_custom_fields, the field inventory, shows them)"
    )]
    DeletedField(String),
    #[error("give either `rule` or `values`, not both")]
    RuleAndValues,
    #[error(
        "give a `rule` to normalize existing values (tool argument `rule`, e.g. \
         {{\"rule\":\"address\"}}; CLI `--rule address`), or `values` to propose exact ones \
         (tool argument `values`, [{{matter_id, value}}]; CLI `--values FILE`)"
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
    #[error(
        "value for matter {matter}: field {field:?} is not one of this proposal's fields; add \
         it to `fields` (CLI `--field`), or fix the value's `field`"
    )]
    ValueFieldNotListed { matter: u64, field: String },
    #[error("two values for matter {matter}, field {field:?}; keep one")]
    DuplicateValue { matter: u64, field: String },
    #[error(
        "`values` name their matters: leave the scope out (tool arguments `ids`, `query`, \
         `status`; CLI `--ids`, `--query`, `--status`)"
    )]
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
    /// Per matter and field id (rollback only).
    pub restore: BTreeMap<(u64, u64), Restore>,
}

impl Checked {
    pub fn plan_fields(&self) -> Vec<PlanField> {
        self.fields.iter().map(|f| f.field.clone()).collect()
    }

    /// The matters `values` (or a rollback) name, in order.
    pub fn value_matters(&self) -> Vec<u64> {
        let set: BTreeSet<u64> = self
            .values
            .keys()
            .chain(self.restore.keys())
            .map(|(m, _)| *m)
            .collect();
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
    match (&req.rule, req.values.is_empty(), req.restore.is_empty()) {
        (Some(_), false, _) => return Err(RequestError::RuleAndValues),
        (None, true, true) => return Err(RequestError::NoRuleNorValues),
        (Some(_), _, false) | (_, false, false) => return Err(RequestError::RuleAndValues),
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
    let mut restore = BTreeMap::new();
    for r in &req.restore {
        if req.scope != Scope::default() {
            return Err(RequestError::ScopeWithValues);
        }
        if fields.iter().all(|f| f.field.id != r.field_id) {
            return Err(RequestError::ValueFieldNotListed {
                matter: r.matter_id,
                field: r.field_id.to_string(),
            });
        }
        restore.insert((r.matter_id, r.field_id), r.clone());
    }
    Ok(Checked {
        fields,
        values,
        restore,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clio::types::PicklistOption as ClioOption;

    fn definition(
        id: u64,
        name: &str,
        field_type: &str,
        options: &[(u64, &str, bool)],
    ) -> CustomField {
        CustomField {
            id,
            etag: None,
            name: name.to_string(),
            parent_type: Some("Matter".to_string()),
            field_type: field_type.to_string(),
            displayed: true,
            required: false,
            deleted: false,
            display_order: None,
            picklist_options: options
                .iter()
                .map(|(id, label, deleted)| ClioOption {
                    id: *id,
                    option: label.to_string(),
                    deleted_at: deleted.then(|| "2025-01-01T00:00:00Z".to_string()),
                })
                .collect(),
        }
    }

    fn definitions() -> Vec<CustomField> {
        vec![
            definition(1, "Notes", "text_line", &[]),
            definition(
                2,
                "Court",
                "picklist",
                &[
                    (21, "Cook County", false),
                    (22, "cook county ", false),
                    (23, "DuPage", false),
                    (24, "DuPage", true),
                    (25, "Lake", false),
                ],
            ),
        ]
    }

    fn values(field: &str, given: &[(u64, &str)]) -> ProposeRequest {
        ProposeRequest {
            fields: vec![field.to_string()],
            values: given
                .iter()
                .map(|(matter_id, value)| ProposedValue {
                    matter_id: *matter_id,
                    field: None,
                    value: value.to_string(),
                })
                .collect(),
            ..ProposeRequest::default()
        }
    }

    fn reason(checked: &Checked, matter: u64, field: u64) -> String {
        match checked.values.get(&(matter, field)) {
            Some(Err((_, reason))) => reason.clone(),
            other => panic!("matter {matter}: expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn an_empty_or_blank_value_is_refused_as_clearing_the_field() {
        let req = values("Notes", &[(1, ""), (2, "  \t\n"), (3, "kept")]);
        let checked = check(&req, &definitions()).unwrap();
        for matter in [1, 2] {
            assert!(
                reason(&checked, matter, 1).contains("would clear the field"),
                "{matter}"
            );
        }
        assert_eq!(checked.values[&(3, 1)], Ok("kept".to_string()));
        let req = values("Court", &[(4, " ")]);
        let checked = check(&req, &definitions()).unwrap();
        assert!(reason(&checked, 4, 2).contains("leave this matter out"));
    }

    #[test]
    fn a_label_shared_by_several_live_options_is_refused_naming_them() {
        let req = values(
            "Court",
            &[(1, "COOK COUNTY"), (2, "dupage"), (3, "Lake"), (4, "25")],
        );
        let checked = check(&req, &definitions()).unwrap();
        let ambiguous = reason(&checked, 1, 2);
        assert!(ambiguous.contains("ids 21, 22"), "{ambiguous}");
        assert!(ambiguous.contains("option id"), "{ambiguous}");
        // A deleted option sharing the label does not make it ambiguous.
        assert_eq!(checked.values[&(2, 2)], Ok("23".to_string()));
        assert_eq!(checked.values[&(3, 2)], Ok("25".to_string()));
        assert_eq!(checked.values[&(4, 2)], Ok("25".to_string()));
    }

    #[test]
    fn request_errors_say_what_to_do_next() {
        let mut defs = definitions();
        defs.push(CustomField {
            deleted: true,
            ..definition(3, "Old Notes", "text_line", &[])
        });
        let rule = ProposeRequest {
            fields: vec!["Old Notes".to_string()],
            rule: Some(Rule::Whitespace),
            ..ProposeRequest::default()
        };
        let deleted = check(&rule, &defs).unwrap_err().to_string();
        assert!(deleted.contains("list_custom_fields"), "{deleted}");
        let nothing = ProposeRequest {
            fields: vec!["Notes".to_string()],
            ..ProposeRequest::default()
        };
        let nothing = check(&nothing, &defs).unwrap_err().to_string();
        for needle in ["`rule`", "`values`", "--rule", "--values"] {
            assert!(nothing.contains(needle), "{needle}: {nothing}");
        }
        let mut other = values("Notes", &[(1, "x")]);
        other.values[0].field = Some("Court".to_string());
        let other = check(&other, &defs).unwrap_err().to_string();
        assert!(
            other.contains("--field") && other.contains("`fields`"),
            "{other}"
        );
        let mut scoped = values("Notes", &[(1, "x")]);
        scoped.scope.status = Some("open".to_string());
        let scoped = check(&scoped, &defs).unwrap_err().to_string();
        assert!(
            scoped.contains("--ids") && scoped.contains("--status"),
            "{scoped}"
        );
    }
}
