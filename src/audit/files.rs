//! Naming, listing and line-by-line reading of the numbered audit files.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::error::AuditError;

const PREFIX: &str = "audit-";
const SUFFIX: &str = ".jsonl";

/// One numbered file of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub number: u64,
    pub path: PathBuf,
}

impl Segment {
    pub(crate) fn name(&self) -> String {
        file_name(self.number)
    }
}

/// `audit-000042.jsonl`; six digits sort correctly for the first million files, and the
/// numeric sort in [`list_segments`] keeps working beyond that.
pub(crate) fn file_name(number: u64) -> String {
    format!("{PREFIX}{number:06}{SUFFIX}")
}

/// The log's files in order. A missing directory is an empty log.
pub(crate) fn list_segments(dir: &Path) -> Result<Vec<Segment>, AuditError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(AuditError::io("list the audit directory", dir)(e)),
    };
    let mut segments = Vec::new();
    for entry in entries {
        let entry = entry.map_err(AuditError::io("list the audit directory", dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let number = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.strip_suffix(SUFFIX))
            .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse::<u64>().ok());
        if let Some(number) = number {
            segments.push(Segment {
                number,
                path: entry.path(),
            });
        }
    }
    segments.sort_by_key(|s| s.number);
    Ok(segments)
}

/// One raw line of a file: its 1-based line number, text, and whether it ended in `\n`.
#[derive(Debug)]
pub(crate) struct RawLine {
    pub number: u64,
    pub text: Result<String, std::string::FromUtf8Error>,
    pub complete: bool,
}

/// Iterates over the raw lines of a file, keeping an unterminated last line visible.
pub(crate) struct Lines {
    reader: BufReader<File>,
    path: PathBuf,
    number: u64,
}

impl Lines {
    pub(crate) fn open(path: &Path) -> Result<Self, AuditError> {
        let file = File::open(path).map_err(AuditError::io("open", path))?;
        Ok(Lines {
            reader: BufReader::new(file),
            path: path.to_owned(),
            number: 0,
        })
    }
}

impl Iterator for Lines {
    type Item = Result<RawLine, AuditError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut buf = Vec::new();
        match self.reader.read_until(b'\n', &mut buf) {
            Ok(0) => None,
            Ok(_) => {
                self.number += 1;
                let complete = buf.last() == Some(&b'\n');
                if complete {
                    buf.pop();
                }
                Some(Ok(RawLine {
                    number: self.number,
                    text: String::from_utf8(buf),
                    complete,
                }))
            }
            Err(e) => Some(Err(AuditError::io("read", self.path.clone())(e))),
        }
    }
}

/// The last line of a file (without its newline) and whether it was newline-terminated;
/// `None` for an empty file. Reads backwards in chunks so the cost of an append does not
/// grow with the file.
pub(crate) fn last_line(path: &Path) -> Result<Option<(Vec<u8>, bool)>, AuditError> {
    const CHUNK: u64 = 64 * 1024;
    let mut file = File::open(path).map_err(AuditError::io("open", path))?;
    let len = file
        .metadata()
        .map_err(AuditError::io("inspect", path))?
        .len();
    if len == 0 {
        return Ok(None);
    }
    let mut tail: Vec<u8> = Vec::new();
    let mut start = len;
    let line_start = loop {
        let from = start.saturating_sub(CHUNK);
        let mut chunk = vec![0u8; usize::try_from(start - from).unwrap_or(0)];
        file.seek(SeekFrom::Start(from))
            .and_then(|_| file.read_exact(&mut chunk))
            .map_err(AuditError::io("read", path))?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        start = from;
        // Skip the file's final newline: it ends the last line rather than starting one.
        let search_end = if start + (tail.len() as u64) == len && tail.last() == Some(&b'\n') {
            tail.len() - 1
        } else {
            tail.len()
        };
        if let Some(pos) = tail[..search_end].iter().rposition(|&b| b == b'\n') {
            break pos + 1;
        }
        if start == 0 {
            break 0;
        }
    };
    let complete = tail.last() == Some(&b'\n');
    let mut line = tail.split_off(line_start);
    if complete {
        line.pop();
    }
    Ok(Some((line, complete)))
}

/// The number of the last line of a file; only error messages need it, so it is counted
/// only when something is wrong.
pub(crate) fn last_line_number(path: &Path) -> Result<u64, AuditError> {
    let mut count = 0;
    for line in Lines::open(path)? {
        count = line?.number;
    }
    Ok(count)
}
