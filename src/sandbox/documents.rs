//! Documents in three calls: POST registers and hands out a signed PUT URL, the PUT stores the
//! bytes (refusing a bearer token, as the storage host does), a PATCH marks it fully uploaded.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::sandbox::delta::{Delta, DocState};
use crate::sandbox::fields::Schema;
use crate::sandbox::http::{
    Answer, data_object, error, json_ok, not_found, param, params, path_id, selection,
};
use crate::sandbox::state::SandboxState;
use crate::sandbox::store::{DocRec, etag, timestamp};

const DOC_SCHEMA: Schema = Schema {
    fields: &[
        ("id", None),
        ("etag", None),
        ("name", None),
        ("content_type", None),
        ("created_at", None),
        ("parent", Some(&["id", "type"])),
        (
            "latest_document_version",
            Some(&[
                "id",
                "uuid",
                "put_url",
                "put_headers",
                "fully_uploaded",
                "size",
            ]),
        ),
    ],
};
const ENCRYPTION: &str = "AES256";

fn render(state: &SandboxState, d: &DocRec) -> Value {
    let put_url = format!(
        "{}/sandbox-storage/{}?X-Amz-Expires=600&X-Amz-Signature={}",
        state.origin(),
        d.uuid,
        d.signature
    );
    json!({
        "id": d.id, "etag": etag("document", d.id, u64::from(d.fully_uploaded)), "name": d.name,
        "content_type": d.content_type, "created_at": timestamp(d.created_at),
        "parent": {"id": d.matter_id, "type": "Matter"},
        "latest_document_version": {
            "id": d.id + 1, "uuid": d.uuid, "put_url": put_url,
            "put_headers": [
                {"name": "Content-Type", "value": d.content_type.clone().unwrap_or_else(|| "application/octet-stream".into())},
                {"name": "x-amz-server-side-encryption", "value": ENCRYPTION},
            ],
            "fully_uploaded": d.fully_uploaded, "size": d.bytes.as_ref().map(Vec::len),
        },
    })
}

pub async fn create(State(state): State<Arc<SandboxState>>, uri: Uri, body: Bytes) -> Answer {
    let sel = selection(&params(&uri), &DOC_SCHEMA)?;
    let data = data_object(&body)?;
    let invalid = |m: &str| error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationError", m);
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
        });
        Ok(delta)
    })?;
    let doc = store
        .documents
        .get(&store.next_document)
        .ok_or_else(|| not_found("document not found"))?;
    let out = sel.apply(&render(&state, doc));
    Ok((StatusCode::CREATED, axum::Json(json!({"data": out}))).into_response())
}

/// The storage PUT: an S3-style XML error on anything a signed URL would refuse.
pub async fn put_bytes(
    State(state): State<Arc<SandboxState>>,
    Path(uuid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let s3 = |status: StatusCode, code: &str, message: &str| {
        (status, [("content-type", "application/xml")], format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>")).into_response()
    };
    if headers.contains_key("authorization") {
        return Err(s3(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Only one auth mechanism allowed",
        ));
    }
    let p = params(&uri);
    drop(state.commit(|store| {
        let Some(doc) = store.documents.values().find(|d| d.uuid == uuid) else {
            return Err(s3(
                StatusCode::NOT_FOUND,
                "NoSuchUpload",
                "The specified upload does not exist",
            ));
        };
        if param(&p, "X-Amz-Signature") != Some(doc.signature.as_str()) {
            return Err(s3(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided",
            ));
        }
        if Utc::now() > doc.put_expires_at {
            return Err(s3(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Request has expired",
            ));
        }
        let content_type = doc
            .content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into());
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        if header("content-type") != Some(content_type.as_str())
            || header("x-amz-server-side-encryption") != Some(ENCRYPTION)
        {
            return Err(s3(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The signed headers were not all sent with the values given in put_headers",
            ));
        }
        let mut delta = Delta::new(store);
        delta.documents.push(DocState {
            size: Some(body.len() as u64),
            ..DocState::of(doc)
        });
        delta.uploads.insert(doc.id, body.to_vec());
        Ok(delta)
    })?);
    Ok(StatusCode::OK.into_response())
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
    let store = state.commit(|store| {
        let Some(doc) = store.documents.get(&id) else {
            return Err(not_found("document not found"));
        };
        let mut after = DocState::of(doc);
        if let Some(name) = data.get("name").and_then(Value::as_str) {
            after.name = name.to_string();
        }
        if data.get("fully_uploaded") == Some(&json!(true)) {
            if data.get("uuid").and_then(Value::as_str) != Some(doc.uuid.as_str())
                || doc.bytes.is_none()
            {
                return Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "UploadNotFoundError",
                    "No upload was found for this document version: PUT the bytes to put_url first",
                ));
            }
            after.fully_uploaded = true;
        }
        let mut delta = Delta::new(store);
        delta.documents.push(after);
        Ok(delta)
    })?;
    let doc = store
        .documents
        .get(&id)
        .ok_or_else(|| not_found("document not found"))?;
    let out = sel.apply(&render(&state, doc));
    Ok(json_ok(json!({"data": out})))
}

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

pub async fn list(State(state): State<Arc<SandboxState>>, uri: Uri) -> Answer {
    let sel = selection(&params(&uri), &DOC_SCHEMA)?;
    let p = params(&uri);
    let matter: Option<u64> = param(&p, "parent_id").and_then(|v| v.parse().ok());
    let store = state.read();
    let data: Vec<Value> = store
        .documents
        .values()
        .filter(|d| d.fully_uploaded && matter.is_none_or(|m| d.matter_id == m))
        .map(|d| sel.apply(&render(&state, d)))
        .collect();
    Ok(json_ok(
        json!({"data": data, "meta": {"paging": {}, "records": data.len()}}),
    ))
}
