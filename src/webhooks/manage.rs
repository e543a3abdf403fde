//! Keeping subscriptions alive: `ensure` creates one or renews the one with the same URL and
//! model, `renew` renews every one expiring within a margin, `delete` ends one; each change
//! is in the audit log (action `webhook`).

use chrono::{Duration, Utc};
use serde::Serialize;

use super::rules::{
    check_events, check_fields, check_model, check_url, parse_time, renewed_expiry, timestamp,
    with_token, without_token,
};
use super::{WebhookError, Webhooks};
use crate::audit::{Action, AuditEvent};
use crate::clio::webhooks::{NewWebhook, Webhook};

/// What `ensure` did.
#[derive(Debug, Clone, Serialize)]
pub struct Ensured {
    /// `created` or `renewed`.
    pub action: String,
    pub hook: HookView,
    /// What the person should know: a subscription replaced, one left alone, a handshake
    /// that has not succeeded.
    pub warnings: Vec<String>,
}

/// A subscription as the commands show it.
#[derive(Debug, Clone, Serialize)]
pub struct HookView {
    pub id: u64,
    pub url: String,
    pub model: String,
    pub events: Vec<String>,
    pub status: String,
    pub expires_at: String,
    /// Whether this machine holds its shared secret (deliveries are refused otherwise).
    pub secret_kept: bool,
}

/// What `renew` did to one subscription due for renewal.
#[derive(Debug, Clone, Serialize)]
pub struct Renewal {
    pub id: u64,
    pub model: String,
    pub was: String,
    /// The new expiry (`was` again when the renewal failed).
    pub expires_at: String,
    /// `renewed`, `failed`, or `not-ours` (not made from this machine, left alone).
    pub outcome: String,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Renewal {
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

fn not_ours(id: u64) -> String {
    format!(
        "webhook {id} has the same URL and model but was not made from this machine: left \
         alone (`clio-mcp webhooks delete {id}` removes it)"
    )
}

/// The URL without its query: enough to tell subscriptions apart in the log, never a token.
fn loggable(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_string()
}

fn same_url(a: &str, b: &str) -> bool {
    let norm = |u: &str| {
        url::Url::parse(u)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| u.to_string())
    };
    norm(a) == norm(b)
}

impl Webhooks {
    fn view(&self, h: &Webhook) -> Result<HookView, WebhookError> {
        let kept = self.store.hook(h.id)?.is_some_and(|l| l.secret.is_some());
        Ok(HookView {
            id: h.id,
            url: without_token(h.url.as_deref().unwrap_or_default()),
            model: h.model.clone().unwrap_or_default(),
            events: h.events.clone().unwrap_or_default(),
            status: h.status.clone().unwrap_or_else(|| "unknown".into()),
            expires_at: h.expires_at.clone().unwrap_or_default(),
            secret_kept: kept,
        })
    }

    fn log(&self, outcome: &str, h: &Webhook) -> Result<(), WebhookError> {
        let mut event = AuditEvent::new(Action::Webhook, format!("webhooks {outcome}"))
            .outcome(outcome.to_string());
        event.detail = Some(format!(
            "webhook {} model {} url {} expires {}",
            h.id,
            h.model.as_deref().unwrap_or("-"),
            loggable(h.url.as_deref().unwrap_or("-")),
            h.expires_at.as_deref().unwrap_or("-")
        ));
        self.audit.append(event)?;
        Ok(())
    }

    /// Every subscription of the account, with whether this machine keeps its secret.
    pub async fn list(&self) -> Result<Vec<HookView>, WebhookError> {
        let hooks = self.client.list_webhooks().await?;
        hooks.iter().map(|h| self.view(h)).collect()
    }

