//! Reading documents: one by id, or a matter's, changed since `updated_since`, paged; a
//! document never marked fully uploaded is in neither.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::sandbox::documents::{DOC_SCHEMA, render};
use crate::sandbox::http::{Answer, error, json_ok, not_found, param, params, path_id, selection};
use crate::sandbox::state::SandboxState;
use crate::sandbox::store::DocRec;

/// A document that was never marked fully uploaded is invisible.
pub async fn get_one(
    State(state): State<Arc<SandboxState>>,
    Path(raw): Path<String>,
    uri: Uri,
) -> Answer {
    let sel = selection(&params(&uri), &DOC_SCHEMA)?;
    let store = state.read();
    match path_id(&raw)
        .and_then(|id| store.documents.get(&id))
        .filter(|d| d.fully_uploaded)
    {
        Some(d) => Ok(json_ok(json!({"data": sel.apply(&render(&state, d))}))),
        None => Err(not_found("document not found")),
    }
}

fn since(p: &[(String, String)]) -> Result<Option<DateTime<Utc>>, Response> {
    match param(p, "updated_since") {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| {
                error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    format!("updated_since={v} is not an ISO 8601 timestamp"),
                )
            }),
    }
}

/// Visible documents, of one matter (`parent_id`), changed since `updated_since`, paged with
/// `limit` and `page_token` like matters.
pub async fn list(State(state): State<Arc<SandboxState>>, uri: Uri) -> Answer {
    let p = params(&uri);
    let sel = selection(&p, &DOC_SCHEMA)?;
    let bad = |m: &str| error(StatusCode::BAD_REQUEST, "BadRequest", m);
    let matter: Option<u64> = param(&p, "parent_id").and_then(|v| v.parse().ok());
    let updated_since = since(&p)?;
    let limit = match param(&p, "limit").map(str::parse::<usize>) {
        None => 200,
        Some(Ok(n)) if (1..=200).contains(&n) => n,
        Some(_) => return Err(bad("limit must be a number between 1 and 200")),
    };
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let after: Option<u64> = match param(&p, "page_token") {
        None => None,
        Some(t) => match engine
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("documents:after:")?.parse().ok())
        {
            Some(id) => Some(id),
            None => return Err(bad("page_token is not valid")),
        },
    };
    let store = state.read();
    let mut page: Vec<&DocRec> = store
        .documents
        .values()
        .filter(|d| {
            d.fully_uploaded
                && matter.is_none_or(|m| d.matter_id == m)
                && updated_since.is_none_or(|t| d.updated_at >= t)
                && after.is_none_or(|a| d.id > a)
        })
        .take(limit + 1)
        .collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let data: Vec<Value> = page.iter().map(|d| sel.apply(&render(&state, d))).collect();
    let mut meta = json!({"paging": {}, "records": data.len()});
    if more && let Some(last) = page.last() {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in p.iter().filter(|(k, _)| k != "page_token") {
            ser.append_pair(k, v);
        }
        ser.append_pair(
            "page_token",
            &engine.encode(format!("documents:after:{}", last.id)),
        );
        meta["paging"]["next"] = json!(format!(
            "{}/api/v4/documents.json?{}",
            state.origin(),
            ser.finish()
        ));
    }
    Ok(json_ok(json!({"data": data, "meta": meta})))
}
