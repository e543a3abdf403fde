//! Counters of what the client did: requests per endpoint, 429s, retries, time spent waiting.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

// A snapshot of the counters. (Plain comments on output types keep them out of the tool's
// schema.)
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// By endpoint, e.g. `GET /matters/{id}`; every try counts.
    pub requests: BTreeMap<String, u64>,
    pub total_requests: u64,
    pub rate_limited: u64,
    /// After a 5xx or network failure.
    pub retries: u64,
    pub token_refreshes: u64,
    /// 304s from the ETag cache.
    pub not_modified: u64,
    /// Time spent waiting: limiter, 429s, backoff.
    pub waited_ms: u64,
}

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<MetricsSnapshot>,
}

impl Metrics {
    fn update(&self, f: impl FnOnce(&mut MetricsSnapshot)) {
        let mut m = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut m);
    }

    pub fn request(&self, endpoint: &str) {
        self.update(|m| {
            *m.requests.entry(endpoint.to_string()).or_default() += 1;
            m.total_requests += 1;
        });
    }

    pub fn rate_limited(&self) {
        self.update(|m| m.rate_limited += 1);
    }

    pub fn retry(&self) {
        self.update(|m| m.retries += 1);
    }

    pub fn token_refresh(&self) {
        self.update(|m| m.token_refreshes += 1);
    }

    pub fn not_modified(&self) {
        self.update(|m| m.not_modified += 1);
    }

    pub fn waited(&self, d: Duration) {
        if !d.is_zero() {
            self.update(|m| m.waited_ms += d.as_millis() as u64);
        }
    }

    pub fn snapshot(&self) -> MetricsSnapshot {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