    /// Creates the subscription of `url` and `model`, or renews it to 31 days when one exists
    /// (one that expired, or whose secret this machine lacks, is replaced by a new one).
    pub async fn ensure(
        &self,
        url: &str,
        model: &str,
        events: &[String],
        fields: Option<&str>,
    ) -> Result<Ensured, WebhookError> {
        let url = check_url(url, self.loopback_http)?;
        let model = check_model(model)?;
        let events = check_events(&model, events)?;
        let fields = check_fields(fields)?;
        let now = Utc::now();
        let mut warnings = Vec::new();
        let mut foreign = Vec::new();
        for h in self.client.list_webhooks().await? {
            if !(h.model.as_deref() == Some(&model)
                && h.url
                    .as_deref()
                    .is_some_and(|u| same_url(&without_token(u), &url)))
            {
                continue;
            }
            let Some(local) = self.store.hook(h.id)? else {
                foreign.push(h.id);
                continue;
            };
            let status = h.status.as_deref().unwrap_or("unknown");
            let expired = status == "expired"
                || h.expires_at
                    .as_deref()
                    .and_then(parse_time)
                    .is_some_and(|at| at <= now);
            let why = if expired {
                Some("expired".to_string())
            } else if local.secret.is_none() || local.token.is_none() {
                Some("its shared secret is not kept here".to_string())
            } else if status != "enabled" {
                Some(format!(
                    "{status}, not enabled (its handshake never succeeded)"
                ))
            } else {
                None
            };
            if let Some(why) = why {
                self.delete(h.id).await?;
                warnings.push(format!(
                    "webhook {} was {why}: deleted it to create a new one",
                    h.id
                ));
                continue;
            }
            let wanted = (!events.is_empty()).then_some(events.as_slice());
            let renewed = self
                .client
                .update_webhook(h.id, &timestamp(renewed_expiry(now)), wanted)
                .await?;
            self.log("renewed", &renewed)?;
            warnings.extend(foreign.iter().map(|id| not_ours(*id)));
            return Ok(Ensured {
                action: "renewed".into(),
                hook: self.view(&renewed)?,
                warnings,
            });
        }
        if !foreign.is_empty() {
            let ids: Vec<String> = foreign.iter().map(u64::to_string).collect();
            return Err(WebhookError::Usage(format!(
                "Clio already has webhook {} for this --url and --model, not made from this \
                 machine (no local record, so no secret to check its deliveries): clio-mcp \
                 leaves it alone; run `clio-mcp webhooks delete {}` to replace it, then ensure \
                 again",
                ids.join(", "),
                foreign[0]
            )));
        }
        // Recorded first: the handshake may arrive before Clio answers the create.
        let (local, token) = self.store.begin(&url, &model)?;
        let new = NewWebhook {
            url: with_token(&url, &token),
            model: model.clone(),
            events,
            fields: Some(fields),
            expires_at: Some(timestamp(renewed_expiry(now))),
        };
        let created = match self.client.create_webhook(&new).await {
            Ok(h) => h,
            Err(e) => {
                self.store.forget_local(local)?;
                return Err(e.into());
            }
        };
        self.store
            .bind(local, created.id, created.shared_secret.as_deref())?;
        self.log("created", &created)?;
        let hook = self.view(&created)?;
        if hook.status != "enabled" {
            warnings.push(format!(
                "webhook {} is {}: Clio's handshake has not succeeded, so nothing is delivered \
                 yet; start `clio-mcp webhooks listen` where --url points, then ensure again",
                hook.id, hook.status
            ));
        }
        Ok(Ensured {
            action: "created".into(),
            hook,
            warnings,
        })
    }

    /// Renews every subscription made from this machine (every one with `all`) that expires
    /// within `within` from now, each on its own: one that fails is reported with why and the
    /// others are still renewed; one not made here is reported `not-ours` and left alone.
    pub async fn renew(&self, within: Duration, all: bool) -> Result<Vec<Renewal>, WebhookError> {
        let now = Utc::now();
        let mut out = Vec::new();
        for h in self.client.list_webhooks().await? {
            let at = h.expires_at.as_deref().and_then(parse_time);
            if at.is_some_and(|at| at > now + within) {
                continue;
            }
            let was = h.expires_at.clone().unwrap_or_default();
            let mut r = Renewal {
                id: h.id,
                model: h.model.clone().unwrap_or_default(),
                was: was.clone(),
                expires_at: was,
                outcome: "renewed".into(),
                error: None,
            };
            if !all && self.store.hook(h.id)?.is_none() {
                r.outcome = "not-ours".into();
                out.push(r);
                continue;
            }
            let renewed = self
                .client
                .update_webhook(h.id, &timestamp(renewed_expiry(now)), None)
                .await;
            match renewed.map_err(WebhookError::from).and_then(|n| {
                self.log("renewed", &n)?;
                Ok(n)
            }) {
                Ok(n) => r.expires_at = n.expires_at.unwrap_or_default(),
                Err(e) => {
                    tracing::warn!(id = h.id, error = %e, "could not renew a webhook subscription");
                    r.outcome = "failed".into();
                    r.error = Some(e.to_string());
                }
            }
            out.push(r);
        }
        Ok(out)
    }

    /// Deletes subscription `id` at Clio and forgets its secret here.
    pub async fn delete(&self, id: u64) -> Result<(), WebhookError> {
        let hook = match self.client.get_webhook(id).await {
            Ok(h) => h,
            Err(e) if e.status() == Some(404) => return Err(WebhookError::NoSuchHook(id)),
            Err(e) => return Err(e.into()),
        };
        self.client.delete_webhook(id).await?;
        self.store.forget(id)?;
        self.log("deleted", &hook)?;
        Ok(())
    }
}
