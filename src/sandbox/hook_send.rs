//! The sandbox as Clio's webhook sender: the handshake on create, signed deliveries of matter
//! changes (to loopback URLs only), none to an expired subscription, and a webhook clock tests
//! move forward instead of waiting days.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::sandbox::Sandbox;
use crate::sandbox::delta::Delta;
use crate::sandbox::state::{SandboxState, lock};
use crate::sandbox::store::{HookRec, timestamp};

/// How long the sandbox waits for a receiver (it is on loopback).
const SEND_TIMEOUT: StdDuration = StdDuration::from_secs(5);

/// Now, as the webhook rules see it: the real time plus what tests advanced.
pub fn now(state: &SandboxState) -> DateTime<Utc> {
    Utc::now() + *lock(&state.hook_clock)
}

impl Sandbox {
    /// Moves the webhook clock forward by `by`: subscriptions whose `expires_at` it passes
    /// are expired, shown so, and no longer delivered to.
    pub fn advance_webhook_clock(&self, by: Duration) {
        *lock(&self.state.hook_clock) += by;
    }
}

/// `pending` until the handshake is echoed, then `enabled`, and `expired` past `expires_at`.
pub fn status(h: &HookRec, at: DateTime<Utc>) -> &'static str {
    if h.expires_at <= at {
        "expired"
    } else if h.enabled {
        "enabled"
    } else {
        "pending"
    }
}

/// Whether the sandbox will contact `url`: http or https on 127.0.0.1, ::1 or localhost.
pub fn loopback(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        matches!(
            u.host_str(),
            Some("127.0.0.1") | Some("localhost") | Some("[::1]")
        )
    })
}

fn sign(secret: &str, body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

fn http() -> Option<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(SEND_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .ok()
}

/// Clio's handshake: POSTs `X-Hook-Secret` to a loopback `url`; true when the answer is 200
/// and echoes the same secret.
pub async fn handshake(url: &str, secret: &str) -> bool {
    if !loopback(url) {
        return false;
    }
    let Some(client) = http() else { return false };
    match client
        .post(url)
        .header("X-Hook-Secret", secret)
        .send()
        .await
    {
        Ok(answer) => {
            answer.status().as_u16() == 200
                && answer
                    .headers()
                    .get("X-Hook-Secret")
                    .and_then(|v| v.to_str().ok())
                    == Some(secret)
        }
        Err(e) => {
            tracing::info!(error = %e, "the sandbox's webhook handshake got no answer");
            false
        }
    }
}

/// Delivers `event` on matter `id` to every enabled, unexpired matter subscription asking
/// for it, signed with its secret. A receiver answering 410 disables its subscription.
pub async fn matter_changed(state: &SandboxState, id: u64, event: &str) {
    let at = now(state);
    let (targets, data) = {
        let store = state.read();
        let Some(m) = store.matters.get(&id) else {
            return;
        };
        let data =
            json!({"id": id, "etag": store.matter_etag(m), "updated_at": timestamp(m.updated_at)});
        let targets: Vec<(u64, String, String)> = store
            .webhooks
            .values()
            .filter(|h| h.model == "matter" && status(h, at) == "enabled")
            .filter(|h| h.events.iter().any(|e| e == event) && loopback(&h.url))
            .filter_map(|h| Some((h.id, h.url.clone(), h.secret.clone()?)))
            .collect();
        (targets, data)
    };
    if targets.is_empty() {
        return;
    }
    let Some(client) = http() else { return };
    for (hook_id, url, secret) in targets {
        let body = json!({"data": data, "meta": {"event": event, "webhook_id": hook_id}});
        let bytes = body.to_string().into_bytes();
        let sent = client
            .post(&url)
            .header("Content-Type", "application/json")
            .header("X-Hook-Signature", sign(&secret, &bytes))
            .body(bytes)
            .send()
            .await;
        match sent {
            Ok(a) if a.status().as_u16() == 410 => disable(state, hook_id),
            Ok(a) if !a.status().is_success() => {
                tracing::info!(
                    status = a.status().as_u16(),
                    hook_id,
                    "a webhook receiver refused a delivery"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::info!(error = %e, hook_id, "a webhook delivery got no answer"),
        }
    }
}

fn disable(state: &SandboxState, id: u64) {
    let done = state.commit(|store| {
        let mut delta = Delta::new(store);
        if let Some(h) = store.webhooks.get(&id) {
            let mut after = h.clone();
            after.enabled = false;
            after.version += 1;
            delta.webhooks.push(after);
        }
        Ok(delta)
    });
    if done.is_err() {
        tracing::warn!(id, "could not disable a webhook subscription");
    }
}
