//! Which local files an upload may read: only regular files under folders the user allowed.
//!
//! The safe default is none: `--allow-dir DIR` (repeatable) or `CLIO_MCP_UPLOAD_DIRS`
//! (colon-separated) allow folders. A path is canonicalised before the check, so `..` and
//! symlinks cannot lead out of an allowed folder; hidden files and folders (`.ssh`, `.aws`),
//! clio-mcp's own state folder (its credentials and audit log), hard-linked files, devices,
//! FIFOs, sockets and directories are refused. The file is opened once (without following a
//! symlink, without blocking on a FIFO) and the opened handle is checked, so what is read is
//! what was checked.

mod open;

use std::fs::File;
use std::path::{Component, Path, PathBuf};

use open::{check_kind, open_no_follow, real_path, same_file};

/// The environment variable naming allowed folders, colon-separated.
pub const UPLOAD_DIRS_ENV: &str = "CLIO_MCP_UPLOAD_DIRS";

const HOW_TO_ALLOW: &str =
    "allow its folder with `--allow-dir DIR` (repeatable) or CLIO_MCP_UPLOAD_DIRS=DIR1:DIR2";

/// Why a file may not be uploaded. Every message names the path and what to do.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("no folder is allowed for uploads, so {path} may not be read; {HOW_TO_ALLOW}")]
    NoneAllowed { path: String },
    #[error(
        "{path} is outside the folders allowed for uploads ({allowed}); move it into one, or {HOW_TO_ALLOW}"
    )]
    Outside { path: String, allowed: String },
    #[error(
        "{path} is hidden (a name starting with '.', such as .ssh): hidden files are never uploaded, even under an allowed folder (`--allow-dir`)"
    )]
    Hidden { path: String },
    #[error(
        "{path} is clio-mcp's own state (credentials, audit log): it is never uploaded, whatever `--allow-dir` allows"
    )]
    Private { path: String },
    #[error(
        "{path} is {kind}, not a regular file: only regular files under an allowed folder (`--allow-dir`) are uploaded"
    )]
    NotRegular { path: String, kind: &'static str },
    #[error(
        "{path} has {links} hard links: one may lie outside the allowed folders, so it is refused; copy the file into a folder allowed with `--allow-dir`"
    )]
    HardLinked { path: String, links: u64 },
    #[error(
        "{path} cannot be read ({reason}); give an existing file under a folder allowed with `--allow-dir`"
    )]
    Unreadable { path: String, reason: String },
    #[error("{path} changed while it was being checked; try again")]
    Changed { path: String },
    #[error(
        "allowed upload folder {path} cannot be used ({reason}); give an existing folder to `--allow-dir`"
    )]
    BadFolder { path: String, reason: String },
}

/// The folders uploads may read from, and the folders they never may.
#[derive(Debug, Clone, Default)]
pub struct UploadDirs {
    allowed: Vec<PathBuf>,
    denied: Vec<PathBuf>,
}

/// A file that passed the guard: the open handle, its canonical path and its length.
#[derive(Debug)]
pub struct GuardedFile {
    pub file: File,
    pub path: PathBuf,
    pub len: u64,
}

impl UploadDirs {
    /// The folders given on the command line plus those in `env_value` (`CLIO_MCP_UPLOAD_DIRS`),
    /// each canonicalised; a folder that does not exist is an error.
    pub fn new(dirs: &[PathBuf], env_value: Option<&str>) -> Result<UploadDirs, GuardError> {
        let from_env = env_value
            .unwrap_or("")
            .split(':')
            .filter(|s| !s.trim().is_empty())
            .map(|s| PathBuf::from(s.trim()));
        let mut allowed = Vec::new();
        for dir in dirs.iter().cloned().chain(from_env) {
            let dir = expand_home(&dir);
            let canonical = std::fs::canonicalize(&dir).map_err(|e| GuardError::BadFolder {
                path: show(&dir),
                reason: e.to_string(),
            })?;
            if !canonical.is_dir() {
                return Err(GuardError::BadFolder {
                    path: show(&dir),
                    reason: "not a folder".to_string(),
                });
            }
            let home = dirs::home_dir().and_then(|h| std::fs::canonicalize(h).ok());
            if canonical.parent().is_none() || home.as_ref() == Some(&canonical) {
                return Err(GuardError::BadFolder {
                    path: show(&dir),
                    reason: "the root folder or your home folder itself would open every file \
                             in it; allow only the folder the documents are in"
                        .to_string(),
                });
            }
            allowed.push(canonical);
        }
        Ok(UploadDirs {
            allowed,
            denied: Vec::new(),
        })
    }

