//! The write tools end to end: an rmcp client, the server, a sandbox. One write that cannot
//! land on another matter, plans applied as background jobs with progress, the approval gate
//! (threshold, wrong hash, a confirmation form that fails closed), cancel, resume, rollback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clio_mcp::handler::ServerSettings;
use clio_mcp::privacy::Privacy;
use clio_mcp::sandbox::Faults;
use clio_mcp::sandbox::seed::{CLIENT_ADDRESS, INCIDENT_DATE};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ElicitRequestParams,
    ElicitResult, ElicitationAction, Implementation, ProgressNotificationParam, ProtocolVersion,
    RequestMetaObject,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ClientHandler, ErrorData, RoleClient};
use serde_json::{Value, json};

mod common;

use common::{Harness, call, call_with, error_text, start, start_with};

fn ok(r: &CallToolResult) -> Value {
    assert_ne!(r.is_error, Some(true), "tool error: {:?}", r.content);
    r.structured_content.clone().expect("structured content")
}

/// Progress notifications a client received: (progress, total).
type Seen = Arc<Mutex<Vec<(f64, Option<f64>)>>>;

/// A client that answers confirmation forms as told and keeps the progress it is sent.
#[derive(Clone, Default)]
struct Person {
    /// `Some(answer)`: declares form elicitation and answers approve = answer.
    approves: Option<bool>,
    asked: Arc<Mutex<Vec<String>>>,
    progress: Seen,
}

impl ClientHandler for Person {
    fn get_info(&self) -> ClientConfig {
        let capabilities = match self.approves {
            Some(_) => ClientCapabilities::builder().enable_elicitation().build(),
            None => ClientCapabilities::default(),
        };
        ClientConfig::new(capabilities, Implementation::new("test-person", "1"))
            .with_protocol_version(ProtocolVersion::V_2025_11_25)
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        if let ElicitRequestParams::FormElicitationParams { message, .. } = &request {
            self.asked.lock().unwrap().push(message.clone());
        }
        Ok(match self.approves {
            Some(answer) => ElicitResult::new(ElicitationAction::Accept)
                .with_content(json!({"approve": answer})),
            None => ElicitResult::new(ElicitationAction::Decline),
        })
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress
            .lock()
            .unwrap()
            .push((params.progress, params.total));
    }
}

/// Proposes the address rule on `ids` (all matters when empty) and returns the plan answer.
async fn propose<C: ClientHandler>(h: &Harness<C>, ids: &[u64]) -> Value {
    let mut args = json!({"fields": ["Client Address"], "rule": {"rule": "address"}});
    if !ids.is_empty() {
        args["matter_ids"] = json!(ids);
    }
    let out = ok(&call(h, "propose_normalization", args).await);
    assert_eq!(out["status"], "complete", "{out}");
    out
}

/// Matters a write can land on (the sandbox has a few the token may not change).
fn writable<C: ClientHandler>(h: &Harness<C>) -> Vec<u64> {
    let forbidden = h.sandbox.forbidden_matters();
    h.sandbox
        .matter_ids()
        .into_iter()
        .filter(|id| !forbidden.contains(id))
        .collect()
}

async fn follow<C: ClientHandler>(h: &Harness<C>, job_id: &str) -> Value {
    for _ in 0..30 {
        let status = ok(&call(
            h,
            "job_status",
            json!({"job_id": job_id, "wait_seconds": 5}),
        )
        .await);
        if status["status"] != "running" {
            return status;
        }
    }
    panic!("job {job_id} did not end");
}

