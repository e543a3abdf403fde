//! Webhooks as a black box: the sandbox's expiry rules and handshake, the receiver's signature
//! check, a delivery marking a matter stale for a plan, renewal, and the commands end to end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use clio_mcp::audit::{Action, audit_dir, read_all};
use clio_mcp::clio::webhooks::NewWebhook;
use clio_mcp::clio::{ClioClient, RetryPolicy};
use clio_mcp::files::state_db;
use clio_mcp::handler::ServerSettings;
use clio_mcp::sandbox::{Sandbox, SandboxOptions};
use clio_mcp::webhooks::signature::sign;
use clio_mcp::webhooks::{Receiver, WebhookStore, Webhooks, open_receiver, receiver_audit};
use serde_json::{Value, json};

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_clio-mcp");
const RATE: u32 = 60_000;

async fn sandbox(matters: u32) -> Sandbox {
    Sandbox::start(SandboxOptions {
        matters,
        rate_limit: RATE,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn client(sb: &Sandbox) -> ClioClient {
    let config = sb.clio_config(NonZeroU32::new(RATE).unwrap()).unwrap();
    ClioClient::new(&config, RetryPolicy::fast()).unwrap()
}

/// The webhook service on `sb` with its state in `home`.
fn service(sb: &Sandbox, home: &Path) -> Webhooks {
    let store = WebhookStore::open(&state_db(home)).unwrap();
    let audit = receiver_audit(home, "test").unwrap();
    Webhooks::new(client(sb), store, audit).loopback_http(true)
}

/// The URL registered with Clio for subscription `id`: `url` with its `k` token.
fn hook_url(hooks: &Webhooks, id: u64, url: &str) -> String {
    let token = hooks.store().hook(id).unwrap().unwrap().token.unwrap();
    clio_mcp::webhooks::rules::with_token(url, &token)
}

/// `POST /webhooks/clio` served in-process on a free loopback port.
async fn serve(receiver: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = clio_mcp::server::webhooks::router(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/webhooks/clio")
}

/// The `n`th matter this user may change.
fn open_matter(sb: &Sandbox, n: usize) -> u64 {
    let forbidden = sb.forbidden_matters();
    sb.matter_ids()
        .into_iter()
        .filter(|id| !forbidden.contains(id))
        .nth(n)
        .unwrap()
}

fn parse(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A PATCH of a matter's description through the API, as a person's edit in Clio would be.
async fn patch_matter(sb: &Sandbox, id: u64, description: &str) {
    let answer = reqwest::Client::new()
        .patch(format!("{}/matters/{id}.json", sb.base_url))
        .bearer_auth(&sb.access_token)
        .json(&json!({"data": {"description": description}}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
}

async fn post(url: &str, signature: Option<&str>, body: &str) -> u16 {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = signature {
        req = req.header("X-Hook-Signature", s);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn subscriptions_last_three_days_by_default_and_never_beyond_31() {
    let sb = sandbox(5).await;
    let clio = client(&sb);
    let bare = NewWebhook {
        url: "https://hooks.example.com/webhooks/clio".into(),
        model: "matter".into(),
        ..Default::default()
    };
    let no_fields = clio.create_webhook(&bare).await.unwrap_err();
    assert_eq!(
        no_fields.status(),
        Some(422),
        "Clio requires fields: {no_fields}"
    );
    let new = NewWebhook {
        fields: Some("id".into()),
        ..bare
    };
    let before = Utc::now();
    let hook = clio.create_webhook(&new).await.unwrap();
    let expires = parse(hook.expires_at.as_deref().unwrap());
    assert!(expires >= before + Duration::days(3) - Duration::seconds(2));
    assert!(expires <= Utc::now() + Duration::days(3));
    // No handshake reaches a URL off loopback: it stays pending.
    assert_eq!(hook.status.as_deref(), Some("pending"));
    let too_far = |days| NewWebhook {
        expires_at: Some((Utc::now() + Duration::days(days)).to_rfc3339()),
        ..new.clone()
    };
    let refused = clio.create_webhook(&too_far(32)).await.unwrap_err();
    assert_eq!(refused.status(), Some(422), "{refused}");
    assert!(clio.create_webhook(&too_far(30)).await.is_ok());
    let later = (Utc::now() + Duration::days(40)).to_rfc3339();
    let renew = clio
        .update_webhook(hook.id, &later, None)
        .await
        .unwrap_err();
    assert_eq!(renew.status(), Some(422), "{renew}");
}

#[tokio::test]
async fn ensure_answers_the_handshake_keeps_the_secret_owner_only_and_renews_the_second_time() {
    let sb = sandbox(5).await;
    let home = tempfile::tempdir().unwrap();
    let url = serve(open_receiver(home.path()).unwrap()).await;
    let hooks = service(&sb, home.path());
    let events = ["created,updated".to_string()];
    let first = hooks.ensure(&url, "matter", &events, None).await.unwrap();
    assert_eq!(first.action, "created");
    assert_eq!(first.hook.status, "enabled", "the handshake was echoed");
    assert!(first.hook.secret_kept);
    assert_eq!(first.hook.events, ["created", "updated"]);
    let at_clio = client(&sb).get_webhook(first.hook.id).await.unwrap();
    assert_eq!(
        at_clio.fields.as_deref(),
        Some("id,etag,updated_at"),
        "the default --fields"
    );
    let expires = parse(&first.hook.expires_at);
    assert!(expires <= Utc::now() + Duration::days(31));
    assert!(expires > Utc::now() + Duration::days(30));
    let kept = hooks.store().hook(first.hook.id).unwrap().unwrap();
    assert!(kept.secret.as_deref().is_some_and(|s| s.len() >= 32));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let db = state_db(home.path());
        let mut files = vec![db.clone()];
        files.push(db.with_extension("sqlite-wal"));
        for f in files.iter().filter(|f| f.exists()) {
            let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{} holds the secrets", f.display());
        }
    }
    // Clio may repeat the handshake with the secret it gave: echoed; any other is refused.
    let at = hook_url(&hooks, first.hook.id, &url);
    assert_eq!(first.hook.url, url, "the token is never shown");
    let again = |secret: String| {
        let url = at.clone();
        async move {
            let a = reqwest::Client::new()
                .post(&url)
                .header("X-Hook-Secret", secret)
                .send()
                .await
                .unwrap();
            (
                a.status().as_u16(),
                a.headers().get("X-Hook-Secret").cloned(),
            )
        }
    };
    let (status, echoed) = again(kept.secret.clone().unwrap()).await;
    assert_eq!(
        (status, echoed.unwrap().to_str().unwrap().to_string()),
        (200, kept.secret.clone().unwrap())
    );
    assert_eq!(again("planted-by-a-stranger".into()).await.0, 403);
    let second = hooks.ensure(&url, "matter", &events, None).await.unwrap();
    assert_eq!(second.action, "renewed");
    assert_eq!(second.hook.id, first.hook.id);
    assert_eq!(hooks.list().await.unwrap().len(), 1);
    let audit = read_all(&audit_dir(home.path())).unwrap();
    let outcomes: Vec<_> = audit
        .iter()
        .filter(|e| e.action == Action::Webhook)
        .map(|e| e.outcome.clone().unwrap_or_default())
        .collect();
    assert_eq!(outcomes, ["created", "renewed"]);
    assert!(
        audit.iter().all(|e| !e
            .detail
            .as_deref()
            .unwrap_or("")
            .contains(&kept.secret.clone().unwrap())),
        "no secret in the audit log"
    );
}

#[tokio::test]
async fn a_handshake_nobody_awaits_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let url = serve(open_receiver(home.path()).unwrap()).await;
    let answer = reqwest::Client::new()
        .post(&url)
        .header("X-Hook-Secret", "attacker-chosen")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 403);
    assert!(answer.headers().get("X-Hook-Secret").is_none());
}

/// A handshake at `url` carrying `secret`: its status.
async fn handshake(url: &str, secret: &str) -> u16 {
    let a = reqwest::Client::new()
        .post(url)
        .header("X-Hook-Secret", secret);
    a.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_strangers_handshake_during_an_ensure_is_not_kept_and_clios_still_is() {
    let sb = sandbox(5).await;
    let home = tempfile::tempdir().unwrap();
    let url = serve(open_receiver(home.path()).unwrap()).await;
    let hooks = service(&sb, home.path());
    // A subscription awaits its handshake, as during an ensure: a stranger races Clio to it,
    // at the bare URL and with a guessed token.
    let (local, token) = hooks.store().begin(&url, "matter").unwrap();
    assert_eq!(token.len(), 32, "128 random bits");
    let guessed = clio_mcp::webhooks::rules::with_token(&url, &"0".repeat(32));
    assert_eq!(handshake(&url, "planted").await, 403);
    assert_eq!(handshake(&guessed, "planted").await, 403);
    let pending = hooks.store().hooks().unwrap();
    let pending = pending.iter().find(|h| h.local_id == local).unwrap();
    assert_eq!(pending.secret, None, "nothing planted");
    let made = hooks.ensure(&url, "matter", &[], None).await.unwrap().hook;
    assert_eq!((made.status.as_str(), made.secret_kept), ("enabled", true));
    let kept = hooks.store().hook(made.id).unwrap().unwrap();
    assert_ne!(kept.secret.as_deref(), Some("planted"));
    let at = hook_url(&hooks, made.id, &url);
    assert_eq!(
        handshake(&at, "planted").await,
        403,
        "nor planted afterwards"
    );
    let body = json!({"data": {"id": 1}, "meta": {"event": "updated"}}).to_string();
    assert_eq!(
        post(&at, Some(&sign("planted", body.as_bytes())), &body).await,
        401
    );
}

#[tokio::test]
async fn signed_deliveries_are_recorded_and_unsigned_or_badly_signed_ones_get_401() {
    let sb = sandbox(5).await;
    let home = tempfile::tempdir().unwrap();
    let clio = client(&sb);
    let matter = open_matter(&sb, 0);
    clio.get_matter(matter, "id,etag").await.unwrap();
    clio.get_matter(matter, "id,etag").await.unwrap();
    assert_eq!(clio.metrics().not_modified, 1, "the second read was a 304");
    let forget = clio.clone();
    let receiver = open_receiver(home.path())
        .unwrap()
        .on_matter_change(Arc::new(move |id| forget.forget_matter(id)));
    let url = serve(receiver).await;
    let hooks = service(&sb, home.path());
    let hook = hooks.ensure(&url, "matter", &[], None).await.unwrap().hook;
    let secret = hooks
        .store()
        .hook(hook.id)
        .unwrap()
        .unwrap()
        .secret
        .unwrap();
    let body = json!({"data": {"id": matter}, "meta": {"event": "updated", "webhook_id": hook.id}})
        .to_string();
    let signed = sign(&secret, body.as_bytes());
    assert_eq!(post(&url, Some(&signed), &body).await, 401, "no token");
    let url = hook_url(&hooks, hook.id, &url);
    assert_eq!(post(&url, None, &body).await, 401, "unsigned");
    assert_eq!(
        post(&url, Some(&sign("wrong", body.as_bytes())), &body).await,
        401
    );
    let tampered = body.replace("updated", "deleted");
    assert_eq!(
        post(&url, Some(&sign(&secret, body.as_bytes())), &tampered).await,
        401
    );
    assert!(
        hooks.store().deliveries(10).unwrap().is_empty(),
        "nothing refused is recorded"
    );
    assert_eq!(
        post(&url, Some(&sign(&secret, body.as_bytes())), &body).await,
        200
    );
    let got = hooks.store().deliveries(10).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (
            got[0].model.as_str(),
            got[0].record_id,
            got[0].event.as_str(),
            got[0].webhook_id
        ),
        ("matter", Some(matter), "updated", Some(hook.id))
    );
    let audit = read_all(&audit_dir(home.path())).unwrap();
    let delivery = audit
        .iter()
        .find(|e| e.action == Action::WebhookDelivery)
        .expect("the delivery is in the audit log");
    assert_eq!(delivery.matter_id, Some(matter));
    assert_eq!(delivery.outcome.as_deref(), Some("updated"));
    // The cached copy was forgotten: the next read is a full one, not a 304 from memory.
    clio.get_matter(matter, "id,etag").await.unwrap();
    assert_eq!(clio.metrics().not_modified, 1);
}

#[tokio::test]
async fn a_matter_edited_in_clio_is_delivered_and_get_plan_names_it_as_changed_since_proposal() {
    let h = common::start(60, ServerSettings::default()).await;
    let args = json!({"fields": ["Client Address"], "rule": {"rule": "address"}});
    let plan = common::call(&h, "propose_normalization", args).await;
    let plan = plan.structured_content.unwrap();
    assert_eq!(plan["status"], "complete", "{plan}");
    let plan_id = plan["plan_id"].as_str().unwrap().to_string();
    let step = |v: &Value| v["next_step"].as_str().unwrap().to_string();
    assert!(
        !step(&plan).contains("Changed in Clio"),
        "nothing changed yet"
    );
    let changing = plan["matters"][0]["matter_id"].as_u64().unwrap();
    let mut in_plan = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut args = json!({"plan_id": plan_id, "limit": 50});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let page = common::call(&h, "get_plan", args)
            .await
            .structured_content
            .unwrap();
        in_plan.extend(
            page["matters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["matter_id"].as_u64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let forbidden = h.sandbox.forbidden_matters();
    let untouched = h
        .sandbox
        .matter_ids()
        .into_iter()
        .find(|id| !in_plan.contains(id) && !forbidden.contains(id));
    let url = serve(open_receiver(h.home.path()).unwrap()).await;
    let hooks = service(&h.sandbox, h.home.path());
    let events = ["updated".to_string()];
    hooks.ensure(&url, "matter", &events, None).await.unwrap();
    patch_matter(&h.sandbox, changing, "Edited in Clio").await;
    let delivered = hooks.store().deliveries(10).unwrap();
    assert_eq!(
        delivered.len(),
        1,
        "the sandbox delivered the PATCH before answering it"
    );
    assert_eq!(delivered[0].record_id, Some(changing));
    let view = common::call(&h, "get_plan", json!({"plan_id": plan_id})).await;
    let view = view.structured_content.unwrap();
    let said = format!("Changed in Clio since this plan was proposed: matters {changing}.");
    assert!(step(&view).starts_with(&said), "{view}");
    assert!(step(&view).contains("re-reads"));
    if let Some(other) = untouched {
        patch_matter(&h.sandbox, other, "Not in the plan").await;
        let view = common::call(&h, "get_plan", json!({"plan_id": plan_id})).await;
        let view = view.structured_content.unwrap();
        assert!(
            step(&view).starts_with(&said),
            "a matter outside the plan is not named: {view}"
        );
    }
}

#[tokio::test]
async fn an_expired_subscription_is_shown_expired_and_gets_no_more_deliveries() {
    let sb = sandbox(5).await;
    let home = tempfile::tempdir().unwrap();
    let url = serve(open_receiver(home.path()).unwrap()).await;
    let hooks = service(&sb, home.path());
    let hook = hooks.ensure(&url, "matter", &[], None).await.unwrap().hook;
    let matter = open_matter(&sb, 0);
    patch_matter(&sb, matter, "One").await;
    assert_eq!(hooks.store().deliveries(10).unwrap().len(), 1);
    sb.advance_webhook_clock(Duration::days(32));
    let listed = hooks.list().await.unwrap();
    assert_eq!(listed[0].id, hook.id);
    assert_eq!(listed[0].status, "expired");
    patch_matter(&sb, matter, "Two").await;
    assert_eq!(
        hooks.store().deliveries(10).unwrap().len(),
        1,
        "none after expiry"
    );
}

#[tokio::test]
async fn document_deliveries_are_accepted_and_mark_no_matter_changed() {
    let sb = sandbox(5).await;
    let home = tempfile::tempdir().unwrap();
    let url = serve(open_receiver(home.path()).unwrap()).await;
    let hooks = service(&sb, home.path());
    let matter_hook = hooks.ensure(&url, "matter", &[], None).await.unwrap().hook;
    let doc_hook = hooks
        .ensure(&url, "document", &[], None)
        .await
        .unwrap()
        .hook;
    assert_ne!(matter_hook.id, doc_hook.id);
    let secret = |id| hooks.store().hook(id).unwrap().unwrap().secret.unwrap();
    assert_ne!(
        secret(matter_hook.id),
        secret(doc_hook.id),
        "one secret per subscription"
    );
    let body =
        json!({"data": {"id": 4242}, "meta": {"event": "created", "webhook_id": doc_hook.id}})
            .to_string();
    let signed = sign(&secret(doc_hook.id), body.as_bytes());
    let matter_url = hook_url(&hooks, matter_hook.id, &url);
    assert_eq!(
        post(&matter_url, Some(&signed), &body).await,
        401,
        "not its secret"
    );
    let url = hook_url(&hooks, doc_hook.id, &url);
    assert_eq!(post(&url, Some(&signed), &body).await, 200);
    let got = hooks.store().deliveries(10).unwrap();
    assert_eq!(
        (got[0].model.as_str(), got[0].record_id),
        ("document", Some(4242))
    );
    assert!(
        hooks
            .store()
            .matters_changed_since("2000-01-01T00:00:00.000Z")
            .unwrap()
            .is_empty()
    );
}

/// A client of `sb` through a proxy that refuses (422) every PATCH of webhook `bad`.
async fn client_failing_renewal_of(
    sb: &Sandbox,
    bad: Arc<std::sync::atomic::AtomicU64>,
) -> ClioClient {
    use axum::http::{HeaderMap, Method, Uri};
    use axum::response::IntoResponse;
    let origin = sb.base_url.trim_end_matches("/api/v4").to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let forward = move |method: Method, uri: Uri, headers: HeaderMap, body: axum::body::Bytes| {
        let (origin, bad) = (origin.clone(), bad.clone());
        async move {
            let id = bad.load(std::sync::atomic::Ordering::SeqCst);
            if method == Method::PATCH && uri.path().ends_with(&format!("/webhooks/{id}.json")) {
                let e = json!({"error": {"type": "ValidationError", "message": "refused"}});
                return (axum::http::StatusCode::UNPROCESSABLE_ENTITY, axum::Json(e))
                    .into_response();
            }
            let mut req = reqwest::Client::new()
                .request(method, format!("{origin}{uri}"))
                .body(body);
            for (k, v) in headers.iter().filter(|(k, _)| *k != "host") {
                req = req.header(k, v);
            }
            let a = req.send().await.unwrap();
            let status = axum::http::StatusCode::from_u16(a.status().as_u16()).unwrap();
            let ct = a.headers().get("content-type").cloned();
            let bytes = a.bytes().await.unwrap();
            let mut r = (status, bytes).into_response();
            if let Some(ct) = ct {
                r.headers_mut().insert("content-type", ct);
            }
            r
        }
    };
    let app = axum::Router::new().fallback(forward);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut config = sb.clio_config(NonZeroU32::new(RATE).unwrap()).unwrap();
    config.base_url = clio_mcp::config::parse_base_url(&format!("{proxy}/api/v4")).unwrap();
    ClioClient::new(&config, RetryPolicy::fast()).unwrap()
}

#[tokio::test]
async fn one_failed_renewal_does_not_stop_the_others_and_is_reported() {
    let sb = sandbox(5).await;
    let home = tempfile::tempdir().unwrap();
    let url = serve(open_receiver(home.path()).unwrap()).await;
    let bad = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let store = WebhookStore::open(&state_db(home.path())).unwrap();
    let audit = receiver_audit(home.path(), "test").unwrap();
    let proxied = client_failing_renewal_of(&sb, bad.clone()).await;
    let hooks = Webhooks::new(proxied, store, audit).loopback_http(true);
    let mut ids = Vec::new();
    for model in ["matter", "contact", "task"] {
        ids.push(hooks.ensure(&url, model, &[], None).await.unwrap().hook.id);
    }
    bad.store(ids[0], std::sync::atomic::Ordering::SeqCst);
    let report = hooks.renew(Duration::days(31), false).await.unwrap();
    assert_eq!(report.len(), 3, "{report:?}");
    let failed: Vec<u64> = report.iter().filter(|r| r.failed()).map(|r| r.id).collect();
    assert_eq!(failed, [ids[0]], "{report:?}");
    assert!(
        report[0].error.as_deref().unwrap().contains("refused"),
        "{report:?}"
    );
    let renewed: Vec<u64> = report
        .iter()
        .filter(|r| r.outcome == "renewed")
        .map(|r| r.id)
        .collect();
    assert_eq!(
        renewed,
        [ids[1], ids[2]],
        "the later ones were still renewed"
    );
}

#[tokio::test]
async fn ensure_leaves_a_subscription_not_made_here_alone_and_names_webhooks_delete() {
    let sb = sandbox(5).await;
    let home = tempfile::tempdir().unwrap();
    let url = serve(open_receiver(home.path()).unwrap()).await;
    let theirs = client(&sb)
        .create_webhook(&NewWebhook {
            url: url.clone(),
            model: "matter".into(),
            fields: Some("id".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let hooks = service(&sb, home.path());
    let e = hooks
        .ensure(&url, "matter", &[], None)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains(&format!("webhooks delete {}", theirs.id)), "{e}");
    let listed = hooks.list().await.unwrap();
    assert_eq!(listed.len(), 1, "nothing created, nothing deleted");
    assert_eq!(listed[0].id, theirs.id);
    let report = hooks.renew(Duration::days(7), false).await.unwrap();
    assert_eq!(
        (report[0].id, report[0].outcome.as_str()),
        (theirs.id, "not-ours")
    );
    assert_eq!(
        hooks.list().await.unwrap()[0].expires_at,
        listed[0].expires_at
    );
}

#[tokio::test]
async fn a_pending_subscription_is_created_again_with_a_warning_not_renewed() {
    let sb = sandbox(5).await;
    let home = tempfile::tempdir().unwrap();
    // Nothing listens here: Clio's handshake fails and the subscription stays pending.
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhooks/clio", gone.local_addr().unwrap());
    drop(gone);
    let hooks = service(&sb, home.path());
    let first = hooks.ensure(&url, "matter", &[], None).await.unwrap();
    assert_eq!(first.hook.status, "pending");
    assert!(
        first.warnings.iter().any(|w| w.contains("pending")),
        "{:?}",
        first.warnings
    );
    let second = hooks.ensure(&url, "matter", &[], None).await.unwrap();
    assert_eq!(second.action, "created", "a pending one is not renewed");
    assert_ne!(second.hook.id, first.hook.id);
    let replaced = format!("webhook {} was pending", first.hook.id);
    assert!(
        second.warnings.iter().any(|w| w.contains(&replaced)),
        "{:?}",
        second.warnings
    );
    assert_eq!(hooks.list().await.unwrap().len(), 1);
}

/// A receiver that echoes the handshake and answers every delivery with 410 Gone.
async fn gone_receiver() -> (String, Arc<std::sync::atomic::AtomicU32>) {
    use axum::http::HeaderMap;
    use axum::response::IntoResponse;
    use std::sync::atomic::{AtomicU32, Ordering};
    let count = Arc::new(AtomicU32::new(0));
    let seen = count.clone();
    let app = axum::Router::new().route(
        "/webhooks/clio",
        axum::routing::post(move |headers: HeaderMap| {
            let seen = seen.clone();
            async move {
                match headers.get("x-hook-secret") {
                    Some(s) => {
                        (axum::http::StatusCode::OK, [("x-hook-secret", s.clone())]).into_response()
                    }
                    None => {
                        seen.fetch_add(1, Ordering::SeqCst);
                        axum::http::StatusCode::GONE.into_response()
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/webhooks/clio"), count)
}

#[tokio::test]
async fn a_receiver_answering_410_disables_its_subscription() {
    use std::sync::atomic::Ordering;
    let sb = sandbox(5).await;
    let (url, deliveries) = gone_receiver().await;
    let clio = client(&sb);
    let hook = clio
        .create_webhook(&NewWebhook {
            url: url.clone(),
            model: "matter".into(),
            fields: Some("id".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(hook.status.as_deref(), Some("enabled"));
    let matter = open_matter(&sb, 0);
    patch_matter(&sb, matter, "One").await;
    assert_eq!(deliveries.load(Ordering::SeqCst), 1);
    assert_eq!(
        clio.get_webhook(hook.id).await.unwrap().status.as_deref(),
        Some("pending")
    );
    patch_matter(&sb, matter, "Two").await;
    assert_eq!(
        deliveries.load(Ordering::SeqCst),
        1,
        "nothing more after 410"
    );
}

#[tokio::test]
async fn a_job_names_the_matters_changed_since_the_proposal_and_writes_them_from_a_fresh_read() {
    use clio_mcp::jobs::{JobStatus, Origin};
    use clio_mcp::plan::ItemClass;
    use clio_mcp::plan::request::ProposeRequest;
    let sb = sandbox(60).await;
    let home = tempfile::tempdir().unwrap();
    let services = clio_mcp::app::open_state(client(&sb), home.path())
        .await
        .unwrap();
    let req = ProposeRequest {
        fields: vec!["Client Address".into()],
        rule: Some(serde_json::from_value(json!({"rule": "address"})).unwrap()),
        ..Default::default()
    };
    let id = services.planner.start(req, "test").await.unwrap();
    let plan = services
        .planner
        .wait(&id, std::time::Duration::from_secs(120))
        .await
        .unwrap();
    let forbidden = sb.forbidden_matters();
    let items = services.planner.items(&id).await.unwrap();
    let change = items
        .iter()
        .find(|i| i.class == ItemClass::Change && !forbidden.contains(&i.matter_id))
        .unwrap()
        .clone();
    let url = serve(open_receiver(home.path()).unwrap()).await;
    let events = ["updated".to_string()];
    let hooks = service(&sb, home.path());
    hooks.ensure(&url, "matter", &events, None).await.unwrap();
    // A person edits the matter in Clio: its etag moves on from the one the plan read.
    patch_matter(&sb, change.matter_id, "Edited in Clio").await;
    let jobs = &services.jobs;
    let hash = plan.content_hash.clone().unwrap();
    jobs.approve(&plan.id, &hash, "tester", "test")
        .await
        .unwrap();
    let job = jobs
        .prepare(&plan.id, &hash, Origin::Person, "test")
        .await
        .unwrap();
    let view = jobs
        .view(&job.id, None, 50, Default::default())
        .await
        .unwrap();
    let said = format!(
        "Changed in Clio since the plan was proposed: matters {}.",
        change.matter_id
    );
    assert!(view.next_step.starts_with(&said), "{}", view.next_step);
    let writes_before = sb.write_log().len();
    let done = jobs
        .run(&job.id, tokio_util::sync::CancellationToken::new(), &|_| {})
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Completed);
    assert_eq!(
        sb.value(change.matter_id, change.field_id),
        Some(json!(change.new.clone().unwrap())),
        "the value landed"
    );
    // Written from a fresh read: its If-Match was the new etag, never a 412 on the old one.
    let patches: Vec<u16> = sb.write_log()[writes_before..]
        .iter()
        .filter(|w| w.matter_id == change.matter_id)
        .map(|w| w.status)
        .collect();
    assert_eq!(patches, [200]);
    let view = jobs
        .view(&job.id, None, 50, Default::default())
        .await
        .unwrap();
    assert!(
        !view.next_step.contains("Changed in Clio"),
        "a completed job says no more"
    );
}

// ---- the commands, as a person or cron runs them ----

fn cli(home: &Path, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .arg("--home")
        .arg(home)
        .arg("webhooks")
        .args(args)
        .env_remove("CLIO_MCP_HOME")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    out
}

fn ok(home: &Path, args: &[&str]) -> String {
    let out = cli(home, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn refused(home: &Path, args: &[&str]) -> String {
    let out = cli(home, args);
    assert_eq!(out.status.code(), Some(2), "{args:?} should be refused");
    String::from_utf8(out.stderr).unwrap()
}

/// `webhooks listen` in the background and the address it printed.
fn listen(home: &Path, extra: &[&str]) -> (Child, SocketAddr) {
    let mut child = Command::new(BIN)
        .arg("--home")
        .arg(home)
        .args(["webhooks", "listen", "--bind", "127.0.0.1:0"])
        .args(extra)
        .env_remove("CLIO_MCP_HOME")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("listen stopped before it bound")
            .unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    (child, addr)
}

#[test]
fn bad_flags_are_refused_naming_the_flag() {
    let home = tempfile::tempdir().unwrap();
    let p = home.path();
    assert!(refused(p, &["renew", "--within", "7x", "--sandbox"]).contains("--within"));
    let huge = refused(p, &["renew", "--within", "9999999999999999w", "--sandbox"]);
    assert!(
        huge.contains("--within") && !huge.contains("panicked"),
        "{huge}"
    );
    let e = refused(
        p,
        &[
            "ensure",
            "--url",
            "https://h.example/webhooks/clio",
            "--model",
            "matters",
            "--sandbox",
        ],
    );
    assert!(e.contains("--model"), "{e}");
    let e = refused(
        p,
        &[
            "ensure",
            "--url",
            "http://h.example/x",
            "--model",
            "matter",
            "--sandbox",
        ],
    );
    assert!(e.contains("--url"), "{e}");
    let e = refused(
        p,
        &[
            "ensure",
            "--url",
            "https://h.example/x",
            "--model",
            "contact",
            "--events",
            "matter_closed",
            "--sandbox",
        ],
    );
    assert!(e.contains("--events"), "{e}");
    let e = refused(p, &["listen", "--bind", "0.0.0.0:0"]);
    assert!(e.contains("--allow-remote"), "{e}");
}

#[tokio::test]
async fn the_sandbox_delivers_to_a_listen_process_and_renew_within_renews_what_expires_soon() {
    let home = tempfile::tempdir().unwrap();
    let p = home.path().to_path_buf();
    let (mut child, addr) = listen(&p, &["--sandbox"]);
    let url = format!("http://{addr}/webhooks/clio");
    let args = [
        "ensure",
        "--sandbox",
        "--url",
        &url,
        "--model",
        "matter",
        "--events",
        "created,updated",
    ];
    // The commands block this thread; nothing in this process serves them meanwhile.
    let out = ok(&p, &args);
    assert!(out.starts_with("created webhook"), "{out}");
    assert!(out.contains("enabled"), "{out}");
    // The same account, opened here: its PATCH goes to the listener, signed with the secret
    // the handshake gave it.
    let sb = Sandbox::start(SandboxOptions {
        matters: clio_mcp::app::SANDBOX_MATTERS,
        rate_limit: clio_mcp::app::SANDBOX_RATE,
        state_dir: Some(clio_mcp::app::sandbox_account_dir(&p)),
        ..Default::default()
    })
    .await
    .unwrap();
    let matter = open_matter(&sb, 3);
    patch_matter(&sb, matter, "Edited while listening").await;
    let store = WebhookStore::open(&state_db(&p.join("sandbox"))).unwrap();
    let got = store.deliveries(10).unwrap();
    assert_eq!(got.len(), 1, "the listener recorded the delivery");
    assert_eq!(
        (got[0].record_id, got[0].event.as_str()),
        (Some(matter), "updated")
    );
    child.kill().unwrap();
    child.wait().unwrap();

    // One subscription at Clio's default 3 days, one at 31: only the first is due.
    let short = client(&sb)
        .create_webhook(&NewWebhook {
            url: "https://hooks.example.com/webhooks/clio".into(),
            model: "contact".into(),
            fields: Some("id".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    // Not made from this machine: reported and left alone unless --all.
    let out = ok(&p, &["renew", "--within", "7d", "--sandbox"]);
    assert!(
        out.contains(&format!("skipped webhook {}", short.id)),
        "{out}"
    );
    assert!(out.contains("--all"), "{out}");
    let out = ok(
        &p,
        &["renew", "--within", "7d", "--sandbox", "--json", "--all"],
    );
    let renewed: Value = serde_json::from_str(out.trim()).unwrap();
    let renewed = renewed.as_array().unwrap();
    assert_eq!(renewed.len(), 1, "{out}");
    assert_eq!(renewed[0]["id"], short.id);
    assert_eq!(renewed[0]["outcome"], "renewed");
    let now = parse(renewed[0]["expires_at"].as_str().unwrap());
    assert!(now > Utc::now() + Duration::days(30) && now <= Utc::now() + Duration::days(31));
    let again = ok(&p, &["renew", "--sandbox"]);
    assert!(again.contains("nothing renewed"), "{again}");
    let list = ok(&p, &["list", "--sandbox"]);
    assert_eq!(list.lines().count(), 2, "{list}");
    sb.stop().await;
}

#[tokio::test]
async fn serve_http_mounts_the_receiver_outside_the_host_check() {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .arg("--home")
        .arg(home.path())
        .args(["serve", "--sandbox", "--http", "127.0.0.1:0"])
        .env_remove("CLIO_MCP_HOME")
        .env_remove("CLIO_MCP_HTTP_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr: SocketAddr = loop {
        let line = lines.next().expect("serve stopped").unwrap();
        if line.contains("/webhooks/clio") {
            let rest = line.split("http://").nth(1).unwrap();
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    let http = reqwest::Client::new();
    // Through a tunnel the Host is the tunnel's: the MCP route refuses it, the receiver does
    // not, and still wants a signature.
    let hook = http
        .post(format!("http://{addr}/webhooks/clio"))
        .header("Host", "hooks.example.com")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status().as_u16(), 401);
    let mcp = http
        .post(format!("http://{addr}/mcp"))
        .header("Host", "hooks.example.com")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(mcp.status().as_u16(), 403);
    let big = "x".repeat(1024 * 1024 + 512);
    let too_big = http
        .post(format!("http://{addr}/webhooks/clio"))
        .header("X-Hook-Signature", "00")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status().as_u16(), 413);
    child.kill().unwrap();
    child.wait().unwrap();
}
