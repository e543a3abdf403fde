//! Uploading documents to a matter: the folder guard, SHA-256 and the idempotent skip, the
//! audit intent before the first call, Clio's three calls, a re-read, and `finish` for an
//! upload that failed after the document was registered.

mod finish;
mod name;
mod pending;
mod record;
mod register;
mod send;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::audit::{Action, AuditError, AuditEvent, AuditLog};
use crate::clio::documents::{NewDocument, part_lengths};
use crate::clio::{ClioClient, ClioError};
use crate::upload_dirs::{GuardError, UploadDirs};
use pending::InFlight;
pub use pending::{Pending, PendingStore};
pub use send::guess_content_type;
use send::{Bytes, send_parts};

/// Above this size an upload is sent in parts (Clio suggests multipart from about 100 MB).
pub const DEFAULT_MULTIPART_THRESHOLD: u64 = 100 * 1024 * 1024;
/// The most content an assistant may hand over inline (`content_base64`), decoded.
pub const MAX_INLINE_BYTES: usize = 2 * 1024 * 1024;

/// Why an upload did not happen, or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Guard(#[from] GuardError),
    #[error("{0}")]
    Invalid(String),
    #[error("nothing was uploaded: {0}")]
    Clio(ClioError),
    /// A request whose answer was lost: it may have registered a document.
    #[error("{0}")]
    Unknown(String),
    #[error(
        "document {document_id} was registered in Clio but is not finished ({message}); it stays invisible until `clio-mcp documents finish {document_id}` completes it"
    )]
    Unfinished { document_id: u64, message: String },
    #[error("the audit log could not be written, so nothing was sent: {0}")]
    Audit(#[from] AuditError),
    #[error("the state database could not be used: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("the file could not be read: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    Path(PathBuf),
    Inline(Vec<u8>),
}

/// One upload as asked for.
#[derive(Debug, Clone)]
pub struct UploadRequest {
    pub matter_id: u64,
    pub source: Source,
    pub name: Option<String>,
    pub content_type: Option<String>,
    pub category: Option<u64>,
    pub force: bool,
    /// The MCP tool or CLI command asking, for the audit log.
    pub tool: String,
}

/// What happened: the document, and whether it was there already.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadOutcome {
    pub document_id: u64,
    pub matter_id: u64,
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub already_uploaded: bool,
    /// Seen fully uploaded when re-read after the final PATCH.
    pub visible: bool,
    pub parts: usize,
}

/// Uploads through the process's one client, audited, reading only allowed files.
#[derive(Clone)]
pub struct DocumentService {
    client: ClioClient,
    audit: Arc<AuditLog>,
    dirs: Arc<UploadDirs>,
    pending: PendingStore,
    in_flight: InFlight,
    multipart_threshold: u64,
}

impl DocumentService {
    pub fn new(client: ClioClient, audit: Arc<AuditLog>, dirs: UploadDirs, db: &Path) -> Self {
        DocumentService {
            client,
            audit,
            dirs: Arc::new(dirs),
            pending: PendingStore::new(db),
            in_flight: InFlight::default(),
            multipart_threshold: DEFAULT_MULTIPART_THRESHOLD,
        }
    }

    /// The same service reading only under `dirs`.
    pub fn with_dirs(mut self, dirs: UploadDirs) -> Self {
        self.dirs = Arc::new(dirs);
        self
    }

    /// Uploads above `bytes` go in parts (tests use a small threshold).
    pub fn with_multipart_threshold(mut self, bytes: u64) -> Self {
        self.multipart_threshold = bytes;
        self
    }

    pub fn client(&self) -> &ClioClient {
        &self.client
    }

    /// Uploads one document: see the module documentation for the steps.
    pub async fn upload(&self, req: UploadRequest) -> Result<UploadOutcome, UploadError> {
        let given_path = match &req.source {
            Source::Path(p) => Some(p.as_path()),
            Source::Inline(_) => None,
        };
        let (bytes, path) = match &req.source {
            Source::Path(p) => {
                let guarded = self.dirs.open(p)?;
                let bytes = Bytes::File {
                    len: guarded.len,
                    file: Arc::new(guarded.file),
                };
                (bytes, Some(guarded.path))
            }
            Source::Inline(content) => {
                if content.len() > MAX_INLINE_BYTES {
                    return Err(UploadError::Invalid(format!(
                        "content_base64 holds {} bytes, more than the 2 MiB allowed inline; \
                         save the file under a folder allowed with `--allow-dir` and pass `path`",
                        content.len()
                    )));
                }
                (Bytes::Inline(content.clone().into()), None)
            }
        };
        let name = name::document_name(req.name.as_deref(), given_path)?;
        let content_type = name::content_type(req.content_type.as_deref(), &name)?;
        let size = bytes.len();
        let sha256 = bytes.sha256().await?;
        let parts = if size > self.multipart_threshold {
            part_lengths(size)
        } else {
            Vec::new()
        };
        let mut outcome = UploadOutcome {
            document_id: 0,
            matter_id: req.matter_id,
            name: name.clone(),
            size,
            sha256: sha256.clone(),
            already_uploaded: false,
            visible: false,
            parts: parts.len().max(1),
        };
        let Some(_held) = self.in_flight.hold(req.matter_id, &name, &sha256) else {
            return Err(UploadError::Invalid(format!(
                "{name} with the same bytes is being uploaded to matter {} right now; wait for \
                 that upload to answer",
                req.matter_id
            )));
        };
        if !req.force {
            if let Some(earlier) = self.pending.find(req.matter_id, &name, &sha256)? {
                // An earlier upload of these bytes was registered but not finished: finish it
                // rather than register a second document.
                return self.finish(earlier.document_id, &req.tool).await;
            }
            if let Some(id) = self.already_uploaded(req.matter_id, &name, &sha256).await? {
                outcome.document_id = id;
                outcome.already_uploaded = true;
                outcome.visible = true;
                return Ok(outcome);
            }
        }
        let facts = json!({"name": name, "size": size, "sha256": sha256,
            "content_type": content_type, "parts": parts.len().max(1),
            "path": path.as_ref().map(|p| p.display().to_string())});
        let intent = self.audit.append(
            AuditEvent::new(Action::UploadIntent, req.tool.clone())
                .matter(req.matter_id)
                .values(Value::Null, facts),
        )?;
        let mut row = Pending {
            document_id: 0,
            uuid: String::new(),
            matter_id: req.matter_id,
            name: name.clone(),
            size,
            sha256: sha256.clone(),
            path,
            content: match &req.source {
                Source::Inline(c) => Some(c.clone()),
                Source::Path(_) => None,
            },
            parts: parts.clone(),
            intent_seq: intent.seq,
            content_type: Some(content_type.clone()),
        };
        let new = NewDocument {
            matter_id: req.matter_id,
            name: name.clone(),
            content_type: Some(content_type),
            category: req.category,
            parts: parts.clone(),
        };
        let registered = match self.client.register_document(&new).await {
            Ok(r) => r,
            Err(e) => {
                let why = self.registration_failed(&req.tool, intent.ts, row, &outcome, e);
                return Err(why.await);
            }
        };
        outcome.document_id = registered.id;
        row.document_id = registered.id;
        row.uuid = registered.uuid.clone();
        self.checkpoint(&req.tool, &row, &outcome)?;
        let sent = async {
            send_parts(
                &self.client,
                registered.id,
                &registered.uuid,
                &parts,
                registered.targets,
                &bytes,
            )
            .await?;
            self.client
                .complete_document(registered.id, &registered.uuid)
                .await
        }
        .await;
        self.conclude(&req.tool, &row, sent, outcome).await
    }
}
