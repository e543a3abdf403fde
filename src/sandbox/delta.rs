//! One change to the account as the absolute post-state of every record it touched: built by a
//! handler, appended to the journal, applied to the store, and applied the same way on replay.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::sandbox::store::{DocRec, HookRec, MatterRec, Store, ValueRec};

/// The part of a matter that can change; the rest comes from the seed and never does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatterState {
    pub id: u64,
    pub description: String,
    /// `Open`, `Pending` or `Closed`.
    pub status: String,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// A document without its bytes; `size` says bytes were stored (beside the journal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocState {
    pub id: u64,
    pub name: String,
    pub matter_id: u64,
    pub content_type: Option<String>,
    pub uuid: String,
    pub signature: String,
    pub put_expires_at: DateTime<Utc>,
    pub size: Option<u64>,
    pub fully_uploaded: bool,
    pub created_at: DateTime<Utc>,
    /// Absent from lines written before documents had it: the creation time then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl DocState {
    pub fn of(d: &DocRec) -> DocState {
        DocState {
            id: d.id,
            name: d.name.clone(),
            matter_id: d.matter_id,
            content_type: d.content_type.clone(),
            uuid: d.uuid.clone(),
            signature: d.signature.clone(),
            put_expires_at: d.put_expires_at,
            size: d.bytes.as_ref().map(|b| b.len() as u64),
            fully_uploaded: d.fully_uploaded,
            created_at: d.created_at,
            updated_at: Some(d.updated_at),
        }
    }
}

/// The id counters after the change: the last value number, document and webhook id given out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    pub value: u64,
    pub document: u64,
    pub webhook: u64,
}

/// One mutation: one journal line. Lists hold only the records it touched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matters: Vec<MatterState>,
    /// Values created or changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueRec>,
    /// Numbers of values removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destroyed: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<HookRec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleted_webhooks: Vec<u64>,
    pub next: Counters,
    /// Uploaded bytes by document id: kept in their own files, never in the line.
    #[serde(skip)]
    pub uploads: BTreeMap<u64, Vec<u8>>,
}

impl Delta {
    /// An empty change on `store`, carrying its counters.
    pub fn new(store: &Store) -> Delta {
        Delta {
            matters: Vec::new(),
            values: Vec::new(),
            destroyed: Vec::new(),
            documents: Vec::new(),
            webhooks: Vec::new(),
            deleted_webhooks: Vec::new(),
            next: Counters {
                value: store.next_value,
                document: store.next_document,
                webhook: store.next_webhook,
            },
            uploads: BTreeMap::new(),
        }
    }

    /// Gives `m` a new version (so a new etag) and `updated_at`, once per change; the state
    /// returned can be edited further (description, status).
    pub fn touch(&mut self, m: &MatterRec, at: DateTime<Utc>) -> &mut MatterState {
        let at_index = match self.matters.iter().position(|s| s.id == m.id) {
            Some(i) => i,
            None => {
                self.matters.push(MatterState {
                    id: m.id,
                    description: m.description.clone(),
                    status: m.status.to_string(),
                    updated_at: at,
                    version: m.version + 1,
                });
                self.matters.len() - 1
            }
        };
        &mut self.matters[at_index]
    }
}

/// The stored form of a status name, or `None` for anything else.
pub fn status_name(s: &str) -> Option<&'static str> {
    match s {
        "Open" => Some("Open"),
        "Pending" => Some("Pending"),
        "Closed" => Some("Closed"),
        _ => None,
    }
}

