//! Plans applied as jobs, through the job service on an in-process sandbox: values land,
//! human edits become conflicts, approvals bind the content hash, and the audit log verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::num::NonZeroU32;
use std::time::Duration;

use clio_mcp::app::{Services, open_state};
use clio_mcp::clio::{ClioClient, RetryPolicy};
use clio_mcp::jobs::{JobError, JobStatus, Origin};
use clio_mcp::normalize::Rule;
use clio_mcp::plan::request::{ProposeRequest, Scope};
use clio_mcp::plan::{ItemClass, PlanHeader};
use clio_mcp::sandbox::seed::{CLIENT_ADDRESS, MAILING_ADDRESS};
use clio_mcp::sandbox::{Sandbox, SandboxOptions};
use serde_json::json;
use tokio_util::sync::CancellationToken;

const RATE: u32 = 60_000;

struct World {
    sandbox: Sandbox,
    services: Services,
    _home: tempfile::TempDir,
}

async fn world(matters: u32) -> World {
    let sandbox = Sandbox::start(SandboxOptions {
        matters,
        rate_limit: RATE,
        ..Default::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let client = ClioClient::new(
        &sandbox.clio_config(NonZeroU32::new(RATE).unwrap()).unwrap(),
        RetryPolicy::fast(),
    )
    .unwrap();
    let services = open_state(client, home.path()).await.unwrap();
    World {
        sandbox,
        services,
        _home: home,
    }
}

async fn propose_addresses(w: &World) -> PlanHeader {
    let req = ProposeRequest {
        fields: vec!["Client Address".into(), "Mailing Address".into()],
        rule: Some(serde_json::from_value::<Rule>(json!({"rule": "address"})).unwrap()),
        scope: Scope::default(),
        ..Default::default()
    };
    let planner = &w.services.planner;
    let id = planner.start(req, "test").await.unwrap();
    let header = planner.wait(&id, Duration::from_secs(120)).await.unwrap();
    // Every matter this user may see (Clio does not list the others).
    let visible = w.sandbox.matter_ids().len() - w.sandbox.forbidden_matters().len();
    assert_eq!(header.counts.matters_scanned as usize, visible);
    header
}

async fn run(w: &World, plan: &PlanHeader) -> clio_mcp::jobs::JobHeader {
    let jobs = &w.services.jobs;
    let hash = plan.content_hash.clone().unwrap();
    jobs.approve(&plan.id, &hash, "tester", "test")
        .await
        .unwrap();
    let job = jobs
        .prepare(&plan.id, &hash, Origin::Person, "test")
        .await
        .unwrap();
    jobs.run(&job.id, CancellationToken::new(), &|_| {})
        .await
        .unwrap()
}

#[tokio::test]
async fn an_approved_plan_lands_every_change_and_the_log_verifies() {
    let w = world(120).await;
    let plan = propose_addresses(&w).await;
    assert!(plan.counts.change > 0);
    let items = w.services.planner.items(&plan.id).await.unwrap();
    let job = run(&w, &plan).await;
    assert_eq!(job.status, JobStatus::Completed);
    let view = w
        .services
        .jobs
        .view(&job.id, None, 50, Default::default())
        .await
        .unwrap();
    let forbidden: Vec<u64> = w.sandbox.forbidden_matters();
    for i in items.iter().filter(|i| i.class == ItemClass::Change) {
        let stored = w.sandbox.value(i.matter_id, i.field_id);
        if forbidden.contains(&i.matter_id) {
            assert_eq!(stored.as_ref().and_then(|v| v.as_str()), i.old.as_deref());
        } else {
            assert_eq!(
                stored,
                Some(json!(i.new.clone().unwrap())),
                "{}",
                i.matter_id
            );
        }
    }
    assert_eq!(view.counts.total, plan.counts.change);
    assert_eq!(view.counts.done, view.counts.total);
    assert_eq!(
        view.counts.changed + view.counts.forbidden,
        view.counts.total,
        "{view:?}"
    );
    // One list read per 200 matters, one PATCH per changed matter, nothing else.
    assert_eq!(
        job.requests,
        view.counts.matters.div_ceil(200) + view.counts.matters,
        "{view:?}"
    );
    let report = clio_mcp::audit::verify(w.services.audit.dir()).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    let _ = (CLIENT_ADDRESS, MAILING_ADDRESS);
}

#[tokio::test]
async fn a_human_edit_between_preview_and_apply_is_a_conflict_and_the_human_value_stays() {
    let w = world(60).await;
    let plan = propose_addresses(&w).await;
    let items = w.services.planner.items(&plan.id).await.unwrap();
    let edited = items
        .iter()
        .find(|i| {
            i.class == ItemClass::Change && !w.sandbox.forbidden_matters().contains(&i.matter_id)
        })
        .unwrap();
    assert!(w.sandbox.edit_behind_the_back(
        edited.matter_id,
        edited.field_id,
        json!("typed by a paralegal")
    ));
    let job = run(&w, &plan).await;
    let view = w
        .services
        .jobs
        .view(&job.id, None, 50, Default::default())
        .await
        .unwrap();
    assert_eq!(view.counts.conflicts, 1, "{view:?}");
    let problem = view
        .problems
        .iter()
        .find(|p| p.matter_id == edited.matter_id)
        .unwrap();
    assert!(
        problem.reason.contains("typed by a paralegal"),
        "{problem:?}"
    );
    assert_eq!(
        w.sandbox.value(edited.matter_id, edited.field_id),
        Some(json!("typed by a paralegal"))
    );
}

#[tokio::test]
async fn a_wrong_hash_a_changed_plan_and_a_missing_approval_are_refused_and_nothing_is_written() {
    let w = world(60).await;
    let plan = propose_addresses(&w).await;
    let jobs = &w.services.jobs;
    let hash = plan.content_hash.clone().unwrap();
    let before = w.sandbox.stats().patches_applied;
    let wrong = jobs
        .prepare(&plan.id, "deadbeef", Origin::Assistant, "test")
        .await
        .unwrap_err();
    assert!(matches!(wrong, JobError::WrongHash { .. }), "{wrong}");
    // Over the threshold (25 change sets) an assistant needs a person's approval.
    assert!(plan.counts.matters_with_changes > 25);
    let refused = jobs
        .prepare(&plan.id, &hash, Origin::Assistant, "test")
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains(&format!("clio-mcp plan approve {}", plan.id)),
        "{refused}"
    );
    // A plan changed after approval is not approved: its items no longer give its hash.
    jobs.approve(&plan.id, &hash, "tester", "test")
        .await
        .unwrap();
    let db = clio_mcp::files::state_db(w._home.path());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE plan_items SET item = json_set(item, '$.new', 'SOMEWHERE ELSE')
         WHERE plan_id = ?1 AND class = 'change' AND rowid = (SELECT MIN(rowid) FROM plan_items WHERE plan_id = ?1 AND class = 'change')",
        [&plan.id],
    )
    .unwrap();
    let changed = jobs
        .prepare(&plan.id, &hash, Origin::Assistant, "test")
        .await
        .unwrap_err();
    assert!(matches!(changed, JobError::PlanChanged { .. }), "{changed}");
    assert_eq!(w.sandbox.stats().patches_applied, before);
}

