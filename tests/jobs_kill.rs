//! A job process killed (SIGKILL) at every instant that matters, then resumed by another
//! process: the end state equals a clean run's, no value is written twice or lost, and the
//! audit log verifies. Real subprocesses of the binary on the persisted `--sandbox` account.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clio_mcp::app::{SANDBOX_MATTERS, sandbox_account_dir};
use clio_mcp::jobs::crash::{CRASH_ENV, POINTS};
use clio_mcp::sandbox::seed::CLIENT_ADDRESS;
use clio_mcp::sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

mod common;

use common::cli::{clio, propose_addresses, text};

/// Matters the plan covers: enough for several writes before and after each kill.
const MATTERS: usize = 30;

/// The first matters this user can see, as the sandbox account seeds them.
async fn visible_matters() -> Vec<u64> {
    let sb = Sandbox::start(SandboxOptions {
        matters: SANDBOX_MATTERS,
        ..Default::default()
    })
    .await
    .unwrap();
    let forbidden = sb.forbidden_matters();
    let ids = sb
        .matter_ids()
        .into_iter()
        .filter(|id| !forbidden.contains(id))
        .take(MATTERS)
        .collect();
    sb.stop().await;
    ids
}

/// Proposes the address rule on `ids` and approves it: the plan id.
fn planned(home: &Path, ids: &[u64]) -> String {
    let id = propose_addresses(home, ids);
    let approve = clio(home, &["plan", "--sandbox", "approve", &id, "--yes"], &[]);
    assert!(approve.status.success(), "{}", text(&approve));
    id
}

/// The Client Address of `ids` in the account persisted under `home`.
async fn values(home: &Path, ids: &[u64]) -> BTreeMap<u64, Option<Value>> {
    let sb = Sandbox::start(SandboxOptions {
        matters: SANDBOX_MATTERS,
        state_dir: Some(sandbox_account_dir(home)),
        ..Default::default()
    })
    .await
    .unwrap();
    let out = ids
        .iter()
        .map(|id| (*id, sb.value(*id, CLIENT_ADDRESS)))
        .collect();
    sb.stop().await;
    out
}

/// How many journal lines (applied changes) touched each matter's Client Address.
fn writes_per_matter(home: &Path) -> BTreeMap<u64, usize> {
    let journal = sandbox_account_dir(home).join("journal.jsonl");
    let mut counts = BTreeMap::new();
    for line in std::fs::read_to_string(journal).unwrap_or_default().lines() {
        let Ok(change) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        for v in change["values"].as_array().into_iter().flatten() {
            if v["def_id"] == CLIENT_ADDRESS {
                *counts.entry(v["matter_id"].as_u64().unwrap()).or_default() += 1;
            }
        }
    }
    counts
}

fn audit_verifies(home: &Path) {
    let verify = clio(&home.join("sandbox"), &["audit", "verify"], &[]);
    assert!(verify.status.success(), "{}", text(&verify));
}

#[tokio::test]
async fn a_job_killed_at_every_step_and_resumed_ends_exactly_as_a_clean_run() {
    let ids = visible_matters().await;
    let clean = tempfile::tempdir().unwrap();
    let plan = planned(clean.path(), &ids);
    let run = clio(
        clean.path(),
        &["jobs", "--sandbox", "run", &plan, "--yes"],
        &[],
    );
    assert!(run.status.success(), "{}", text(&run));
    let expected = values(clean.path(), &ids).await;
    let changed: Vec<u64> = writes_per_matter(clean.path()).into_keys().collect();
    assert!(
        changed.len() > MATTERS / 2,
        "the plan changes most matters: {changed:?}"
    );

    for point in POINTS {
        // The plan is one page: it is read once; the other points come once per change set.
        let nths: &[u32] = if point == "after-read" { &[1] } else { &[1, 4] };
        for nth in nths {
            let home = tempfile::tempdir().unwrap();
            let plan = planned(home.path(), &ids);
            let crash = format!("{point}:{nth}");
            let killed = clio(
                home.path(),
                &["jobs", "--sandbox", "run", &plan, "--yes"],
                &[(CRASH_ENV, &crash)],
            );
            assert_eq!(
                killed.status.signal(),
                Some(9),
                "{crash}: {}",
                text(&killed)
            );
            // Another process carries on: the dead holder's lease is taken over at once.
            let resumed = clio(home.path(), &["jobs", "--sandbox", "resume", "--yes"], &[]);
            assert!(resumed.status.success(), "{crash}: {}", text(&resumed));
            assert_eq!(
                values(home.path(), &ids).await,
                expected,
                "{crash}: a value differs"
            );
            let writes = writes_per_matter(home.path());
            for id in &changed {
                assert_eq!(
                    writes.get(id),
                    Some(&1),
                    "{crash}: matter {id} written {writes:?}"
                );
            }
            assert_eq!(writes.len(), changed.len(), "{crash}: {writes:?}");
            audit_verifies(home.path());
            // The status a script reads says so.
            let status = clio(home.path(), &["jobs", "--sandbox", "list", "--json"], &[]);
            let job: Value = serde_json::from_slice(&status.stdout).unwrap();
            assert_eq!(job["status"], "completed", "{crash}: {job}");
            assert_eq!(job["done"], job["total"], "{crash}: {job}");
        }
    }
}

