//! Running the built binary on a state folder, as a person or a script would.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `clio-mcp --home HOME ARGS...` with `env` set, stdin closed (no terminal).
pub fn clio(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clio-mcp"));
    cmd.arg("--home").arg(home).args(args);
    cmd.env_remove("CLIO_MCP_HOME")
        .env_remove("CLIO_MCP_CRASH_AT")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Status, stdout and stderr, for a failed assertion's message.
pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Proposes the address rule on the Client Address of `ids` in the `--sandbox` account and
/// returns the plan id (the newest plan).
pub fn propose_addresses(home: &Path, ids: &[u64]) -> String {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    let propose = clio(
        home,
        &[
            "plan",
            "--sandbox",
            "propose",
            "--field",
            "Client Address",
            "--rule",
            "address",
            "--ids",
            &ids.join(","),
        ],
        &[],
    );
    assert!(propose.status.success(), "{}", text(&propose));
    let list = clio(home, &["plan", "--sandbox", "list"], &[]);
    String::from_utf8_lossy(&list.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}
