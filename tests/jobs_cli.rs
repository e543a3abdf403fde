//! The `plan approve`, `plan rollback` and `jobs` commands as scripts use them: approval that
//! needs a person, exit codes 0, 3 and 1, `--json` records, cancel and resume, `audit show
//! --job`. Real subprocesses on the persisted `--sandbox` account.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use clio_mcp::app::{SANDBOX_MATTERS, sandbox_account_dir};
use clio_mcp::sandbox::seed::CLIENT_ADDRESS;
use clio_mcp::sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

mod common;

use common::cli::{clio, propose_addresses, text};

/// The persisted sandbox account, opened in this process (no other process runs on it).
async fn account(home: &Path) -> Sandbox {
    Sandbox::start(SandboxOptions {
        matters: SANDBOX_MATTERS,
        state_dir: Some(sandbox_account_dir(home)),
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn first_visible(home: &Path, n: usize) -> Vec<u64> {
    let sb = account(home).await;
    let forbidden = sb.forbidden_matters();
    let ids = sb
        .matter_ids()
        .into_iter()
        .filter(|id| !forbidden.contains(id) && sb.value(*id, CLIENT_ADDRESS).is_some())
        .take(n)
        .collect();
    sb.stop().await;
    ids
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[tokio::test]
async fn approval_needs_a_person_or_yes_and_is_recorded_with_the_os_user() {
    let home = tempfile::tempdir().unwrap();
    let ids = first_visible(home.path(), 8).await;
    let plan = propose_addresses(home.path(), &ids);
    // No terminal and no --yes: refused, and nothing is written.
    let refused = clio(home.path(), &["jobs", "--sandbox", "run", &plan], &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--yes"),
        "{}",
        text(&refused)
    );
    let journal = sandbox_account_dir(home.path()).join("journal.jsonl");
    assert!(
        std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .is_empty()
    );
    let approved = clio(
        home.path(),
        &["plan", "--sandbox", "approve", &plan, "--yes"],
        &[("USER", "pat.reviewer")],
    );
    assert!(approved.status.success(), "{}", text(&approved));
    let shown = stdout(&approved);
    assert!(shown.contains("content hash"), "{shown}");
    assert!(shown.contains("as pat.reviewer"), "{shown}");
    let audit = clio(
        &home.path().join("sandbox"),
        &["audit", "show", "--action", "approval"],
        &[],
    );
    let log = stdout(&audit);
    assert!(log.contains(&plan) || log.contains("approval"), "{log}");
    let export = clio(
        &home.path().join("sandbox"),
        &["audit", "export", "--action", "approval"],
        &[],
    );
    let entry: Value = serde_json::from_str(stdout(&export).lines().next().unwrap()).unwrap();
    assert_eq!(entry["plan_id"], plan.as_str());
    assert!(
        entry["detail"].as_str().unwrap().contains("pat.reviewer"),
        "{entry}"
    );
    assert_eq!(entry["content_hash"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn exit_codes_json_records_and_the_audit_trail_of_a_job() {
    let home = tempfile::tempdir().unwrap();
    let ids = first_visible(home.path(), 10).await;
    let plan = propose_addresses(home.path(), &ids);
    // A person edits one of the matters in Clio after the preview.
    let edited = ids[0];
    {
        let sb = account(home.path()).await;
        assert!(sb.edit_behind_the_back(edited, CLIENT_ADDRESS, json!("kept as typed")));
        sb.stop().await;
    }
    let run = clio(
        home.path(),
        &["jobs", "--sandbox", "run", &plan, "--yes"],
        &[],
    );
    assert_eq!(
        run.status.code(),
        Some(3),
        "completed with a conflict: {}",
        text(&run)
    );
    assert!(
        stdout(&run).contains(&format!("matter {edited} Client Address: conflict")),
        "{}",
        text(&run)
    );
    // `jobs list --json`: one record per job with job_id, plan_id and status.
    let list = clio(home.path(), &["jobs", "--sandbox", "list", "--json"], &[]);
    assert!(list.status.success(), "{}", text(&list));
    let record: Value = serde_json::from_str(stdout(&list).lines().next().unwrap()).unwrap();
    let job = record["job_id"].as_str().unwrap().to_string();
    assert_eq!(record["plan_id"], plan.as_str());
    assert_eq!(record["status"], "completed");
    // `jobs status --json`: the fields scripts rely on.
    let status = clio(
        home.path(),
        &["jobs", "--sandbox", "status", &job, "--json"],
        &[],
    );
    assert_eq!(status.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&status.stdout).unwrap();
    for key in [
        "job_id",
        "plan_id",
        "status",
        "total",
        "done",
        "changed",
        "unchanged",
        "conflicts",
        "forbidden",
        "gone",
        "refused",
        "failed",
        "problems",
    ] {
        assert!(v.get(key).is_some(), "{key} missing: {v}");
    }
    assert_eq!(v["conflicts"], 1);
    let problem = &v["problems"][0];
    for key in ["matter_id", "field", "outcome", "reason"] {
        assert!(problem.get(key).is_some(), "{key} missing: {problem}");
    }
    assert_eq!(problem["matter_id"], edited);
    // `audit show --job` lists the job's writes with old and new values.
    let shown = clio(
        &home.path().join("sandbox"),
        &["audit", "show", "--job", &job],
        &[],
    );
    let table = stdout(&shown);
    assert!(
        table.contains("write-intent") && table.contains("write-done"),
        "{table}"
    );
    assert!(table.contains(" -> "), "{table}");
    // A status of a job that does not exist is an error (exit 1) that says where to look.
    let missing = clio(
        home.path(),
        &["jobs", "--sandbox", "status", "job-nope"],
        &[],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("jobs list"));

    // Roll it back: a plan printed with its hash, run like any other; the person's value stays.
    let before_rollback = {
        let sb = account(home.path()).await;
        let v = sb.value(ids[1], CLIENT_ADDRESS);
        sb.stop().await;
        v
    };
    let rollback = clio(
        home.path(),
        &["plan", "--sandbox", "rollback", "--job", &job],
        &[],
    );
    assert!(rollback.status.success(), "{}", text(&rollback));
    let said = stdout(&rollback);
    let undo = said
        .lines()
        .find_map(|l| l.strip_prefix("Rollback plan "))
        .and_then(|l| l.split(',').next())
        .unwrap()
        .to_string();
    assert!(said.contains("content hash"), "{said}");
    let undone = clio(
        home.path(),
        &["jobs", "--sandbox", "run", &undo, "--yes"],
        &[],
    );
    assert!(undone.status.success(), "{}", text(&undone));
    let sb = account(home.path()).await;
    assert_eq!(
        sb.value(edited, CLIENT_ADDRESS),
        Some(json!("kept as typed"))
    );
    assert_ne!(
        sb.value(ids[1], CLIENT_ADDRESS),
        before_rollback,
        "restored"
    );
    sb.stop().await;
}

#[tokio::test]
async fn a_cancelled_job_is_resumed_by_jobs_resume() {
    let home = tempfile::tempdir().unwrap();
    let ids = first_visible(home.path(), 6).await;
    let plan = propose_addresses(home.path(), &ids);
    let approved = clio(
        home.path(),
        &["plan", "--sandbox", "approve", &plan, "--yes"],
        &[],
    );
    assert!(approved.status.success(), "{}", text(&approved));
    // Killed right after its first write: an interrupted job.
    let killed = clio(
        home.path(),
        &["jobs", "--sandbox", "run", &plan, "--yes"],
        &[("CLIO_MCP_CRASH_AT", "after-outcome:1")],
    );
    assert!(!killed.status.success());
    let list = clio(home.path(), &["jobs", "--sandbox", "list", "--json"], &[]);
    let record: Value = serde_json::from_str(stdout(&list).lines().next().unwrap()).unwrap();
    let job = record["job_id"].as_str().unwrap().to_string();
    assert_eq!(record["status"], "interrupted", "{record}");
    let cancel = clio(home.path(), &["jobs", "--sandbox", "cancel", &job], &[]);
    assert!(cancel.status.success(), "{}", text(&cancel));
    let resumed = clio(
        home.path(),
        &["jobs", "--sandbox", "resume", &job, "--yes"],
        &[],
    );
    assert!(resumed.status.success(), "{}", text(&resumed));
    let status = clio(
        home.path(),
        &["jobs", "--sandbox", "status", &job, "--json"],
        &[],
    );
    let v: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["done"], v["total"]);
    let again = clio(home.path(), &["jobs", "--sandbox", "resume", "--yes"], &[]);
    assert!(
        stdout(&again).contains("No unfinished jobs"),
        "{}",
        text(&again)
    );
}
