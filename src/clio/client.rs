//! The one Clio client of the process: every request is paced, retried and counted here.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::clio::auth::TokenState;
use crate::clio::metrics::{Metrics, MetricsSnapshot};
use crate::clio::request::ApiRequest;
use crate::clio::retry::RetryPolicy;
use crate::clio::{ClioError, LimiterStatus, RateLimitHeaders, RateLimiter};
use crate::config::ClioConfig;

const ETAG_CACHE_ENTRIES: usize = 512;

/// A successful answer: 2xx, or a 304 served from the ETag cache.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub etag: Option<String>,
    pub body: Value,
}

impl ApiResponse {
    pub fn parse<T: DeserializeOwned>(self) -> Result<T, ClioError> {
        serde_json::from_value(self.body).map_err(|e| ClioError::InvalidResponse {
            message: e.to_string(),
        })
    }
}

/// Cheap to clone; all clones share one limiter, one token and one set of counters.
#[derive(Clone)]
pub struct ClioClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    tokens: TokenState,
    limiter: RateLimiter,
    retry: RetryPolicy,
    metrics: Metrics,
    etags: Mutex<EtagCache>,
}

#[derive(Default)]
struct EtagCache {
    entries: HashMap<String, (String, Value)>,
    order: VecDeque<String>,
}

