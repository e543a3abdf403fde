//! The state folder and database as `SECURITY.md` promises them: a home that others could
//! enter is made owner-only (0700), and the database with its `-wal` and `-shm` files 0600,
//! even when they were left from before with looser modes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(unix)]
#[tokio::test]
async fn a_shared_home_and_a_loose_database_are_made_owner_only() {
    use std::num::NonZeroU32;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    use clio_mcp::clio::{ClioClient, RetryPolicy};
    use clio_mcp::sandbox::{Sandbox, SandboxOptions};

    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let set = |p: &Path, m: u32| std::fs::set_permissions(p, PermissionsExt::from_mode(m)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    set(&home, 0o755);
    // Files left from before (a copy, an older version) readable by everyone.
    let names = ["state.sqlite-wal", "state.sqlite-shm"];
    for name in names {
        std::fs::write(home.join(name), b"").unwrap();
        set(&home.join(name), 0o644);
    }
    let sandbox = Sandbox::start(SandboxOptions {
        matters: 5,
        rate_limit: 10_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let config = sandbox
        .clio_config(NonZeroU32::new(10_000).unwrap())
        .unwrap();
    let client = ClioClient::new(&config, RetryPolicy::fast()).unwrap();
    // The server holds its connections open: the -wal and -shm files exist while it runs.
    let server = clio_mcp::server::build_with(client, &home, Default::default())
        .await
        .unwrap();
    assert_eq!(mode(&home), 0o700);
    for name in ["state.sqlite", "state.sqlite-wal", "state.sqlite-shm"] {
        assert_eq!(mode(&home.join(name)), 0o600, "{name}");
    }
    drop(server);
    sandbox.stop().await;
}