#[tokio::test]
async fn a_second_run_of_a_completed_job_writes_nothing() {
    let w = world(40).await;
    let plan = propose_addresses(&w).await;
    let job = run(&w, &plan).await;
    let patches = w.sandbox.stats().patches_applied;
    let again = w
        .services
        .jobs
        .run(&job.id, CancellationToken::new(), &|_| {})
        .await
        .unwrap();
    assert_eq!(again.status, JobStatus::Completed);
    assert_eq!(w.sandbox.stats().patches_applied, patches);
}

#[tokio::test]
async fn a_rollback_restores_every_value_byte_equal_and_clears_created_ones() {
    use clio_mcp::jobs::rollback::RollbackScope;
    use clio_mcp::plan::request::ProposedValue;
    use clio_mcp::sandbox::seed::FEE_QUOTE;
    let w = world(80).await;
    let before: Vec<(u64, Option<serde_json::Value>, Option<serde_json::Value>)> = w
        .sandbox
        .matter_ids()
        .into_iter()
        .map(|id| {
            (
                id,
                w.sandbox.value(id, CLIENT_ADDRESS),
                w.sandbox.value(id, MAILING_ADDRESS),
            )
        })
        .collect();
    let plan = propose_addresses(&w).await;
    let job = run(&w, &plan).await;
    // A second job creates a value on a matter that had none.
    let empty = w
        .sandbox
        .matter_ids()
        .into_iter()
        .find(|id| {
            !w.sandbox.forbidden_matters().contains(id) && w.sandbox.value(*id, FEE_QUOTE).is_none()
        })
        .unwrap();
    let req = ProposeRequest {
        fields: vec!["Fee Quote".into()],
        values: vec![ProposedValue {
            matter_id: empty,
            field: None,
            value: "$2,500".into(),
        }],
        ..Default::default()
    };
    let planner = &w.services.planner;
    let id = planner.start(req, "test").await.unwrap();
    let created_plan = planner.wait(&id, Duration::from_secs(60)).await.unwrap();
    let created_job = run(&w, &created_plan).await;
    assert_eq!(w.sandbox.value(empty, FEE_QUOTE), Some(json!("$2,500")));
    // Roll both back: an ordinary plan, reviewed and applied like any other.
    let jobs = &w.services.jobs;
    let req = jobs
        .rollback_request(&RollbackScope {
            jobs: vec![job.id.clone(), created_job.id.clone()],
            matters: vec![],
        })
        .await
        .unwrap();
    let id = planner.start(req, "test").await.unwrap();
    let rollback = planner.wait(&id, Duration::from_secs(60)).await.unwrap();
    assert_eq!(rollback.counts.needs_human, 0, "{:?}", rollback.counts);
    assert!(rollback.scope.contains("rollback of"));
    let undone = run(&w, &rollback).await;
    assert_eq!(undone.status, JobStatus::Completed);
    for (id, address, mailing) in before {
        assert_eq!(w.sandbox.value(id, CLIENT_ADDRESS), address, "matter {id}");
        assert_eq!(w.sandbox.value(id, MAILING_ADDRESS), mailing, "matter {id}");
    }
    assert_eq!(
        w.sandbox.value(empty, FEE_QUOTE),
        None,
        "the created value is cleared"
    );
    assert!(
        clio_mcp::audit::verify(w.services.audit.dir())
            .unwrap()
            .is_ok()
    );
}