#[tokio::test]
async fn a_job_killed_from_outside_at_an_unknown_moment_is_resumed_without_loss() {
    let ids = visible_matters().await;
    let clean = tempfile::tempdir().unwrap();
    let plan = planned(clean.path(), &ids);
    assert!(
        clio(
            clean.path(),
            &["jobs", "--sandbox", "run", &plan, "--yes"],
            &[]
        )
        .status
        .success()
    );
    let expected = values(clean.path(), &ids).await;

    let home = tempfile::tempdir().unwrap();
    let plan = planned(home.path(), &ids);
    let mut child = Command::new(env!("CARGO_BIN_EXE_clio-mcp"))
        .arg("--home")
        .arg(home.path())
        .args(["jobs", "--sandbox", "run", &plan, "--yes"])
        .env_remove("CLIO_MCP_HOME")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until a few values landed, then kill -9 whatever it is doing.
    let deadline = Instant::now() + Duration::from_secs(60);
    while writes_per_matter(home.path()).len() < 5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9));
    let resumed = clio(home.path(), &["jobs", "--sandbox", "resume", "--yes"], &[]);
    assert!(resumed.status.success(), "{}", text(&resumed));
    assert_eq!(values(home.path(), &ids).await, expected);
    assert!(writes_per_matter(home.path()).values().all(|n| *n == 1));
    audit_verifies(home.path());
}

#[tokio::test]
async fn a_second_run_of_a_plan_held_by_a_live_process_refuses_naming_the_holder() {
    let ids = visible_matters().await;
    let home = tempfile::tempdir().unwrap();
    let plan = planned(home.path(), &ids[..5]);
    // Create the job, then hold its lease as this (live) test process would.
    let db = clio_mcp::files::state_db(&home.path().join("sandbox"));
    {
        use clio_mcp::jobs::JobStore;
        let store = JobStore::open(&db).unwrap();
        let header = clio_mcp::jobs::JobHeader {
            id: "job-held".into(),
            plan_id: plan.clone(),
            content_hash: {
                let plans = clio_mcp::plan::PlanStore::open(&db).unwrap();
                plans.header(&plan).unwrap().content_hash.unwrap()
            },
            status: clio_mcp::jobs::JobStatus::Running,
            created_at: "2026-12-02T00:00:00Z".into(),
            created_by: "test via jobs run".into(),
            holder: None,
            heartbeat_at: None,
            cancel_requested: false,
            requests: 0,
            active_seconds: 0.0,
            finished_at: None,
            error: None,
        };
        assert!(store.create(&header, &[]).unwrap());
        let me = clio_mcp::jobs::lease::me();
        store
            .take_lease("job-held", &me, |_, _| false)
            .unwrap()
            .unwrap();
    }
    let second = clio(
        home.path(),
        &["jobs", "--sandbox", "run", &plan, "--yes"],
        &[],
    );
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains(&format!("pid {}", std::process::id())),
        "{said}"
    );
    assert!(said.contains("held by another process"), "{said}");
}
