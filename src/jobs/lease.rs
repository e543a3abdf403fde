//! Who this process is, as a lease holder, and whether another holder is still alive: one
//! that has not beaten for 15 s, or whose process is gone from this machine, is taken over.

use std::time::Duration;

/// How often a running job says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// A holder silent this long has stopped (its process died, or its machine sleeps).
pub const STALE_AFTER: Duration = Duration::from_secs(15);

/// This process as it signs a lease: `pid 4242 on host (started 123456)`. The start time
/// tells a reused process id from the holder.
pub fn me() -> String {
    let pid = std::process::id();
    let host = hostname();
    match process_start(pid) {
        Some(start) => format!("pid {pid} on {host} (started {start})"),
        None => format!("pid {pid} on {host}"),
    }
}

/// Whether the lease of `holder`, last beaten at `heartbeat` (RFC 3339), can be taken over.
pub fn is_stale(holder: &str, heartbeat: Option<&str>) -> bool {
    let silent = heartbeat
        .and_then(|b| chrono::DateTime::parse_from_rfc3339(b).ok())
        .is_none_or(|b| {
            chrono::Utc::now()
                .signed_duration_since(b)
                .to_std()
                .is_ok_and(|d| d > STALE_AFTER)
        });
    silent || is_dead_here(holder)
}

/// True when `holder` names a process of this machine that no longer runs (Linux: /proc).
fn is_dead_here(holder: &str) -> bool {
    let Some((pid, host, start)) = parse(holder) else {
        return false;
    };
    if host != hostname() || !std::path::Path::new("/proc/self").exists() {
        return false;
    }
    match process_start(pid) {
        None => true,
        // The id was reused by a newer process: the holder is gone.
        Some(now) => start.is_some_and(|s| s != now),
    }
}

fn parse(holder: &str) -> Option<(u32, String, Option<u64>)> {
    let rest = holder.strip_prefix("pid ")?;
    let (pid, rest) = rest.split_once(" on ")?;
    let pid = pid.parse().ok()?;
    match rest.split_once(" (started ") {
        Some((host, start)) => Some((
            pid,
            host.to_string(),
            start.strip_suffix(')').and_then(|s| s.parse().ok()),
        )),
        None => Some((pid, rest.to_string(), None)),
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this machine".to_string())
}

/// The process's start time in clock ticks since boot (field 22 of /proc/PID/stat).
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count after the last ')'.
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_beat_of_a_live_process_is_not_stale() {
        let now = chrono::Utc::now().to_rfc3339();
        assert!(!is_stale(&me(), Some(&now)));
        assert!(is_stale(&me(), None));
        let old = (chrono::Utc::now() - chrono::TimeDelta::seconds(16)).to_rfc3339();
        assert!(is_stale(&me(), Some(&old)));
    }

    #[test]
    fn a_dead_process_on_this_machine_is_stale_at_once() {
        if !std::path::Path::new("/proc/self").exists() {
            return;
        }
        let now = chrono::Utc::now().to_rfc3339();
        // Process ids are below 2^22 on Linux: this one does not run.
        let ghost = format!("pid 4194304 on {}", hostname());
        assert!(is_stale(&ghost, Some(&now)));
        // Another machine's holder is judged by its heartbeat alone.
        assert!(!is_stale("pid 4194304 on elsewhere.example", Some(&now)));
        // Our own id with another start time: the id was reused.
        let reused = format!("pid {} on {} (started 1)", std::process::id(), hostname());
        assert!(is_stale(&reused, Some(&now)));
    }
}
