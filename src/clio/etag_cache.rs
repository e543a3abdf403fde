//! The client's ETag cache: the last body of each cached GET, sent back as `If-None-Match`
//! so an unchanged record costs Clio a 304 instead of a full answer.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

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
}
