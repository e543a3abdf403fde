//! The `Rule` enum an agent sends, its options, which field types each rule fits, and dispatch.

use super::{FieldSpec, NormalizeError, Outcome};
use crate::field_type::FieldType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A normalization rule with its options. JSON: `{"rule": "phone", "format": "e164"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// Court-ready US and Canadian street addresses (USPS Publication 28 abbreviations), one
    /// output per place; title case by default, `usps_caps` on request.
    Address(AddressOptions),
    /// North American phone numbers, extension kept.
    Phone(PhoneOptions),
    /// Case and spacing of a person's name.
    PersonName(PersonNameOptions),
    /// Trim and collapse whitespace; line breaks survive in `text_area`.
    Whitespace,
    /// Upper, lower, or title case with legal exceptions (v., LLC, of, ...).
    Case(CaseOptions),
    /// Trim, lower-case, validate.
    Email,
    /// Map a messy label to the id of a live option of the field.
    Picklist(PicklistOptions),
    /// Whole-dollar amounts for Clio currency fields.
    Currency(CurrencyOptions),
    /// Dates to `YYYY-MM-DD`.
    Date(DateOptions),
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AddressStyle {
    /// The house style, for court papers and letters: title case with the USPS standard
    /// abbreviations, `6299 Spring Pl Ste 400, Eugene, OR 97401`.
    #[default]
    TitleCase,
    /// USPS Publication 28 capitals, for mailing labels: `6299 SPRING PL STE 400, EUGENE, OR 97401`.
    UspsCaps,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AddressLayout {
    /// One line for `text_line`, two lines (street, then city/state/postal) for `text_area`.
    #[default]
    Auto,
    SingleLine,
    MultiLine,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AddressOptions {
    pub style: AddressStyle,
    pub layout: AddressLayout,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PhoneFormat {
    /// `(312) 555-0142`
    #[default]
    Parens,
    /// `312-555-0142`
    Dashes,
    /// `312.555.0142`
    Dots,
    /// `+13125550142`
    E164,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PhoneOptions {
    pub format: PhoneFormat,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PersonNameOptions {
    /// Turn `SMITH, JOHN` into `John Smith`. Off by default: some firms file names that way.
    pub reorder_last_first: bool,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CaseMode {
    Upper,
    Lower,
    /// Title case keeping legal forms: `Smith v. Acme Holdings LLC`, `Estate of the Late ...`.
    #[default]
    Title,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CaseOptions {
    pub mode: CaseMode,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PicklistOptions {
    /// Minimum fuzzy similarity (0..=1) to map without asking. The score is the mean of
    /// Jaro-Winkler and normalized Levenshtein on normalized labels; the best option must also
    /// beat the runner-up by 0.05. Default 0.9: `Personal Injry` maps, `Family` (vs
    /// `Family Law`) and `Immigration` (vs `Immigration Law`) are asked about.
    pub threshold: f64,
    /// Extra synonyms: messy text -> option label (or option id). Extends the built-in table.
    pub synonyms: BTreeMap<String, String>,
}

impl Default for PicklistOptions {
    fn default() -> Self {
        PicklistOptions {
            threshold: 0.9,
            synonyms: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CurrencyOptions {
    /// Negative amounts (`-500`, `($500)`) are sent to a human unless this is set: in a
    /// custom field they are more often a typo or a credit recorded in the wrong place.
    pub allow_negative: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// `03/04/2024` is March 4.
    Mdy,
    /// `03/04/2024` is 3 April.
    Dmy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DateOptions {
    /// How to read all-numeric dates whose day and month are both 12 or less. Unset: ask a human.
    pub order: Option<DateOrder>,
    /// Two-digit years below the pivot are 20YY, the rest 19YY (default 50: `49` -> 2049,
    /// `50` -> 1950). Fixed rather than clock-relative so results never drift.
    pub two_digit_year_pivot: u8,
}

impl Default for DateOptions {
    fn default() -> Self {
        DateOptions {
            order: None,
            two_digit_year_pivot: 50,
        }
    }
}

use FieldType as F;

const TEXT: &[FieldType] = &[F::TextLine, F::TextArea];

impl Rule {
    /// The wire name of the rule.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Address(_) => "address",
            Rule::Phone(_) => "phone",
            Rule::PersonName(_) => "person_name",
            Rule::Whitespace => "whitespace",
            Rule::Case(_) => "case",
            Rule::Email => "email",
            Rule::Picklist(_) => "picklist",
            Rule::Currency(_) => "currency",
            Rule::Date(_) => "date",
        }
    }

    /// The field types this rule can write to.
    pub fn accepts(&self) -> &'static [FieldType] {
        match self {
            Rule::Address(_)
            | Rule::Phone(_)
            | Rule::PersonName(_)
            | Rule::Whitespace
            | Rule::Case(_) => TEXT,
            Rule::Email => &[F::Email, F::TextLine, F::TextArea],
            Rule::Picklist(_) => &[F::Picklist],
            // On a numeric field the same parsing applies but cents are legitimate.
            Rule::Currency(_) => &[F::Currency, F::Numeric],
            Rule::Date(_) => &[F::Date, F::TextLine, F::TextArea],
        }
    }

    /// Refuses incompatible field types and out-of-range options before any value is looked at.
    pub fn check(&self, field_type: FieldType) -> Result<(), NormalizeError> {
        if !self.accepts().contains(&field_type) {
            let accepts = self
                .accepts()
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(NormalizeError::IncompatibleRule {
                rule: self.name(),
                field_type,
                accepts,
            });
        }
        let bad = |reason: &str| NormalizeError::BadOption {
            rule: self.name(),
            reason: reason.to_string(),
        };
        match self {
            Rule::Picklist(o) if !(0.0..=1.0).contains(&o.threshold) => {
                Err(bad("threshold must be between 0 and 1"))
            }
            Rule::Date(o) if o.two_digit_year_pivot > 100 => {
                Err(bad("two_digit_year_pivot must be between 0 and 100"))
            }
            _ => Ok(()),
        }
    }
}

/// Runs a checked rule on a non-blank value.
pub(crate) fn apply(rule: &Rule, field: &FieldSpec, value: &str) -> Outcome {
    let multiline = field.field_type == FieldType::TextArea;
    match rule {
        Rule::Address(o) => super::address::apply(value, o, multiline),
        Rule::Phone(o) => super::phone::apply(value, o),
        Rule::PersonName(o) => super::name::apply(value, o),
        Rule::Whitespace => Outcome::settle(value, super::text::whitespace(value, multiline)),
        Rule::Case(o) => super::text::case(value, o.mode, multiline),
        Rule::Email => super::email::apply(value),
        Rule::Picklist(o) => super::picklist::apply(value, o, &field.options),
        Rule::Currency(o) => {
            super::currency::apply(value, o, field.field_type == FieldType::Currency)
        }
        Rule::Date(o) => super::date::apply(value, o),
    }
}
