//! The twelve Clio custom field types, as Clio spells them on the wire, and what each may hold.
//!
//! A domain type below both the Clio client and the normalization rules, so the rules never
//! name the client.

use serde::{Deserialize, Serialize};

/// A Clio custom field type (`field_type` on a definition and on a value).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Checkbox,
    Contact,
    Currency,
    Date,
    Time,
    Email,
    Matter,
    Numeric,
    Picklist,
    TextArea,
    TextLine,
    Url,
}

impl FieldType {
    /// Every type, in Clio's documented order.
    pub const ALL: [FieldType; 12] = [
        FieldType::Checkbox,
        FieldType::Contact,
        FieldType::Currency,
        FieldType::Date,
        FieldType::Time,
        FieldType::Email,
        FieldType::Matter,
        FieldType::Numeric,
        FieldType::Picklist,
        FieldType::TextArea,
        FieldType::TextLine,
        FieldType::Url,
    ];

    /// The wire name (`text_line`), also the prefix of a value-instance id (`text_line-12`).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Checkbox => "checkbox",
            FieldType::Contact => "contact",
            FieldType::Currency => "currency",
            FieldType::Date => "date",
            FieldType::Time => "time",
            FieldType::Email => "email",
            FieldType::Matter => "matter",
            FieldType::Numeric => "numeric",
            FieldType::Picklist => "picklist",
            FieldType::TextArea => "text_area",
            FieldType::TextLine => "text_line",
            FieldType::Url => "url",
        }
    }

    /// Parses a wire name; `None` for anything Clio does not define.
    pub fn parse(name: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Free text is where normalization rules apply; the other types are mapping or validation.
    pub fn is_free_text(self) -> bool {
        matches!(self, FieldType::TextLine | FieldType::TextArea)
    }

    /// What can safely be written to a field of this type.
    pub fn write_advice(self) -> &'static str {
        match self {
            FieldType::TextLine => {
                "free text, up to 255 characters on one line: rules normalize it"
            }
            FieldType::TextArea => "free text, several lines: rules normalize it",
            FieldType::Picklist => {
                "only the id of one of its non-deleted options: a mapping problem"
            }
            FieldType::Currency => "whole numbers only (Clio rejects decimals)",
            FieldType::Date => "a real date as YYYY-MM-DD",
            FieldType::Time => "a time as HH:MM or HH:MM:SS (24 hours)",
            FieldType::Email => "one email address",
            FieldType::Url => "an http or https URL",
            FieldType::Numeric => "a number (decimals allowed)",
            FieldType::Checkbox => "true or false",
            FieldType::Matter => "the id of a matter of this account",
            FieldType::Contact => "the id of a contact",
        }
    }

    /// [`FieldType::write_advice`] for a wire name, including names this version does not know.
    pub fn advice_for(wire_name: &str) -> &'static str {
        FieldType::parse(wire_name)
            .map(FieldType::write_advice)
            .unwrap_or("a type this version does not know: read only")
    }
}

impl std::fmt::Display for FieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for t in FieldType::ALL {
            assert_eq!(FieldType::parse(t.as_str()), Some(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert_eq!(FieldType::parse("textline"), None);
    }
}
