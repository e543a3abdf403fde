//! Pure normalization rules and validators per custom field type; no I/O.
//!
//! Inventory first: free text (`text_line`, `text_area`) is where rules win, picklists are a
//! mapping problem, currency and dates are validation problems. Every rule returns an
//! [`Outcome`]; anything it cannot settle without guessing becomes `NeedsHuman`.
//!
//! | rule | field types |
//! |---|---|
//! | address, phone, person_name, whitespace, case | text_line, text_area |
//! | email | email, text_line, text_area |
//! | picklist | picklist (output: a live option id) |
//! | currency | currency (whole amounts), numeric (cents kept) |
//! | date | date, text_line, text_area |
//!
//! Contract, checked by property tests: a rule's `Change` always passes [`validate`] for the
//! field, and normalizing that output again gives `AlreadyClean`.

mod address;
mod address_data;
mod address_words;
mod currency;
mod date;
mod email;
mod name;
mod phone;
mod picklist;
mod rule;
mod street;
mod text;
mod validate;

pub use rule::{
    AddressLayout, AddressOptions, AddressStyle, CaseMode, CaseOptions, CurrencyOptions,
    DateOptions, DateOrder, PersonNameOptions, PhoneFormat, PhoneOptions, PicklistOptions, Rule,
};
pub use validate::validate;

use crate::field_type::FieldType;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// What a rule concluded about one value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The value should be replaced by `new`, which passes the field's validator.
    Change { new: String },
    /// The value is already in house format and writable as is.
    AlreadyClean,
    /// There is no value (absent or only whitespace); nothing to normalize.
    Empty,
    /// The rule will not guess; `candidates` (best first) are suggestions, never applied.
    NeedsHuman {
        reason: String,
        candidates: Vec<Candidate>,
    },
    /// The value cannot be written to this field and no rule can fix it.
    Invalid { reason: String },
}

impl Outcome {
    pub(crate) fn human(reason: impl Into<String>) -> Outcome {
        Outcome::NeedsHuman {
            reason: reason.into(),
            candidates: Vec::new(),
        }
    }

    pub(crate) fn human_with(reason: impl Into<String>, candidates: Vec<Candidate>) -> Outcome {
        Outcome::NeedsHuman {
            reason: reason.into(),
            candidates,
        }
    }

    pub(crate) fn invalid(reason: impl Into<String>) -> Outcome {
        Outcome::Invalid {
            reason: reason.into(),
        }
    }

    /// `AlreadyClean` when the rule's output equals the input byte for byte.
    pub(crate) fn settle(original: &str, new: String) -> Outcome {
        if new == original {
            Outcome::AlreadyClean
        } else {
            Outcome::Change { new }
        }
    }
}

/// A suggestion offered with `NeedsHuman`: the value to write, what it means, and a score in 0..=1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Candidate {
    /// The exact value that would be written (an option id for picklists).
    pub value: String,
    /// What the value means to a person (the option label, or a readable date).
    pub label: String,
    /// How confident the rule is; 1.0 is certain, ranking is by this score.
    pub score: f64,
}

/// One option of a picklist field as Clio reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PicklistOption {
    pub id: u64,
    pub label: String,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub deleted_at: Option<String>,
}

impl PicklistOption {
    /// Clio marks removed options either way; either one means never write it.
    pub fn is_live(&self) -> bool {
        !self.deleted && self.deleted_at.is_none()
    }
}

/// The part of a custom field definition the rules need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldSpec {
    pub field_type: FieldType,
    /// Picklist options, deleted ones included (they must be known to be refused).
    #[serde(default)]
    pub options: Vec<PicklistOption>,
}

impl FieldSpec {
    pub fn new(field_type: FieldType) -> FieldSpec {
        FieldSpec {
            field_type,
            options: Vec::new(),
        }
    }

    pub fn picklist(options: Vec<PicklistOption>) -> FieldSpec {
        FieldSpec {
            field_type: FieldType::Picklist,
            options,
        }
    }
}

/// The single error type of the normalization layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NormalizeError {
    #[error("the `{rule}` rule does not apply to {field_type} fields; it works on {accepts}")]
    IncompatibleRule {
        rule: &'static str,
        field_type: FieldType,
        accepts: String,
    },
    #[error("bad option for the `{rule}` rule: {reason}")]
    BadOption { rule: &'static str, reason: String },
    #[error("{reason}")]
    InvalidValue {
        field_type: FieldType,
        reason: String,
    },
}

/// What `validate` returns: the field type and a sentence saying what to do.
pub type ValidationError = NormalizeError;

/// Applies `rule` to the current value of a field.
///
/// Errors only when the rule cannot be used on this field at all (wrong type, bad options);
/// everything about the value itself is reported in the [`Outcome`].
pub fn normalize(
    rule: &Rule,
    field: &FieldSpec,
    current: Option<&str>,
) -> Result<Outcome, NormalizeError> {
    rule.check(field.field_type)?;
    let Some(value) = current.filter(|v| !text::is_blank(v)) else {
        return Ok(Outcome::Empty);
    };
    let outcome = rule::apply(rule, field, value);
    // Belt and braces: whatever a rule proposes must be writable, or it is not proposed.
    Ok(match outcome {
        Outcome::Change { new } => match validate(field, &new) {
            Ok(()) => Outcome::Change { new },
            Err(e) => Outcome::invalid(e.to_string()),
        },
        Outcome::AlreadyClean => match validate(field, value) {
            Ok(()) => Outcome::AlreadyClean,
            Err(e) => Outcome::invalid(e.to_string()),
        },
        other => other,
    })
}

/// Compiles a pattern once; a bad pattern degrades to "no match" instead of panicking.
pub(crate) fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// True when the lazily compiled `re` exists and matches.
pub(crate) fn is_match(re: &Option<Regex>, s: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(s))
}
