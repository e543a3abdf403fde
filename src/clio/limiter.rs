//! The process-wide request limiter: a GCRA pace under a ceiling, adjusted by Clio's headers.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter as Gcra};
use serde::Serialize;
use tokio::time::Instant;

/// Governor on tokio's clock, so paused-clock tests and real runs behave alike.
#[derive(Clone, Debug)]
struct TokioClock {
    base: Instant,
}

impl Clock for TokioClock {
    type Instant = Duration;
    fn now(&self) -> Duration {
        self.base.elapsed()
    }
}

type Pace = Gcra<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>;

/// What Clio's `X-RateLimit-*` headers said on one answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    /// Unix time the current window ends.
    pub reset: Option<u64>,
}

// The limiter's view, for `rate_limit_status` and benchmarks. (Plain comments on output types
// keep them out of the tool's schema.)
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LimiterStatus {
    pub ceiling_per_minute: u32,
    /// Pace in force: the lower of the ceiling and `clio_limit`.
    pub effective_per_minute: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clio_limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clio_remaining: Option<u32>,
    /// Unix time Clio's current window ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clio_reset: Option<u64>,
    /// Left of a pause Clio imposed; 0 when none.
    pub paused_for_ms: u64,
}

struct State {
    pace: Arc<Pace>,
    effective: NonZeroU32,
    paused_until: Option<Instant>,
    last: RateLimitHeaders,
}

/// Who is asking for a request slot. A person waiting on a tool call goes before a job that
/// runs for an hour: a read while a job runs waits for at most the slot in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    #[default]
    Interactive,
    Background,
}

/// Paces every request of the process; clone the `Arc` that holds it, never build a second one.
pub struct RateLimiter {
    ceiling: NonZeroU32,
    clock: TokioClock,
    state: Mutex<State>,
    /// Interactive callers waiting for a slot; background callers leave slots to them.
    interactive_waiting: AtomicUsize,
    interactive_done: tokio::sync::Notify,
}

/// Counts an interactive caller as waiting for as long as it is alive.
struct Waiting<'a>(&'a RateLimiter);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.0.interactive_waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.interactive_done.notify_waiters();
        }
    }
}

