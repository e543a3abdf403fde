//! `/webhooks`: create (with the handshake), list, read, renew and delete, with Clio's model,
//! event and expiry rules on the sandbox's webhook clock.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use crate::sandbox::delta::Delta;
use crate::sandbox::fields::Schema;
use crate::sandbox::hook_send::{self, handshake, loopback};
use crate::sandbox::http::{
    Answer, data_object, error, json_ok, not_found, params, path_id, selection,
};
use crate::sandbox::state::SandboxState;
use crate::sandbox::store::{HookRec, etag, timestamp};

const HOOK_SCHEMA: Schema = Schema {
    fields: &[
        ("id", None),
        ("etag", None),
        ("url", None),
        ("model", None),
        ("events", None),
        ("fields", None),
        ("status", None),
        ("expires_at", None),
        ("created_at", None),
        ("shared_secret", None),
    ],
};
const MODELS: &[&str] = &[
    "matter",
    "activity",
    "bill",
    "calendar_entry",
    "communication",
    "contact",
    "task",
    "document",
    "folder",
    "clio_payments_payment",
];
const MATTER_EVENTS: &[&str] = &["matter_opened", "matter_pended", "matter_closed"];

fn invalid(message: impl Into<String>) -> Response {
    error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationError", message)
}

fn render(h: &HookRec, now: DateTime<Utc>) -> Value {
    json!({"id": h.id, "etag": etag("webhook", h.id, h.version), "url": h.url, "model": h.model, "events": h.events,
        "fields": h.fields, "status": hook_send::status(h, now), "expires_at": timestamp(h.expires_at),
        "created_at": timestamp(h.created_at), "shared_secret": null})
}

