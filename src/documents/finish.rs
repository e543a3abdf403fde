//! `clio-mcp documents finish DOC_ID`: completes an upload that failed after the document was
//! registered: the final PATCH, and when storage has no bytes, the bytes sent again first.

use std::sync::Arc;

use super::send::{Bytes, send_parts};
use super::{DocumentService, Source, UploadError, UploadOutcome};
use serde_json::{Value, json};

use crate::audit::{Action, AuditEvent};
use crate::clio::ClioError;

impl DocumentService {
    /// The uploads registered in Clio but not finished, oldest first.
    pub fn pending_uploads(&self) -> Result<Vec<super::Pending>, UploadError> {
        Ok(self.pending.list()?)
    }

    /// Finishes document `id` from what the state database kept of its upload. A document
    /// already visible is only recorded as finished.
    pub async fn finish(&self, id: u64, tool: &str) -> Result<UploadOutcome, UploadError> {
        let Some(row) = self.pending.get(id)? else {
            return match self
                .client
                .get_document(id)
                .await
                .map_err(UploadError::Clio)?
            {
                Some(d) if d.fully_uploaded() => Err(UploadError::Invalid(format!(
                    "document {id} is already fully uploaded and visible: nothing to finish"
                ))),
                _ => Err(UploadError::Invalid(format!(
                    "no unfinished upload of document {id} is recorded in this state folder \
                     (--home); finish it from the folder that started it"
                ))),
            };
        };
        // A new intent before the first call, naming the upload's own: `finish` writes too.
        let intent = self.audit.append(
            AuditEvent::new(Action::UploadIntent, tool)
                .matter(row.matter_id)
                .intent(row.intent_seq)
                .detail("finish")
                .values(
                    Value::Null,
                    json!({"document_id": id, "name": row.name, "size": row.size,
                           "sha256": row.sha256}),
                ),
        )?;
        let row = super::Pending {
            intent_seq: intent.seq,
            ..row
        };
        let outcome = UploadOutcome {
            document_id: id,
            matter_id: row.matter_id,
            name: row.name.clone(),
            size: row.size,
            sha256: row.sha256.clone(),
            already_uploaded: false,
            visible: false,
            parts: row.parts.len().max(1),
        };
        let first = self.client.complete_document(id, &row.uuid).await;
        let sent = match first {
            Err(ClioError::Api { kind, .. }) if kind == "UploadNotFoundError" => {
                // Storage has not got (all) the bytes: send them again, then the PATCH.
                let bytes = self.bytes_again(&row).await?;
                let lengths = if row.parts.is_empty() {
                    vec![row.size]
                } else {
                    row.parts.clone()
                };
                let resend = async {
                    let targets = self.client.renew_put_urls(id, &row.uuid, &lengths).await?;
                    send_parts(&self.client, id, &row.uuid, &lengths, targets, &bytes).await?;
                    self.client.complete_document(id, &row.uuid).await
                };
                resend.await
            }
            other => other,
        };
        self.conclude(tool, &row, sent, outcome).await
    }

    /// The bytes of the upload again: the same file, checked by the guard again and by its
    /// SHA-256, or the inline content kept.
    async fn bytes_again(&self, row: &super::Pending) -> Result<Bytes, UploadError> {
        let source = match (&row.path, &row.content) {
            (_, Some(content)) => Source::Inline(content.clone()),
            (Some(path), None) => Source::Path(path.clone()),
            (None, None) => {
                return Err(UploadError::Invalid(format!(
                    "the bytes of document {} were not kept; upload the file again",
                    row.document_id
                )));
            }
        };
        let bytes = match source {
            Source::Inline(c) => Bytes::Inline(c.into()),
            Source::Path(p) => {
                let guarded = self.dirs.open(&p)?;
                Bytes::File {
                    len: guarded.len,
                    file: Arc::new(guarded.file),
                }
            }
        };
        if bytes.sha256().await? != row.sha256 {
            return Err(UploadError::Invalid(format!(
                "{} changed since the upload began (its SHA-256 differs); upload it again \
                 with `force`",
                row.path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )));
        }
        Ok(bytes)
    }
}
