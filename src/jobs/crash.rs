//! Fault injection for the kill tests: with `CLIO_MCP_CRASH_AT=<point>:<n>` this process kills
//! itself (SIGKILL) the n-th time a job reaches `<point>`, so a test can stop it at the exact
//! instants that matter: after a page is read, after values are marked sent, after their
//! intents are fsynced, after Clio answered, after the outcome is recorded. Unset, it costs a
//! check of a flag.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable that arms it.
pub const CRASH_ENV: &str = "CLIO_MCP_CRASH_AT";

/// The points a job passes, in order, for each change set.
pub const POINTS: [&str; 5] = [
    "after-read",
    "after-mark",
    "after-intent",
    "after-patch",
    "after-outcome",
];

fn armed() -> Option<&'static (String, u64)> {
    static ARMED: OnceLock<Option<(String, u64)>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let value = std::env::var(CRASH_ENV).ok()?;
            let (point, n) = value.trim().rsplit_once(':')?;
            let n: u64 = n.parse().ok()?;
            POINTS
                .contains(&point)
                .then(|| (point.to_string(), n.max(1)))
        })
        .as_ref()
}

/// Marks that a job reached `point`; dies there when armed for it.
pub(crate) fn at(point: &str) {
    static HITS: AtomicU64 = AtomicU64::new(0);
    let Some((armed, n)) = armed() else {
        return;
    };
    if armed == point && HITS.fetch_add(1, Ordering::SeqCst) + 1 == *n {
        tracing::warn!(point, "{CRASH_ENV}: killing this process as asked");
        // SIGKILL, as `kill -9` would: no destructor runs, no buffer is flushed.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &std::process::id().to_string()])
            .status();
        std::process::abort();
    }
}
