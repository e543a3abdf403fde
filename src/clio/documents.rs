//! Document upload, Clio's three calls: register (one signed PUT URL, or one per part of a
//! multipart upload), PUT the bytes to the signed URLs, mark fully uploaded; plus reads.

use std::time::Duration;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clio::storage::PutBody;
use crate::clio::types::Data;
use crate::clio::{ApiRequest, ClioClient, ClioError};

/// The smallest part of a multipart upload but the last, as Clio's storage takes them.
pub const MIN_PART_BYTES: u64 = 5 * 1024 * 1024;
/// The most parts one request may name.
pub const MAX_PARTS: u64 = 50;
/// How often an `UploadTimeoutError` on the final PATCH is retried.
const COMPLETE_ATTEMPTS: u32 = 5;
const VERSION_FIELDS: &str = "id,latest_document_version{uuid,put_url,put_headers,multiparts}";
/// What a listing or re-read shows of a document.
pub const DOCUMENT_FIELDS: &str = "id,name,content_type,created_at,updated_at,parent,latest_document_version{uuid,fully_uploaded,size}";

#[derive(Debug, Clone, Deserialize)]
struct PutHeader {
    name: String,
    value: String,
}

#[derive(Debug, Clone, Deserialize)]
struct PartUrl {
    part_number: u32,
    put_url: String,
    #[serde(default)]
    put_headers: Vec<PutHeader>,
}

#[derive(Debug, Clone, Deserialize)]
struct PendingVersion {
    uuid: String,
    #[serde(default)]
    put_url: Option<String>,
    #[serde(default)]
    put_headers: Vec<PutHeader>,
    #[serde(default)]
    multiparts: Vec<PartUrl>,
}

#[derive(Debug, Clone, Deserialize)]
struct PendingDocument {
    id: u64,
    latest_document_version: PendingVersion,
}

/// Where one part's bytes go: a signed URL and the headers signed with it.
#[derive(Debug, Clone, PartialEq)]
pub struct PutTarget {
    /// `None` for a single-part upload.
    pub part_number: Option<u32>,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// A document registered in Clio, not yet visible: its id, upload uuid and signed URLs.
#[derive(Debug, Clone)]
pub struct Registered {
    pub id: u64,
    pub uuid: String,
    pub targets: Vec<PutTarget>,
}

/// A new document: where it goes and how its bytes are split (`parts` empty: one PUT).
#[derive(Debug, Clone, Default)]
pub struct NewDocument {
    pub matter_id: u64,
    pub name: String,
    pub content_type: Option<String>,
    /// A Clio document category id.
    pub category: Option<u64>,
    /// Content lengths of the parts, in order, for a multipart upload.
    pub parts: Vec<u64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct DocumentVersion {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub fully_uploaded: bool,
    #[serde(default)]
    pub size: Option<u64>,
}

/// A document as Clio shows it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Document {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub latest_document_version: Option<DocumentVersion>,
}

impl Document {
    pub fn fully_uploaded(&self) -> bool {
        self.latest_document_version
            .as_ref()
            .is_some_and(|v| v.fully_uploaded)
    }

    pub fn size(&self) -> Option<u64> {
        self.latest_document_version.as_ref().and_then(|v| v.size)
    }
}

/// How `len` bytes are cut into parts: at most [`MAX_PARTS`], each at least `MIN_PART_BYTES`
/// but the last.
pub fn part_lengths(len: u64) -> Vec<u64> {
    let size = len.div_ceil(MAX_PARTS).max(MIN_PART_BYTES);
    let mut parts = Vec::new();
    let mut left = len;
    while left > 0 {
        let take = left.min(size);
        parts.push(take);
        left -= take;
    }
    parts
}

fn multiparts(parts: &[u64]) -> Value {
    Value::Array(
        parts
            .iter()
            .enumerate()
            .map(|(i, len)| json!({"part_number": i + 1, "content_length": len}))
            .collect(),
    )
}

fn targets(version: PendingVersion) -> Result<Vec<PutTarget>, ClioError> {
    let pairs = |h: Vec<PutHeader>| h.into_iter().map(|h| (h.name, h.value)).collect();
    if !version.multiparts.is_empty() {
        let mut parts: Vec<PutTarget> = version
            .multiparts
            .into_iter()
            .map(|p| PutTarget {
                part_number: Some(p.part_number),
                url: p.put_url,
                headers: pairs(p.put_headers),
            })
            .collect();
        parts.sort_by_key(|p| p.part_number);
        return Ok(parts);
    }
    match version.put_url {
        Some(url) => Ok(vec![PutTarget {
            part_number: None,
            url,
            headers: pairs(version.put_headers),
        }]),
        None => Err(ClioError::InvalidResponse {
            message: "the document came back without a put_url".to_string(),
        }),
    }
}

impl ClioClient {
    /// The first call: registers the document on its matter and returns its signed URLs.
    pub async fn register_document(&self, doc: &NewDocument) -> Result<Registered, ClioError> {
        let mut data = json!({"name": doc.name, "parent": {"id": doc.matter_id, "type": "Matter"}});
        if let Some(ct) = &doc.content_type {
            data["content_type"] = json!(ct);
        }
        if let Some(category) = doc.category {
            data["document_category"] = json!({"id": category});
        }
        if !doc.parts.is_empty() {
            data["multiparts"] = multiparts(&doc.parts);
        }
        let create = ApiRequest::new(Method::POST, "documents.json")
            .query("fields", VERSION_FIELDS)
            .json(json!({"data": data}));
        let pending = self.call::<Data<PendingDocument>>(create).await?.data;
        Ok(Registered {
            id: pending.id,
            uuid: pending.latest_document_version.uuid.clone(),
            targets: targets(pending.latest_document_version)?,
        })
    }

