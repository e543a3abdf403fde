//! The client against the embedded sandbox: paging, pacing, 429s, retries, refresh, If-Match,
//! the `fields` rules, the value-instance id trap, per-type validation and documents.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use clio_mcp::clio::matters::{MatterQuery, VALUE_READ_FIELDS};
use clio_mcp::clio::types::Matter;
use clio_mcp::clio::writes::ValueWrite;
use clio_mcp::clio::{ApiRequest, ClioClient, ClioError, Method, RetryPolicy};
use clio_mcp::sandbox::seed::{CLIENT_ADDRESS, FIRST_MATTER_ID};
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

fn client(sb: &Sandbox, per_minute: u32) -> ClioClient {
    ClioClient::new(
        &sb.clio_config(NonZeroU32::new(per_minute).unwrap())
            .unwrap(),
        RetryPolicy::fast(),
    )
    .unwrap()
}

/// The first matter this token may open.
fn open_matter(sb: &Sandbox) -> u64 {
    let forbidden = sb.forbidden_matters();
    sb.matter_ids()
        .into_iter()
        .find(|id| !forbidden.contains(id))
        .unwrap()
}

async fn read(c: &ClioClient, id: u64) -> Matter {
    c.get_matter(id, VALUE_READ_FIELDS).await.unwrap()
}

fn value_id(m: &Matter, definition: u64) -> Option<String> {
    m.custom_field_values
        .as_ref()?
        .iter()
        .find(|v| v.definition_id() == Some(definition))?
        .id
        .clone()
}

#[tokio::test]
async fn paging_returns_every_matter_exactly_once() {
    let sb = sandbox(457, 100_000).await;
    let c = client(&sb, 100_000);
    let visible = 457 - sb.forbidden_matters().len();
    assert_eq!(visible, 455);
    for limit in [200, 7] {
        let q = MatterQuery {
            limit: Some(limit),
            fields: Some("id,display_number".into()),
            ..Default::default()
        };
        let all: Vec<Matter> = c.all(q.request()).await.unwrap();
        let ids: Vec<u64> = all.iter().map(|m| m.id).collect();
        let unique: HashSet<u64> = ids.iter().copied().collect();
        // Clio lists only the matters this user may see.
        assert!(!ids.iter().any(|id| sb.forbidden_matters().contains(id)));
        assert_eq!(ids.len(), visible, "limit {limit}");
        assert_eq!(unique.len(), visible, "limit {limit}: a matter came twice");
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ordered by id");
    }
    let pages = c.metrics().requests["GET /matters"];
    assert_eq!(
        pages,
        3 + 65,
        "455 visible matters are 3 pages of 200 and 65 pages of 7"
    );
}

#[tokio::test]
async fn filters_narrow_the_list_and_custom_field_ids_narrow_the_values() {
    let sb = sandbox(120, 100_000).await;
    let c = client(&sb, 100_000);
    let q = MatterQuery {
        ids: vec![FIRST_MATTER_ID + 3, FIRST_MATTER_ID + 9],
        custom_field_ids: vec![CLIENT_ADDRESS],
        fields: Some(VALUE_READ_FIELDS.into()),
        ..Default::default()
    };
    let got: Vec<Matter> = c.all(q.request()).await.unwrap();
    assert_eq!(
        got.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![FIRST_MATTER_ID + 3, FIRST_MATTER_ID + 9]
    );
    for m in &got {
        let values = m.custom_field_values.as_ref().unwrap();
        assert!(
            values
                .iter()
                .all(|v| v.definition_id() == Some(CLIENT_ADDRESS)),
            "{values:?}"
        );
    }
    let closed = MatterQuery {
        status: Some("closed".into()),
        fields: Some("id,status".into()),
        ..Default::default()
    };
    let closed: Vec<Matter> = c.all(closed.request()).await.unwrap();
    assert!(!closed.is_empty() && closed.iter().all(|m| m.status.as_deref() == Some("Closed")));
}

