//! Matters as the tools show them: compact list rows, paging cursors, and custom field values
//! resolved against their definitions (with the audit record of every read).

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::audit::{AuditEvent, AuditLog};
use crate::clio::matters::{MatterQuery, VALUE_READ_FIELDS};
use crate::clio::types::{CustomField, CustomFieldValue, Matter};
use crate::clio::{ApiRequest, ClioClient, ClioError};
use crate::privacy::Privacy;

/// The fields a list row needs.
pub const ROW_FIELDS: &str = "id,display_number,description,status,updated_at";
/// Longest description shown in a list row.
const DESCRIPTION_CHARS: usize = 100;

// One matter in a list. (Plain comments on output types keep them out of the schema.)
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct MatterRow {
    pub id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_number: Option<String>,
    /// Cut at 100 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Open`, `Pending` or `Closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

impl MatterRow {
    /// The row as `privacy` lets the assistant see it: display numbers carry client names
    /// (`00012-Smith`) and descriptions carry facts, so both are masked when redacted.
    pub fn shown(mut self, privacy: Privacy) -> MatterRow {
        if privacy.is_redacted() {
            self.display_number = privacy.show_opt(self.display_number.as_deref());
            self.description = privacy.show_opt(self.description.as_deref());
        }
        self
    }

    pub fn from_matter(m: Matter) -> MatterRow {
        MatterRow {
            id: m.id,
            display_number: m.display_number,
            description: m.description.map(|d| super::clip(&d, DESCRIPTION_CHARS)),
            status: m.status,
            updated_at: m.updated_at,
        }
    }
}

/// A cursor the assistant can only pass back: Clio's next link, base64url-encoded.
pub fn encode_cursor(link: &str) -> String {
    URL_SAFE_NO_PAD.encode(link)
}

/// The request a cursor stands for, refused unless it decodes to a link under the configured
/// Clio API base (so a forged cursor cannot send the token elsewhere).
pub fn request_for_cursor(client: &ClioClient, cursor: &str) -> Option<ApiRequest> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    let link = String::from_utf8(bytes).ok()?;
    let req = client.request_for_link(&link).ok()?;
    (req.path.trim_start_matches('/') == "matters.json").then_some(req)
}

/// One page of matter rows and the cursor of the next.
pub async fn list(
    client: &ClioClient,
    req: ApiRequest,
) -> Result<(Vec<MatterRow>, Option<String>), ClioError> {
    let (matters, next) = client.page::<Matter>(req).await?;
    let rows = matters.into_iter().map(MatterRow::from_matter).collect();
    Ok((rows, next.as_deref().map(encode_cursor)))
}

/// The first-page request for a filtered list.
pub fn first_page(query: MatterQuery) -> ApiRequest {
    MatterQuery {
        fields: Some(ROW_FIELDS.to_string()),
        ..query
    }
    .request()
}

// One custom field value on one matter, resolved against its definition.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct FieldValueRow {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_type: Option<String>,
    /// Definition id (the same on every matter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition_id: Option<u64>,
    /// Value-instance id on this matter (e.g. `text_line-17`), what an update names; absent
    /// when the field has no value here yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_id: Option<String>,
    /// The stored value; for a picklist, the option id.
    pub value: Value,
    /// Label of the chosen option.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picklist_label: Option<String>,
    /// The chosen option is deleted: the value needs a new one.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub option_deleted: bool,
}

// What was read from one matter: its values, or why it could not be read.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct MatterFields {
    pub matter_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_number: Option<String>,
    pub fields: Vec<FieldValueRow>,
    /// Why this matter could not be read (403, 404); `fields` is then empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl MatterFields {
    /// The values as `privacy` lets the assistant see them. Picklist option ids and labels are
    /// the firm's configuration, not client data, so they stay.
    pub fn shown(mut self, privacy: Privacy) -> MatterFields {
        if privacy.is_redacted() {
            self.display_number = privacy.show_opt(self.display_number.as_deref());
            for f in &mut self.fields {
                if f.field_type.as_deref() != Some("picklist") {
                    f.value = crate::privacy::mask_json(&f.value);
                }
            }
        }
        self
    }
}

/// Which fields to return: names (case-insensitive) or definition ids; empty means all.
#[derive(Debug, Clone, Default)]
pub struct FieldFilter(Vec<String>);

impl FieldFilter {
    pub fn new(wanted: &[String]) -> FieldFilter {
        FieldFilter(
            wanted
                .iter()
                .map(|w| w.trim().to_lowercase())
                .filter(|w| !w.is_empty())
                .collect(),
        )
    }

