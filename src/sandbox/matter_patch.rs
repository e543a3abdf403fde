//! `PATCH /matters/{id}`: If-Match (412), description, status and custom field values, all
//! or nothing, persisted before it is answered, and recorded in the write log.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Map, Value, json};

use crate::sandbox::delta::Delta;
use crate::sandbox::http::{
    Answer, data_object, error, not_found, params, path_id, selection, with_etag,
};
use crate::sandbox::matters::{MATTER_SCHEMA, check_access};
use crate::sandbox::observe::{Injected, WriteRecord, named_in};
use crate::sandbox::state::{SandboxState, lock};
use crate::sandbox::store::Store;
use crate::sandbox::values::{self, Refused};

pub async fn patch(
    State(state): State<Arc<SandboxState>>,
    Path(raw): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    fault: Option<Extension<Injected>>,
    body: Bytes,
) -> Response {
    // Where the named values live is read before the change: a destroyed one is gone after.
    let (named, created) = named_in(&body, &state.read());
    let response = change(&state, &raw, &uri, &headers, &body).unwrap_or_else(|r| r);
    if let Some(matter_id) = path_id(&raw) {
        let status = response.status();
        lock(&state.writes).push(WriteRecord {
            matter_id,
            if_match: headers.contains_key("if-match"),
            named,
            created,
            applied: status.is_success(),
            status: status.as_u16(),
            fault: fault.map(|Extension(f)| f.0),
        });
        // Before the answer, so a test sees the delivery once its PATCH is answered.
        if status.is_success() {
            crate::sandbox::hook_send::matter_changed(&state, matter_id, "updated").await;
        }
    }
    response
}

fn change(state: &SandboxState, raw: &str, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Answer {
    let id = check_access(state, raw)?;
    let selection = selection(&params(uri), &MATTER_SCHEMA)?;
    let data = data_object(body)?;
    let if_match = headers.get("if-match").and_then(|v| v.to_str().ok());
    let store = state.commit(|store| build(store, id, if_match, &data))?;
    state.count(|s| s.patches_applied += 1);
    let m = store
        .matters
        .get(&id)
        .ok_or_else(|| not_found("matter not found"))?;
    let etag = store.matter_etag(m);
    Ok(with_etag(
        json!({"data": selection.apply(&store.render_matter(m, &BTreeSet::new()))}),
        &etag,
    ))
}

fn invalid(message: impl Into<String>) -> Response {
    error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationError", message)
}

/// The change a PATCH body asks of matter `id`, checked against the store as it is now.
fn build(
    store: &Store,
    id: u64,
    if_match: Option<&str>,
    data: &Map<String, Value>,
) -> Result<Delta, Response> {
    let current = store
        .matters
        .get(&id)
        .ok_or_else(|| not_found("matter not found"))?;
    if let Some(expected) = if_match
        && expected != store.matter_etag(current)
    {
        return Err(error(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "The matter has been changed since the given ETag; read it again",
        ));
    }
    let mut description = None;
    let mut status = None;
    let mut changes = Vec::new();
    for (key, value) in data {
        match key.as_str() {
            "custom_field_values" => {
                changes = values::plan(store, id, value).map_err(|r| match r {
                    Refused::Forbidden(m) => error(StatusCode::FORBIDDEN, "Forbidden", m),
                    Refused::Invalid(m) => invalid(m),
                })?;
            }
            "description" => match value.as_str() {
                Some(d) => description = Some(d.to_string()),
                None => return Err(invalid("description must be text")),
            },
            "status" => match value.as_str() {
                Some("open") => status = Some("Open"),
                Some("pending") => status = Some("Pending"),
                Some("closed") => status = Some("Closed"),
                _ => return Err(invalid("status must be open, pending or closed")),
            },
            other => {
                return Err(invalid(format!(
                    "{other} is not a valid attribute of a matter"
                )));
            }
        }
    }
    let now = Utc::now();
    let mut delta = Delta::new(store);
    values::record(store, id, changes, now, &mut delta);
    let after = delta.touch(current, now);
    if let Some(d) = description {
        after.description = d;
    }
    if let Some(s) = status {
        after.status = s.to_string();
    }
    Ok(delta)
}
