//! The twelve Clio custom field types, as Clio spells them on the wire.

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