    /// Fresh signed URLs for the parts of a registered document (an expired URL, or bytes to
    /// send again): the `PATCH` with `fully_uploaded: false` and the parts, as Clio takes for
    /// further parts. A single-part upload is asked for again as one part.
    pub async fn renew_put_urls(
        &self,
        id: u64,
        uuid: &str,
        parts: &[u64],
    ) -> Result<Vec<PutTarget>, ClioError> {
        let renew = ApiRequest::new(Method::PATCH, format!("documents/{id}.json"))
            .query("fields", VERSION_FIELDS)
            .json(json!({"data": {"uuid": uuid, "fully_uploaded": false, "multiparts": multiparts(parts)}}));
        targets(
            self.call::<Data<PendingDocument>>(renew)
                .await?
                .data
                .latest_document_version,
        )
    }

    /// The last call: marks the document fully uploaded (so it becomes visible), retrying
    /// Clio's `UploadTimeoutError` (storage still assembling the bytes).
    pub async fn complete_document(&self, id: u64, uuid: &str) -> Result<Document, ClioError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let finish = ApiRequest::new(Method::PATCH, format!("documents/{id}.json"))
                .query("fields", DOCUMENT_FIELDS)
                .json(json!({"data": {"uuid": uuid, "fully_uploaded": true}}));
            match self.call::<Data<Document>>(finish).await {
                Ok(doc) => return Ok(doc.data),
                Err(ClioError::Api { kind, .. })
                    if kind == "UploadTimeoutError" && attempt < COMPLETE_ATTEMPTS =>
                {
                    self.back_off(attempt, "PATCH documents (complete)", &kind)
                        .await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One document, as Clio shows it; `None` when it is not (or not yet) visible.
    pub async fn get_document(&self, id: u64) -> Result<Option<Document>, ClioError> {
        let req = ApiRequest::get(format!("documents/{id}.json")).query("fields", DOCUMENT_FIELDS);
        match self.call::<Data<Document>>(req).await {
            Ok(d) => Ok(Some(d.data)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The first-page request for a matter's documents, changed at or after `updated_since`.
    pub fn documents_request(
        matter_id: u64,
        updated_since: Option<&str>,
        limit: u32,
    ) -> ApiRequest {
        let mut req = ApiRequest::get("documents.json")
            .query("parent_id", matter_id.to_string())
            .query("parent_type", "Matter")
            .query("fields", DOCUMENT_FIELDS)
            .query("order", "id(asc)")
            .query("limit", limit.to_string());
        if let Some(since) = updated_since {
            req = req.query("updated_since", since);
        }
        req
    }

    /// Every visible document of a matter.
    pub async fn matter_documents(&self, matter_id: u64) -> Result<Vec<Document>, ClioError> {
        self.all(ClioClient::documents_request(matter_id, None, 200))
            .await
    }

    /// PUTs one part to its signed URL (see [`ClioClient::put_presigned`]).
    pub async fn put_part(&self, target: &PutTarget, body: &PutBody) -> Result<(), ClioError> {
        self.put_presigned(&target.url, &target.headers, body).await
    }
}

/// The storage PUT's own timeout: a minute, plus a second per 256 KiB of body (the API's 60 s
/// would cut a large part off on an ordinary line).
pub fn storage_timeout(len: u64) -> Duration {
    Duration::from_secs(60 + len / (256 * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_at_least_five_megabytes_but_the_last_and_at_most_fifty() {
        let mb = 1024 * 1024;
        assert_eq!(part_lengths(12 * mb), vec![5 * mb, 5 * mb, 2 * mb]);
        let big = part_lengths(500 * mb);
        assert_eq!(big.len(), 50);
        assert_eq!(big.iter().sum::<u64>(), 500 * mb);
        assert!(part_lengths(5_000 * mb).len() <= 50);
        assert!(part_lengths(0).is_empty());
    }

    #[test]
    fn the_storage_timeout_grows_with_the_body() {
        assert_eq!(storage_timeout(0), Duration::from_secs(60));
        assert!(storage_timeout(500 * 1024 * 1024) > Duration::from_secs(1_000));
    }
}
