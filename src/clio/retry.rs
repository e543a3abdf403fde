//! How long to wait before sending again: capped exponential backoff with full jitter.

use std::time::Duration;

/// Bounds on retrying; the defaults suit real Clio, tests shorten them.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Tries for one request that meets 5xx answers or network failures.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// 429 waits for one request before giving up; 429 is flow control, so this is generous.
    pub max_rate_limited_waits: u32,
    /// Wait after a 429 that names neither `Retry-After` nor `X-RateLimit-Reset`.
    pub default_rate_limited_wait: Duration,
    /// Per-try timeout for the whole exchange.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_rate_limited_waits: 30,
            default_rate_limited_wait: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A fast policy for the sandbox and tests.
    pub fn fast() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(100),
            max_rate_limited_waits: 30,
            default_rate_limited_wait: Duration::from_millis(200),
            request_timeout: Duration::from_secs(30),
        }
    }

    /// The wait before try `attempt + 1` (attempt counts from 1): random in
    /// `[0, min(max_delay, base_delay * 2^(attempt-1))]`, so many clients do not retry in step.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let ceiling = exp.min(self.max_delay);
        ceiling.mul_f64(rand::random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_under_the_cap() {
        let p = RetryPolicy::default();
        for attempt in 1..40 {
            let d = p.backoff(attempt);
            assert!(d <= p.max_delay, "{attempt}: {d:?}");
            let bound = p.base_delay.saturating_mul(1 << (attempt - 1).min(20));
            assert!(d <= bound, "{attempt}: {d:?} > {bound:?}");
        }
    }
}
