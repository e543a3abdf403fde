//! What the sandbox watches for tests: a bounded log of matter PATCHes (If-Match, the
//! value-instance ids named and where those values live) and requests that came too early.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use crate::sandbox::store::Store;
use crate::sandbox::values::value_number;

/// The write log keeps the last this many PATCHes.
pub const WRITE_LOG_CAP: usize = 20_000;
/// A request this close to the end of its wait is not early: `Retry-After` is whole seconds.
pub const EARLY_TOLERANCE: Duration = Duration::from_millis(100);

/// A fault the gate injected around a request, passed to the handler as an extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Injected(pub &'static str);

/// A value-instance id a PATCH named, and the matter that value really lives on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedValue {
    /// As sent, e.g. `"text_line-17"`.
    pub id: String,
    /// `None` when no value has that number.
    pub lives_on: Option<u64>,
}

/// One matter PATCH that reached its handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WriteRecord {
    pub matter_id: u64,
    pub if_match: bool,
    /// Updates and `_destroy`s, by value-instance id.
    pub named: Vec<NamedValue>,
    /// Definition ids of the creates (`custom_field: {id}`).
    pub created: Vec<u64>,
    /// Whether the change was made (the handler answered 2xx).
    pub applied: bool,
    /// The handler's status; with a `fault` the client was answered otherwise.
    pub status: u16,
    /// `connection_reset` or `applied_then_5xx` when one was injected around it.
    pub fault: Option<&'static str>,
}

impl WriteRecord {
    /// True when every value it named lives on the matter it PATCHed.
    pub fn names_only_its_own_values(&self) -> bool {
        self.named
            .iter()
            .all(|n| n.lives_on == Some(self.matter_id))
    }
}

/// The last `WRITE_LOG_CAP` writes, oldest first.
#[derive(Debug, Default)]
pub struct WriteLog {
    entries: VecDeque<WriteRecord>,
}

impl WriteLog {
    pub fn push(&mut self, record: WriteRecord) {
        if self.entries.len() == WRITE_LOG_CAP {
            self.entries.pop_front();
        }
        self.entries.push_back(record);
    }

    pub fn entries(&self) -> Vec<WriteRecord> {
        self.entries.iter().cloned().collect()
    }
}

/// Per token, the instant before which the sandbox told it not to come back.
#[derive(Debug, Default)]
pub struct Waits(HashMap<String, Instant>);

impl Waits {
    /// Remembers a 429 that said `retry_after`; the longest wait told stands.
    pub fn told(&mut self, token: &str, now: Instant, retry_after: Duration) {
        let until = now + retry_after;
        let entry = self.0.entry(token.to_string()).or_insert(until);
        if *entry < until {
            *entry = until;
        }
    }

    /// Whether a request at `now` came before its token's wait was over.
    pub fn is_early(&self, token: &str, now: Instant) -> bool {
        self.0
            .get(token)
            .is_some_and(|until| now + EARLY_TOLERANCE < *until)
    }
}

/// What a PATCH body names: value-instance ids (with the matter each lives on in `store`)
/// and definition ids of creates. A body that does not parse names nothing.
pub fn named_in(body: &[u8], store: &Store) -> (Vec<NamedValue>, Vec<u64>) {
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let items = parsed["data"]["custom_field_values"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let (mut named, mut created) = (Vec::new(), Vec::new());
    for item in &items {
        match item.get("id").filter(|v| !v.is_null()) {
            Some(id) => named.push(NamedValue {
                id: id.as_str().map_or_else(|| id.to_string(), str::to_string),
                lives_on: value_number(id)
                    .and_then(|n| store.values.get(&n))
                    .map(|v| v.matter_id),
            }),
            None => created.extend(item["custom_field"]["id"].as_u64()),
        }
    }
    (named, created)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::seed::{CLIENT_ADDRESS, seed_store};

    #[test]
    fn a_request_is_early_only_before_the_wait_it_was_told_less_the_tolerance() {
        let mut waits = Waits::default();
        let t0 = Instant::now();
        assert!(!waits.is_early("a", t0));
        waits.told("a", t0, Duration::from_secs(2));
        waits.told("a", t0, Duration::from_secs(1));
        assert!(waits.is_early("a", t0 + Duration::from_millis(1_800)));
        assert!(!waits.is_early("a", t0 + Duration::from_millis(1_950)));
        assert!(!waits.is_early("b", t0));
    }

    #[test]
    fn a_body_names_its_values_with_where_they_live() {
        let store = seed_store(20, 1);
        let mut with = store
            .matters
            .keys()
            .filter_map(|m| store.value_of(*m, CLIENT_ADDRESS));
        let (own, other) = (with.next().unwrap(), with.next().unwrap());
        let body = serde_json::json!({"data": {"custom_field_values": [
            {"id": format!("text_line-{}", own.number), "value": "x"},
            {"id": format!("text_line-{}", other.number), "_destroy": true},
            {"custom_field": {"id": 4108}, "value": "1"},
            {"id": "text_line-999999999", "value": "y"},
        ]}});
        let (named, created) = named_in(body.to_string().as_bytes(), &store);
        let owners: Vec<Option<u64>> = named.iter().map(|n| n.lives_on).collect();
        assert_eq!(owners, [Some(own.matter_id), Some(other.matter_id), None]);
        assert_eq!(created, [4108]);
        let record = WriteRecord {
            matter_id: own.matter_id,
            if_match: true,
            named,
            created,
            applied: true,
            status: 200,
            fault: None,
        };
        assert!(!record.names_only_its_own_values());
    }
}
