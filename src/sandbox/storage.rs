//! The storage host behind the signed PUT URLs: S3-style refusals (a bearer token, a bad
//! signature, an expired URL, a missing signed header), bodies read as a stream.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use futures::StreamExt;

use crate::sandbox::delta::{Delta, DocState};
use crate::sandbox::documents::{ENCRYPTION, content_type_of};
use crate::sandbox::http::{Answer, param, params};
use crate::sandbox::state::{Received, SandboxState, lock};

fn s3(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/xml")],
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"),
    )
        .into_response()
}

fn expired() -> Response {
    s3(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired")
}

/// The URL's signature, and whether it is still valid: the expiry fault makes it expire now.
fn check_signature(
    state: &SandboxState,
    given: Option<&str>,
    signature: &str,
    expires_at: chrono::DateTime<Utc>,
) -> Result<(), Response> {
    if given != Some(signature) {
        return Err(s3(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided",
        ));
    }
    let fault = {
        let mut faults = lock(&state.faults);
        let hit = faults.expire_put_urls > 0;
        faults.expire_put_urls = faults.expire_put_urls.saturating_sub(1);
        hit
    };
    if fault {
        state.count(|s| s.faults_injected += 1);
        lock(&state.expired).insert(signature.to_string());
    }
    if Utc::now() > expires_at || lock(&state.expired).contains(signature) {
        return Err(expired());
    }
    Ok(())
}

/// Reads the body: the bytes, or only their count when uploads are not kept.
async fn read_body(state: &SandboxState, body: Body) -> Result<Received, Response> {
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut count = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            s3(
                StatusCode::BAD_REQUEST,
                "IncompleteBody",
                "The request body ended early",
            )
        })?;
        count += chunk.len() as u64;
        if state.keep_upload_bytes {
            kept.extend_from_slice(&chunk);
        }
    }
    Ok(if state.keep_upload_bytes {
        Received::Bytes(kept)
    } else {
        Received::Count(count)
    })
}

/// The storage PUT of a whole document or of one part (`partNumber`).
pub async fn put_bytes(
    State(state): State<Arc<SandboxState>>,
    Path(uuid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    if headers.contains_key("authorization") {
        return Err(s3(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Only one auth mechanism allowed",
        ));
    }
    let p = params(&uri);
    let part: Option<u32> = param(&p, "partNumber").and_then(|n| n.parse().ok());
    let no_upload = || {
        s3(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The specified upload does not exist",
        )
    };
    let doc = {
        let store = state.read();
        store
            .documents
            .values()
            .find(|d| d.uuid == uuid)
            .cloned()
            .ok_or_else(no_upload)?
    };
    let (signature, expires_at, expected_len) = match part {
        None => (doc.signature.clone(), doc.put_expires_at, None),
        Some(n) => {
            let parts = lock(&state.parts);
            let p = parts
                .get(&doc.id)
                .and_then(|m| m.get(&n))
                .ok_or_else(no_upload)?;
            (p.signature.clone(), p.expires_at, Some(p.content_length))
        }
    };
    check_signature(&state, param(&p, "X-Amz-Signature"), &signature, expires_at)?;
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    if header("content-type") != Some(content_type_of(&doc).as_str())
        || header("x-amz-server-side-encryption") != Some(ENCRYPTION)
    {
        return Err(s3(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The signed headers were not all sent with the values given in put_headers",
        ));
    }
    let received = read_body(&state, body).await?;
    if let Some(n) = part {
        if expected_len != Some(received.count()) {
            return Err(s3(
                StatusCode::BAD_REQUEST,
                "BadDigest",
                "The part's length is not the content_length it was registered with",
            ));
        }
        if let Some(rec) = lock(&state.parts)
            .get_mut(&doc.id)
            .and_then(|m| m.get_mut(&n))
        {
            rec.received = Some(received);
        }
        return Ok(StatusCode::OK.into_response());
    }
    let bytes = match received {
        Received::Bytes(b) => b,
        // Not kept: nothing to store, as a benchmark wants (a single PUT is small anyway).
        Received::Count(_) => Vec::new(),
    };
    drop(state.commit(|store| {
        let Some(doc) = store.documents.get(&doc.id) else {
            return Err(no_upload());
        };
        let mut delta = Delta::new(store);
        delta.documents.push(DocState {
            size: Some(bytes.len() as u64),
            updated_at: Some(Utc::now()),
            ..DocState::of(doc)
        });
        delta.uploads.insert(doc.id, bytes.clone());
        Ok(delta)
    })?);
    Ok(StatusCode::OK.into_response())
}
