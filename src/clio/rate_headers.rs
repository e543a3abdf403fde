//! Reading Clio's rate-limit answer headers: `X-RateLimit-*`, `Retry-After` and the server's
//! `Date`, which every pause is measured against.

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::clio::RateLimitHeaders;

/// What `X-RateLimit-Limit`, `-Remaining` and `-Reset` said; all `None` when absent.
pub(super) fn rate_headers(headers: &HeaderMap) -> RateLimitHeaders {
    let number = |name: &str| header_str(headers, name).and_then(|v| v.trim().parse().ok());
    RateLimitHeaders {
        limit: number("x-ratelimit-limit").map(|v: u64| v.min(u32::MAX as u64) as u32),
        remaining: number("x-ratelimit-remaining").map(|v: u64| v.min(u32::MAX as u64) as u32),
        reset: number("x-ratelimit-reset"),
    }
}

/// How long a 429 asks to wait: `Retry-After` (seconds or an HTTP date), else until
/// `X-RateLimit-Reset`, else `default`.
pub(super) fn rate_limited_wait(headers: &HeaderMap, default: Duration) -> Duration {
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
    default
}

pub(super) fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The server's clock from `Date`, else ours.
pub(super) fn server_now(headers: &HeaderMap) -> u64 {
    header_str(headers, "date")
        .and_then(|d| httpdate::parse_http_date(&d).ok())
        .unwrap_or_else(std::time::SystemTime::now)
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