    /// As [`UploadDirs::new`] with the process's `CLIO_MCP_UPLOAD_DIRS`.
    pub fn from_env(dirs: &[PathBuf]) -> Result<UploadDirs, GuardError> {
        let env = std::env::var(UPLOAD_DIRS_ENV).ok();
        UploadDirs::new(dirs, env.as_deref())
    }

    /// Never reads anything under `dir` (clio-mcp's state folder), even inside an allowed one.
    pub fn deny(mut self, dir: &Path) -> UploadDirs {
        let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !self.denied.contains(&canonical) {
            self.denied.push(canonical);
        }
        self
    }

    /// The allowed folders, canonical.
    pub fn allowed(&self) -> &[PathBuf] {
        &self.allowed
    }

    /// Checks `path` and opens it: the handle to read, checked again after opening.
    pub fn open(&self, path: &Path) -> Result<GuardedFile, GuardError> {
        let shown = show(path);
        if self.allowed.is_empty() {
            return Err(GuardError::NoneAllowed { path: shown });
        }
        let expanded = expand_home(path);
        let canonical = match std::fs::canonicalize(&expanded) {
            Ok(c) => c,
            Err(e) => {
                // Say "outside" rather than "missing" for a path that would be outside anyway:
                // the guard is no oracle of what exists elsewhere.
                let lexical = std::path::absolute(&expanded).unwrap_or(expanded.clone());
                return Err(if self.inside(&normalize(&lexical)).is_none() {
                    self.outside(shown)
                } else {
                    unreadable(&shown, &e)
                });
            }
        };
        self.check_place(&canonical, &shown)?;
        let before = std::fs::symlink_metadata(&canonical).map_err(|e| unreadable(&shown, &e))?;
        check_kind(&before, &shown)?;
        let file = open_no_follow(&canonical).map_err(|e| unreadable(&shown, &e))?;
        let opened = file.metadata().map_err(|e| unreadable(&shown, &e))?;
        check_kind(&opened, &shown)?;
        if !same_file(&before, &opened) {
            return Err(GuardError::Changed { path: shown });
        }
        let path = self.check_opened(&file, &opened, &canonical, &shown)?;
        Ok(GuardedFile {
            file,
            path,
            len: opened.len(),
        })
    }

    /// Whether a canonical path is one uploads may read: inside an allowed folder, not in
    /// clio-mcp's state, nothing hidden below the allowed folder.
    fn check_place(&self, canonical: &Path, shown: &str) -> Result<(), GuardError> {
        let Some(root) = self.inside(canonical) else {
            return Err(self.outside(shown.to_string()));
        };
        if self.denied.iter().any(|d| canonical.starts_with(d)) {
            return Err(GuardError::Private {
                path: shown.to_string(),
            });
        }
        let below = canonical.strip_prefix(root).unwrap_or(canonical);
        if below
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        {
            return Err(GuardError::Hidden {
                path: shown.to_string(),
            });
        }
        Ok(())
    }

    /// The check after opening: where the open handle really is (a folder on the way may
    /// have been swapped for a symlink since the check) must pass [`Self::check_place`] too,
    /// and name the very file opened. Returns that real path.
    fn check_opened(
        &self,
        file: &File,
        opened: &std::fs::Metadata,
        checked: &Path,
        shown: &str,
    ) -> Result<PathBuf, GuardError> {
        let real = real_path(file, checked).map_err(|e| unreadable(shown, &e))?;
        self.check_place(&real, shown)?;
        let again = std::fs::symlink_metadata(&real).map_err(|e| unreadable(shown, &e))?;
        if !same_file(&again, opened) {
            return Err(GuardError::Changed {
                path: shown.to_string(),
            });
        }
        Ok(real)
    }

    fn inside(&self, path: &Path) -> Option<&PathBuf> {
        self.allowed.iter().find(|d| path.starts_with(d))
    }

    fn outside(&self, path: String) -> GuardError {
        let allowed: Vec<String> = self
            .allowed
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        GuardError::Outside {
            path,
            allowed: allowed.join(", "),
        }
    }
}

