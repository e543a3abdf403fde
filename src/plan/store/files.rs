//! The plan store's database file: only its owner may read it or SQLite's files beside it.

use std::path::{Path, PathBuf};

/// The database holds privileged values: only its owner may read it or its write-ahead log
/// (`-wal`) and index (`-shm`), which SQLite creates with the database file's mode. Creates
/// the file (empty, which SQLite takes as a new database) if it is missing.
pub(super) fn restrict_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A failure here is SQLite's to report, when it opens the file next.
        let _ = crate::files::private_options()
            .write(true)
            .truncate(false)
            .open(path);
        let mut files = vec![path.to_path_buf()];
        for side in ["-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(side);
            files.push(PathBuf::from(name));
        }
        for file in files.iter().filter(|f| f.exists()) {
            if let Err(e) = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)) {
                tracing::warn!(path = %file.display(), error = %e, "could not restrict the plan store to its owner");
            }
        }
    }
}
