//! Signing in as a person would, for the tests: `clio-mcp auth ...` as a child process against
//! an in-process sandbox, with a "browser" (reqwest) that follows the printed address.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::path::Path;
use std::process::ExitStatus;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

pub const BIN: &str = env!("CARGO_BIN_EXE_clio-mcp");
/// No test waits longer than this for a child.
pub const BOUND: Duration = Duration::from_secs(60);

/// `clio-mcp auth ARGS` on the sandbox at `base`, state in `home`, tokens in the file store,
/// the app's credentials from the environment, no token in the environment.
pub fn auth(base: &str, client: (&str, &str), home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("auth")
        .args(args)
        .env("CLIO_MCP_HOME", home)
        .env("CLIO_BASE_URL", base)
        .env("CLIO_MCP_CREDENTIAL_STORE", "file")
        .env("CLIO_CLIENT_ID", client.0)
        .env("CLIO_CLIENT_SECRET", client.1)
        .env_remove("CLIO_ACCESS_TOKEN")
        .env_remove("CLIO_REFRESH_TOKEN")
        .env_remove("CLIO_REGION")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    c
}

/// A login waiting for its browser.
pub struct Pending {
    pub child: Child,
    /// The sign-in address it printed.
    pub url: String,
    /// What it printed before the address.
    pub printed: String,
    lines: Lines<BufReader<ChildStdout>>,
}

/// Starts `cmd` (an `auth login`) and reads its output up to the sign-in address.
pub async fn start(cmd: Command) -> Pending {
    start_with(cmd, None).await
}

/// As [`start`], writing `input` to the child's standard input first.
pub async fn start_with(mut cmd: Command, input: Option<&str>) -> Pending {
    use tokio::io::AsyncWriteExt;
    if input.is_some() {
        cmd.stdin(std::process::Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap();
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(text.as_bytes()).await.unwrap();
    }
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let url = tokio::time::timeout(BOUND, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            printed.push_str(&line);
            printed.push('\n');
            if line.contains("/oauth/authorize?") {
                return line.trim().to_string();
            }
        }
        panic!("the login printed no sign-in address: {printed}");
    })
    .await
    .unwrap();
    Pending {
        child,
        url,
        printed,
        lines,
    }
}

/// What a finished child said.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Pending {
    /// Waits for the child to end and collects the rest of what it said.
    pub async fn finish(mut self) -> Finished {
        tokio::time::timeout(BOUND, async {
            let mut stdout = self.printed.clone();
            while let Some(line) = self.lines.next_line().await.unwrap() {
                stdout.push_str(&line);
                stdout.push('\n');
            }
            let mut stderr = String::new();
            if let Some(mut err) = self.child.stderr.take() {
                err.read_to_string(&mut stderr).await.unwrap();
            }
            let status = self.child.wait().await.unwrap();
            Finished {
                status,
                stdout,
                stderr,
            }
        })
        .await
        .unwrap()
    }
}

/// The browser: follows `url` (the sandbox sends it on to the loopback callback) and returns
/// the last page's status and text.
pub async fn browse(url: &str) -> (u16, String) {
    let answer = reqwest::get(url).await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap())
}

/// Runs `cmd` to its end.
pub async fn run(mut cmd: Command) -> Finished {
    let out = tokio::time::timeout(BOUND, cmd.output())
        .await
        .unwrap()
        .unwrap();
    Finished {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A whole sign-in: login, the browser, the end. Panics unless it worked.
pub async fn sign_in(base: &str, client: (&str, &str), home: &Path) -> Finished {
    let pending = start(auth(base, client, home, &["login", "--no-browser"])).await;
    let (status, page) = browse(&pending.url).await;
    assert_eq!(status, 200, "{page}");
    let done = pending.finish().await;
    assert!(done.status.success(), "{}\n{}", done.stdout, done.stderr);
    done
}
