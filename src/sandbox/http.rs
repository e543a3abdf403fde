//! Request plumbing shared by the sandbox's handlers: Clio-shaped errors, query parsing, and
//! the gate every API request passes (latency, auth, per-token windows, injected faults).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::clio::request::endpoint_name;
use crate::sandbox::fields::{Schema, Selection, parse as parse_fields};
use crate::sandbox::state::{SandboxState, Window, lock};

/// A handler's answer: `Err` carries a ready error response, so handlers can use `?`.
pub type Answer = Result<Response, Response>;

/// The `fields` selection of a request, parsed against `schema`; anything invalid is Clio's 400.
pub fn selection(params: &[(String, String)], schema: &Schema) -> Result<Selection, Response> {
    parse_fields(param(params, "fields"), schema)
        .map_err(|m| error(StatusCode::BAD_REQUEST, "BadRequest", m))
}

/// A Clio-shaped error answer: `{"error":{"type","message"}}`.
pub fn error(status: StatusCode, kind: &str, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(json!({"error": {"type": kind, "message": message.into()}})),
    )
        .into_response()
}

/// Clio's 404 for a record that does not exist, e.g. `not_found("matter")`.
pub fn not_found(message: impl Into<String>) -> Response {
    error(StatusCode::NOT_FOUND, "NotFound", message)
}

pub fn json_ok(body: Value) -> Response {
    axum::Json(body).into_response()
}

/// A record answer with its `ETag` header.
pub fn with_etag(body: Value, etag: &str) -> Response {
    let mut r = axum::Json(body).into_response();
    if let Ok(v) = HeaderValue::from_str(etag) {
        r.headers_mut().insert("etag", v);
    }
    r
}

/// Query pairs in order, repeated keys kept (`ids[]=1&ids[]=2`).
pub fn params(uri: &Uri) -> Vec<(String, String)> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub fn param_all(params: &[(String, String)], name: &str) -> Vec<String> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// A path id such as `123` or `123.json`.
pub fn path_id(raw: &str) -> Option<u64> {
    raw.strip_suffix(".json").unwrap_or(raw).parse().ok()
}

/// Parses a JSON body into `{"data": {...}}`'s inner object.
pub fn data_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Response> {
    let parsed: Value = serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    match parsed.get("data") {
        Some(Value::Object(map)) => Ok(map.clone()),
        _ => Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ArgumentError",
            "the body must be a JSON object with a \"data\" object",
        )),
    }
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string())
}

fn rate_headers(r: &mut Response, limit: u32, remaining: u32, reset: u64) {
    let h = r.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
}

fn too_many(limit: u32, remaining: u32, reset: u64, retry_after: u64) -> Response {
    let mut r = error(
        StatusCode::TOO_MANY_REQUESTS,
        "RateLimited",
        "You have exceeded the rate limit for this access token. Retry after the window resets.",
    );
    rate_headers(&mut r, limit, remaining, reset);
    r.headers_mut()
        .insert("retry-after", HeaderValue::from(retry_after.max(1)));
    r
}

/// An answer whose body breaks off: the client sees the connection reset mid-answer.
fn reset_connection() -> Response {
    let broken = futures::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset by peer",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from_stream(broken))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Every `/api/v4` request passes here before its handler.
pub async fn api_gate(
    State(state): State<Arc<SandboxState>>,
    req: Request,
    next: Next,
) -> Response {
    let endpoint = endpoint_name(
        req.method().as_str(),
        req.uri().path().trim_start_matches("/api/v4"),
    );
    state.count(|s| {
        s.requests += 1;
        *s.by_endpoint.entry(endpoint.clone()).or_default() += 1;
    });
    let faults = lock(&state.faults).clone();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let Some(token) = bearer(req.headers()) else {
        return unauthorized("No access token was given");
    };
    if !lock(&state.tokens).access.contains(&token) {
        return unauthorized("The access token is invalid or has expired");
    }
    // Fixed windows per token, aligned to whole seconds as Clio's reset times are.
    let now = now_unix();
    let (limit, window) = (state.rate_limit, state.window_secs);
    let (remaining, reset) = {
        let mut windows = lock(&state.windows);
        let w = windows.entry(token.clone()).or_insert(Window {
            start: now,
            count: 0,
        });
        if now >= w.start + window {
            *w = Window {
                start: now,
                count: 0,
            };
        }
        let reset = w.start + window;
        if w.count >= limit {
            drop(windows);
            state.count(|s| s.rate_limited += 1);
            return too_many(limit, 0, reset, reset.saturating_sub(now));
        }
        w.count += 1;
        (limit - w.count, reset)
    };
    {
        let mut bursts = lock(&state.bursts);
        let owed = bursts.entry(token.clone()).or_insert(0);
        if *owed == 0 && state.roll(faults.rate_limit_burst) {
            *owed = 3;
        }
        if *owed > 0 {
            *owed -= 1;
            drop(bursts);
            state.count(|s| {
                s.rate_limited += 1;
                s.faults_injected += 1;
            });
            // A burst is a short throttle (as on endpoints with lower limits), not an
            // exhausted window: the window's own count stands.
            return too_many(limit, remaining, reset, 1);
        }
    }
    if state.roll(faults.server_error) {
        state.count(|s| s.faults_injected += 1);
        let mut r = error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The service is temporarily unavailable",
        );
        rate_headers(&mut r, limit, remaining, reset);
        return r;
    }
    if state.roll(faults.connection_reset) {
        state.count(|s| s.faults_injected += 1);
        // Half the time a write is applied before the connection drops: its outcome is unknown.
        if req.method() == axum::http::Method::PATCH && state.roll(0.5) {
            let _applied = next.run(req).await;
        }
        return reset_connection();
    }
    let mut response = next.run(req).await;
    rate_headers(&mut response, limit, remaining, reset);
    response
}

fn unauthorized(description: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": "invalid_token", "error_description": description})),
    )
        .into_response()
}
