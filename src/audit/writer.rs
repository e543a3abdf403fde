//! Appending entries: locking, chaining to the on-disk tail, rotation and fsync.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{SubsecRound, Utc};

use super::entry::{AuditEntry, AuditEvent, GENESIS_HASH, body_hash, split_line};
use super::error::AuditError;
use super::files::{Segment, file_name, last_line, last_line_number, list_segments};
use super::head::HeadStore;
use super::recover::torn_tail;
use super::redact::Redactor;
use crate::files::{private_dir, private_options};

/// Default size at which a new audit file is started: 10 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Who is writing, which secrets to keep out, and how large files may grow.
#[derive(Clone)]
pub struct AuditOptions {
    /// The Clio user (from `who_am_i`) recorded on every entry.
    pub user: String,
    /// This server or CLI session, recorded on every entry.
    pub session_id: String,
    /// Strings (API tokens, client secrets) replaced by `[redacted]` wherever they occur.
    pub secrets: Vec<String>,
    /// A new file is started when an entry would push the current one past this size.
    pub max_file_bytes: u64,
    /// The state database where the head (newest seq and hash) is kept after each append.
    pub head_db: Option<PathBuf>,
}

impl AuditOptions {
    pub fn new(user: impl Into<String>, session_id: impl Into<String>) -> Self {
        AuditOptions {
            user: user.into(),
            session_id: session_id.into(),
            secrets: Vec::new(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            head_db: None,
        }
    }

    /// Keeps the head in the state database at `path` after each append, so `audit verify`
    /// can tell a log that was cut short.
    pub fn head_db(mut self, path: impl Into<PathBuf>) -> Self {
        self.head_db = Some(path.into());
        self
    }

    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    pub fn max_file_bytes(mut self, max: u64) -> Self {
        self.max_file_bytes = max;
        self
    }
}

impl std::fmt::Debug for AuditOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditOptions")
            .field("user", &self.user)
            .field("session_id", &self.session_id)
            .field("secrets", &format_args!("[{} hidden]", self.secrets.len()))
            .field("max_file_bytes", &self.max_file_bytes)
            .field("head_db", &self.head_db)
            .finish()
    }
}

/// A handle for appending to the audit log in one directory. `Send + Sync`; share it
/// behind an `Arc`. Other handles and other processes may append to the same directory.
#[derive(Debug)]
pub struct AuditLog {
    dir: PathBuf,
    user: String,
    session_id: String,
    redactor: Redactor,
    max_file_bytes: u64,
    lock_path: PathBuf,
    lock_file: File,
    head: Option<HeadStore>,
    /// `flock` does not exclude threads sharing one descriptor, so threads of this handle
    /// are serialised here and processes (and other handles) by the file lock.
    in_process: Mutex<()>,
}

/// Where the next entry goes and what it chains to.
struct Tail {
    next_seq: u64,
    prev_hash: String,
    last: Option<(Segment, u64)>,
}

/// Releases the advisory lock even on early returns.
struct Locked<'a>(&'a File);

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.0.unlock() {
            tracing::warn!(error = %e, "could not release the audit lock");
        }
    }
}

impl AuditLog {
    /// Opens (creating if needed) the audit log in `dir`, normally `<home>/audit`.
    pub fn open(dir: &Path, options: AuditOptions) -> Result<AuditLog, AuditError> {
        private_dir(dir).map_err(AuditError::io("create the audit directory", dir))?;
        let lock_path = dir.join(".lock");
        let lock_file = private_options()
            .write(true)
            .open(&lock_path)
            .map_err(AuditError::io("create the lock file", &lock_path))?;
        let redactor = Redactor::new(options.secrets);
        let head = match &options.head_db {
            Some(path) => Some(HeadStore::open(path)?),
            None => None,
        };
        let log = AuditLog {
            dir: dir.to_owned(),
            user: redactor.scrub(&options.user),
            session_id: redactor.scrub(&options.session_id),
            redactor,
            max_file_bytes: options.max_file_bytes,
            lock_path,
            lock_file,
            head,
            in_process: Mutex::new(()),
        };
        // A crash in the middle of an append must not block the log: recover now.
        log.locked(|log| log.recover())?;
        Ok(log)
    }

    /// Runs `f` with this handle's threads and every other process kept out.
    fn locked<T>(&self, f: impl FnOnce(&Self) -> Result<T, AuditError>) -> Result<T, AuditError> {
        let _threads = self.in_process.lock().unwrap_or_else(|p| p.into_inner());
        self.lock_file
            .lock()
            .map_err(AuditError::io("lock", &self.lock_path))?;
        let _locked = Locked(&self.lock_file);
        f(self)
    }

    /// Moves a torn last line aside and records it; nothing when the log ends cleanly.
    fn recover(&self) -> Result<(), AuditError> {
        if let Some(event) = torn_tail(&self.dir)? {
            self.write_locked(event)?;
        }
        Ok(())
    }

    /// The directory this log writes to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends one event and returns the stored entry. The entry is on stable storage
    /// (fsynced) when this returns, so a write intent may be followed by the PATCH.
    pub fn append(&self, mut event: AuditEvent) -> Result<AuditEntry, AuditError> {
        self.redactor.scrub_event(&mut event);
        self.locked(|log| {
            // Another process may have crashed in the middle of its append since.
            log.recover()?;
            log.write_locked(event)
        })
    }