fn expires_at(
    data: &Map<String, Value>,
    default: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, Response> {
    let Some(raw) = data.get("expires_at") else {
        return Ok(default);
    };
    let at = raw
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
        .ok_or_else(|| invalid("expires_at must be an ISO 8601 timestamp"))?;
    if at <= now {
        return Err(invalid("expires_at must be in the future"));
    }
    if at > now + Duration::days(31) {
        return Err(invalid("expires_at can be at most 31 days from now"));
    }
    Ok(at)
}

fn events(data: &Map<String, Value>, model: &str) -> Result<Option<Vec<String>>, Response> {
    let Some(raw) = data.get("events") else {
        return Ok(None);
    };
    let list: Vec<String> = raw
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if list.is_empty() {
        return Err(invalid("events must be a non-empty list"));
    }
    for e in &list {
        let ok = ["created", "updated", "deleted"].contains(&e.as_str())
            || (model == "matter" && MATTER_EVENTS.contains(&e.as_str()));
        if !ok {
            return Err(invalid(format!(
                "{e} is not a valid event for model {model}"
            )));
        }
    }
    Ok(Some(list))
}

pub async fn create(State(state): State<Arc<SandboxState>>, uri: Uri, body: Bytes) -> Answer {
    let sel = selection(&params(&uri), &HOOK_SCHEMA)?;
    let data = data_object(&body)?;
    let url = data.get("url").and_then(Value::as_str).unwrap_or("");
    // Clio takes https only; the sandbox also takes http on loopback, where it delivers.
    let scheme_ok = url::Url::parse(url)
        .is_ok_and(|u| u.scheme() == "https" || (u.scheme() == "http" && loopback(url)));
    if !scheme_ok {
        return Err(invalid("url must be an https URL"));
    }
    let model = data.get("model").and_then(Value::as_str).unwrap_or("");
    if !MODELS.contains(&model) {
        return Err(invalid(format!(
            "model must be one of {}",
            MODELS.join(", ")
        )));
    }
    let events = events(&data, model)?
        .unwrap_or_else(|| vec!["created".into(), "updated".into(), "deleted".into()]);
    let now = hook_send::now(&state);
    let expires = expires_at(&data, now + Duration::days(3), now)?;
    let secret = format!("whsec-{:032x}", rand::random::<u128>());
    // As Clio: `fields` is required, at most 1,000 characters.
    let fields = match data.get("fields").and_then(Value::as_str).map(str::trim) {
        Some(f) if !f.is_empty() && f.chars().count() <= 1_000 => Some(f.to_string()),
        _ => {
            return Err(invalid(
                "fields is required: a selection of at most 1,000 characters",
            ));
        }
    };
    let id = state
        .commit(|store| {
            let mut delta = Delta::new(store);
            delta.next.webhook += 1;
            delta.webhooks.push(HookRec {
                id: delta.next.webhook,
                url: url.to_string(),
                model: model.to_string(),
                events,
                fields,
                expires_at: expires,
                created_at: now,
                version: 1,
                secret: Some(secret.clone()),
                enabled: false,
            });
            Ok(delta)
        })?
        .next_webhook;
    // As Clio does: the receiver must echo the secret before deliveries start.
    if handshake(url, &secret).await {
        drop(state.commit(|store| {
            let mut delta = Delta::new(store);
            if let Some(h) = store.webhooks.get(&id) {
                let mut after = h.clone();
                after.enabled = true;
                after.version += 1;
                delta.webhooks.push(after);
            }
            Ok(delta)
        })?);
    }
    let store = state.read();
    let hook = store
        .webhooks
        .get(&id)
        .ok_or_else(|| not_found("webhook not found"))?;
    let mut out = sel.apply(&render(hook, now));
    if sel.wants("shared_secret") {
        out["shared_secret"] = json!(secret);
    }
    Ok((StatusCode::CREATED, axum::Json(json!({"data": out}))).into_response())
}

pub async fn list(State(state): State<Arc<SandboxState>>, uri: Uri) -> Answer {
    let sel = selection(&params(&uri), &HOOK_SCHEMA)?;
    let now = hook_send::now(&state);
    let store = state.read();
    let data: Vec<Value> = store
        .webhooks
        .values()
        .map(|h| sel.apply(&render(h, now)))
        .collect();
    Ok(json_ok(
        json!({"data": data, "meta": {"paging": {}, "records": data.len()}}),
    ))
}

pub async fn get_one(
    State(state): State<Arc<SandboxState>>,
    Path(raw): Path<String>,
    uri: Uri,
) -> Answer {
    let sel = selection(&params(&uri), &HOOK_SCHEMA)?;
    let now = hook_send::now(&state);
    let store = state.read();
    match path_id(&raw).and_then(|id| store.webhooks.get(&id)) {
        Some(h) => Ok(json_ok(json!({"data": sel.apply(&render(h, now))}))),
        None => Err(not_found("webhook not found")),
    }
}

/// Renewing is PATCHing `expires_at`, under the same 31-day rule.
pub async fn update(
    State(state): State<Arc<SandboxState>>,
    Path(raw): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Answer {
    let sel = selection(&params(&uri), &HOOK_SCHEMA)?;
    let data = data_object(&body)?;
    let id = path_id(&raw).ok_or_else(|| not_found("webhook not found"))?;
    let now = hook_send::now(&state);
    let store = state.commit(|store| {
        let Some(hook) = store.webhooks.get(&id) else {
            return Err(not_found("webhook not found"));
        };
        let mut after = hook.clone();
        after.expires_at = match data.get("expires_at") {
            Some(_) => expires_at(&data, hook.expires_at, now)?,
            None => hook.expires_at,
        };
        if let Some(ev) = events(&data, &hook.model)? {
            after.events = ev;
        }
        after.version += 1;
        let mut delta = Delta::new(store);
        delta.webhooks.push(after);
        Ok(delta)
    })?;
    let hook = store
        .webhooks
        .get(&id)
        .ok_or_else(|| not_found("webhook not found"))?;
    Ok(json_ok(json!({"data": sel.apply(&render(hook, now))})))
}

pub async fn delete(State(state): State<Arc<SandboxState>>, Path(raw): Path<String>) -> Answer {
    let id = path_id(&raw).ok_or_else(|| not_found("webhook not found"))?;
    drop(state.commit(|store| {
        if !store.webhooks.contains_key(&id) {
            return Err(not_found("webhook not found"));
        }
        let mut delta = Delta::new(store);
        delta.deleted_webhooks.push(id);
        Ok(delta)
    })?);
    Ok(StatusCode::NO_CONTENT.into_response())
}
