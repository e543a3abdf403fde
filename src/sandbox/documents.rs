//! Documents as Clio keeps them: POST registers (with one signed PUT URL, or one per part of a
//! multipart upload), a PATCH hands out fresh part URLs or marks the document fully
//! uploaded; until then it is invisible to reads and listings.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::sandbox::delta::{Delta, DocState};
use crate::sandbox::fields::Schema;
use crate::sandbox::http::{
    Answer, data_object, error, json_ok, not_found, params, path_id, selection,
};
use crate::sandbox::parts::{check_sizes, new_parts, parse_parts};
use crate::sandbox::state::{SandboxState, lock};
use crate::sandbox::store::{DocRec, etag, timestamp};

pub const DOC_SCHEMA: Schema = Schema {
    fields: &[
        ("id", None),
        ("etag", None),
        ("name", None),
        ("content_type", None),
        ("created_at", None),
        ("updated_at", None),
        ("parent", Some(&["id", "type"])),
        (
            "latest_document_version",
            Some(&[
                "id",
                "uuid",
                "put_url",
                "put_headers",
                "multiparts",
                "fully_uploaded",
                "size",
            ]),
        ),
    ],
};
pub const ENCRYPTION: &str = "AES256";

pub fn invalid(message: &str) -> Response {
    error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationError", message)
}

pub fn content_type_of(d: &DocRec) -> String {
    d.content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into())
}