    /// Appends several events as one batch: all are on stable storage (fsynced once) when this
    /// returns, in order, with consecutive sequence numbers.
    pub fn append_all(&self, events: Vec<AuditEvent>) -> Result<Vec<AuditEntry>, AuditError> {
        let events: Vec<AuditEvent> = events
            .into_iter()
            .map(|mut e| {
                self.redactor.scrub_event(&mut e);
                e
            })
            .collect();
        self.locked(|log| {
            log.recover()?;
            log.write_all_locked(events)
        })
    }

    /// Chains `event` to the entry on disk, writes it, fsyncs it and records the head.
    fn write_locked(&self, event: AuditEvent) -> Result<AuditEntry, AuditError> {
        let mut written = self.write_all_locked(vec![event])?;
        written.pop().ok_or(AuditError::SequenceOverflow)
    }

    /// Chains each event to the entry before it, writes them, then fsyncs every file written
    /// (and the folder, for a new file) once, and records the head: one sync for a batch.
    fn write_all_locked(&self, events: Vec<AuditEvent>) -> Result<Vec<AuditEntry>, AuditError> {
        let mut entries = Vec::with_capacity(events.len());
        let mut touched: Vec<(PathBuf, File, bool)> = Vec::new();
        for event in events {
            // Another process may have appended since our last call: always chain to the disk
            // (what this batch wrote is already readable there, synced or not).
            let tail = read_tail(&self.dir)?;
            let ts = Utc::now().trunc_subsecs(6);
            let mut entry = AuditEntry::from_event(
                event,
                tail.next_seq,
                ts,
                self.user.clone(),
                self.session_id.clone(),
                tail.prev_hash,
            );
            let mut line = entry.seal()?;
            line.push('\n');
            let number = match &tail.last {
                Some((segment, size))
                    if *size == 0
                        || size.saturating_add(line.len() as u64) <= self.max_file_bytes =>
                {
                    segment.number
                }
                Some((segment, _)) => segment.number + 1,
                None => 1,
            };
            let path = self.dir.join(file_name(number));
            let is_new = tail.last.as_ref().is_none_or(|(s, _)| s.number != number);
            let mut file = private_options()
                .append(true)
                .open(&path)
                .map_err(AuditError::io("open for appending", &path))?;
            file.write_all(line.as_bytes())
                .map_err(AuditError::io("append to", &path))?;
            match touched.iter_mut().find(|(p, _, _)| *p == path) {
                Some(t) => t.2 |= is_new,
                None => touched.push((path, file, is_new)),
            }
            tracing::debug!(seq = entry.seq, action = %entry.action, "audit entry written");
            entries.push(entry);
        }
        for (path, file, is_new) in &touched {
            file.sync_all().map_err(AuditError::io("fsync", path))?;
            if *is_new {
                // The new file's directory entry must be durable too, or a crash could lose it.
                File::open(&self.dir)
                    .and_then(|d| d.sync_all())
                    .map_err(AuditError::io("fsync the audit directory", &self.dir))?;
            }
        }
        if let (Some(head), Some(last)) = (&self.head, entries.last()) {
            head.record(last.seq, &last.hash)?;
        }
        Ok(entries)
    }
}

fn read_tail(dir: &Path) -> Result<Tail, AuditError> {
    let segments = list_segments(dir)?;
    let last = match segments.last() {
        Some(segment) => {
            let size = std::fs::metadata(&segment.path)
                .map_err(AuditError::io("inspect", &segment.path))?
                .len();
            Some((segment.clone(), size))
        }
        None => None,
    };
    // An empty newest file (a crash right after creating it) chains to the file before.
    for segment in segments.iter().rev() {
        let Some((bytes, complete)) = last_line(&segment.path)? else {
            continue;
        };
        let damaged = |reason: &str| -> AuditError {
            AuditError::DamagedTail {
                path: segment.path.clone(),
                line: last_line_number(&segment.path).unwrap_or(0),
                reason: reason.to_owned(),
            }
        };
        if !complete {
            return Err(damaged(
                "it does not end with a newline; a write was cut off",
            ));
        }
        let text = String::from_utf8(bytes).map_err(|_| damaged("it is not valid UTF-8"))?;
        let (body, stored_hash) = split_line(&text).ok_or_else(|| damaged("it has no hash"))?;
        if body_hash(body) != stored_hash {
            return Err(damaged("its content does not match its hash"));
        }
        let entry: AuditEntry = serde_json::from_str(&text)
            .map_err(|e| damaged(&format!("it is not a valid entry: {e}")))?;
        let next_seq = entry
            .seq
            .checked_add(1)
            .ok_or(AuditError::SequenceOverflow)?;
        return Ok(Tail {
            next_seq,
            prev_hash: entry.hash,
            last,
        });
    }
    Ok(Tail {
        next_seq: 1,
        prev_hash: GENESIS_HASH.to_owned(),
        last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn audit_log_is_send_and_sync() {
        assert_send_sync::<AuditLog>();
    }

    #[test]
    fn options_debug_hides_secrets() {
        let options = AuditOptions::new("u", "s").secret("super-secret-token");
        assert!(!format!("{options:?}").contains("super-secret-token"));
    }
}