impl RateLimiter {
    /// A limiter that never sends more than `per_minute` requests in any 60-second window.
    pub fn new(per_minute: NonZeroU32) -> RateLimiter {
        let clock = TokioClock {
            base: Instant::now(),
        };
        RateLimiter {
            ceiling: per_minute,
            state: Mutex::new(State {
                pace: Arc::new(pace(per_minute, &clock)),
                effective: per_minute,
                paused_until: None,
                last: RateLimitHeaders::default(),
            }),
            clock,
            interactive_waiting: AtomicUsize::new(0),
            interactive_done: tokio::sync::Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state half-written: recover it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until one interactive request may be sent; returns how long it waited.
    pub async fn acquire(&self) -> Duration {
        self.acquire_as(Priority::Interactive).await
    }

    /// Waits until one request of `priority` may be sent; returns how long it waited. A
    /// background caller takes no slot while an interactive one waits for it.
    pub async fn acquire_as(&self, priority: Priority) -> Duration {
        let start = Instant::now();
        let _waiting = (priority == Priority::Interactive).then(|| {
            self.interactive_waiting.fetch_add(1, Ordering::SeqCst);
            Waiting(self)
        });
        loop {
            if priority == Priority::Background
                && self.interactive_waiting.load(Ordering::SeqCst) > 0
            {
                // Woken when the interactive callers are served; the period bounds a missed
                // wake-up.
                let period = self.period();
                let served = self.interactive_done.notified();
                if self.interactive_waiting.load(Ordering::SeqCst) > 0 {
                    let _ = tokio::time::timeout(period, served).await;
                }
                continue;
            }
            let (pace, paused_until) = {
                let s = self.state();
                (s.pace.clone(), s.paused_until)
            };
            if let Some(until) = paused_until
                && until > Instant::now()
            {
                tokio::time::sleep_until(until).await;
                continue;
            }
            match pace.check() {
                Ok(()) => return start.elapsed(),
                Err(not_until) => {
                    let wait = not_until.wait_time_from(self.clock.now());
                    tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }

    /// The time between two requests at the pace in force.
    fn period(&self) -> Duration {
        Duration::from_secs(60) / self.state().effective.get()
    }

    /// Takes in the headers of an answer. `server_now` is the answer's `Date` (unix seconds),
    /// so a skewed local clock cannot shorten a pause.
    pub fn observe(&self, headers: RateLimitHeaders, server_now: u64) {
        let mut s = self.state();
        s.last = headers;
        if let Some(limit) = headers.limit.and_then(NonZeroU32::new) {
            let wanted = limit.min(self.ceiling);
            if wanted != s.effective {
                tracing::info!(
                    clio_limit = limit.get(),
                    pace = wanted.get(),
                    "adjusting pace to Clio's limit"
                );
                s.effective = wanted;
                s.pace = Arc::new(pace(wanted, &self.clock));
            }
        }
        if headers.remaining == Some(0)
            && let Some(reset) = headers.reset
        {
            let wait = Duration::from_secs(reset.saturating_sub(server_now));
            self.pause_locked(&mut s, wait);
        }
    }

    /// Stops all sending for `wait` (a 429's `Retry-After`, or an exhausted window).
    pub fn pause(&self, wait: Duration) {
        let mut s = self.state();
        self.pause_locked(&mut s, wait);
    }

    fn pause_locked(&self, s: &mut State, wait: Duration) {
        let until = Instant::now() + wait;
        if s.paused_until.is_none_or(|current| current < until) {
            s.paused_until = Some(until);
        }
    }

    pub fn status(&self) -> LimiterStatus {
        let s = self.state();
        let now = Instant::now();
        LimiterStatus {
            ceiling_per_minute: self.ceiling.get(),
            effective_per_minute: s.effective.get(),
            clio_limit: s.last.limit,
            clio_remaining: s.last.remaining,
            clio_reset: s.last.reset,
            paused_for_ms: s
                .paused_until
                .map(|u| u.saturating_duration_since(now).as_millis() as u64)
                .unwrap_or(0),
        }
    }
}

/// One request every `60s / per_minute`, no burst: at most `per_minute` in any 60-second window.
fn pace(per_minute: NonZeroU32, clock: &TokioClock) -> Pace {
    let period = Duration::from_secs(60) / per_minute.get();
    let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
        .unwrap_or_else(|| Quota::per_minute(per_minute))
        .allow_burst(NonZeroU32::MIN);
    Gcra::direct_with_clock(quota, clock.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nz(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    async fn grant_times(limiter: &RateLimiter, n: usize) -> Vec<Instant> {
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            limiter.acquire().await;
            times.push(Instant::now());
        }
        times
    }

    fn max_in_any_window(times: &[Instant], window: Duration) -> usize {
        let mut best = 0;
        for (i, start) in times.iter().enumerate() {
            let count = times[i..]
                .iter()
                .take_while(|t| **t < *start + window)
                .count();
            best = best.max(count);
        }
        best
    }

    #[tokio::test(start_paused = true)]
    async fn never_exceeds_the_ceiling_in_any_sixty_second_window() {
        let limiter = RateLimiter::new(nz(50));
        let times = grant_times(&limiter, 180).await;
        assert_eq!(max_in_any_window(&times, Duration::from_secs(60)), 50);
        // And it keeps pace: 180 grants take about 179 periods of 1.2 s.
        let span = *times.last().unwrap() - times[0];
        assert!(span >= Duration::from_millis(179 * 1200 - 5), "{span:?}");
        assert!(span <= Duration::from_millis(179 * 1200 + 500), "{span:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_budget() {
        let limiter = Arc::new(RateLimiter::new(nz(60)));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let l = limiter.clone();
            tasks.push(tokio::spawn(async move { grant_times(&l, 40).await }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all.sort();
        assert_eq!(max_in_any_window(&all, Duration::from_secs(60)), 60);
    }

    #[tokio::test(start_paused = true)]
    async fn lowers_its_pace_to_clio_limit_but_never_above_the_ceiling() {
        let limiter = RateLimiter::new(nz(600));
        limiter.observe(
            RateLimitHeaders {
                limit: Some(30),
                remaining: Some(29),
                reset: Some(1_000),
            },
            990,
        );
        assert_eq!(limiter.status().effective_per_minute, 30);
        let times = grant_times(&limiter, 61).await;
        assert_eq!(max_in_any_window(&times, Duration::from_secs(60)), 30);
        limiter.observe(
            RateLimitHeaders {
                limit: Some(5_000),
                remaining: Some(4_000),
                reset: Some(1_000),
            },
            990,
        );
        assert_eq!(limiter.status().effective_per_minute, 600);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_at_zero_remaining_until_the_window_resets() {
        let limiter = RateLimiter::new(nz(600));
        limiter.acquire().await;
        let before = Instant::now();
        limiter.observe(
            RateLimitHeaders {
                limit: Some(600),
                remaining: Some(0),
                reset: Some(10_042),
            },
            10_000,
        );
        assert!(limiter.status().paused_for_ms > 41_000);
        let waited = limiter.acquire().await;
        assert!(Instant::now() - before >= Duration::from_secs(42));
        assert!(waited >= Duration::from_secs(41));
    }

    #[tokio::test(start_paused = true)]
    async fn an_interactive_caller_waits_at_most_one_slot_behind_a_busy_job() {
        let limiter = Arc::new(RateLimiter::new(nz(60)));
        // Four workers of a job, all waiting for slots at once.
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let l = limiter.clone();
                tokio::spawn(async move {
                    let mut grants = Vec::new();
                    for _ in 0..10 {
                        l.acquire_as(Priority::Background).await;
                        grants.push(Instant::now());
                    }
                    grants
                })
            })
            .collect();
        // Let the job settle into its pace, then ask as a person would.
        tokio::time::sleep(Duration::from_millis(5_500)).await;
        // From a task of its own, as a tool call is (the test's own task would be polled first).
        let asked = Instant::now();
        let person = {
            let l = limiter.clone();
            tokio::spawn(async move {
                l.acquire_as(Priority::Interactive).await;
                Instant::now()
            })
        };
        let waited = person.await.unwrap() - asked;
        assert!(
            waited <= Duration::from_millis(1_000),
            "waited {waited:?} behind the job"
        );
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.await.unwrap());
        }
        // The job keeps its pace otherwise, and the two never exceed the budget together.
        assert_eq!(all.len(), 40);
        all.push(asked + waited);
        all.sort();
        assert!(max_in_any_window(&all, Duration::from_secs(60)) <= 60);
    }

    #[tokio::test(start_paused = true)]
    async fn a_background_caller_alone_keeps_the_full_pace() {
        let limiter = RateLimiter::new(nz(120));
        let start = Instant::now();
        for _ in 0..61 {
            limiter.acquire_as(Priority::Background).await;
        }
        let span = Instant::now() - start;
        assert!(span <= Duration::from_millis(30_500), "{span:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_shorter_pause_never_cuts_a_longer_one() {
        let limiter = RateLimiter::new(nz(600));
        let before = Instant::now();
        limiter.pause(Duration::from_secs(30));
        limiter.pause(Duration::from_secs(2));
        limiter.acquire().await;
        assert!(Instant::now() - before >= Duration::from_secs(30));
    }
}
