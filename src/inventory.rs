//! The custom field inventory: definitions grouped by type, with what may safely be written.

mod cache;

pub use cache::{FIELD_CACHE_TTL, FieldCache};

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::clio::types::CustomField;
use crate::clio::{ClioClient, ClioError};
use crate::field_type::FieldType;

// One picklist option of a definition. (Plain comments on output types keep them out of the
// schema.)
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct OptionRow {
    /// What a picklist value is set to (never the label).
    pub id: u64,
    pub label: String,
    /// Must not be written; values may still point at it.
    pub deleted: bool,
}

// One custom field definition, compact.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct FieldRow {
    /// Definition id (the same on every matter).
    pub id: u64,
    pub name: String,
    /// `Matter` or `Contact`.
    pub parent_type: String,
    pub required: bool,
    pub displayed: bool,
    pub deleted: bool,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub options: Vec<OptionRow>,
}

// The fields of one type, with what can safely be written to any of them.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct FieldGroup {
    pub field_type: String,
    /// What is safe to write to these fields.
    pub write_advice: String,
    pub fields: Vec<FieldRow>,
}

/// The matter field definitions, deleted ones included (values may still point at them).
pub async fn matter_fields(client: &ClioClient) -> Result<Vec<CustomField>, ClioError> {
    let mut fields = client.custom_fields("matter").await?;
    fields.sort_by(|a, b| {
        (&a.field_type, a.display_order, a.id).cmp(&(&b.field_type, b.display_order, b.id))
    });
    Ok(fields)
}

/// Groups already-sorted definitions by type, keeping their order inside each group.
pub fn group(fields: &[CustomField]) -> Vec<FieldGroup> {
    let mut groups: BTreeMap<&str, Vec<FieldRow>> = BTreeMap::new();
    for f in fields {
        groups.entry(&f.field_type).or_default().push(row(f));
    }
    groups
        .into_iter()
        .map(|(kind, fields)| FieldGroup {
            field_type: kind.to_string(),
            write_advice: FieldType::advice_for(kind).to_string(),
            fields,
        })
        .collect()
}

fn row(f: &CustomField) -> FieldRow {
    FieldRow {
        id: f.id,
        name: f.name.clone(),
        parent_type: f
            .parent_type
            .clone()
            .unwrap_or_else(|| "Matter".to_string()),
        required: f.required,
        displayed: f.displayed,
        deleted: f.deleted,
        options: f
            .picklist_options
            .iter()
            .map(|o| OptionRow {
                id: o.id,
                label: o.option.clone(),
                deleted: o.deleted_at.is_some(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clio::types::PicklistOption;

    fn def(id: u64, kind: &str) -> CustomField {
        CustomField {
            id,
            etag: None,
            name: format!("F{id}"),
            parent_type: Some("Matter".into()),
            field_type: kind.into(),
            displayed: true,
            required: false,
            deleted: false,
            display_order: Some(id as i64),
            picklist_options: vec![],
        }
    }

    #[test]
    fn groups_by_type_and_marks_deleted_options() {
        let mut pick = def(2, "picklist");
        pick.picklist_options = vec![
            PicklistOption {
                id: 9,
                option: "A".into(),
                deleted_at: None,
            },
            PicklistOption {
                id: 10,
                option: "B".into(),
                deleted_at: Some("2024-01-01".into()),
            },
        ];
        let groups = group(&[def(1, "text_line"), pick, def(3, "mystery")]);
        let kinds: Vec<&str> = groups.iter().map(|g| g.field_type.as_str()).collect();
        assert_eq!(kinds, ["mystery", "picklist", "text_line"]);
        assert!(groups[0].write_advice.contains("read only"));
        assert!(groups[1].fields[0].options[1].deleted);
        assert!(!groups[1].fields[0].options[0].deleted);
    }
}