    fn keeps(&self, v: &CustomFieldValue) -> bool {
        self.0.is_empty()
            || self.0.iter().any(|w| {
                v.field_name.as_deref().map(str::to_lowercase).as_ref() == Some(w)
                    || v.definition_id().map(|d| d.to_string()).as_ref() == Some(w)
            })
    }
}

/// Reads the custom field values of `ids` in one list request (per 200 ids), resolves picklist
/// labels from `definitions`, and records the read (matters and field names, never values) in
/// the audit log before returning. A matter the list leaves out (it does not exist, or this
/// user may not see it) is asked for once more on its own, only to say which; only a failed
/// audit write fails the call.
pub async fn read_fields(
    client: &ClioClient,
    audit: &Arc<AuditLog>,
    tool: &str,
    ids: &[u64],
    definitions: &[CustomField],
    filter: &FieldFilter,
) -> Result<Result<Vec<MatterFields>, ClioError>, crate::audit::AuditError> {
    let by_id: HashMap<u64, &CustomField> = definitions.iter().map(|d| (d.id, d)).collect();
    let listed = match client.matters_by_ids(ids, &[], VALUE_READ_FIELDS).await {
        Ok(listed) => listed,
        Err(e) => return Ok(Err(e)),
    };
    let mut listed: HashMap<u64, Matter> = listed.into_iter().map(|m| (m.id, m)).collect();
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let read = match listed.remove(id) {
            Some(m) => Ok(m),
            // Why it was left out: 403 or 404, in Clio's own words.
            None => match client.get_matter(*id, "id").await {
                Ok(_) => Err(format!(
                    "matter {id} was not returned with the others; read it again"
                )),
                Err(e) => Err(read_error(*id, &e)),
            },
        };
        results.push(match read {
            Ok(m) => resolve(m, &by_id, filter),
            Err(error) => MatterFields {
                matter_id: *id,
                display_number: None,
                fields: Vec::new(),
                error: Some(error),
            },
        });
    }
    let read_matters: Vec<u64> = results
        .iter()
        .filter(|m| m.error.is_none())
        .map(|m| m.matter_id)
        .collect();
    if !read_matters.is_empty() {
        let mut names: Vec<String> = results
            .iter()
            .flat_map(|m| m.fields.iter().map(|f| f.name.clone()))
            .collect();
        names.sort();
        names.dedup();
        let event = AuditEvent::read(tool, read_matters, names);
        let log = audit.clone();
        tokio::task::spawn_blocking(move || log.append(event))
            .await
            .map_err(|e| crate::audit::AuditError::Io {
                doing: "write the audit entry",
                path: audit.dir().to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            })??;
    }
    Ok(Ok(results))
}

/// The per-matter message: what happened and what to do, never internals.
pub fn read_error(id: u64, e: &ClioError) -> String {
    if e.is_forbidden() {
        format!(
            "403: the Clio user this token belongs to has no permission on matter {id}; \
             ask a Clio administrator for access, or leave this matter out"
        )
    } else if e.is_not_found() {
        format!("404: there is no matter {id} in this Clio account (or it was deleted)")
    } else {
        e.to_string()
    }
}

fn resolve(m: Matter, defs: &HashMap<u64, &CustomField>, filter: &FieldFilter) -> MatterFields {
    let fields =
        m.custom_field_values
            .unwrap_or_default()
            .into_iter()
            .filter(|v| filter.keeps(v))
            .map(|v| {
                let def = v.definition_id().and_then(|d| defs.get(&d));
                let option = v.picklist_option.as_ref().map(|p| p.id).and_then(|pid| {
                    def.and_then(|d| d.picklist_options.iter().find(|o| o.id == pid))
                });
                let picklist_label = option
                    .map(|o| o.option.clone())
                    .or_else(|| v.picklist_option.as_ref().and_then(|p| p.option.clone()));
                FieldValueRow {
                    name: v
                        .field_name
                        .clone()
                        .or_else(|| def.map(|d| d.name.clone()))
                        .unwrap_or_default(),
                    field_type: v
                        .field_type
                        .clone()
                        .or_else(|| def.map(|d| d.field_type.clone())),
                    definition_id: v.definition_id(),
                    value_id: v.id.clone(),
                    value: v.value.clone().unwrap_or(Value::Null),
                    picklist_label,
                    option_deleted: option.is_some_and(|o| o.deleted_at.is_some()),
                }
            })
            .collect();
    MatterFields {
        matter_id: m.id,
        display_number: m.display_number,
        fields,
        error: None,
    }
}