pub fn render(state: &SandboxState, d: &DocRec) -> Value {
    let url = |signature: &str, part: Option<u32>| {
        let part = part.map(|n| format!("partNumber={n}&")).unwrap_or_default();
        format!(
            "{}/sandbox-storage/{}?{part}X-Amz-Expires=600&X-Amz-Signature={signature}",
            state.origin(),
            d.uuid
        )
    };
    let headers = json!([
        {"name": "Content-Type", "value": content_type_of(d)},
        {"name": "x-amz-server-side-encryption", "value": ENCRYPTION},
    ]);
    let multiparts: Vec<Value> = lock(&state.parts)
        .get(&d.id)
        .map(|parts| {
            parts
                .iter()
                .map(|(n, p)| {
                    json!({"part_number": n, "content_length": p.content_length,
                    "put_url": url(&p.signature, Some(*n)), "put_headers": headers})
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": d.id, "etag": etag("document", d.id, u64::from(d.fully_uploaded)), "name": d.name,
        "content_type": d.content_type, "created_at": timestamp(d.created_at),
        "updated_at": timestamp(d.updated_at),
        "parent": {"id": d.matter_id, "type": "Matter"},
        "latest_document_version": {
            "id": d.id + 1, "uuid": d.uuid, "put_url": url(&d.signature, None),
            "put_headers": headers, "multiparts": multiparts,
            "fully_uploaded": d.fully_uploaded, "size": d.bytes.as_ref().map(Vec::len),
        },
    })
}

pub async fn create(State(state): State<Arc<SandboxState>>, uri: Uri, body: Bytes) -> Answer {
    let sel = selection(&params(&uri), &DOC_SCHEMA)?;
    let data = data_object(&body)?;
    let Some(name) = data
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return Err(invalid("name can't be blank"));
    };
    let parent = data.get("parent");
    if parent.and_then(|p| p.get("type")).and_then(Value::as_str) != Some("Matter") {
        return Err(invalid(
            "parent must be {\"id\": MATTER_ID, \"type\": \"Matter\"}",
        ));
    }
    let Some(matter_id) = parent.and_then(|p| p.get("id")).and_then(Value::as_u64) else {
        return Err(invalid("parent id is missing"));
    };
    let parts = parse_parts(&data)?;
    if let Some(lengths) = &parts {
        check_sizes(lengths)?;
    }
    let content_type = data
        .get("content_type")
        .and_then(Value::as_str)
        .map(str::to_string);
    let store = state.commit(|store| {
        if !store.matters.contains_key(&matter_id) {
            return Err(not_found(format!("matter {matter_id} not found")));
        }
        if store.forbidden.contains(&matter_id) {
            return Err(error(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "You do not have permission to add documents to this matter",
            ));
        }
        let mut delta = Delta::new(store);
        delta.next.document += 2;
        let id = delta.next.document;
        let now = Utc::now();
        delta.documents.push(DocState {
            id,
            name: name.to_string(),
            matter_id,
            content_type,
            // The id keeps upload ids unique across processes sharing one account.
            uuid: state.new_secret(&format!("upload-{id}")),
            signature: state.new_secret("sig"),
            put_expires_at: now + Duration::minutes(10),
            size: None,
            fully_uploaded: false,
            created_at: now,
            updated_at: Some(now),
        });
        Ok(delta)
    })?;
    let id = store.next_document;
    if let Some(lengths) = &parts {
        lock(&state.parts).insert(id, new_parts(&state, lengths));
    }
    let doc = store
        .documents
        .get(&id)
        .ok_or_else(|| not_found("document not found"))?;
    let out = sel.apply(&render(&state, doc));
    Ok((StatusCode::CREATED, axum::Json(json!({"data": out}))).into_response())
}

pub async fn update(
    State(state): State<Arc<SandboxState>>,
    Path(raw): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Answer {
    let sel = selection(&params(&uri), &DOC_SCHEMA)?;
    let data = data_object(&body)?;
    let id = path_id(&raw).ok_or_else(|| not_found("document not found"))?;
    let finishing = data.get("fully_uploaded") == Some(&json!(true));
    let uuid = data.get("uuid").and_then(Value::as_str).map(str::to_string);
    let parts = parse_parts(&data)?;
    let upload_not_found = || {
        error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UploadNotFoundError",
            "No upload was found for this document version: PUT the bytes to put_url first",
        )
    };
    if finishing || parts.is_some() {
        let store = state.read();
        let doc = store
            .documents
            .get(&id)
            .ok_or_else(|| not_found("document not found"))?;
        if uuid.as_deref() != Some(doc.uuid.as_str()) {
            return Err(upload_not_found());
        }
    }
    if let Some(lengths) = &parts {
        // Fresh URLs for the parts named (new signatures, eight hours), the others kept.
        let mut all = lock(&state.parts);
        let entry = all.entry(id).or_default();
        for (n, fresh) in new_parts(&state, lengths) {
            match entry.get_mut(&n) {
                Some(old) if old.content_length == fresh.content_length => {
                    old.signature = fresh.signature;
                    old.expires_at = fresh.expires_at;
                }
                _ => {
                    entry.insert(n, fresh);
                }
            }
        }
        entry.retain(|n, _| (*n as usize) <= lengths.len());
        let sizes: Vec<u64> = entry.values().map(|p| p.content_length).collect();
        drop(all);
        check_sizes(&sizes)?;
    }
    if finishing {
        let timed_out = {
            let mut faults = lock(&state.faults);
            let hit = faults.upload_timeouts > 0;
            faults.upload_timeouts = faults.upload_timeouts.saturating_sub(1);
            hit
        };
        if timed_out {
            state.count(|s| s.faults_injected += 1);
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UploadTimeoutError",
                "The upload is still being processed; try again",
            ));
        }
    }
    let assembled = if finishing {
        match lock(&state.parts).get(&id) {
            None => None,
            Some(parts) => {
                let mut bytes = state.keep_upload_bytes.then(Vec::new);
                for part in parts.values() {
                    match (&part.received, bytes.as_mut()) {
                        (Some(r), _) if r.count() != part.content_length => {
                            return Err(upload_not_found());
                        }
                        (None, _) => return Err(upload_not_found()),
                        (Some(crate::sandbox::state::Received::Bytes(b)), Some(out)) => {
                            out.extend_from_slice(b)
                        }
                        _ => {}
                    }
                }
                Some(bytes)
            }
        }
    } else {
        None
    };
    let store = state.commit(|store| {
        let Some(doc) = store.documents.get(&id) else {
            return Err(not_found("document not found"));
        };
        let mut after = DocState::of(doc);
        after.updated_at = Some(Utc::now());
        if let Some(name) = data.get("name").and_then(Value::as_str) {
            after.name = name.to_string();
        }
        let mut delta = Delta::new(store);
        if finishing {
            match &assembled {
                None if doc.bytes.is_none() => return Err(upload_not_found()),
                None => {}
                Some(bytes) => {
                    after.size = bytes.as_ref().map(|b| b.len() as u64);
                    if let Some(b) = bytes {
                        delta.uploads.insert(id, b.clone());
                    }
                }
            }
            after.fully_uploaded = true;
        }
        delta.documents.push(after);
        Ok(delta)
    })?;
    if finishing {
        lock(&state.parts).remove(&id);
    }
    let doc = store
        .documents
        .get(&id)
        .ok_or_else(|| not_found("document not found"))?;
    let out = sel.apply(&render(&state, doc));
    Ok(json_ok(json!({"data": out})))
}