impl Store {
    /// Applies a change. Refuses (and then may have applied part of it) only a change that
    /// names records the seed does not have: a journal made from another account.
    pub fn apply(&mut self, mut d: Delta) -> Result<(), String> {
        for m in d.matters {
            let status = status_name(&m.status)
                .ok_or_else(|| format!("matter {} has an unknown status {}", m.id, m.status))?;
            let rec = self
                .matters
                .get_mut(&m.id)
                .ok_or_else(|| format!("matter {} is not in this account", m.id))?;
            rec.description = m.description;
            rec.status = status;
            rec.updated_at = m.updated_at;
            rec.version = m.version;
        }
        for v in d.values {
            if !self.matters.contains_key(&v.matter_id) || !self.defs.contains_key(&v.def_id) {
                return Err(format!(
                    "value {} names matter {} and field {}, which this account does not have",
                    v.number, v.matter_id, v.def_id
                ));
            }
            self.remove_value(v.number);
            self.values_by_matter
                .entry(v.matter_id)
                .or_default()
                .insert(v.number);
            self.values.insert(v.number, v);
        }
        for number in d.destroyed {
            self.remove_value(number);
        }
        for doc in d.documents {
            let bytes = match d.uploads.remove(&doc.id) {
                Some(b) => Some(b),
                None => self.documents.get_mut(&doc.id).and_then(|x| x.bytes.take()),
            };
            if doc.size.is_some() && bytes.as_ref().map(|b| b.len() as u64) != doc.size {
                return Err(format!("the bytes of document {} are missing", doc.id));
            }
            let rec = DocRec {
                id: doc.id,
                name: doc.name,
                matter_id: doc.matter_id,
                content_type: doc.content_type,
                uuid: doc.uuid,
                signature: doc.signature,
                put_expires_at: doc.put_expires_at,
                bytes,
                fully_uploaded: doc.fully_uploaded,
                created_at: doc.created_at,
                updated_at: doc.updated_at.unwrap_or(doc.created_at),
            };
            self.documents.insert(rec.id, rec);
        }
        for h in d.webhooks {
            self.webhooks.insert(h.id, h);
        }
        for id in d.deleted_webhooks {
            self.webhooks.remove(&id);
        }
        self.next_value = d.next.value;
        self.next_document = d.next.document;
        self.next_webhook = d.next.webhook;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::seed::{CLIENT_ADDRESS, FEE_QUOTE, FIRST_MATTER_ID, seed_store};
    use serde_json::json;

    #[test]
    fn a_change_survives_its_journal_line_exactly() {
        let mut live = seed_store(10, 4);
        let mut replayed = seed_store(10, 4);
        let at = Utc::now();
        let mut d = Delta::new(&live);
        let m = live.matters[&FIRST_MATTER_ID].clone();
        d.touch(&m, at).description = "Renamed".into();
        d.touch(&m, at).status = "Closed".into();
        d.next.value += 1;
        d.values.push(ValueRec {
            number: d.next.value,
            matter_id: m.id,
            def_id: FEE_QUOTE,
            value: json!("2500"),
            created_at: at,
            updated_at: at,
            version: 1,
        });
        let gone = live.value_of(m.id, CLIENT_ADDRESS).map(|v| v.number);
        d.destroyed.extend(gone);
        let line = serde_json::to_string(&d).unwrap();
        assert!(!line.contains('\n'));
        live.apply(d).unwrap();
        replayed
            .apply(serde_json::from_str(&line).unwrap())
            .unwrap();
        let m_live = &live.matters[&m.id];
        let m_replayed = &replayed.matters[&m.id];
        assert_eq!(m_live.version, m.version + 1, "touched once");
        assert_eq!(
            (m_live.version, m_live.updated_at, &m_live.status),
            (
                m_replayed.version,
                m_replayed.updated_at,
                &m_replayed.status
            )
        );
        assert_eq!(live.values, replayed.values);
        assert_eq!(live.values_by_matter, replayed.values_by_matter);
        assert_eq!(live.next_value, replayed.next_value);
        assert!(replayed.value_of(m.id, CLIENT_ADDRESS).is_none());
    }

    #[test]
    fn a_change_naming_records_the_seed_lacks_is_refused() {
        let mut s = seed_store(3, 1);
        let mut d = Delta::new(&s);
        d.matters.push(MatterState {
            id: 42,
            description: String::new(),
            status: "Open".into(),
            updated_at: Utc::now(),
            version: 2,
        });
        assert!(s.apply(d).unwrap_err().contains("matter 42"));
    }
}