#[tokio::test]
async fn a_rollback_never_overwrites_a_value_changed_since_the_job() {
    use clio_mcp::jobs::rollback::RollbackScope;
    let w = world(40).await;
    let plan = propose_addresses(&w).await;
    let job = run(&w, &plan).await;
    let items = w.services.planner.items(&plan.id).await.unwrap();
    let later = items
        .iter()
        .find(|i| {
            i.class == ItemClass::Change && !w.sandbox.forbidden_matters().contains(&i.matter_id)
        })
        .unwrap();
    w.sandbox
        .edit_behind_the_back(later.matter_id, later.field_id, json!("moved office"));
    let planner = &w.services.planner;
    let req = w
        .services
        .jobs
        .rollback_request(&RollbackScope {
            jobs: vec![job.id.clone()],
            matters: vec![],
        })
        .await
        .unwrap();
    let id = planner.start(req, "test").await.unwrap();
    let rollback = planner.wait(&id, Duration::from_secs(60)).await.unwrap();
    assert_eq!(rollback.counts.needs_human, 1, "{:?}", rollback.counts);
    run(&w, &rollback).await;
    assert_eq!(
        w.sandbox.value(later.matter_id, later.field_id),
        Some(json!("moved office"))
    );
}

#[tokio::test]
async fn access_taken_away_after_the_preview_leaves_the_matter_unwritten_reported_and_the_job_goes_on()
 {
    let w = world(60).await;
    let plan = propose_addresses(&w).await;
    let items = w.services.planner.items(&plan.id).await.unwrap();
    let taken = items
        .iter()
        .find(|i| i.class == ItemClass::Change)
        .unwrap()
        .matter_id;
    // Access lost between preview and apply: Clio stops listing the matter and refuses it.
    w.sandbox.forbid(taken);
    let job = run(&w, &plan).await;
    let view = w
        .services
        .jobs
        .view(&job.id, None, 50, Default::default())
        .await
        .unwrap();
    assert_eq!(view.counts.done, view.counts.total, "{view:?}");
    let problem = view.problems.iter().find(|p| p.matter_id == taken).unwrap();
    assert_eq!(
        problem.outcome,
        clio_mcp::jobs::Outcome::Gone,
        "{problem:?}"
    );
    assert!(view.counts.changed > 0);
}

#[tokio::test]
async fn through_5xx_resets_429_bursts_and_an_expired_token_nothing_is_lost_doubled_or_misdirected()
{
    use clio_mcp::sandbox::Faults;
    use std::collections::BTreeMap;
    let w = world(200).await;
    let plan = propose_addresses(&w).await;
    let items = w.services.planner.items(&plan.id).await.unwrap();
    w.sandbox.set_faults(Faults {
        server_error: 0.05,
        connection_reset: 0.02,
        applied_then_error: 0.02,
        rate_limit_burst: 0.02,
        ..Faults::default()
    });
    // The token expires in the middle of the job.
    let expire = async {
        for _ in 0..20_000 {
            if w.sandbox.stats().patches_applied >= 40 {
                w.sandbox.expire_access_tokens();
                return true;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        false
    };
    let (job, expired) = tokio::join!(run(&w, &plan), expire);
    assert!(expired, "the token expired mid-job");
    assert_eq!(job.status, JobStatus::Completed);
    let stats = w.sandbox.stats();
    assert!(stats.faults_injected > 10, "the faults fired: {stats:?}");
    assert!(stats.token_refreshes >= 1, "{stats:?}");
    assert_eq!(
        stats.early_requests, 0,
        "no request before a Retry-After ran out"
    );
    // Every change landed, on its own matter, once.
    for i in items.iter().filter(|i| i.class == ItemClass::Change) {
        assert_eq!(
            w.sandbox.value(i.matter_id, i.field_id),
            Some(json!(i.new.clone().unwrap())),
            "matter {}",
            i.matter_id
        );
    }
    let log = w.sandbox.write_log();
    assert!(
        log.iter()
            .all(|r| r.if_match && r.names_only_its_own_values()),
        "{log:?}"
    );
    let mut applied: BTreeMap<u64, usize> = BTreeMap::new();
    for r in log.iter().filter(|r| r.applied) {
        *applied.entry(r.matter_id).or_default() += 1;
    }
    assert!(
        applied.values().all(|n| *n == 1),
        "a matter written twice: {applied:?}"
    );
    assert_eq!(applied.len() as u64, plan.counts.matters_with_changes);
    let view = w
        .services
        .jobs
        .view(&job.id, None, 50, Default::default())
        .await
        .unwrap();
    assert_eq!(view.counts.changed, plan.counts.change, "{view:?}");
    assert!(
        clio_mcp::audit::verify(w.services.audit.dir())
            .unwrap()
            .is_ok()
    );
}
