//! What the receiver does with one POST: a handshake keeps its secret for the subscription
//! awaiting one and is echoed; a delivery is checked against the subscription's secret (401
//! when unsigned or badly signed), recorded in the state store and the audit log, and a
//! matter change marks that matter stale.

use std::sync::Arc;

use serde_json::Value;

use super::WebhookError;
use super::signature;
use super::store::{Delivery, WebhookStore, now};
use crate::audit::{Action, AuditEvent, AuditLog};

/// The largest body the receiver reads: Clio's deliveries carry one record's selected fields.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Told of each matter a delivery says changed (e.g. to forget a cached copy of it).
pub type OnMatterChange = Arc<dyn Fn(u64) + Send + Sync>;

/// The answer to one POST.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// 200 with `X-Hook-Secret` set to this.
    Handshake(String),
    /// 200: recorded.
    Accepted(Delivery),
    /// Refused with this HTTP status and reason (the reason is safe to send back).
    Refused(u16, String),
}

/// The receiving side of every subscription of one account.
#[derive(Clone)]
pub struct Receiver {
    store: WebhookStore,
    audit: Arc<AuditLog>,
    on_matter_change: Option<OnMatterChange>,
}

impl Receiver {
    pub fn new(store: WebhookStore, audit: Arc<AuditLog>) -> Receiver {
        Receiver {
            store,
            audit,
            on_matter_change: None,
        }
    }

    /// Calls `f` with the id of every matter a verified delivery says changed.
    pub fn on_matter_change(mut self, f: OnMatterChange) -> Receiver {
        self.on_matter_change = Some(f);
        self
    }

    pub fn store(&self) -> &WebhookStore {
        &self.store
    }

    /// Handles one POST from its URL token (the `k` query parameter), `X-Hook-Secret` and
    /// `X-Hook-Signature` headers and raw body.
    pub fn receive(
        &self,
        token: Option<&str>,
        hook_secret: Option<&str>,
        sig: Option<&str>,
        body: &[u8],
    ) -> Received {
        match self.try_receive(token, hook_secret, sig, body) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "could not record a webhook request");
                Received::Refused(500, "the receiver could not record this request".into())
            }
        }
    }

    fn try_receive(
        &self,
        token: Option<&str>,
        hook_secret: Option<&str>,
        sig: Option<&str>,
        body: &[u8],
    ) -> Result<Received, WebhookError> {
        let token = token.map(str::trim).filter(|t| !t.is_empty());
        if let Some(secret) = hook_secret.map(str::trim).filter(|s| !s.is_empty()) {
            if self.store.take_handshake(token, secret)? {
                tracing::info!("webhook handshake answered; its secret is kept");
                return Ok(Received::Handshake(secret.to_string()));
            }
            tracing::warn!("refused a webhook handshake: no subscription of its URL awaits one");
            return Ok(Received::Refused(
                403,
                "no subscription of this URL awaits a handshake: run `clio-mcp webhooks ensure`"
                    .into(),
            ));
        }
        let Some(sig) = sig.filter(|s| !s.trim().is_empty()) else {
            tracing::warn!("refused an unsigned webhook delivery");
            return Ok(unauthorized("X-Hook-Signature is missing"));
        };
        let Some(hook) = token.map(|t| self.store.by_token(t)).transpose()?.flatten() else {
            tracing::warn!("refused a webhook delivery to a URL no subscription has");
            return Ok(unauthorized("this URL belongs to no subscription here"));
        };
        let signed = hook
            .secret
            .as_deref()
            .is_some_and(|s| signature::verify(s, body, sig));
        if !signed {
            tracing::warn!("refused a webhook delivery with a bad signature");
            return Ok(unauthorized("X-Hook-Signature does not match"));
        }
        let claimed: Option<Value> = serde_json::from_slice(body).ok();
        let claimed_id = claimed
            .as_ref()
            .and_then(|v| v.pointer("/meta/webhook_id"))
            .and_then(Value::as_u64);
        let Some(payload) = claimed else {
            return Ok(Received::Refused(400, "the body is not JSON".into()));
        };
        let delivery = Delivery {
            webhook_id: hook.webhook_id.or(claimed_id),
            model: hook.model.clone(),
            record_id: payload.pointer("/data/id").and_then(Value::as_u64),
            event: payload
                .pointer("/meta/event")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_string(),
            received_at: now(),
        };
        self.store.record(&delivery)?;
        let mut event = AuditEvent::new(Action::WebhookDelivery, "webhooks listen")
            .outcome(delivery.event.clone());
        event.detail = Some(format!(
            "{} {} {} (webhook {})",
            delivery.model,
            delivery
                .record_id
                .map_or("-".to_string(), |i| i.to_string()),
            delivery.event,
            delivery
                .webhook_id
                .map_or("unknown".to_string(), |i| i.to_string())
        ));
        if delivery.model == "matter"
            && let Some(id) = delivery.record_id
        {
            event = event.matter(id);
            if delivery.event != "created"
                && let Some(f) = &self.on_matter_change
            {
                f(id);
            }
        }
        self.audit.append(event)?;
        Ok(Received::Accepted(delivery))
    }
}

fn unauthorized(why: &str) -> Received {
    Received::Refused(401, format!("{why}: deliveries must be signed by Clio"))
}

/// The `k` parameter of a request's query string: the subscription's URL token.
pub fn token_of(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == super::rules::TOKEN_PARAM)
        .map(|(_, v)| v.into_owned())
}
