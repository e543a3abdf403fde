//! The plan store's files: a private folder, and a database only its owner can read.

use std::path::{Path, PathBuf};

pub(super) fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The database holds privileged values: only its owner may read it or its write-ahead log
/// (`-wal`) and index (`-shm`), which SQLite creates with the database file's mode. Creates
/// the file (empty, which SQLite takes as a new database) if it is missing.
pub(super) fn restrict_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // A failure here is SQLite's to report, when it opens the file next.
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
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
