//! Looking at and nudging a running sandbox behind the API's back, for tests and the demo:
//! stored values, another user's edit, counters and the write log.

use chrono::Utc;
use serde_json::Value;

use crate::sandbox::delta::Delta;
use crate::sandbox::state::lock;
use crate::sandbox::store::ValueRec;
use crate::sandbox::{Faults, Sandbox, SandboxStats, WriteRecord};

impl Sandbox {
    pub fn stats(&self) -> SandboxStats {
        lock(&self.state.stats).clone()
    }

    /// The matter PATCHes that reached the handler, oldest first (the last 20,000).
    pub fn write_log(&self) -> Vec<WriteRecord> {
        lock(&self.state.writes).entries()
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.state.faults) = faults;
    }

    /// Makes `/oauth/authorize` deny (as when the person clicks Deny) or approve.
    pub fn set_deny_authorization(&self, deny: bool) {
        lock(&self.state.tokens).deny_authorization = deny;
    }

    /// Whether `token` is a live access token here (not expired, not deauthorized).
    pub fn access_token_works(&self, token: &str) -> bool {
        lock(&self.state.tokens).access.contains(token)
    }

    /// Whether `token` is a live refresh token here (not rotated away, not deauthorized).
    pub fn refresh_token_works(&self, token: &str) -> bool {
        lock(&self.state.tokens).refresh.contains(token)
    }

    /// Makes every access token invalid, as when one expires.
    pub fn expire_access_tokens(&self) {
        lock(&self.state.tokens).access.clear();
    }

    /// The stored value of a field on a matter, read behind the API's back.
    pub fn value(&self, matter_id: u64, definition_id: u64) -> Option<Value> {
        self.state
            .read()
            .value_of(matter_id, definition_id)
            .map(|v| v.value.clone())
    }

    /// The value-instance id of a field on a matter, e.g. `text_line-17`.
    pub fn value_instance_id(&self, matter_id: u64, definition_id: u64) -> Option<String> {
        let store = self.state.read();
        let v = store.value_of(matter_id, definition_id)?;
        let def = store.defs.get(&definition_id)?;
        Some(format!("{}-{}", def.field_type.as_str(), v.number))
    }

    /// Value number `number` wherever it lives: (matter id, definition id, value).
    pub fn value_record(&self, number: u64) -> Option<(u64, u64, Value)> {
        self.state
            .read()
            .values
            .get(&number)
            .map(|v| (v.matter_id, v.def_id, v.value.clone()))
    }

    /// Changes a value behind the client's back (another user editing in Clio); the change
    /// is persisted like any other. False when the matter has no value for that field.
    pub fn edit_behind_the_back(&self, matter_id: u64, definition_id: u64, value: Value) -> bool {
        let edited = self.state.commit(|store| {
            let (Some(v), Some(m)) = (
                store.value_of(matter_id, definition_id),
                store.matters.get(&matter_id),
            ) else {
                return Err(crate::sandbox::http::not_found("no such value"));
            };
            let now = Utc::now();
            let mut delta = Delta::new(store);
            delta.values.push(ValueRec {
                value,
                updated_at: now,
                version: v.version + 1,
                ..v.clone()
            });
            delta.touch(m, now);
            Ok(delta)
        });
        edited.is_ok()
    }

    /// Takes this user's access to a matter away, as a Clio administrator would (kept in
    /// memory only: a permission, not data).
    pub fn forbid(&self, matter_id: u64) {
        self.state.read().forbidden.insert(matter_id);
    }

    pub fn forbidden_matters(&self) -> Vec<u64> {
        self.state.read().forbidden.iter().copied().collect()
    }

    pub fn matter_ids(&self) -> Vec<u64> {
        self.state.read().matters.keys().copied().collect()
    }

    /// The bytes stored for an uploaded document.
    pub fn document_bytes(&self, id: u64) -> Option<Vec<u8>> {
        self.state
            .read()
            .documents
            .get(&id)
            .and_then(|d| d.bytes.clone())
    }

    /// Every document registered, finished or not.
    pub fn document_ids(&self) -> Vec<u64> {
        self.state.read().documents.keys().copied().collect()
    }
}