/// Most characters of a path shown in an error.
const SHOWN_CHARS: usize = 80;

/// A path as an error shows it: without control or bidirectional characters, cut to
/// [`SHOWN_CHARS`] (an ellipsis marks a cut), so a hostile name cannot flood or disguise it.
fn show(path: &Path) -> String {
    let text = path.display().to_string();
    let hidden = |c: &char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}' | '\u{feff}')
    };
    let mut visible = text.chars().filter(|c| !hidden(c));
    let mut out: String = visible.by_ref().take(SHOWN_CHARS).collect();
    if visible.next().is_some() {
        out.pop();
        out.push('…');
    }
    out
}

fn unreadable(shown: &str, e: &std::io::Error) -> GuardError {
    GuardError::Unreadable {
        path: shown.to_string(),
        reason: e.to_string(),
    }
}

/// `~/x` as the user's home + `x`; anything else as given.
fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

/// `..` and `.` resolved lexically (for a path that does not exist, so cannot be canonical).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn dirs_for(root: &Path) -> UploadDirs {
        UploadDirs::new(&[root.to_path_buf()], None).unwrap()
    }

    #[test]
    fn nothing_is_allowed_by_default_and_the_error_says_how() {
        let err = UploadDirs::default()
            .open(Path::new("/etc/hosts"))
            .unwrap_err();
        assert!(matches!(err, GuardError::NoneAllowed { .. }));
        assert!(err.to_string().contains("--allow-dir"));
        assert!(err.to_string().contains(UPLOAD_DIRS_ENV));
    }

    #[test]
    fn env_folders_are_colon_separated_and_must_exist() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let env = format!("{}:{}", a.path().display(), b.path().display());
        assert_eq!(UploadDirs::new(&[], Some(&env)).unwrap().allowed().len(), 2);
        let err = UploadDirs::new(&[], Some("/no/such/folder")).unwrap_err();
        assert!(err.to_string().contains("--allow-dir"), "{err}");
    }

    #[test]
    fn a_regular_file_inside_is_opened_and_escapes_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let allowed = root.path().join("allowed");
        std::fs::create_dir(&allowed).unwrap();
        std::fs::write(allowed.join("ok.txt"), b"hello").unwrap();
        std::fs::write(root.path().join("secret.txt"), b"secret").unwrap();
        let guard = dirs_for(&allowed);
        let ok = guard.open(&allowed.join("ok.txt")).unwrap();
        assert_eq!(ok.len, 5);
        let escape = allowed.join("..").join("secret.txt");
        assert!(matches!(
            guard.open(&escape).unwrap_err(),
            GuardError::Outside { .. }
        ));
        assert!(matches!(
            guard.open(&allowed).unwrap_err(),
            GuardError::NotRegular { .. }
        ));
        let missing_outside = root.path().join("nope.txt");
        assert!(matches!(
            guard.open(&missing_outside).unwrap_err(),
            GuardError::Outside { .. }
        ));
        assert!(matches!(
            guard.open(&allowed.join("nope.txt")).unwrap_err(),
            GuardError::Unreadable { .. }
        ));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_hard_links_fifos_devices_and_hidden_files_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let allowed = root.path().join("allowed");
        std::fs::create_dir(&allowed).unwrap();
        let secret = root.path().join("id_ed25519");
        std::fs::write(&secret, b"key").unwrap();
        std::os::unix::fs::symlink(&secret, allowed.join("link")).unwrap();
        std::fs::hard_link(&secret, allowed.join("hard")).unwrap();
        std::fs::create_dir(allowed.join(".ssh")).unwrap();
        std::fs::write(allowed.join(".ssh").join("id_ed25519"), b"key").unwrap();
        let fifo = allowed.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let guard = dirs_for(&allowed);
        assert!(matches!(
            guard.open(&allowed.join("link")).unwrap_err(),
            GuardError::Outside { .. }
        ));
        assert!(matches!(
            guard.open(&allowed.join("hard")).unwrap_err(),
            GuardError::HardLinked { .. }
        ));
        assert!(matches!(
            guard
                .open(&allowed.join(".ssh").join("id_ed25519"))
                .unwrap_err(),
            GuardError::Hidden { .. }
        ));
        if made.is_ok_and(|s| s.success()) {
            assert!(matches!(
                guard.open(&fifo).unwrap_err(),
                GuardError::NotRegular { kind: "a FIFO", .. }
            ));
        }
        let dev = UploadDirs::new(&[PathBuf::from("/dev")], None).unwrap();
        assert!(matches!(
            dev.open(Path::new("/dev/null")).unwrap_err(),
            GuardError::NotRegular {
                kind: "a device file",
                ..
            }
        ));
    }

    #[test]
    fn the_state_folder_is_refused_even_inside_an_allowed_folder() {
        let root = tempfile::tempdir().unwrap();
        let home = root.path().join("clio-home");
        std::fs::create_dir(&home).unwrap();
        std::fs::write(home.join("credentials.json"), b"{}").unwrap();
        let guard = dirs_for(root.path()).deny(&home);
        assert!(matches!(
            guard.open(&home.join("credentials.json")).unwrap_err(),
            GuardError::Private { .. }
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_handle_opened_through_a_folder_swapped_for_a_symlink_is_refused_after_opening() {
        let root = tempfile::tempdir().unwrap();
        let allowed = root.path().join("allowed");
        let outside = root.path().join("outside");
        std::fs::create_dir(&allowed).unwrap();
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("id_ed25519"), b"key").unwrap();
        std::fs::create_dir(allowed.join(".ssh")).unwrap();
        std::fs::write(allowed.join(".ssh").join("id_ed25519"), b"key").unwrap();
        let guard = dirs_for(&allowed);
        // What the check saw: a real folder `docs` inside; what the open met: a symlink out.
        let checked = allowed.join("docs").join("id_ed25519");
        std::os::unix::fs::symlink(&outside, allowed.join("docs")).unwrap();
        let file = open::open_no_follow(&checked).unwrap();
        let meta = file.metadata().unwrap();
        let err = guard.check_opened(&file, &meta, &checked, "x").unwrap_err();
        assert!(matches!(err, GuardError::Outside { .. }), "{err}");
        // A folder swapped for a symlink to a hidden folder inside is refused as hidden.
        let via = allowed.join("notes");
        std::os::unix::fs::symlink(allowed.join(".ssh"), &via).unwrap();
        let file = open::open_no_follow(&via.join("id_ed25519")).unwrap();
        let meta = file.metadata().unwrap();
        let err = guard.check_opened(&file, &meta, &via, "x").unwrap_err();
        assert!(matches!(err, GuardError::Hidden { .. }), "{err}");
        // And through `open` itself, a symlinked folder inside pointing out is outside.
        assert!(matches!(
            guard.open(&checked).unwrap_err(),
            GuardError::Outside { .. }
        ));
        // A plain file inside passes the same re-check and reports its real path.
        std::fs::write(allowed.join("ok.txt"), b"ok").unwrap();
        let ok = guard.open(&allowed.join("ok.txt")).unwrap();
        assert_eq!(
            ok.path,
            std::fs::canonicalize(allowed.join("ok.txt")).unwrap()
        );
    }

    #[test]
    fn the_root_folder_and_the_home_folder_itself_may_not_be_allowed() {
        let err = UploadDirs::new(&[PathBuf::from("/")], None).unwrap_err();
        assert!(err.to_string().contains("root folder"), "{err}");
        if let Some(home) = dirs::home_dir().filter(|h| h.is_dir()) {
            let err = UploadDirs::new(&[home], None).unwrap_err();
            assert!(err.to_string().contains("home folder"), "{err}");
            let err = UploadDirs::new(&[], Some("~")).unwrap_err();
            assert!(matches!(err, GuardError::BadFolder { .. }), "{err}");
        }
    }

    #[test]
    fn a_refused_path_is_shown_cleaned_and_cut_to_80_characters() {
        let root = tempfile::tempdir().unwrap();
        let guard = dirs_for(root.path());
        let hostile = format!("/etc/\u{202e}{}\u{1b}[2J", "a".repeat(5_000));
        let shown = guard.open(Path::new(&hostile)).unwrap_err().to_string();
        assert!(
            !shown.contains('\u{202e}') && !shown.contains('\u{1b}'),
            "{shown}"
        );
        assert!(!shown.contains(&"a".repeat(81)), "{shown}");
        assert!(shown.contains('…'), "{shown}");
    }
}
