//! Document upload, Clio's three calls: register, PUT the bytes to the signed URL, mark uploaded.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clio::types::Data;
use crate::clio::{ApiRequest, ClioClient, ClioError};

#[derive(Debug, Clone, Deserialize)]
struct PutHeader {
    name: String,
    value: String,
}

#[derive(Debug, Clone, Deserialize)]
struct PendingVersion {
    uuid: String,
    put_url: String,
    #[serde(default)]
    put_headers: Vec<PutHeader>,
}

#[derive(Debug, Clone, Deserialize)]
struct PendingDocument {
    id: u64,
    latest_document_version: PendingVersion,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct DocumentVersion {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub fully_uploaded: bool,
}

/// An uploaded document.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Document {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub latest_document_version: Option<DocumentVersion>,
}

impl ClioClient {
    /// Uploads `bytes` as `name` on a matter. Without the final PATCH the document would stay
    /// invisible, so a failure there is reported with the document id to finish or remove.
    pub async fn upload_document(
        &self,
        matter_id: u64,
        name: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
    ) -> Result<Document, ClioError> {
        let mut data = json!({"name": name, "parent": {"id": matter_id, "type": "Matter"}});
        if let Some(ct) = content_type {
            data["content_type"] = json!(ct);
        }
        let create = ApiRequest::new(Method::POST, "documents.json")
            .query(
                "fields",
                "id,latest_document_version{uuid,put_url,put_headers}",
            )
            .json(json!({"data": data}));
        let pending = self.call::<Data<PendingDocument>>(create).await?.data;
        let version = pending.latest_document_version;
        let headers: Vec<(String, String)> = version
            .put_headers
            .into_iter()
            .map(|h| (h.name, h.value))
            .collect();
        self.put_presigned(&version.put_url, &headers, bytes)
            .await?;
        let finish = ApiRequest::new(Method::PATCH, format!("documents/{}.json", pending.id))
            .query(
                "fields",
                "id,name,latest_document_version{uuid,fully_uploaded}",
            )
            .json(json!({"data": {"uuid": version.uuid, "fully_uploaded": true}}));
        Ok(self.call::<Data<Document>>(finish).await?.data)
    }
}