#[tokio::test]
async fn one_write_lands_on_the_matter_named_never_on_the_value_its_definition_id_names() {
    let h = start(600, ServerSettings::default()).await;
    // The trap: value number 4101 (the Client Address definition id) lives on some matter.
    let (victim, victim_field, victim_value) = h.sandbox.value_record(CLIENT_ADDRESS).unwrap();
    let target = writable(&h)
        .into_iter()
        .find(|id| *id != victim && h.sandbox.value(*id, CLIENT_ADDRESS).is_some())
        .unwrap();
    let out = ok(&call(
        &h,
        "apply_custom_field",
        json!({"matter_id": target, "field": "client address", "value": "12 Main St, Springfield, IL 62701"}),
    )
    .await);
    assert_eq!(out["outcome"], "changed", "{out}");
    assert_eq!(
        h.sandbox.value(target, CLIENT_ADDRESS),
        Some(json!("12 Main St, Springfield, IL 62701"))
    );
    assert_eq!(
        h.sandbox.value_record(CLIENT_ADDRESS),
        Some((victim, victim_field, victim_value)),
        "the value the definition id names is untouched"
    );
    let log = h.sandbox.write_log();
    assert!(
        log.iter()
            .all(|w| w.if_match && w.names_only_its_own_values()),
        "{log:?}"
    );
    // The same value again: nothing is sent.
    let patches = h.sandbox.stats().patches_applied;
    let again = ok(&call(
        &h,
        "apply_custom_field",
        json!({"matter_id": target, "field": "Client Address", "value": "12 Main St, Springfield, IL 62701"}),
    )
    .await);
    assert_eq!(again["outcome"], "unchanged");
    assert_eq!(h.sandbox.stats().patches_applied, patches);
    // The intent and the outcome are in the audit log, the outcome naming the intent.
    let audit = ok(&call(&h, "audit_log", json!({"matter_id": target, "limit": 100})).await);
    let entries = audit["entries"].as_array().unwrap();
    let intent = entries
        .iter()
        .find(|e| e["action"] == "write-intent")
        .unwrap();
    assert_eq!(intent["seq"], out["audit_seq"]);
    assert!(entries.iter().any(|e| e["action"] == "write-done"));
}

#[tokio::test]
async fn one_write_refuses_what_the_field_cannot_hold_and_null_clears() {
    let h = start(80, ServerSettings::default()).await;
    let id = writable(&h)
        .into_iter()
        .find(|id| h.sandbox.value(*id, INCIDENT_DATE).is_some())
        .unwrap();
    let before = h.sandbox.value(id, INCIDENT_DATE);
    let refused = ok(&call(
        &h,
        "apply_custom_field",
        json!({"matter_id": id, "field": "Incident Date", "value": "31/02/2024"}),
    )
    .await);
    assert_eq!(refused["outcome"], "refused", "{refused}");
    assert!(
        refused["reason"].as_str().unwrap().contains("date"),
        "{refused}"
    );
    assert_eq!(h.sandbox.value(id, INCIDENT_DATE), before);
    // An empty string is refused (it would clear by accident); null clears on purpose.
    let empty = ok(&call(
        &h,
        "apply_custom_field",
        json!({"matter_id": id, "field": "Incident Date", "value": ""}),
    )
    .await);
    assert_eq!(empty["outcome"], "refused");
    let cleared = ok(&call(
        &h,
        "apply_custom_field",
        json!({"matter_id": id, "field": "Incident Date", "value": null}),
    )
    .await);
    assert_eq!(cleared["outcome"], "changed", "{cleared}");
    assert_eq!(h.sandbox.value(id, INCIDENT_DATE), None);
    // Leaving `value` out is an error, never a clear.
    let missing = error_text(
        &call(
            &h,
            "apply_custom_field",
            json!({"matter_id": id, "field": "Client Address"}),
        )
        .await,
    );
    assert!(missing.contains("value"), "{missing}");
    let unknown = error_text(
        &call(
            &h,
            "apply_custom_field",
            json!({"matter_id": id, "field": "Colour", "value": "x"}),
        )
        .await,
    );
    assert!(
        unknown.contains("Client Address"),
        "lists the fields: {unknown}"
    );
}

#[tokio::test]
async fn a_small_plan_is_applied_in_the_background_with_progress_and_its_job_reports() {
    let person = Person::default();
    let h = start_with(60, ServerSettings::default(), person.clone()).await;
    let ids: Vec<u64> = writable(&h).into_iter().take(20).collect();
    let plan = propose(&h, &ids).await;
    assert!(plan["counts"]["matters_with_changes"].as_u64().unwrap() <= 25);
    let mut params = CallToolRequestParams::new("apply_plan").with_arguments(
        json!({"plan_id": plan["plan_id"], "content_hash": plan["content_hash"]})
            .as_object()
            .unwrap()
            .clone(),
    );
    params.meta = Some(RequestMetaObject::with_progress_token(
        rmcp::model::ProgressToken(rmcp::model::NumberOrString::String("apply-1".into())),
    ));
    let started = ok(&call_with(&h, params).await);
    let job_id = started["job_id"].as_str().unwrap().to_string();
    let done = follow(&h, &job_id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["done"], done["total"]);
    assert_eq!(done["changed"], plan["counts"]["change"], "{done}");
    assert_eq!(done["problems"], json!([]));
    assert!(
        !person.progress.lock().unwrap().is_empty(),
        "progress notifications follow the job"
    );
    // Applying the same plan again answers its completed job and writes nothing more.
    let patches = h.sandbox.stats().patches_applied;
    let again = ok(&call(
        &h,
        "apply_plan",
        json!({"plan_id": plan["plan_id"], "content_hash": plan["content_hash"]}),
    )
    .await);
    assert_eq!(again["job_id"], job_id.as_str());
    assert_eq!(h.sandbox.stats().patches_applied, patches);
}

