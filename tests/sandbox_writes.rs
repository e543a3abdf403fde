//! The sandbox is faithful for writes: a PATCH is all or nothing; two creates of one field,
//! a value named twice, a value of a deleted field and removing a required one are 422s; the
//! trap into a forbidden matter is a 403; an applied-then-5xx fault really applies; a reset
//! sometimes applies a POST; requests before a 429's wait are counted; the write log shows
//! If-Match and where every named value lives.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::num::NonZeroU32;

use clio_mcp::clio::Method;
use clio_mcp::clio::matters::VALUE_READ_FIELDS;
use clio_mcp::clio::types::Matter;
use clio_mcp::clio::writes::ValueWrite;
use clio_mcp::clio::{ApiRequest, ClioClient, RetryPolicy};
use clio_mcp::sandbox::seed::{CLIENT_ADDRESS, CLIENT_PHONE, FEE_QUOTE, OLD_NOTES, PRACTICE_AREA};
use clio_mcp::sandbox::{Faults, Sandbox, SandboxOptions};
use serde_json::{Value, json};

async fn sandbox(matters: u32, rate_limit: u32) -> Sandbox {
    Sandbox::start(SandboxOptions {
        matters,
        rate_limit,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn client(sb: &Sandbox) -> ClioClient {
    let config = sb.clio_config(NonZeroU32::new(100_000).unwrap()).unwrap();
    ClioClient::new(&config, RetryPolicy::fast()).unwrap()
}

/// Open matters with a value for `with` and none for `without` (0 for no condition).
fn matters_where(sb: &Sandbox, with: u64, without: u64) -> Vec<u64> {
    let forbidden = sb.forbidden_matters();
    sb.matter_ids()
        .into_iter()
        .filter(|id| !forbidden.contains(id))
        .filter(|id| with == 0 || sb.value(*id, with).is_some())
        .filter(|id| without == 0 || sb.value(*id, without).is_none())
        .collect()
}

async fn read(c: &ClioClient, id: u64) -> Matter {
    c.get_matter(id, VALUE_READ_FIELDS).await.unwrap()
}

/// A raw PATCH of `custom_field_values` with If-Match, as any HTTP client sends it.
async fn patch(sb: &Sandbox, id: u64, etag: &str, items: Value) -> reqwest::Response {
    reqwest::Client::new()
        .patch(format!("{}/matters/{id}.json?fields=id,etag", sb.base_url))
        .bearer_auth(&sb.access_token)
        .header("if-match", etag)
        .json(&json!({"data": {"custom_field_values": items}}))
        .send()
        .await
        .unwrap()
}

/// Refused with `status`, and nothing changed: the matter keeps its etag.
async fn refused(sb: &Sandbox, c: &ClioClient, id: u64, items: Value, status: u16) -> String {
    let before = read(c, id).await;
    let etag = before.etag.clone().unwrap();
    let answer = patch(sb, id, &etag, items).await;
    assert_eq!(answer.status(), status);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(read(c, id).await.etag.unwrap(), etag, "nothing applied");
    body["error"]["message"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn two_creates_of_one_field_in_one_patch_are_a_422() {
    let sb = sandbox(60, 100_000).await;
    let c = client(&sb);
    let id = matters_where(&sb, 0, FEE_QUOTE)[0];
    let two = json!([
        {"custom_field": {"id": FEE_QUOTE}, "value": "100"},
        {"custom_field": {"id": FEE_QUOTE}, "value": "200"},
    ]);
    let message = refused(&sb, &c, id, two, 422).await;
    assert!(message.contains("already been taken"), "{message}");
    assert_eq!(sb.value(id, FEE_QUOTE), None);
}

#[tokio::test]
async fn the_trap_into_a_forbidden_matter_is_a_403_and_applies_nothing() {
    let sb = sandbox(200, 100_000).await;
    let c = client(&sb);
    let barred = sb.forbidden_matters()[0];
    let their_value = sb.value_instance_id(barred, CLIENT_ADDRESS).unwrap();
    let before = sb.value(barred, CLIENT_ADDRESS);
    let id = matters_where(&sb, CLIENT_PHONE, 0)[0];
    let m = read(&c, id).await;
    let own = m
        .custom_field_values
        .as_ref()
        .unwrap()
        .iter()
        .find(|v| v.definition_id() == Some(CLIENT_PHONE))
        .and_then(|v| v.id.clone())
        .unwrap();
    let items = json!([
        {"id": own, "value": "555-0100"},
        {"id": their_value, "value": "1 WRONG PLACE"},
    ]);
    let message = refused(&sb, &c, id, items, 403).await;
    assert!(message.contains("permission"), "{message}");
    assert_eq!(sb.value(barred, CLIENT_ADDRESS), before);
    assert_ne!(sb.value(id, CLIENT_PHONE), Some(json!("555-0100")));
    let logged = sb.write_log().pop().unwrap();
    assert_eq!((logged.applied, logged.status), (false, 403));
    assert_eq!(logged.named[1].lives_on, Some(barred));
    assert!(!logged.names_only_its_own_values());
}

#[tokio::test]
async fn a_value_of_a_deleted_field_a_value_named_twice_and_a_required_removal_are_422s() {
    let sb = sandbox(200, 100_000).await;
    let c = client(&sb);
    let id = matters_where(&sb, OLD_NOTES, 0)[0];
    let old = sb.value_instance_id(id, OLD_NOTES).unwrap();
    let message = refused(&sb, &c, id, json!([{"id": old, "value": "x"}]), 422).await;
    assert!(message.contains("deleted custom field"), "{message}");
    let id = matters_where(&sb, CLIENT_ADDRESS, 0)[0];
    let address = sb.value_instance_id(id, CLIENT_ADDRESS).unwrap();
    let twice = json!([{"id": address, "value": "1 A ST"}, {"id": address, "value": "2 B ST"}]);
    let message = refused(&sb, &c, id, twice, 422).await;
    assert!(message.contains("more than once"), "{message}");
    let area = sb.value_instance_id(id, PRACTICE_AREA).unwrap();
    let message = refused(&sb, &c, id, json!([{"id": area, "_destroy": true}]), 422).await;
    assert!(message.contains("required"), "{message}");
}

#[tokio::test]
async fn a_patch_with_one_bad_value_applies_none_of_them() {
    let sb = sandbox(60, 100_000).await;
    let c = client(&sb);
    let id = matters_where(&sb, CLIENT_ADDRESS, FEE_QUOTE)[0];
    let before = sb.value(id, CLIENT_ADDRESS);
    let items = json!([
        {"id": sb.value_instance_id(id, CLIENT_ADDRESS).unwrap(), "value": "1 GOOD ST"},
        {"custom_field": {"id": FEE_QUOTE}, "value": "250"},
        {"id": sb.value_instance_id(id, PRACTICE_AREA).unwrap(), "value": "Not an option"},
    ]);
    refused(&sb, &c, id, items, 422).await;
    assert_eq!(sb.value(id, CLIENT_ADDRESS), before);
    assert_eq!(sb.value(id, FEE_QUOTE), None);
}

#[tokio::test]
async fn an_applied_then_5xx_fault_answers_502_without_data_but_the_write_landed() {
    let sb = sandbox(30, 100_000).await;
    let c = client(&sb);
    let id = matters_where(&sb, CLIENT_ADDRESS, 0)[0];
    let m = read(&c, id).await;
    sb.set_faults(Faults {
        applied_then_error: 1.0,
        ..Default::default()
    });
    let vid = sb.value_instance_id(id, CLIENT_ADDRESS).unwrap();
    let answer = patch(
        &sb,
        id,
        m.etag.as_deref().unwrap(),
        json!([{"id": vid, "value": "LANDED"}]),
    )
    .await;
    assert_eq!(answer.status(), 502);
    let body: Value = answer.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(sb.value(id, CLIENT_ADDRESS), Some(json!("LANDED")));
    let logged = sb.write_log().pop().unwrap();
    assert_eq!(logged.fault, Some("applied_then_5xx"));
    assert_eq!((logged.applied, logged.status), (true, 200));
    // POSTs too: the webhook exists though its creation was answered 502.
    let http = reqwest::Client::new();
    let made = http
        .post(format!("{}/webhooks.json", sb.base_url))
        .bearer_auth(&sb.access_token)
        .json(
            &json!({"data": {"url": "https://hooks.example/x", "model": "matter", "fields": "id"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 502);
    sb.set_faults(Faults::default());
    let hooks = c.send(ApiRequest::get("webhooks.json")).await.unwrap();
    assert_eq!(hooks.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(sb.stats().by_status.get(&502), Some(&2));
}

#[tokio::test]
async fn a_connection_reset_applies_a_post_some_of_the_time() {
    let sb = sandbox(5, 100_000).await;
    sb.set_faults(Faults {
        connection_reset: 1.0,
        ..Default::default()
    });
    let http = reqwest::Client::new();
    let tries = 16;
    for _ in 0..tries {
        let sent = http
            .post(format!("{}/webhooks.json", sb.base_url))
            .bearer_auth(&sb.access_token)
            .json(&json!({"data": {"url": "https://hooks.example/x", "model": "matter", "fields": "id"}}))
            .send()
            .await;
        // The answer breaks off: at best a head without a readable body.
        let read = match sent {
            Ok(r) => r.bytes().await.is_ok(),
            Err(_) => false,
        };
        assert!(!read);
    }
    sb.set_faults(Faults::default());
    let hooks = client(&sb)
        .send(ApiRequest::get("webhooks.json"))
        .await
        .unwrap();
    let made = hooks.body["data"].as_array().unwrap().len();
    assert!(0 < made && made < tries, "{made} of {tries} applied");
}

#[tokio::test]
async fn a_client_that_ignores_retry_after_is_counted_early() {
    let sb = sandbox(5, 2).await;
    let http = reqwest::Client::new();
    let get = || {
        http.get(format!("{}/users/who_am_i.json", sb.base_url))
            .bearer_auth(&sb.access_token)
            .send()
    };
    assert_eq!(get().await.unwrap().status(), 200);
    assert_eq!(get().await.unwrap().status(), 200);
    let limited = get().await.unwrap();
    assert_eq!(limited.status(), 429);
    let header = |name: &str| -> u64 { limited.headers()[name].to_str().unwrap().parse().unwrap() };
    let (retry_after, reset) = (header("retry-after"), header("x-ratelimit-reset"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        now + retry_after as f64 >= reset as f64,
        "Retry-After {retry_after} is shorter than the wait until {reset} (now {now})"
    );
    assert_eq!(sb.stats().early_requests, 0, "the 429 itself is not early");
    assert_eq!(get().await.unwrap().status(), 429);
    assert_eq!(get().await.unwrap().status(), 429);
    assert_eq!(sb.stats().early_requests, 2);
}

#[tokio::test]
async fn the_project_client_waits_out_every_retry_after() {
    let sb = sandbox(10, 100_000).await;
    sb.set_faults(Faults {
        rate_limit_burst: 0.2,
        ..Default::default()
    });
    let c = client(&sb);
    // Until one burst of three 429s has been waited out (the seed decides when it comes).
    for _ in 0..30 {
        c.send(ApiRequest::get("users/who_am_i.json"))
            .await
            .unwrap();
        if sb.stats().rate_limited >= 3 {
            break;
        }
    }
    sb.set_faults(Faults::default());
    c.send(ApiRequest::get("users/who_am_i.json"))
        .await
        .unwrap();
    let stats = sb.stats();
    assert!(stats.rate_limited > 0, "the fault never fired");
    assert_eq!(stats.early_requests, 0, "{stats:?}");
}

#[tokio::test]
async fn the_write_log_shows_if_match_and_where_each_named_value_lives() {
    let sb = sandbox(600, 100_000).await;
    let c = client(&sb);
    let id = matters_where(&sb, CLIENT_ADDRESS, FEE_QUOTE)[0];
    let m = read(&c, id).await;
    let writes = [
        ValueWrite::set(&m, CLIENT_ADDRESS, json!("1 RIGHT PLACE")),
        ValueWrite::set(&m, FEE_QUOTE, json!("900")),
    ];
    assert_eq!(
        writes[0].value_instance_id(),
        sb.value_instance_id(id, CLIENT_ADDRESS).as_deref()
    );
    assert!(writes[1].is_create());
    let after = c
        .write_custom_field_values(&m, &writes, "id,etag")
        .await
        .unwrap();
    // The trap: a definition id where the value-instance id belongs.
    let (victim, victim_field, _) = sb.value_record(CLIENT_ADDRESS).unwrap();
    assert_ne!(victim, id);
    let defs = c.custom_fields("matter").await.unwrap();
    let planted = match defs
        .iter()
        .find(|d| d.id == victim_field)
        .unwrap()
        .field_type
        .as_str()
    {
        "date" => json!("1999-12-31"),
        "email" => json!("wrong.place@example.com"),
        "numeric" | "currency" => json!("1"),
        _ => json!("1 WRONG PLACE"),
    };
    // Sent by hand: clio-mcp's typed writes cannot express it.
    let wrong = ApiRequest::new(Method::PATCH, format!("matters/{id}.json"))
        .query("fields", "id")
        .if_match(after.etag.clone().unwrap())
        .json(json!({"data": {"custom_field_values": [
            {"id": format!("text_line-{CLIENT_ADDRESS}"), "value": planted}
        ]}}));
    c.send(wrong).await.unwrap();
    let log = sb.write_log();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|w| w.matter_id == id && w.if_match && w.applied)
    );
    assert!(log[0].names_only_its_own_values());
    assert_eq!(log[0].created, [FEE_QUOTE]);
    assert_eq!(log[1].named[0].lives_on, Some(victim));
    assert!(!log[1].names_only_its_own_values());
    assert_eq!(sb.stats().patches_applied, 2);
}
