//! The client's ETag cache: the last body of each cached GET, sent back as `If-None-Match`
//! so an unchanged record costs Clio a 304 instead of a full answer.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use crate::clio::ClioClient;

const ETAG_CACHE_ENTRIES: usize = 512;

/// URL -> (etag, body), forgetting the oldest beyond [`ETAG_CACHE_ENTRIES`].
#[derive(Default)]
pub(super) struct EtagCache {
    pub(super) entries: HashMap<String, (String, Value)>,
    order: VecDeque<String>,
}

impl EtagCache {
    pub(super) fn insert(&mut self, key: String, etag: String, body: Value) {
        if self.entries.insert(key.clone(), (etag, body)).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > ETAG_CACHE_ENTRIES {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
    }

    /// Drops every cached read of matter `id` (`.../matters/{id}.json?...`).
    pub(super) fn forget_matter(&mut self, id: u64) {
        let names = [format!("/matters/{id}.json"), format!("/matters/{id}")];
        let of_matter = |key: &String| {
            url::Url::parse(key).is_ok_and(|u| names.iter().any(|n| u.path().ends_with(n.as_str())))
        };
        self.entries.retain(|k, _| !of_matter(k));
        self.order.retain(|k| !of_matter(k));
    }
}

impl ClioClient {
    /// Forgets the cached copies of matter `id`, which Clio said changed: the next read of
    /// it is a full one, not a 304 answered from memory.
    pub fn forget_matter(&self, id: u64) {
        let mut cache = self.inner().etags.lock().unwrap_or_else(|e| e.into_inner());
        cache.forget_matter(id);
    }
}