#[tokio::test]
async fn a_big_plan_or_a_wrong_hash_is_refused_and_nothing_is_written() {
    let h = start(120, ServerSettings::default()).await;
    let plan = propose(&h, &[]).await;
    assert!(plan["counts"]["matters_with_changes"].as_u64().unwrap() > 25);
    let wrong = error_text(
        &call(
            &h,
            "apply_plan",
            json!({"plan_id": plan["plan_id"], "content_hash": "0".repeat(64)}),
        )
        .await,
    );
    assert!(wrong.contains("content hash"), "{wrong}");
    let refused = error_text(
        &call(
            &h,
            "apply_plan",
            json!({"plan_id": plan["plan_id"], "content_hash": plan["content_hash"]}),
        )
        .await,
    );
    let plan_id = plan["plan_id"].as_str().unwrap();
    assert!(
        refused.contains(&format!("clio-mcp plan approve {plan_id}")),
        "{refused}"
    );
    assert_eq!(h.sandbox.stats().patches_applied, 0);
}

#[tokio::test]
async fn a_confirmation_form_asks_the_person_and_a_no_writes_nothing() {
    let no = Person {
        approves: Some(false),
        ..Default::default()
    };
    let h = start_with(120, ServerSettings::default(), no.clone()).await;
    let plan = propose(&h, &[]).await;
    let args = json!({"plan_id": plan["plan_id"], "content_hash": plan["content_hash"]});
    let refused = error_text(&call(&h, "apply_plan", args.clone()).await);
    assert!(refused.contains("clio-mcp plan approve"), "{refused}");
    let asked = no.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].contains(plan["content_hash"].as_str().unwrap()),
        "{asked:?}"
    );
    assert_eq!(h.sandbox.stats().patches_applied, 0);

    let yes = Person {
        approves: Some(true),
        ..Default::default()
    };
    let h = start_with(120, ServerSettings::default(), yes.clone()).await;
    let plan = propose(&h, &[]).await;
    let started = ok(&call(
        &h,
        "apply_plan",
        json!({"plan_id": plan["plan_id"], "content_hash": plan["content_hash"]}),
    )
    .await);
    assert_eq!(yes.asked.lock().unwrap().len(), 1);
    let done = follow(&h, started["job_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed", "{done}");
    let audit = ok(&call(&h, "audit_log", json!({"action": "approval"})).await);
    let approval = &audit["entries"][0];
    assert_eq!(approval["plan_id"], plan["plan_id"]);
    assert!(
        approval["detail"].as_str().unwrap().contains("test-person"),
        "{approval}"
    );
}

