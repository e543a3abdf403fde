//! The sandbox's shared state: the store and its journal, tokens, rate windows, faults,
//! counters, and the one way to change the store (`commit`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::sandbox::delta::Delta;
use crate::sandbox::http::error;
use crate::sandbox::journal::{Journal, Refusal};
use crate::sandbox::observe::{Waits, WriteLog};
use crate::sandbox::seed::Rng;
use crate::sandbox::store::Store;

/// Fault injection, changeable while the sandbox runs.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Probability of a 5xx answer that applies nothing.
    pub server_error: f64,
    /// Probability that a request starts a burst of three 429s for its token.
    pub rate_limit_burst: f64,
    /// Probability of a connection reset; half the time a PATCH or POST is applied first.
    pub connection_reset: f64,
    /// Probability that a PATCH or POST is applied and then answered with a 502 carrying no
    /// data, as when a gateway gives up on an answer that was on its way.
    pub applied_then_error: f64,
    /// Added before every API answer.
    pub latency: Duration,
    /// The next this many storage PUTs find their signed URL expired (it stays expired).
    pub expire_put_urls: u32,
    /// The next this many `fully_uploaded: true` PATCHes answer `UploadTimeoutError`.
    pub upload_timeouts: u32,
}

/// One part of a multipart upload, until the document is marked fully uploaded.
#[derive(Debug, Clone)]
pub struct PartRec {
    pub content_length: u64,
    pub signature: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The bytes received (their count only when uploads are not kept).
    pub received: Option<Received>,
}

#[derive(Debug, Clone)]
pub enum Received {
    Bytes(Vec<u8>),
    Count(u64),
}

impl Received {
    /// The number of bytes received.
    pub fn count(&self) -> u64 {
        match self {
            Received::Bytes(b) => b.len() as u64,
            Received::Count(n) => *n,
        }
    }
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
    /// Requests that came before the wait a 429 told their token to keep (100 ms tolerance).
    pub early_requests: u64,
    /// API answers by HTTP status, as the client received them.
    pub by_status: BTreeMap<u16, u64>,
    /// Journal lines this process appended (0 without a state folder).
    pub journal_lines: u64,
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
    /// `/oauth/authorize` answers `access_denied`, as when the person clicks Deny.
    pub deny_authorization: bool,
    /// Authorization codes not yet used.
    pub codes: HashMap<String, CodeGrant>,
    /// The grant (one sign-in) each issued token belongs to; deauthorize revokes a grant.
    pub grants: HashMap<String, u64>,
    pub next_grant: u64,
}

/// An authorization code: once, briefly, for one client and redirect address.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub expires: std::time::Instant,
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
    /// Where changes are persisted; `None` keeps the account in memory only.
    pub journal: Mutex<Option<Journal>>,
    /// Matter PATCHes as the handler saw them.
    pub writes: Mutex<WriteLog>,
    /// Per token, until when a 429 told it to wait.
    pub waits: Mutex<Waits>,
    pub rng: Mutex<Rng>,
    /// Requests per window per token.
    pub rate_limit: u32,
    pub window_secs: u64,
    /// `http://127.0.0.1:PORT`, known once bound.
    pub origin: OnceLock<String>,
    /// How far the webhook clock runs ahead of the real one (tests expire subscriptions).
    pub hook_clock: Mutex<chrono::Duration>,
    /// Multipart uploads in flight, by document id, part number: kept in memory only (a
    /// restart loses them, and the final PATCH then answers `UploadNotFoundError`).
    pub parts: Mutex<HashMap<u64, BTreeMap<u32, PartRec>>>,
    /// Signatures of signed URLs made to expire early (the fault).
    pub expired: Mutex<HashSet<String>>,
    /// Keep uploaded bytes (false: count them only, as a benchmark of the client needs).
    pub keep_upload_bytes: bool,
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

    /// The store, after taking in what other processes sharing its folder wrote.
    pub fn read(&self) -> MutexGuard<'_, Store> {
        let mut store = lock(&self.store);
        if let Some(journal) = lock(&self.journal).as_mut()
            && let Err(e) = journal.sync(&mut store)
        {
            tracing::error!(error = %e, "could not read the sandbox journal; serving what is known");
        }
        store
    }

    /// Makes one change: `build` turns the current store into a change or a refusal; the
    /// change is persisted (fsynced) before it is applied. Returns the store after it.
    pub fn commit(
        &self,
        build: impl FnOnce(&Store) -> Result<Delta, Response>,
    ) -> Result<MutexGuard<'_, Store>, Response> {
        let mut store = lock(&self.store);
        let mut journal = lock(&self.journal);
        let persisted = journal.is_some();
        let result = match journal.as_mut() {
            Some(j) => j.write(&mut store, build),
            None => build(&store).map_err(Refusal::Refused).and_then(|d| {
                store
                    .apply(d)
                    .map_err(|e| Refusal::Failed(std::io::Error::other(e)))
            }),
        };
        drop(journal);
        match result {
            Ok(()) => {
                if persisted {
                    self.count(|s| s.journal_lines += 1);
                }
                Ok(store)
            }
            Err(Refusal::Refused(answer)) => Err(answer),
            Err(Refusal::Failed(e)) => {
                tracing::error!(error = %e, "the sandbox could not save a change");
                Err(error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalServerError",
                    format!("the change was not saved: {e}"),
                ))
            }
        }
    }

    pub fn new_secret(&self, prefix: &str) -> String {
        let n = lock(&self.rng).next_u64();
        format!("{prefix}-{n:016x}")
    }
}
