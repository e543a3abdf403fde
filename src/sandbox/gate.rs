//! The gate every `/api/v4` request passes before its handler: latency, the bearer token,
//! fixed per-token windows with Clio's headers, early-request counting and injected faults.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::time::Instant;

use crate::clio::request::endpoint_name;
use crate::sandbox::http::{error, now_unix};
use crate::sandbox::observe::Injected;
use crate::sandbox::state::{SandboxState, Window, lock};

const RESET: Injected = Injected("connection_reset");
const APPLIED_THEN_5XX: Injected = Injected("applied_then_5xx");

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

/// A 429 that tells `token` to wait `retry_after` whole seconds, remembered so a request
/// that comes back sooner is counted as early.
fn too_many(
    state: &SandboxState,
    token: &str,
    (limit, remaining, reset): (u32, u32, u64),
    retry_after: u64,
) -> Response {
    let mut r = error(
        StatusCode::TOO_MANY_REQUESTS,
        "RateLimited",
        "You have exceeded the rate limit for this access token. Retry after the window resets.",
    );
    rate_headers(&mut r, limit, remaining, reset);
    r.headers_mut()
        .insert("retry-after", HeaderValue::from(retry_after));
    state.count(|s| s.rate_limited += 1);
    lock(&state.waits).told(token, Instant::now(), Duration::from_secs(retry_after));
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
    let mut r = Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from_stream(broken))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    r.extensions_mut().insert(RESET);
    r
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
    let response = pass(&state, req, next).await;
    // A reset connection answered nothing the client could read.
    if response.extensions().get::<Injected>() != Some(&RESET) {
        let status = response.status().as_u16();
        state.count(|s| *s.by_status.entry(status).or_default() += 1);
    }
    response
}

async fn pass(state: &SandboxState, mut req: Request, next: Next) -> Response {
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
    if lock(&state.waits).is_early(&token, Instant::now()) {
        state.count(|s| s.early_requests += 1);
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
            // `now` is rounded down, so this is never shorter than the real wait.
            let retry_after = reset.saturating_sub(now).max(1);
            return too_many(state, &token, (limit, 0, reset), retry_after);
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
            state.count(|s| s.faults_injected += 1);
            // A burst is a short throttle (as on endpoints with lower limits), not an
            // exhausted window: the window's own count stands.
            return too_many(state, &token, (limit, remaining, reset), 1);
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
    let write = matches!(*req.method(), Method::PATCH | Method::POST);
    if state.roll(faults.connection_reset) {
        state.count(|s| s.faults_injected += 1);
        // Half the time a write is applied before the connection drops: its outcome is unknown.
        if write && state.roll(0.5) {
            req.extensions_mut().insert(RESET);
            let _applied = next.run(req).await;
        }
        return reset_connection();
    }
    if write && state.roll(faults.applied_then_error) {
        state.count(|s| s.faults_injected += 1);
        req.extensions_mut().insert(APPLIED_THEN_5XX);
        let _applied = next.run(req).await;
        // A gateway that gave up on an answer already on its way: no data, no rate headers.
        return error(
            StatusCode::BAD_GATEWAY,
            "BadGateway",
            "The server did not answer in time",
        );
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