#[tokio::test]
async fn a_cancelled_job_stops_after_the_request_in_flight_and_resumes_where_it_stopped() {
    let h = start(
        60,
        ServerSettings {
            job_wait: Duration::from_millis(300),
            ..ServerSettings::default()
        },
    )
    .await;
    let ids: Vec<u64> = writable(&h).into_iter().take(20).collect();
    let plan = propose(&h, &ids).await;
    // Slow answers, so the job is still running when the person cancels it.
    h.sandbox.set_faults(Faults {
        latency: Duration::from_millis(150),
        ..Faults::default()
    });
    let args = json!({"plan_id": plan["plan_id"], "content_hash": plan["content_hash"]});
    let started = ok(&call(&h, "apply_plan", args.clone()).await);
    assert_eq!(started["status"], "running", "{started}");
    let job_id = started["job_id"].as_str().unwrap().to_string();
    let cancelled = ok(&call(&h, "cancel_job", json!({"job_id": job_id})).await);
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    let partial = cancelled["done"].as_u64().unwrap();
    assert!(
        partial < cancelled["total"].as_u64().unwrap(),
        "{cancelled}"
    );
    h.sandbox.set_faults(Faults::default());
    let resumed = ok(&call(&h, "apply_plan", args).await);
    assert_eq!(resumed["job_id"], job_id.as_str());
    let done = follow(&h, &job_id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["changed"], plan["counts"]["change"]);
    let audit = ok(&call(
        &h,
        "audit_log",
        json!({"job_id": job_id, "action": "job-resume"}),
    )
    .await);
    assert_eq!(audit["entries"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_rollback_is_proposed_from_the_audit_log_and_applied_like_any_plan() {
    let h = start(60, ServerSettings::default()).await;
    let ids: Vec<u64> = writable(&h).into_iter().take(15).collect();
    let before: Vec<Option<Value>> = ids
        .iter()
        .map(|id| h.sandbox.value(*id, CLIENT_ADDRESS))
        .collect();
    let plan = propose(&h, &ids).await;
    let started = ok(&call(
        &h,
        "apply_plan",
        json!({"plan_id": plan["plan_id"], "content_hash": plan["content_hash"]}),
    )
    .await);
    let job_id = started["job_id"].as_str().unwrap().to_string();
    assert_eq!(follow(&h, &job_id).await["status"], "completed");
    let rollback = ok(&call(&h, "propose_rollback", json!({"job_id": job_id})).await);
    assert_eq!(rollback["status"], "complete", "{rollback}");
    assert_eq!(rollback["counts"]["change"], plan["counts"]["change"]);
    let undone = ok(&call(
        &h,
        "apply_plan",
        json!({"plan_id": rollback["plan_id"], "content_hash": rollback["content_hash"]}),
    )
    .await);
    assert_eq!(
        follow(&h, undone["job_id"].as_str().unwrap()).await["status"],
        "completed"
    );
    let after: Vec<Option<Value>> = ids
        .iter()
        .map(|id| h.sandbox.value(*id, CLIENT_ADDRESS))
        .collect();
    assert_eq!(after, before);
    let unknown = error_text(&call(&h, "propose_rollback", json!({"job_id": "job-nope"})).await);
    assert!(unknown.contains("nothing to roll back"), "{unknown}");
}

#[tokio::test]
async fn in_redacted_mode_the_write_answers_show_no_value() {
    let h = start(
        60,
        ServerSettings {
            privacy: Privacy::Redacted,
            ..ServerSettings::default()
        },
    )
    .await;
    let id = writable(&h)
        .into_iter()
        .find(|id| h.sandbox.value(*id, CLIENT_ADDRESS).is_some())
        .unwrap();
    let old = h.sandbox.value(id, CLIENT_ADDRESS).unwrap();
    let r = call(
        &h,
        "apply_custom_field",
        json!({"matter_id": id, "field": "Client Address", "value": "77 Secret Lane, Boston, MA 02108"}),
    )
    .await;
    let out = serde_json::to_string(&r).unwrap();
    assert!(!out.contains("Secret"), "{out}");
    assert!(!out.contains(old.as_str().unwrap()), "{out}");
    assert_eq!(ok(&r)["outcome"], "changed");
    // A conflict's reason quotes values: masked too.
    let ids: Vec<u64> = writable(&h).into_iter().take(10).collect();
    let plan = propose(&h, &ids).await;
    let edited = *ids
        .iter()
        .find(|i| **i != id && h.sandbox.value(**i, CLIENT_ADDRESS).is_some())
        .unwrap();
    h.sandbox
        .edit_behind_the_back(edited, CLIENT_ADDRESS, json!("Hidden Hollow Road"));
    let started = ok(&call(
        &h,
        "apply_plan",
        json!({"plan_id": plan["plan_id"], "content_hash": plan["content_hash"]}),
    )
    .await);
    let done = follow(&h, started["job_id"].as_str().unwrap()).await;
    let text = done.to_string();
    assert!(done["conflicts"].as_u64().unwrap() >= 1, "{done}");
    assert!(
        !text.contains("Hidden") && !text.contains("Hollow"),
        "{text}"
    );
}