impl EtagCache {
    fn insert(&mut self, key: String, etag: String, body: Value) {
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

struct RawAnswer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl ClioClient {
    pub fn new(config: &ClioConfig, retry: RetryPolicy) -> Result<ClioClient, ClioError> {
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
                tokens: TokenState::new(&config.credentials, config.token_url.clone()),
                limiter: RateLimiter::new(config.rate_limit),
                retry,
                metrics: Metrics::default(),
                etags: Mutex::new(EtagCache::default()),
            }),
        })
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
            inner.metrics.waited(inner.limiter.acquire().await);
            inner.metrics.request(&endpoint);
            let (generation, bearer) = inner.tokens.bearer();
            let cached_etag = cache_key.as_ref().and_then(|k| {
                let cache = inner.etags.lock().unwrap_or_else(|e| e.into_inner());
                cache.entries.get(k).map(|(etag, _)| etag.clone())
            });
            let outcome = self.exchange(&req, url.clone(), bearer, cached_etag).await;
            let answer = match outcome {
                Ok(answer) => answer,
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
            self.observe_rate_headers(&answer.headers);
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
                    let wait = self.rate_limited_wait(&answer.headers);
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

    async fn back_off(&self, failures: u32, endpoint: &str, why: &str) {
        let wait = self.inner.retry.backoff(failures);
        tracing::warn!(%endpoint, attempt = failures, wait_ms = wait.as_millis() as u64, why, "retrying");
        self.inner.metrics.retry();
        self.inner.metrics.waited(wait);
        tokio::time::sleep(wait).await;
    }

    async fn exchange(
        &self,
        req: &ApiRequest,
        url: Url,
        bearer: Option<String>,
        cached_etag: Option<String>,
    ) -> Result<RawAnswer, reqwest::Error> {
        let mut builder = self
            .inner
            .http
            .request(req.method.clone(), url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(bearer) = bearer
            && let Ok(mut value) = HeaderValue::from_str(&bearer)
        {
            value.set_sensitive(true);
            builder = builder.header(reqwest::header::AUTHORIZATION, value);
        }
        if let Some(etag) = &req.if_match {
            builder = builder.header(reqwest::header::IF_MATCH, etag);
        }
        if let Some(etag) = cached_etag {
            builder = builder.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let response = builder.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok(RawAnswer {
            status,
            headers,
            body,
        })
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

    fn observe_rate_headers(&self, headers: &HeaderMap) {
        let number = |name: &str| header_str(headers, name).and_then(|v| v.trim().parse().ok());
        let seen = RateLimitHeaders {
            limit: number("x-ratelimit-limit").map(|v: u64| v.min(u32::MAX as u64) as u32),
            remaining: number("x-ratelimit-remaining").map(|v: u64| v.min(u32::MAX as u64) as u32),
            reset: number("x-ratelimit-reset"),
        };
        if seen != RateLimitHeaders::default() {
            self.inner.limiter.observe(seen, server_now(headers));
        }
    }

    /// `Retry-After` (seconds or an HTTP date), else until `X-RateLimit-Reset`, else a default.
    fn rate_limited_wait(&self, headers: &HeaderMap) -> Duration {
        let now = server_now(headers);
        if let Some(value) = header_str(headers, "retry-after") {
            if let Ok(secs) = value.trim().parse::<u64>() {
                return Duration::from_secs(secs);
            }
            if let Ok(at) = httpdate::parse_http_date(value.trim())
                && let Ok(since) = at.duration_since(std::time::UNIX_EPOCH)
            {
                return Duration::from_secs(since.as_secs().saturating_sub(now));
            }
        }
        if let Some(reset) =
            header_str(headers, "x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok())
            && reset > now
        {
            return Duration::from_secs(reset - now);
        }
        self.inner.retry.default_rate_limited_wait
    }

    fn url_for(&self, req: &ApiRequest) -> Result<Url, ClioError> {
        let mut url = self
            .inner
            .base
            .join(req.path.trim_start_matches('/'))
            .map_err(|e| ClioError::InvalidResponse {
                message: format!("bad path {}: {e}", req.path),
            })?;
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.iter());
        }
        Ok(url)
    }

    /// Turns an absolute URL Clio handed back (a paging link) into a request, refusing any
    /// URL outside the configured API base so the token never travels elsewhere.
    pub fn request_for_link(&self, link: &str) -> Result<ApiRequest, ClioError> {
        let foreign = || ClioError::ForeignUrl {
            url: link.chars().take(200).collect(),
        };
        let url = Url::parse(link).map_err(|_| foreign())?;
        let base = &self.inner.base;
        if url.origin() != base.origin() || !url.path().starts_with(base.path()) {
            return Err(foreign());
        }
        let mut req = ApiRequest::get(&url.path()[base.path().len()..]);
        req.query = url.query_pairs().into_owned().collect();
        Ok(req)
    }

    /// PUTs bytes to a presigned storage URL. It is not a Clio API call: no bearer token is
    /// sent (the storage host must never see it) and Clio's request budget is not spent.
    pub async fn put_presigned(
        &self,
        url: &str,
        headers: &[(String, String)],
        bytes: Vec<u8>,
    ) -> Result<(), ClioError> {
        let endpoint = "PUT (presigned upload)";
        let mut failures = 0;
        loop {
            self.inner.metrics.request(endpoint);
            let mut builder = self.inner.http.put(url).body(bytes.clone());
            for (name, value) in headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            let result = builder.send().await;
            let retryable = match result {
                Ok(response) => {
                    let status = response.status().as_u16();
                    if response.status().is_success() {
                        return Ok(());
                    }
                    let body = response.bytes().await.unwrap_or_default();
                    if status < 500 {
                        return Err(ClioError::Api {
                            status,
                            kind: "UploadRejected".to_string(),
                            message: String::from_utf8_lossy(&body).chars().take(300).collect(),
                        });
                    }
                    format!("status {status}")
                }
                Err(e) => describe(&e),
            };
            failures += 1;
            if failures >= self.inner.retry.max_attempts {
                return Err(ClioError::Network {
                    message: format!("upload: {retryable}"),
                    attempts: failures,
                });
            }
            self.back_off(failures, endpoint, &retryable).await;
        }
    }
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The server's clock from `Date`, else ours.
fn server_now(headers: &HeaderMap) -> u64 {
    header_str(headers, "date")
        .and_then(|d| httpdate::parse_http_date(&d).ok())
        .unwrap_or_else(std::time::SystemTime::now)
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A network error without its URL (query strings may carry identifiers).
fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        "timed out".to_string()
    } else if err.is_connect() {
        "connection failed".to_string()
    } else if err.is_body() || err.is_decode() {
        "the connection broke while reading the answer".to_string()
    } else {
        "the connection failed".to_string()
    };
    if let Some(source) = std::error::Error::source(err) {
        text.push_str(&format!(": {source}"));
    }
    text
}

impl std::fmt::Debug for ClioClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClioClient")
            .field("base", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}
