//! The persisted account: a state folder holding `account.json` (which seed it grew from),
//! `journal.jsonl` (one fsynced line per change, replayed on start) and `documents/<id>`.
//!
//! Several processes may share one folder: every change is made under an exclusive lock on
//! the journal, after taking in the lines others appended, and reads take in new lines first.
//! A last line without its newline was cut off by a killed process, never answered: it is
//! ignored, and cut away by the next writer.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::files::{private_dir, private_options, write_atomic};
use crate::sandbox::delta::Delta;
use crate::sandbox::store::Store;

const ACCOUNT: &str = "account.json";
const JOURNAL: &str = "journal.jsonl";
const DOCUMENTS: &str = "documents";
const FORMAT: u32 = 1;

/// What `account.json` records: the seed the journal's changes apply on top of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Account {
    format: u32,
    matters: u32,
    seed: u64,
    /// SHA-256 of the seeded records, so a changed seed generator is noticed.
    seed_digest: String,
}

/// Why a change could not be made.
#[derive(Debug)]
pub enum Refusal<E> {
    /// The change itself was refused (e.g. a 422); nothing was written.
    Refused(E),
    /// The disk failed; nothing was applied.
    Failed(io::Error),
}

/// An open state folder, positioned after the last line taken into the store.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    file: File,
    /// Bytes of the journal already applied; always just after a newline.
    offset: u64,
    /// Complete lines applied so far, for messages.
    lines: u64,
}

fn damaged(dir: &Path, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "the sandbox account in {} is damaged ({what}): run `clio-mcp sandbox reset` to start it afresh",
            dir.display()
        ),
    )
}

/// A digest of the seeded account, before any change.
fn digest(store: &Store) -> String {
    let mut h = Sha256::new();
    for v in store.values.values() {
        h.update(format!("{}:{}:{}:{};", v.number, v.matter_id, v.def_id, v.value).as_bytes());
    }
    for m in store.matters.values() {
        h.update(format!("{}:{}:{};", m.id, m.status, m.description).as_bytes());
    }
    h.update(format!(
        "{}:{}:{}",
        store.next_value, store.next_document, store.next_webhook
    ));
    hex::encode(&h.finalize()[..16])
}

impl Journal {
    /// Opens (or creates) the account in `dir` on top of `store`, freshly seeded with
    /// `matters` and `seed`, and replays every complete line into it.
    pub fn open(dir: &Path, matters: u32, seed: u64, store: &mut Store) -> io::Result<Journal> {
        private_dir(dir)?;
        private_dir(&dir.join(DOCUMENTS))?;
        let file = private_options()
            .read(true)
            .append(true)
            .open(dir.join(JOURNAL))?;
        let mut journal = Journal {
            dir: dir.to_path_buf(),
            file,
            offset: 0,
            lines: 0,
        };
        journal.file.lock()?;
        let opened = journal.check_account(matters, seed, store).and_then(|()| {
            journal.take_in(store, true)?;
            Ok(())
        });
        journal.file.unlock()?;
        opened?;
        Ok(journal)
    }

