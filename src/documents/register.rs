//! The first call of an upload and what follows it at once: a lost answer resolved by
//! re-reading the matter's documents, the `registered` checkpoint and the pending row, and
//! every later failure reported as unfinished with the document id.

use chrono::{DateTime, Utc};

use super::{DocumentService, Pending, UploadError, UploadOutcome};
use crate::clio::ClioError;

/// Whether a failed request provably did nothing in Clio: refused before sending, or
/// answered with a refusal. A lost or unreadable answer is no such proof.
pub(super) fn never_left(e: &ClioError) -> bool {
    match e {
        ClioError::Api { status, .. } => *status < 500,
        ClioError::Unauthorized { .. }
        | ClioError::RateLimited { .. }
        | ClioError::Refused { .. }
        | ClioError::ForeignUrl { .. } => true,
        ClioError::Server { .. }
        | ClioError::Network { .. }
        | ClioError::UnknownOutcome { .. }
        | ClioError::InvalidResponse { .. } => false,
    }
}

impl DocumentService {
    /// After a failed `POST /documents`: "nothing was uploaded" only when the request
    /// provably did nothing; otherwise the matter's documents are re-read for one of the
    /// same name created since the intent, kept as pending and reported unfinished, or
    /// the outcome is reported unknown with the commands that settle it.
    pub(super) async fn registration_failed(
        &self,
        tool: &str,
        since: DateTime<Utc>,
        row: Pending,
        outcome: &UploadOutcome,
        e: ClioError,
    ) -> UploadError {
        let detail = e.to_string();
        if never_left(&e) {
            return match self.record(tool, &row, None, "failed", outcome, Some(detail)) {
                Ok(()) => UploadError::Clio(e),
                Err(a) => UploadError::Audit(a),
            };
        }
        let found = match self.client.matter_documents(row.matter_id).await {
            Ok(docs) => docs.into_iter().find(|d| {
                d.name.as_deref() == Some(row.name.as_str())
                    && !d.fully_uploaded()
                    && d.created_at
                        .as_deref()
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                        .is_none_or(|t| t >= since - chrono::Duration::seconds(5))
            }),
            Err(_) => None,
        };
        let uuid = found
            .as_ref()
            .and_then(|d| d.latest_document_version.as_ref()?.uuid.clone());
        if let (Some(doc), Some(uuid)) = (found, uuid) {
            let row = Pending {
                document_id: doc.id,
                uuid,
                ..row
            };
            let mut outcome = outcome.clone();
            outcome.document_id = doc.id;
            if let Err(u) = self.checkpoint(tool, &row, &outcome) {
                return u;
            }
            return self.unfinished(
                tool,
                &row,
                &outcome,
                format!("the answer to registering it was lost ({detail}); a re-read found it"),
            );
        }
        let _ = self.record(tool, &row, None, "unknown", outcome, Some(detail.clone()));
        UploadError::Unknown(format!(
            "the answer to registering {} on matter {} was lost ({detail}), and a re-read of the \
             matter's documents does not show it: it may be registered but unfinished. Check with \
             list_documents or `clio-mcp documents pending`, then finish it with `clio-mcp \
             documents finish DOC_ID` or upload again",
            row.name, row.matter_id
        ))
    }

    /// Right after Clio answered the registration: the pending row (what `documents finish`
    /// needs) and a `registered` audit checkpoint naming the document. A failure here is
    /// reported unfinished with the document id, never as nothing uploaded.
    pub(super) fn checkpoint(
        &self,
        tool: &str,
        row: &Pending,
        outcome: &UploadOutcome,
    ) -> Result<(), UploadError> {
        let id = row.document_id;
        let kept = self.pending.insert(row).map_err(|e| e.to_string());
        let noted = self
            .record(tool, row, Some(id), "registered", outcome, None)
            .map_err(|e| e.to_string());
        match (kept, noted) {
            (Ok(()), Ok(())) => Ok(()),
            (kept, noted) => Err(UploadError::Unfinished {
                document_id: id,
                message: format!(
                    "it could not be recorded ({}{})",
                    kept.err().unwrap_or_default(),
                    noted.err().unwrap_or_default()
                ),
            }),
        }
    }

    /// A failure after the document was registered: recorded as unfinished (as far as the
    /// audit log can be written) and reported with the document id.
    pub(super) fn unfinished(
        &self,
        tool: &str,
        row: &Pending,
        outcome: &UploadOutcome,
        message: String,
    ) -> UploadError {
        let id = row.document_id;
        let message = match self.record(
            tool,
            row,
            Some(id),
            "unfinished",
            outcome,
            Some(message.clone()),
        ) {
            Ok(()) => message,
            Err(a) => format!("{message}; the audit log could not be written either: {a}"),
        };
        UploadError::Unfinished {
            document_id: id,
            message,
        }
    }
}
