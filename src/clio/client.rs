//! The one Clio client of the process: every request is paced, retried and counted here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::clio::auth::TokenState;
use crate::clio::etag_cache::EtagCache;
use crate::clio::exchange::{RawAnswer, buildable, describe, refused};
use crate::clio::metrics::{Metrics, MetricsSnapshot};
use crate::clio::oauth::TokenPersistence;
use crate::clio::rate_headers::{header_str, rate_headers, rate_limited_wait, server_now};
use crate::clio::request::ApiRequest;
use crate::clio::retry::RetryPolicy;
use crate::clio::{ClioError, LimiterStatus, Priority, RateLimitHeaders, RateLimiter};
use crate::config::ClioConfig;

/// A successful answer: 2xx, or a 304 served from the ETag cache.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub etag: Option<String>,
    pub body: Value,
}

impl ApiResponse {
    pub fn parse<T: DeserializeOwned>(self) -> Result<T, ClioError> {
        // The path of what did not fit, never serde's wording (it names Rust types).
        serde_path_to_error::deserialize(self.body).map_err(|e| ClioError::InvalidResponse {
            message: format!(
                "`{}` is not what this client expects (has Clio's API changed?)",
                e.path()
            ),
        })
    }
}

/// Cheap to clone; all clones share one limiter, one token and one set of counters.
#[derive(Clone)]
pub struct ClioClient {
    inner: Arc<Inner>,
    /// Whose requests these are: a person's (the default) or a background job's.
    priority: Priority,
    /// Tries sent through this handle (a job's share of the one budget).
    sent: Arc<AtomicU64>,
}

pub(super) struct Inner {
    pub(super) http: reqwest::Client,
    base: Url,
    pub(super) tokens: TokenState,
    limiter: RateLimiter,
    pub(super) retry: RetryPolicy,
    pub(super) metrics: Metrics,
    pub(super) etags: Mutex<EtagCache>,
}

impl ClioClient {
    pub fn new(config: &ClioConfig, retry: RetryPolicy) -> Result<ClioClient, ClioError> {
        ClioClient::with_persistence(config, retry, None)
    }