    fn check_account(&self, matters: u32, seed: u64, store: &Store) -> io::Result<()> {
        let wanted = Account {
            format: FORMAT,
            matters,
            seed,
            seed_digest: digest(store),
        };
        let path = self.dir.join(ACCOUNT);
        let found: Account = match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| damaged(&self.dir, e))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if self.file.metadata()?.len() > 0 {
                    return Err(damaged(&self.dir, "a journal without its account.json"));
                }
                write_atomic(&path, |w| {
                    serde_json::to_writer_pretty(&mut *w, &wanted)?;
                    w.write_all(b"\n")
                })?;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        if (found.matters, found.seed) != (matters, seed) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the sandbox account in {} was made with {} matters and seed {}, not {} matters and seed {}: \
                     run `clio-mcp sandbox reset` to start it afresh with the new ones",
                    self.dir.display(),
                    found.matters,
                    found.seed,
                    matters,
                    seed
                ),
            ));
        }
        if found != wanted {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the sandbox account in {} grew from other seed data (the seed generator changed since): \
                     run `clio-mcp sandbox reset` to start it afresh",
                    self.dir.display()
                ),
            ));
        }
        Ok(())
    }

    /// Takes in the lines other processes appended since the last look.
    pub fn sync(&mut self, store: &mut Store) -> io::Result<()> {
        if self.file.metadata()?.len() == self.offset {
            return Ok(());
        }
        self.file.lock_shared()?;
        let result = self.take_in(store, false);
        self.file.unlock()?;
        result
    }

    /// Makes one change: under the exclusive lock, takes in what others wrote, builds the
    /// change on that, writes it (document bytes first, then the line, fsynced), applies it.
    pub fn write<E>(
        &mut self,
        store: &mut Store,
        build: impl FnOnce(&Store) -> Result<Delta, E>,
    ) -> Result<(), Refusal<E>> {
        self.file.lock().map_err(Refusal::Failed)?;
        let result = self.write_locked(store, build);
        let unlocked = self.file.unlock();
        result?;
        unlocked.map_err(Refusal::Failed)
    }

    fn write_locked<E>(
        &mut self,
        store: &mut Store,
        build: impl FnOnce(&Store) -> Result<Delta, E>,
    ) -> Result<(), Refusal<E>> {
        self.take_in(store, true).map_err(Refusal::Failed)?;
        let delta = build(store).map_err(Refusal::Refused)?;
        for (id, bytes) in &delta.uploads {
            let path = self.dir.join(DOCUMENTS).join(id.to_string());
            write_atomic(&path, |w| w.write_all(bytes)).map_err(Refusal::Failed)?;
        }
        let mut line =
            serde_json::to_vec(&delta).map_err(|e| Refusal::Failed(io::Error::other(e)))?;
        line.push(b'\n');
        let appended = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = appended {
            // Leave no line that was never answered; the next writer would cut it anyway.
            let _ = self.file.set_len(self.offset);
            return Err(Refusal::Failed(e));
        }
        self.offset += line.len() as u64;
        self.lines += 1;
        store
            .apply(delta)
            .map_err(|e| Refusal::Failed(damaged(&self.dir, e)))
    }

    /// Applies every complete line after `offset`. With the exclusive lock held (`cut`), a
    /// last line without its newline is cut away: its writer died before answering.
    fn take_in(&mut self, store: &mut Store, cut: bool) -> io::Result<()> {
        let len = self.file.metadata()?.len();
        if len < self.offset {
            return Err(damaged(&self.dir, "the journal shrank while in use"));
        }
        if len == self.offset {
            return Ok(());
        }
        self.file.seek(SeekFrom::Start(self.offset))?;
        let mut buf = Vec::with_capacity((len - self.offset) as usize);
        (&self.file).take(len - self.offset).read_to_end(&mut buf)?;
        let complete = complete_part(&buf);
        for line in buf[..complete].split(|b| *b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.lines += 1;
            let mut delta: Delta = serde_json::from_slice(line)
                .map_err(|e| damaged(&self.dir, format!("line {}: {e}", self.lines)))?;
            self.load_uploads(&mut delta, store)?;
            store
                .apply(delta)
                .map_err(|e| damaged(&self.dir, format!("line {}: {e}", self.lines)))?;
        }
        self.offset += complete as u64;
        if cut && complete < buf.len() {
            tracing::warn!(
                bytes = buf.len() - complete,
                "the sandbox journal ended in a torn line (a killed process); cutting it away"
            );
            self.file.set_len(self.offset)?;
            self.file.sync_data()?;
        }
        Ok(())
    }

    /// Reads the bytes of documents the line says were uploaded and the store lacks.
    fn load_uploads(&self, delta: &mut Delta, store: &Store) -> io::Result<()> {
        for doc in &delta.documents {
            let held = store
                .documents
                .get(&doc.id)
                .and_then(|d| d.bytes.as_ref())
                .map(|b| b.len() as u64);
            if doc.size.is_some() && held != doc.size {
                let path = self.dir.join(DOCUMENTS).join(doc.id.to_string());
                let bytes = fs::read(&path)
                    .map_err(|e| damaged(&self.dir, format!("document {}: {e}", doc.id)))?;
                delta.uploads.insert(doc.id, bytes);
            }
        }
        Ok(())
    }
}

/// The length of `buf` up to and including its last newline.
fn complete_part(buf: &[u8]) -> usize {
    buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1)
}

/// Deletes the account persisted in `dir` (its files only); `true` when there was one.
pub fn reset(dir: &Path) -> io::Result<bool> {
    let mut found = false;
    let journal = dir.join(JOURNAL);
    // Wait for a writer in another process to finish its line.
    let held = File::open(&journal).ok();
    if let Some(f) = &held {
        f.lock()?;
    }
    for name in [ACCOUNT, JOURNAL] {
        match fs::remove_file(dir.join(name)) {
            Ok(()) => found = true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    drop(held);
    match fs::remove_dir_all(dir.join(DOCUMENTS)) {
        Ok(()) => found = true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    // The folder itself goes when nothing else lives there.
    let _ = fs::remove_dir(dir);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lines_ending_in_a_newline_are_complete() {
        assert_eq!(complete_part(b""), 0);
        assert_eq!(complete_part(b"{\"a\""), 0);
        assert_eq!(complete_part(b"{}\n"), 3);
        assert_eq!(complete_part(b"{}\n{}\n{\"mat"), 6);
    }
}
