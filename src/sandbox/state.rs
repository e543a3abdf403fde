//! The sandbox's shared state: the store, tokens, rate windows, faults and counters.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use serde::Serialize;

use crate::sandbox::seed::Rng;
use crate::sandbox::store::Store;

/// Fault injection, changeable while the sandbox runs.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Probability of a 5xx answer that applies nothing.
    pub server_error: f64,
    /// Probability that a request starts a burst of three 429s for its token.
    pub rate_limit_burst: f64,
    /// Probability of a connection reset; a PATCH is sometimes applied first.
    pub connection_reset: f64,
    /// Added before every API answer.
    pub latency: Duration,
}

/// What the sandbox saw, for tests and benchmarks.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SandboxStats {
    pub requests: u64,
    pub by_endpoint: BTreeMap<String, u64>,
    /// Matter PATCHes that changed data.
    pub patches_applied: u64,
    pub rate_limited: u64,
    pub faults_injected: u64,
    pub token_refreshes: u64,
}

#[derive(Debug)]
pub struct Tokens {
    pub access: HashSet<String>,
    pub refresh: HashSet<String>,
    pub client_id: String,
    pub client_secret: String,
    pub issued: u64,
    /// Answer refresh grants without a new refresh token, as Clio may.
    pub omit_refresh_token: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: u64,
    pub count: u32,
}

pub struct SandboxState {
    pub store: Mutex<Store>,
    pub tokens: Mutex<Tokens>,
    pub windows: Mutex<HashMap<String, Window>>,
    /// Tokens with 429s still owed from an injected burst.
    pub bursts: Mutex<HashMap<String, u32>>,
    pub faults: Mutex<Faults>,
    pub stats: Mutex<SandboxStats>,
    pub rng: Mutex<Rng>,
    /// Requests per window per token.
    pub rate_limit: u32,
    pub window_secs: u64,
    /// `http://127.0.0.1:PORT`, known once bound.
    pub origin: OnceLock<String>,
}

/// Locks a mutex, recovering it if a handler panicked while holding it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SandboxState {
    pub fn origin(&self) -> &str {
        self.origin
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1")
    }

    pub fn roll(&self, probability: f64) -> bool {
        probability > 0.0 && (lock(&self.rng).next_u64() as f64 / u64::MAX as f64) < probability
    }

    pub fn count(&self, f: impl FnOnce(&mut SandboxStats)) {
        f(&mut lock(&self.stats));
    }

    pub fn new_secret(&self, prefix: &str) -> String {
        let n = lock(&self.rng).next_u64();
        format!("{prefix}-{n:016x}")
    }
}
