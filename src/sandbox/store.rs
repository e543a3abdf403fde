//! The sandbox's records: matters, custom field definitions and values, documents, webhooks.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::field_type::FieldType;

#[derive(Debug, Clone)]
pub struct OptionRec {
    pub id: u64,
    pub option: String,
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub id: u64,
    pub name: String,
    pub field_type: FieldType,
    pub parent_type: &'static str,
    pub displayed: bool,
    pub required: bool,
    pub deleted: bool,
    pub display_order: i64,
    pub options: Vec<OptionRec>,
    pub version: u64,
}

#[derive(Debug, Clone)]
pub struct MatterRec {
    pub id: u64,
    pub display_number: String,
    pub description: String,
    /// `Open`, `Pending` or `Closed`.
    pub status: &'static str,
    pub open_date: String,
    pub client_id: u64,
    pub client_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueRec {
    /// The number in the value-instance id `"<type>-<number>"`, unique across the account.
    pub number: u64,
    pub matter_id: u64,
    pub def_id: u64,
    pub value: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Debug, Clone)]
pub struct DocRec {
    pub id: u64,
    pub name: String,
    pub matter_id: u64,
    pub content_type: Option<String>,
    pub uuid: String,
    pub signature: String,
    pub put_expires_at: DateTime<Utc>,
    pub bytes: Option<Vec<u8>>,
    pub fully_uploaded: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookRec {
    pub id: u64,
    pub url: String,
    pub model: String,
    pub events: Vec<String>,
    pub fields: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub version: u64,
    /// The shared secret of the handshake and of every delivery's signature.
    #[serde(default)]
    pub secret: Option<String>,
    /// The receiver echoed the handshake: deliveries go out (until it expires).
    #[serde(default)]
    pub enabled: bool,
}

/// Everything the fake account holds.
#[derive(Debug, Default)]
pub struct Store {
    pub defs: BTreeMap<u64, FieldDef>,
    pub matters: BTreeMap<u64, MatterRec>,
    pub values: BTreeMap<u64, ValueRec>,
    /// Matter id -> numbers of its values.
    pub values_by_matter: BTreeMap<u64, BTreeSet<u64>>,
    /// Matters this user may not see: absent from lists, 403 when opened or changed.
    pub forbidden: BTreeSet<u64>,
    pub documents: BTreeMap<u64, DocRec>,
    pub webhooks: BTreeMap<u64, HookRec>,
    pub next_value: u64,
    pub next_document: u64,
    pub next_webhook: u64,
}

/// A quoted etag that changes whenever `version` does.
pub fn etag(kind: &str, id: u64, version: u64) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{kind}:{id}:{version}").as_bytes());
    format!("\"{}\"", hex::encode(&digest[..16]))
}

pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Store {
    pub fn matter_etag(&self, m: &MatterRec) -> String {
        etag("matter", m.id, m.version)
    }

    pub fn add_value(
        &mut self,
        matter_id: u64,
        def_id: u64,
        value: Value,
        at: DateTime<Utc>,
    ) -> u64 {
        self.next_value += 1;
        let number = self.next_value;
        self.values.insert(
            number,
            ValueRec {
                number,
                matter_id,
                def_id,
                value,
                created_at: at,
                updated_at: at,
                version: 1,
            },
        );
        self.values_by_matter
            .entry(matter_id)
            .or_default()
            .insert(number);
        number
    }

    pub fn remove_value(&mut self, number: u64) -> Option<ValueRec> {
        let rec = self.values.remove(&number)?;
        if let Some(set) = self.values_by_matter.get_mut(&rec.matter_id) {
            set.remove(&number);
        }
        Some(rec)
    }

    pub fn value_of(&self, matter_id: u64, def_id: u64) -> Option<&ValueRec> {
        self.values_by_matter
            .get(&matter_id)?
            .iter()
            .filter_map(|n| self.values.get(n))
            .find(|v| v.def_id == def_id)
    }

    /// A value as Clio renders it inside `custom_field_values`, with every field.
    pub fn render_value(&self, v: &ValueRec) -> Option<Value> {
        let def = self.defs.get(&v.def_id)?;
        let picklist_option = if def.field_type == FieldType::Picklist {
            let option = v
                .value
                .as_u64()
                .and_then(|id| def.options.iter().find(|o| o.id == id));
            option.map(|o| json!({"id": o.id, "etag": etag("option", o.id, 1), "option": o.option, "deleted_at": o.deleted_at}))
        } else {
            None
        };
        Some(json!({
            "id": format!("{}-{}", def.field_type.as_str(), v.number),
            "etag": etag("value", v.number, v.version),
            "value": v.value,
            "field_name": def.name,
            "field_type": def.field_type.as_str(),
            "field_required": def.required,
            "field_displayed": def.displayed,
            "created_at": timestamp(v.created_at),
            "updated_at": timestamp(v.updated_at),
            "custom_field": {"id": def.id, "etag": etag("custom_field", def.id, def.version), "name": def.name, "field_type": def.field_type.as_str()},
            "picklist_option": picklist_option,
        }))
    }

    /// The values of a matter, plus a null entry for each displayed field without a value,
    /// limited to `only` definition ids when given.
    pub fn render_values(&self, matter_id: u64, only: &BTreeSet<u64>) -> Vec<Value> {
        let wanted = |def_id: u64| only.is_empty() || only.contains(&def_id);
        let mut out = Vec::new();
        for def in self.defs.values() {
            // Values of a deleted definition are no longer served.
            if def.parent_type != "Matter" || def.deleted || !wanted(def.id) {
                continue;
            }
            match self.value_of(matter_id, def.id) {
                Some(v) => out.extend(self.render_value(v)),
                None if def.displayed && !def.deleted => out.push(json!({
                    "id": null, "etag": null, "value": null,
                    "field_name": def.name, "field_type": def.field_type.as_str(),
                    "field_required": def.required, "field_displayed": def.displayed,
                    "created_at": null, "updated_at": null,
                    "custom_field": {"id": def.id, "etag": etag("custom_field", def.id, def.version), "name": def.name, "field_type": def.field_type.as_str()},
                    "picklist_option": null,
                })),
                None => {}
            }
        }
        out
    }

    /// A matter with every field; the `fields` selection trims it.
    pub fn render_matter(&self, m: &MatterRec, only: &BTreeSet<u64>) -> Value {
        json!({
            "id": m.id,
            "etag": self.matter_etag(m),
            "display_number": m.display_number,
            "description": m.description,
            "status": m.status,
            "open_date": m.open_date,
            "created_at": timestamp(m.created_at),
            "updated_at": timestamp(m.updated_at),
            "client": {"id": m.client_id, "etag": etag("contact", m.client_id, 1), "name": m.client_name},
            "custom_field_values": self.render_values(m.id, only),
        })
    }

    pub fn render_def(&self, d: &FieldDef) -> Value {
        json!({
            "id": d.id,
            "etag": etag("custom_field", d.id, d.version),
            "name": d.name,
            "parent_type": d.parent_type,
            "field_type": d.field_type.as_str(),
            "displayed": d.displayed,
            "required": d.required,
            "deleted": d.deleted,
            "display_order": d.display_order,
            "picklist_options": d.options.iter().map(|o| json!({"id": o.id, "etag": etag("option", o.id, 1), "option": o.option, "deleted_at": o.deleted_at})).collect::<Vec<_>>(),
        })
    }
}
