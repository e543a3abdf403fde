//! Files that hold privileged data: owner-only folders and files, written atomically.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// The state database inside a clio-mcp home: plans, jobs, approvals and the audit head.
pub fn state_db(home: &Path) -> std::path::PathBuf {
    home.join("state.sqlite")
}

/// Creates `dir` and its missing parents, readable by the owner only (mode 0700 on Unix).
/// An existing folder keeps the mode it has: the user chose it.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates `dir` owner-only as [`private_dir`] does, and makes an existing one owner-only too
/// (mode 0700 on Unix) when its group or others may read, write or enter it: it holds tokens
/// and privileged matter data. Returns the mode it had when it was changed.
pub fn private_home(dir: &Path) -> io::Result<Option<u32>> {
    private_dir(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(mode & 0o700))?;
            return Ok(Some(mode));
        }
    }
    Ok(None)
}

/// Makes a SQLite database and its `-wal` and `-shm` files owner-only (mode 0600 on Unix),
/// whichever of them exist: SQLite gives new ones the main file's mode, but files left from
/// before keep theirs.
pub fn restrict_sqlite(db: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut paths = vec![db.to_path_buf()];
        for suffix in ["-wal", "-shm"] {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            paths.push(name.into());
        }
        for path in paths {
            match fs::metadata(&path) {
                Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                    fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = db;
    Ok(())
}

/// Options that create files readable and writable by the owner only (mode 0600 on Unix).
pub fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Writes `path` through `write`, replacing any file there: the bytes go to a new owner-only
/// file beside it, are fsynced, then renamed over `path`, so a reader never sees half a file.
/// The folder is created (0700) when missing.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    private_dir(dir)?;
    let tmp = dir.join(format!(
        ".{}.{:016x}.tmp",
        name.to_string_lossy(),
        rand::random::<u64>()
    ));
    let result = write_new(&tmp, write).and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Fsyncs the folder `path` lives in, so a rename into it survives a crash (a no-op where
/// folders cannot be opened, as on Windows).
pub fn sync_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn write_new(tmp: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let file: File = private_options().write(true).create_new(true).open(tmp)?;
    let mut out = BufWriter::new(&file);
    write(&mut out)?;
    out.flush()?;
    drop(out);
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_the_file_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("out.txt");
        write_atomic(&path, |w| w.write_all(b"one")).unwrap();
        write_atomic(&path, |w| w.write_all(b"two")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_shared_home_and_database_files_are_made_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        fs::create_dir(&home).unwrap();
        fs::set_permissions(&home, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(private_home(&home).unwrap(), Some(0o755));
        assert_eq!(mode(&home), 0o700);
        assert_eq!(private_home(&home).unwrap(), None);
        let db = state_db(&home);
        for name in ["state.sqlite", "state.sqlite-wal", "state.sqlite-shm"] {
            fs::write(home.join(name), b"").unwrap();
            fs::set_permissions(home.join(name), fs::Permissions::from_mode(0o644)).unwrap();
        }
        restrict_sqlite(&db).unwrap();
        for name in ["state.sqlite", "state.sqlite-wal", "state.sqlite-shm"] {
            assert_eq!(mode(&home.join(name)), 0o600, "{name}");
        }
        restrict_sqlite(&dir.path().join("none.sqlite")).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomic(&path, |w| w.write_all(b"kept")).unwrap();
        let failed = write_atomic(&path, |_| Err(io::Error::other("disk full")));
        assert!(failed.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "kept");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
