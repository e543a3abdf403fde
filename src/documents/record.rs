//! The end of an upload: the re-read that shows it visible, its outcome in the audit log, and
//! the audit log's memory of what was uploaded before (the idempotent skip).

use serde_json::{Value, json};

use super::register::never_left;
use super::{DocumentService, Pending, UploadError, UploadOutcome};
use crate::audit::{Action, AuditError, AuditEvent, read_all};
use crate::clio::ClioError;
use crate::clio::documents::Document;

impl DocumentService {
    /// Re-reads the document after the final PATCH, records the outcome, and forgets the row;
    /// a failure is recorded as unfinished with the document id and the command to finish it.
    /// A PATCH whose answer was lost (anything but a clear refusal) is settled by the re-read.
    pub(super) async fn conclude(
        &self,
        tool: &str,
        row: &Pending,
        sent: Result<Document, ClioError>,
        mut outcome: UploadOutcome,
    ) -> Result<UploadOutcome, UploadError> {
        let id = row.document_id;
        if let Err(e) = &sent
            && never_left(e)
        {
            return Err(self.unfinished(tool, row, &outcome, e.to_string()));
        }
        let seen = match self.client.get_document(id).await {
            Ok(seen) => seen,
            Err(e) => {
                let message = match &sent {
                    Err(first) => format!("{first}; the re-read failed too: {e}"),
                    Ok(_) => e.to_string(),
                };
                return Err(self.unfinished(tool, row, &outcome, message));
            }
        };
        outcome.visible = seen.as_ref().is_some_and(Document::fully_uploaded);
        if !outcome.visible {
            let why = match &sent {
                Err(e) => e.to_string(),
                Ok(_) => "the re-read does not show the document fully uploaded".to_string(),
            };
            return Err(self.unfinished(tool, row, &outcome, why));
        }
        if let Err(e) = self.record(tool, row, Some(id), "uploaded", &outcome, None) {
            return Err(self.unfinished(
                tool,
                row,
                &outcome,
                format!("it is visible, but its outcome could not be audited ({e})"),
            ));
        }
        if let Err(e) = self.pending.remove(id) {
            tracing::warn!(document = id, error = %e, "a finished upload stays listed as pending");
        }
        Ok(outcome)
    }

    /// The outcome entry of an upload intent.
    pub(super) fn record(
        &self,
        tool: &str,
        row: &Pending,
        document_id: Option<u64>,
        outcome: &str,
        what: &UploadOutcome,
        detail: Option<String>,
    ) -> Result<(), AuditError> {
        let mut event = AuditEvent::new(Action::Upload, tool)
            .matter(row.matter_id)
            .intent(row.intent_seq)
            .outcome(outcome)
            .values(
                Value::Null,
                json!({"document_id": document_id, "name": what.name, "size": what.size,
                       "sha256": what.sha256}),
            );
        if let Some(d) = detail {
            event = event.detail(d);
        }
        self.audit.append(event).map(|_| ())
    }

    /// The document of the same bytes and name on the same matter, uploaded before (the
    /// audit log says so) and still there (a re-read of the matter's documents says so).
    pub(super) async fn already_uploaded(
        &self,
        matter_id: u64,
        name: &str,
        sha256: &str,
    ) -> Result<Option<u64>, UploadError> {
        let entries = read_all(self.audit.dir())?;
        let candidates: Vec<u64> = entries
            .iter()
            .rev()
            .filter(|e| {
                e.action == Action::Upload
                    && e.outcome.as_deref() == Some("uploaded")
                    && e.matter_id == Some(matter_id)
                    && e.new_value["name"] == name
                    && e.new_value["sha256"] == sha256
            })
            .filter_map(|e| e.new_value["document_id"].as_u64())
            .collect();
        if candidates.is_empty() {
            return Ok(None);
        }
        let docs = self
            .client
            .matter_documents(matter_id)
            .await
            .map_err(UploadError::Clio)?;
        Ok(candidates.into_iter().find(|id| {
            docs.iter()
                .any(|d| d.id == *id && d.name.as_deref() == Some(name) && d.fully_uploaded())
        }))
    }
}
