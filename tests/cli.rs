//! The binary as a person runs it: the sandbox command, the demo, bad arguments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_clio-mcp");

#[tokio::test]
async fn sandbox_command_prints_its_url_and_token_and_serves_on_loopback() {
    let mut child = Command::new(BIN)
        .args([
            "sandbox",
            "--port",
            "0",
            "--matters",
            "20",
            "--rate-limit",
            "1000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines.next().unwrap().unwrap();
    let token = lines.next().unwrap().unwrap();
    let base = base
        .strip_prefix("CLIO_BASE_URL=")
        .expect("first line is CLIO_BASE_URL=...")
        .to_string();
    let token = token
        .strip_prefix("CLIO_ACCESS_TOKEN=")
        .expect("second line is CLIO_ACCESS_TOKEN=...")
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let http = reqwest::Client::new();
    let answer = http
        .get(format!("{base}/users/who_am_i.json"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["x-ratelimit-limit"], "1000");
    let refused = http
        .get(format!("{base}/matters.json"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn demo_tells_the_whole_story_from_inventory_to_rollback() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["demo", "--matters", "300"])
        .arg("--home")
        .arg(home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "Custom field inventory",
        "picklist: only the id",
        "Client Address [id 4101]",
        "1 deleted",
        "value id text_line-",
        "Proposed normalizations",
        "address on Client Address + Mailing Address:",
        "picklist on Practice Area:",
        "is deleted; choose a live option",
        "0 changes written to Clio so far",
        "Applying the address plan",
        "meanwhile a person edits matter",
        "1 conflicts",
        "reported, not overwritten",
        "audit verify: the hash chain is intact",
        "at Clio's 50 a minute the same job takes about",
        "Rolling it back",
        "the originals are back",
        "(the person's edit, kept)",
        "Uploading the reviewer summary to matter",
        "-summary.txt is there, fully uploaded and visible",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // The proposals, the rollback plan and their reviewer files are kept in <home>/demo.
    let previews = std::fs::read_dir(home.path().join("demo/previews")).unwrap();
    assert_eq!(previews.count(), 6);
    // And a person can list them.
    let list = Command::new(BIN)
        .arg("--home")
        .arg(home.path().join("demo"))
        .args(["plan", "list"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&list.stdout).lines().count(), 6);
}

#[test]
fn a_fault_probability_outside_zero_to_one_is_refused_with_a_hint() {
    let out = Command::new(BIN)
        .args(["sandbox", "--fault-5xx", "2"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("from 0 to 1"));
    assert!(out.stdout.is_empty());
}