#[tokio::test]
async fn stays_under_the_granted_budget_without_a_single_429() {
    // 240 a minute granted: 20 requests must take at least 19 periods of 250 ms.
    let sb = sandbox(50, 240).await;
    let c = client(&sb, 240);
    let started = Instant::now();
    for _ in 0..20 {
        c.send(ApiRequest::get("users/who_am_i.json"))
            .await
            .unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(19 * 250 - 20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sb.stats().rate_limited, 0);
    assert_eq!(c.metrics().rate_limited, 0);
}

#[tokio::test]
async fn lowers_its_pace_to_the_limit_clio_announces() {
    let sb = sandbox(20, 30).await;
    let c = client(&sb, 6_000);
    c.send(ApiRequest::get("users/who_am_i.json"))
        .await
        .unwrap();
    let status = c.limiter_status();
    assert_eq!(status.effective_per_minute, 30);
    assert_eq!(status.clio_limit, Some(30));
    assert_eq!(status.clio_remaining, Some(29));
}

#[tokio::test]
async fn a_429_waits_retry_after_and_sends_the_same_request_again() {
    let sb = sandbox(30, 100_000).await;
    sb.set_faults(Faults {
        rate_limit_burst: 0.25,
        ..Default::default()
    });
    let c = client(&sb, 100_000);
    let started = Instant::now();
    for _ in 0..8 {
        let me = c
            .send(ApiRequest::get("users/who_am_i.json").query("fields", "id"))
            .await
            .unwrap();
        assert_eq!(me.body["data"]["id"], json!(344_001));
    }
    let seen = sb.stats().rate_limited;
    assert!(seen > 0, "the fault never fired");
    assert_eq!(c.metrics().rate_limited, seen);
    // Each 429 says Retry-After: 1.
    assert!(
        started.elapsed() >= Duration::from_secs(seen),
        "{:?} for {seen} 429s",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_errors_and_resets_on_reads_are_retried() {
    let sb = sandbox(30, 100_000).await;
    sb.set_faults(Faults {
        server_error: 0.3,
        connection_reset: 0.2,
        ..Default::default()
    });
    let c = client(&sb, 100_000);
    for _ in 0..25 {
        c.send(ApiRequest::get("users/who_am_i.json"))
            .await
            .unwrap();
    }
    assert!(sb.stats().faults_injected > 0);
    assert_eq!(c.metrics().retries, sb.stats().faults_injected);
}

#[tokio::test]
async fn an_unguarded_write_that_meets_a_5xx_is_an_unknown_outcome_not_a_retry() {
    let sb = sandbox(20, 100_000).await;
    let c = client(&sb, 100_000);
    let id = open_matter(&sb);
    sb.set_faults(Faults {
        server_error: 1.0,
        ..Default::default()
    });
    let unguarded = ApiRequest::new(Method::PATCH, format!("matters/{id}.json"))
        .json(json!({"data": {"description": "x"}}));
    let err = c.send(unguarded).await.unwrap_err();
    assert!(matches!(err, ClioError::UnknownOutcome { .. }), "{err}");
    assert!(err.to_string().contains("re-read"));
    assert_eq!(c.metrics().retries, 0);
    let guarded = ApiRequest::new(Method::PATCH, format!("matters/{id}.json"))
        .json(json!({"data": {"description": "x"}}))
        .if_match("\"whatever\"");
    let err = c.send(guarded).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClioError::Server {
                status: 503,
                attempts: 5
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_request_goes_through() {
    let sb = Sandbox::start(SandboxOptions {
        matters: 10,
        rate_limit: 100_000,
        omit_refresh_token: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client(&sb, 100_000);
    for round in 1..=2 {
        sb.expire_access_tokens();
        c.who_am_i().await.unwrap();
        // The answer carried no refresh token: the old one must still be in use.
        assert_eq!(c.metrics().token_refreshes, round);
    }
    assert_eq!(sb.stats().token_refreshes, 2);
}

#[tokio::test]
async fn a_refused_token_without_a_refresh_token_says_how_to_log_in_again() {
    let sb = sandbox(10, 100_000).await;
    let mut config = sb.clio_config(NonZeroU32::new(100_000).unwrap()).unwrap();
    config.credentials.refresh_token = None;
    let c = ClioClient::new(&config, RetryPolicy::fast()).unwrap();
    sb.expire_access_tokens();
    let err = c.who_am_i().await.unwrap_err();
    assert!(matches!(err, ClioError::Unauthorized { .. }));
    assert!(err.to_string().contains("Log in again"), "{err}");
    assert!(
        !err.to_string().contains(&sb.access_token),
        "the token leaked into the message"
    );
}

#[tokio::test]
async fn if_match_gives_412_after_someone_else_changed_the_matter() {
    let sb = sandbox(20, 100_000).await;
    let c = client(&sb, 100_000);
    let id = open_matter(&sb);
    let before = read(&c, id).await;
    assert!(sb.edit_behind_the_back(id, CLIENT_ADDRESS, json!("edited in Clio")));
    let write = [ValueWrite::set(
        &before,
        CLIENT_ADDRESS,
        json!("123 MAIN ST"),
    )];
    let err = c
        .write_custom_field_values(&before, &write, "id,etag")
        .await
        .unwrap_err();
    assert!(err.is_precondition_failed(), "{err}");
    assert_eq!(sb.value(id, CLIENT_ADDRESS), Some(json!("edited in Clio")));
    // Re-read, and the write made from the fresh read lands.
    let fresh = read(&c, id).await;
    let write = [ValueWrite::set(
        &fresh,
        CLIENT_ADDRESS,
        json!("123 MAIN ST"),
    )];
    c.write_custom_field_values(&fresh, &write, "id,etag")
        .await
        .unwrap();
    assert_eq!(sb.value(id, CLIENT_ADDRESS), Some(json!("123 MAIN ST")));
}

#[tokio::test]
async fn single_reads_are_served_from_the_etag_cache_when_unchanged() {
    let sb = sandbox(10, 100_000).await;
    let c = client(&sb, 100_000);
    let id = open_matter(&sb);
    let first = read(&c, id).await;
    let second = read(&c, id).await;
    assert_eq!(first, second);
    assert_eq!(c.metrics().not_modified, 1);
    sb.edit_behind_the_back(id, CLIENT_ADDRESS, json!("changed"));
    let third = read(&c, id).await;
    assert_ne!(third.etag, first.etag);
    assert_eq!(c.metrics().not_modified, 1);
}

#[tokio::test]
async fn nested_braces_and_unknown_fields_are_a_400_with_clio_message() {
    let sb = sandbox(10, 100_000).await;
    let c = client(&sb, 100_000);
    let id = open_matter(&sb);
    let err = c
        .get_matter(id, "id,custom_field_values{custom_field{id}}")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(
        err.to_string()
            .contains("custom_field_values{custom_field{id}} is not a valid field"),
        "{err}"
    );
    let err = c.get_matter(id, "id,colour").await.unwrap_err();
    assert!(
        err.to_string().contains("colour is not a valid field"),
        "{err}"
    );
    // Without `fields`, only id and etag come back.
    let bare = c
        .send(ApiRequest::get(format!("matters/{id}.json")))
        .await
        .unwrap();
    let keys: Vec<&String> = bare.body["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["etag", "id"]);
}

#[tokio::test]
async fn a_forbidden_matter_answers_403_and_a_missing_one_404() {
    let sb = sandbox(200, 100_000).await;
    let c = client(&sb, 100_000);
    let forbidden = sb.forbidden_matters()[0];
    let err = c.get_matter(forbidden, "id").await.unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(c.get_matter(42, "id").await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn the_trap_a_definition_id_in_place_of_a_value_instance_id_corrupts_another_matter() {
    let sb = sandbox(600, 100_000).await;
    let c = client(&sb, 100_000);
    // Value number 4101 exists somewhere in the account, on some field of some matter.
    let (victim, victim_field, victim_before) = sb
        .value_record(CLIENT_ADDRESS)
        .expect("value number 4101 exists");
    let target = open_matter(&sb);
    assert_ne!(victim, target);
    let target_before = sb.value(target, CLIENT_ADDRESS);
    let m = read(&c, target).await;
    // Whatever field value number 4101 belongs to, write something valid for its type, so
    // only the id mix-up decides where it lands.
    let defs = c.custom_fields("matter").await.unwrap();
    let victim_type = defs
        .iter()
        .find(|d| d.id == victim_field)
        .map(|d| d.field_type.clone())
        .unwrap();
    let planted = match victim_type.as_str() {
        "date" => json!("1999-12-31"),
        "email" => json!("wrong.place@example.com"),
        "numeric" | "currency" => json!("1"),
        "text_line" | "text_area" => json!("1 WRONG PLACE"),
        other => panic!("seed value 4101 has an unexpected type {other}"),
    };
    // The mistake, sent by hand (clio-mcp's typed writes cannot express it): the definition
    // id where the value-instance id belongs.
    let wrong = ApiRequest::new(Method::PATCH, format!("matters/{target}.json"))
        .query("fields", "id")
        .if_match(m.etag.clone().unwrap())
        .json(json!({"data": {"custom_field_values": [
            {"id": format!("text_line-{CLIENT_ADDRESS}"), "value": planted.clone()}
        ]}}));
    let answer = c.send(wrong).await;
    assert!(answer.is_ok(), "Clio does not refuse it: {answer:?}");
    assert_eq!(
        sb.value(target, CLIENT_ADDRESS),
        target_before,
        "the intended matter is untouched"
    );
    let (owner, field, after) = sb.value_record(CLIENT_ADDRESS).unwrap();
    assert_eq!((owner, field), (victim, victim_field));
    assert_ne!(after, victim_before);
    assert_eq!(after, planted, "another matter's value was overwritten");
    // The right way: a write made from a read of this very matter.
    let fresh = read(&c, target).await;
    let right = [ValueWrite::set(
        &fresh,
        CLIENT_ADDRESS,
        json!("1 RIGHT PLACE"),
    )];
    c.write_custom_field_values(&fresh, &right, "id")
        .await
        .unwrap();
    // And a write made from one matter's read is refused for another, before anything is sent.
    let other = read(&c, victim).await;
    let sent = c.metrics().total_requests;
    let err = c
        .write_custom_field_values(&other, &right, "id")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("made from a read of matter"),
        "{err}"
    );
    assert_eq!(c.metrics().total_requests, sent);
    assert_eq!(
        sb.value(target, CLIENT_ADDRESS),
        Some(json!("1 RIGHT PLACE"))
    );
}

#[tokio::test]
async fn each_field_type_refuses_what_clio_refuses_with_a_422() {
    use clio_mcp::sandbox::seed::*;
    let sb = sandbox(300, 100_000).await;
    let c = client(&sb, 100_000);
    let cases: &[(u64, Value, Value)] = &[
        (PRACTICE_AREA, json!(DELETED_PRACTICE_OPTION), json!(51002)),
        (PRACTICE_AREA, json!("Family Law"), json!(51001)),
        (INCIDENT_DATE, json!("2024-02-30"), json!("2024-02-29")),
        (INCIDENT_DATE, json!("03/14/2024"), json!("2024-03-14")),
        (RETAINER, json!("2500.00"), json!("2500")),
        (RETAINER, json!(1234.56), json!(1234)),
        (CLIENT_EMAIL, json!("not an email"), json!("a@example.com")),
        (
            CASE_WEBSITE,
            json!("ftp://x.example"),
            json!("https://x.example/case"),
        ),
        (SETTLEMENT_ESTIMATE, json!("lots"), json!("1250.50")),
        (CONFLICT_CHECKED, json!("yes"), json!(true)),
        (HEARING_TIME, json!("25:00"), json!("09:30")),
        (
            CLIENT_ADDRESS,
            json!("x".repeat(256)),
            json!("x".repeat(255)),
        ),
        (RELATED_MATTER, json!(5), json!(FIRST_MATTER_ID)),
    ];
    for (definition, bad, good) in cases {
        // A matter that has a value for this field, so the write is an update.
        let id = sb
            .matter_ids()
            .into_iter()
            .find(|id| !sb.forbidden_matters().contains(id) && sb.value(*id, *definition).is_some())
            .unwrap();
        let m = read(&c, id).await;
        assert!(value_id(&m, *definition).is_some());
        let write = |v: &Value| [ValueWrite::set(&m, *definition, v.clone())];
        let err = c
            .write_custom_field_values(&m, &write(bad), "id")
            .await
            .unwrap_err();
        assert_eq!(
            err.status(),
            Some(422),
            "{definition} accepted {bad}: {err}"
        );
        let after = c
            .write_custom_field_values(&m, &write(good), "id,etag")
            .await;
        assert!(after.is_ok(), "{definition} refused {good}: {after:?}");
    }
}

#[tokio::test]
async fn a_value_is_created_on_a_matter_that_has_none_and_can_be_cleared() {
    use clio_mcp::sandbox::seed::FEE_QUOTE;
    let sb = sandbox(200, 100_000).await;
    let c = client(&sb, 100_000);
    let id = sb
        .matter_ids()
        .into_iter()
        .find(|id| !sb.forbidden_matters().contains(id) && sb.value(*id, FEE_QUOTE).is_none())
        .unwrap();
    let m = read(&c, id).await;
    let empty = m
        .custom_field_values
        .as_ref()
        .unwrap()
        .iter()
        .find(|v| v.definition_id() == Some(FEE_QUOTE))
        .unwrap();
    assert!(
        empty.id.is_none(),
        "a displayed field without a value has a null id"
    );
    let create = ValueWrite::set(&m, FEE_QUOTE, json!("2500"));
    assert!(create.is_create());
    let created = c
        .write_custom_field_values(&m, &[create], VALUE_READ_FIELDS)
        .await
        .unwrap();
    assert_eq!(sb.value(id, FEE_QUOTE), Some(json!("2500")));
    // Creating it again (sent by hand: a write made from this read is an update) is refused.
    let again = ApiRequest::new(Method::PATCH, format!("matters/{id}.json"))
        .query("fields", "id")
        .if_match(created.etag.clone().unwrap())
        .json(json!({"data": {"custom_field_values": [
            {"custom_field": {"id": FEE_QUOTE}, "value": "1"}
        ]}}));
    assert_eq!(c.send(again).await.unwrap_err().status(), Some(422));
    assert!(matches!(
        ValueWrite::set(&created, FEE_QUOTE, json!("1")).value_instance_id(),
        Some(v) if v.starts_with("text_line-")
    ));
    let clear = ValueWrite::clear(&created, FEE_QUOTE).unwrap();
    c.write_custom_field_values(&created, &[clear], "id")
        .await
        .unwrap();
    assert_eq!(sb.value(id, FEE_QUOTE), None);
}

#[tokio::test]
async fn a_document_is_uploaded_in_three_calls_without_the_token_reaching_storage() {
    let sb = sandbox(10, 100_000).await;
    let c = client(&sb, 100_000);
    let id = open_matter(&sb);
    let bytes = b"%PDF-1.4 engagement letter".to_vec();
    let doc = c
        .upload_document(id, "engagement.pdf", Some("application/pdf"), bytes.clone())
        .await
        .unwrap();
    assert!(doc.latest_document_version.unwrap().fully_uploaded);
    assert_eq!(sb.document_bytes(doc.id), Some(bytes));
    // The sandbox's storage refuses any Authorization header, as S3 does; the upload passed.
    let forbidden = sb.forbidden_matters();
    if let Some(f) = forbidden.first() {
        assert!(
            c.upload_document(*f, "x.pdf", None, vec![1])
                .await
                .unwrap_err()
                .is_forbidden()
        );
    }
}

#[tokio::test]
async fn a_document_never_marked_uploaded_stays_invisible() {
    let sb = sandbox(10, 100_000).await;
    let c = client(&sb, 100_000);
    let id = open_matter(&sb);
    let created = c
        .send(
            ApiRequest::new(Method::POST, "documents.json")
                .query(
                    "fields",
                    "id,latest_document_version{uuid,put_url,put_headers}",
                )
                .json(json!({"data": {"name": "a.txt", "parent": {"id": id, "type": "Matter"}}})),
        )
        .await
        .unwrap();
    let doc_id = created.body["data"]["id"].as_u64().unwrap();
    assert!(
        c.send(ApiRequest::get(format!("documents/{doc_id}.json")))
            .await
            .unwrap_err()
            .is_not_found()
    );
    let uuid = created.body["data"]["latest_document_version"]["uuid"]
        .as_str()
        .unwrap();
    let finish = ApiRequest::new(Method::PATCH, format!("documents/{doc_id}.json"))
        .json(json!({"data": {"uuid": uuid, "fully_uploaded": true}}));
    let err = c.send(finish).await.unwrap_err();
    assert!(err.to_string().contains("UploadNotFoundError"), "{err}");
}

#[tokio::test]
async fn webhooks_expire_within_thirty_one_days() {
    let sb = sandbox(5, 100_000).await;
    let c = client(&sb, 100_000);
    let create = |expires: Option<String>| {
        let mut data = json!({"url": "https://hooks.example/clio", "model": "matter", "fields": "id", "events": ["updated", "matter_closed"]});
        if let Some(e) = expires {
            data["expires_at"] = json!(e);
        }
        ApiRequest::new(Method::POST, "webhooks.json")
            .query("fields", "id,expires_at,events")
            .json(json!({"data": data}))
    };
    let made = c.send(create(None)).await.unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(made.body["data"]["expires_at"].as_str().unwrap())
            .unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!(
        (71..=72).contains(&days),
        "defaults to three days, got {days} hours"
    );
    let too_far = (chrono::Utc::now() + chrono::Duration::days(40)).to_rfc3339();
    assert_eq!(
        c.send(create(Some(too_far))).await.unwrap_err().status(),
        Some(422)
    );
    let id = made.body["data"]["id"].as_u64().unwrap();
    let renew = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    c.send(
        ApiRequest::new(Method::PATCH, format!("webhooks/{id}.json"))
            .json(json!({"data": {"expires_at": renew}})),
    )
    .await
    .unwrap();
    let bad_event = ApiRequest::new(Method::POST, "webhooks.json").json(json!({"data": {"url": "https://h.example", "model": "contact", "fields": "id", "events": ["matter_closed"]}}));
    assert_eq!(c.send(bad_event).await.unwrap_err().status(), Some(422));
    c.send(ApiRequest::new(
        Method::DELETE,
        format!("webhooks/{id}.json"),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn a_paging_link_to_another_host_is_never_followed() {
    let sb = sandbox(5, 100_000).await;
    let c = client(&sb, 100_000);
    for link in [
        "https://evil.example/api/v4/matters.json?page_token=x",
        "http://127.0.0.1:1/api/v4/matters.json",
        "not a url",
    ] {
        assert!(
            matches!(c.request_for_link(link), Err(ClioError::ForeignUrl { .. })),
            "{link}"
        );
    }
    let own = format!("{}/matters.json?page_token=abc&limit=5", sb.base_url);
    let req = c.request_for_link(&own).unwrap();
    assert_eq!(req.path, "matters.json");
}

#[tokio::test]
async fn a_request_that_cannot_be_sent_is_refused_at_once_and_never_retried() {
    let sb = sandbox(3, 100_000).await;
    let c = client(&sb, 100_000);
    let long = "Z".repeat(100 * 1024);
    let err = c
        .send(ApiRequest::get("matters.json").query("query", long))
        .await
        .unwrap_err();
    assert!(matches!(err, ClioError::Refused { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("not sent to Clio"), "{text}");
    assert!(text.contains("shorten the search text"), "{text}");
    assert!(!text.contains("check the network"), "{text}");
    assert!(!text.contains('Z'), "{text}");
    let m = c.metrics();
    assert_eq!((m.total_requests, m.retries), (0, 0));
    // Nothing was spent: the next request goes out as usual.
    c.send(ApiRequest::get("matters.json")).await.unwrap();
    assert_eq!(c.metrics().total_requests, 1);
}
