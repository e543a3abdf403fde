//! The file-system side of the upload guard: opening without following a symlink or
//! blocking on a FIFO, what kind of file a handle is, and the real path of an open handle.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::GuardError;

pub(super) fn check_kind(meta: &std::fs::Metadata, path: &str) -> Result<(), GuardError> {
    let kind = file_kind(meta);
    if kind != "a regular file" {
        return Err(GuardError::NotRegular {
            path: path.to_string(),
            kind,
        });
    }
    let links = link_count(meta);
    if links > 1 {
        return Err(GuardError::HardLinked {
            path: path.to_string(),
            links,
        });
    }
    Ok(())
}

#[cfg(unix)]
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        "a regular file"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device file"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_file() {
        "a regular file"
    } else if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

#[cfg(unix)]
fn link_count(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

#[cfg(not(unix))]
fn link_count(_meta: &std::fs::Metadata) -> u64 {
    1
}

#[cfg(unix)]
pub(super) fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
pub(super) fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len()
}

#[cfg(unix)]
pub(super) fn open_no_follow(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
pub(super) fn open_no_follow(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// Where the open `file` really is (every folder on the way resolved), read back from the
/// handle itself, so a folder swapped for a symlink between the check and the open shows.
#[cfg(target_os = "linux")]
pub(super) fn real_path(file: &File, _checked: &Path) -> std::io::Result<PathBuf> {
    use std::os::fd::AsRawFd;
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd()))
}

/// Elsewhere (no safe way to ask a handle for its path): the checked path canonicalised
/// again; the caller also checks that it names the very file opened.
#[cfg(not(target_os = "linux"))]
pub(super) fn real_path(_file: &File, checked: &Path) -> std::io::Result<PathBuf> {
    std::fs::canonicalize(checked)
}