    /// As [`ClioClient::new`], for tokens from the sign-in store: a refreshed pair is written
    /// to `persistence` before it is used.
    pub fn with_persistence(
        config: &ClioConfig,
        retry: RetryPolicy,
        persistence: Option<Arc<dyn TokenPersistence>>,
    ) -> Result<ClioClient, ClioError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("clio-mcp/", env!("CARGO_PKG_VERSION")))
            .timeout(retry.request_timeout)
            .connect_timeout(Duration::from_secs(15))
            // Never follow a redirect: it could carry the bearer token to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClioError::Network {
                message: e.to_string(),
                attempts: 0,
            })?;
        Ok(ClioClient {
            inner: Arc::new(Inner {
                http,
                base: config.base_url.clone(),
                tokens: TokenState::new(&config.credentials, config.token_url.clone(), persistence),
                limiter: RateLimiter::new(config.rate_limit),
                retry,
                metrics: Metrics::default(),
                etags: Mutex::new(EtagCache::default()),
            }),
            priority: Priority::Interactive,
            sent: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The same client for a background job: its requests share the one limiter but leave
    /// each slot to a person's request waiting for it.
    pub fn background(&self) -> ClioClient {
        ClioClient {
            inner: self.inner.clone(),
            priority: Priority::Background,
            sent: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The same client for a person's request (the default priority).
    pub fn interactive(&self) -> ClioClient {
        ClioClient {
            inner: self.inner.clone(),
            priority: Priority::Interactive,
            sent: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Tries sent through this handle (and its clones) so far, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// The shared state, for the client's other files (storage uploads).
    pub(super) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// The retry bounds this client uses (a job backs off between tries by the same).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    pub fn metrics(&self) -> MetricsSnapshot {
        self.inner.metrics.snapshot()
    }

    pub fn limiter_status(&self) -> LimiterStatus {
        self.inner.limiter.status()
    }

    /// The secrets this client holds, for scrubbing (never for display).
    pub fn secrets(&self) -> Vec<String> {
        self.inner.tokens.secrets()
    }

    /// Sends `req` and reads its JSON answer into `T`.
    pub async fn call<T: DeserializeOwned>(&self, req: ApiRequest) -> Result<T, ClioError> {
        self.send(req).await?.parse()
    }

    /// Sends `req` until it has an answer worth returning: waits out 429s, refreshes a refused
    /// token once, retries 5xx and network failures where repeating is safe.
    pub async fn send(&self, req: ApiRequest) -> Result<ApiResponse, ClioError> {
        let inner = &self.inner;
        let url = self.url_for(&req)?;
        let endpoint = req.endpoint();
        let cache_key = req.cached.then(|| url.to_string());
        let mut failures = 0u32;
        let mut rate_limited = 0u32;
        let mut refreshed = false;
        loop {
            inner
                .metrics
                .waited(inner.limiter.acquire_as(self.priority).await);
            inner.metrics.request(&endpoint);
            self.sent.fetch_add(1, Ordering::Relaxed);
            let (generation, bearer) = inner.tokens.bearer();
            let cached_etag = cache_key.as_ref().and_then(|k| {
                let cache = inner.etags.lock().unwrap_or_else(|e| e.into_inner());
                cache.entries.get(k).map(|(etag, _)| etag.clone())
            });
            let outcome = self.exchange(&req, url.clone(), bearer, cached_etag).await;
            let answer = match outcome {
                Ok(answer) => answer,
                // A request that cannot be built never left: nothing to retry.
                Err(err) if err.is_builder() => return Err(refused(&err)),
                Err(err) => {
                    failures += 1;
                    // A request that never left (connect failure) is always safe to repeat.
                    if !req.safe_to_repeat() && !err.is_connect() {
                        return Err(ClioError::UnknownOutcome {
                            method: req.method.to_string(),
                            path: req.path.clone(),
                            message: describe(&err),
                        });
                    }
                    if failures >= inner.retry.max_attempts {
                        return Err(ClioError::Network {
                            message: describe(&err),
                            attempts: failures,
                        });
                    }
                    self.back_off(failures, &endpoint, &describe(&err)).await;
                    continue;
                }
            };
            let seen = rate_headers(&answer.headers);
            if seen != RateLimitHeaders::default() {
                inner.limiter.observe(seen, server_now(&answer.headers));
            }
            let status = answer.status.as_u16();
            match status {
                429 => {
                    rate_limited += 1;
                    inner.metrics.rate_limited();
                    if rate_limited > inner.retry.max_rate_limited_waits {
                        return Err(ClioError::RateLimited {
                            attempts: rate_limited,
                        });
                    }
                    let wait =
                        rate_limited_wait(&answer.headers, inner.retry.default_rate_limited_wait);
                    tracing::warn!(%endpoint, wait_ms = wait.as_millis() as u64, "Clio answered 429; waiting");
                    inner.limiter.pause(wait);
                }
                401 if !refreshed && inner.tokens.can_refresh() => {
                    refreshed = true;
                    inner.tokens.refresh(&inner.http, generation).await?;
                    inner.metrics.token_refresh();
                }
                500..=599 => {
                    failures += 1;
                    if !req.safe_to_repeat() {
                        return Err(ClioError::UnknownOutcome {
                            method: req.method.to_string(),
                            path: req.path.clone(),
                            message: format!("Clio answered {status}"),
                        });
                    }
                    if failures >= inner.retry.max_attempts {
                        return Err(ClioError::Server {
                            status,
                            attempts: failures,
                        });
                    }
                    self.back_off(failures, &endpoint, &format!("status {status}"))
                        .await;
                }
                304 => return self.cached_answer(cache_key.as_deref()),
                200..=299 => return self.success(answer, cache_key),
                _ => return Err(ClioError::from_response(status, &answer.body)),
            }
        }
    }

    pub(super) async fn back_off(&self, failures: u32, endpoint: &str, why: &str) {
        let wait = self.inner.retry.backoff(failures);
        tracing::warn!(%endpoint, attempt = failures, wait_ms = wait.as_millis() as u64, why, "retrying");
        self.inner.metrics.retry();
        self.inner.metrics.waited(wait);
        tokio::time::sleep(wait).await;
    }

    fn success(
        &self,
        answer: RawAnswer,
        cache_key: Option<String>,
    ) -> Result<ApiResponse, ClioError> {
        let etag = header_str(&answer.headers, "etag");
        let body = if answer.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&answer.body).map_err(|e| ClioError::InvalidResponse {
                message: format!("not JSON: {e}"),
            })?
        };
        if let (Some(key), Some(etag)) = (cache_key, &etag) {
            let mut cache = self.inner.etags.lock().unwrap_or_else(|e| e.into_inner());
            cache.insert(key, etag.clone(), body.clone());
        }
        Ok(ApiResponse {
            status: answer.status.as_u16(),
            etag,
            body,
        })
    }

    fn cached_answer(&self, key: Option<&str>) -> Result<ApiResponse, ClioError> {
        let cache = self.inner.etags.lock().unwrap_or_else(|e| e.into_inner());
        match key.and_then(|k| cache.entries.get(k)) {
            Some((etag, body)) => {
                self.inner.metrics.not_modified();
                Ok(ApiResponse {
                    status: 200,
                    etag: Some(etag.clone()),
                    body: body.clone(),
                })
            }
            None => Err(ClioError::InvalidResponse {
                message: "Clio answered 304 Not Modified to a request that had no cached copy"
                    .to_string(),
            }),
        }
    }

    fn url_for(&self, req: &ApiRequest) -> Result<Url, ClioError> {
        let mut url = self
            .inner
            .base
            .join(req.path.trim_start_matches('/'))
            .map_err(|e| ClioError::Refused {
                message: format!("the request path cannot be built ({e})"),
            })?;
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.iter());
        }
        buildable(&url)?;
        Ok(url)
    }
}

impl std::fmt::Debug for ClioClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClioClient")
            .field("base", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}
