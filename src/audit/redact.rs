//! Scrubbing of secrets (API tokens and the like) from every string of an event.

use serde_json::{Map, Value};

use super::entry::AuditEvent;

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The set of secret strings that must never reach the disk.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    /// Longest first, so a secret containing another secret is removed whole.
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secrets themselves, only how many there are.
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    pub(crate) fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        // An empty "secret" would match everywhere and wipe the whole entry.
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    fn scrub_in_place(&self, text: &mut String) {
        if self.secrets.iter().any(|s| text.contains(s.as_str())) {
            *text = self.scrub(text);
        }
    }

    fn scrub_opt(&self, text: &mut Option<String>) {
        if let Some(t) = text {
            self.scrub_in_place(t);
        }
    }

    fn scrub_value(&self, value: &mut Value) {
        match value {
            Value::String(s) => self.scrub_in_place(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => {
                // Keys can carry secrets too, so the map is rebuilt with scrubbed keys.
                let old = std::mem::take(map);
                let mut fresh = Map::with_capacity(old.len());
                for (key, mut v) in old {
                    self.scrub_value(&mut v);
                    fresh.insert(self.scrub(&key), v);
                }
                *map = fresh;
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Removes every secret from every string the event carries.
    pub(crate) fn scrub_event(&self, event: &mut AuditEvent) {
        if self.secrets.is_empty() {
            return;
        }
        self.scrub_in_place(&mut event.tool);
        self.scrub_opt(&mut event.field_name);
        self.scrub_opt(&mut event.value_instance_id);
        self.scrub_value(&mut event.old_value);
        self.scrub_value(&mut event.new_value);
        self.scrub_opt(&mut event.outcome);
        self.scrub_opt(&mut event.job_id);
        self.scrub_opt(&mut event.plan_id);
        self.scrub_opt(&mut event.content_hash);
        self.scrub_opt(&mut event.detail);
        event
            .read_fields
            .iter_mut()
            .for_each(|f| self.scrub_in_place(f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_secret_is_removed_whole_before_its_prefix() {
        let r = Redactor::new(["abc".to_owned(), "abcdef".to_owned(), String::new()]);
        assert_eq!(r.scrub("x abcdef y abc"), "x [redacted] y [redacted]");
    }

    #[test]
    fn secrets_in_nested_values_and_keys_are_scrubbed() {
        let r = Redactor::new(["tok".to_owned()]);
        let mut v = serde_json::json!({"tok": ["a tok b", {"k": "tok"}]});
        r.scrub_value(&mut v);
        assert!(!v.to_string().contains("tok"));
    }
}
