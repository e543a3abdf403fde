//! The Clio API records this project reads and writes, tolerant of fields Clio adds later.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::field_type::FieldType;

/// `{"id": N}` references (`custom_field`, `client`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdRef {
    pub id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The picklist option a value points at.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PicklistOptionRef {
    pub id: u64,
    #[serde(default)]
    pub option: Option<String>,
}

/// One custom field's value on one record. `id` is the value-instance id (`"text_line-17"`),
/// different on every record; `custom_field.id` is the definition id, the same everywhere.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CustomFieldValue {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub field_name: Option<String>,
    #[serde(default)]
    pub field_type: Option<String>,
    #[serde(default)]
    pub custom_field: Option<IdRef>,
    #[serde(default)]
    pub picklist_option: Option<PicklistOptionRef>,
}

impl CustomFieldValue {
    pub fn definition_id(&self) -> Option<u64> {
        self.custom_field.as_ref().map(|c| c.id)
    }

    pub fn kind(&self) -> Option<FieldType> {
        self.field_type.as_deref().and_then(FieldType::parse)
    }

    /// The value as text: strings as they are, numbers and booleans printed.
    pub fn value_text(&self) -> Option<String> {
        match &self.value {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        }
    }
}

/// A matter as read with a `fields` selection; absent fields stay `None`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Matter {
    pub id: u64,
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub display_number: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub client: Option<IdRef>,
    #[serde(default)]
    pub custom_field_values: Option<Vec<CustomFieldValue>>,
}

/// A picklist option of a definition; a deleted one has `deleted_at`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct PicklistOption {
    pub id: u64,
    pub option: String,
    #[serde(default)]
    pub deleted_at: Option<String>,
}

/// A custom field definition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CustomField {
    pub id: u64,
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub parent_type: Option<String>,
    #[serde(default)]
    pub field_type: String,
    #[serde(default)]
    pub displayed: bool,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub display_order: Option<i64>,
    #[serde(default)]
    pub picklist_options: Vec<PicklistOption>,
}

impl CustomField {
    pub fn kind(&self) -> Option<FieldType> {
        FieldType::parse(&self.field_type)
    }
}

/// The user the token belongs to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// `{"data": ...}`: Clio's single-record envelope.
#[derive(Debug, Deserialize)]
pub struct Data<T> {
    pub data: T,
}

/// A page of a list, with Clio's cursor link to the next.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub meta: Option<PageMeta>,
}

#[derive(Debug, Deserialize, Default)]
pub struct PageMeta {
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize, Default)]
pub struct Paging {
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub previous: Option<String>,
}

impl<T> Page<T> {
    pub fn next_link(&self) -> Option<&str> {
        self.meta
            .as_ref()
            .and_then(|m| m.paging.as_ref())
            .and_then(|p| p.next.as_deref())
    }
}
