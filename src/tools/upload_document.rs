//! Tool `upload_document`: one local file (under a folder the user allowed) or small inline
//! content, uploaded to a matter, audited, and reported visible.

use base64::Engine;
use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::documents::{MAX_INLINE_BYTES, Source, UploadError, UploadOutcome, UploadRequest};
use crate::handler::ClioMcpServer;
use crate::tools::args::Args;
use crate::tools::{internal, structured, user_error};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadDocumentArgs {
    pub matter_id: u64,
    /// A local file in an allowed folder.
    #[serde(default)]
    pub path: Option<String>,
    /// Default: the file name.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// Clio document category id.
    #[serde(default)]
    pub category: Option<u64>,
    /// Upload even if already there.
    #[serde(default)]
    pub force: Option<bool>,
    /// Instead of path: content, base64, at most 2 MiB.
    #[serde(default)]
    pub content_base64: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct UploadDocumentOutput {
    pub document_id: u64,
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub already_uploaded: bool,
    pub visible: bool,
}

impl From<UploadOutcome> for UploadDocumentOutput {
    fn from(o: UploadOutcome) -> Self {
        UploadDocumentOutput {
            document_id: o.document_id,
            name: o.name,
            size: o.size,
            sha256: o.sha256,
            already_uploaded: o.already_uploaded,
            visible: o.visible,
        }
    }
}

/// The most base64 text that can decode to at most [`MAX_INLINE_BYTES`].
const MAX_INLINE_BASE64: usize = 4 * (MAX_INLINE_BYTES / 3 + 1);

/// The source named by exactly one of `path` and `content_base64`; oversized base64 is
/// refused before it is decoded.
fn source(args: &UploadDocumentArgs) -> Result<Source, String> {
    match (&args.path, &args.content_base64) {
        (Some(p), None) if !p.trim().is_empty() => Ok(Source::Path(p.trim().into())),
        (None, Some(b64)) if b64.trim().len() > MAX_INLINE_BASE64 => Err(format!(
            "content_base64 is {} characters, more than the 2 MiB allowed inline can take; \
             save the file under a folder allowed with `--allow-dir` and pass `path`",
            b64.trim().len()
        )),
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map(Source::Inline)
            .map_err(|e| format!("content_base64 is not valid base64 ({e}); encode the bytes with standard base64")),
        _ => Err("give exactly one of path (a file under an allowed folder) and content_base64 (with name)".to_string()),
    }
}

#[tool_router(router = upload_document_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// Upload a file (path in a folder the user allowed, or content_base64 with name) to a
    /// matter; answers id, size, SHA-256, visible. Same bytes and name again: already_uploaded
    /// unless force.
    #[tool(
        name = "upload_document",
        title = "Upload a document",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        ),
        input_schema = crate::tools::args::schema::<UploadDocumentArgs>(),
        output_schema = rmcp::handler::server::tool::schema_for_output::<UploadDocumentOutput>()
    )]
    async fn upload_document(
        &self,
        Args(args): Args<UploadDocumentArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let source = match source(&args) {
            Ok(s) => s,
            Err(m) => return user_error(m),
        };
        let req = UploadRequest {
            matter_id: args.matter_id,
            source,
            name: args.name.clone(),
            content_type: args.content_type.clone(),
            category: args.category,
            force: args.force.unwrap_or(false),
            tool: "upload_document".to_string(),
        };
        match self.documents.upload(req).await {
            Ok(o) => {
                let text = if o.already_uploaded {
                    format!(
                        "{} is already uploaded to matter {} as document {} (same SHA-256); pass force to upload again",
                        o.name, o.matter_id, o.document_id
                    )
                } else {
                    format!(
                        "Uploaded {} ({} bytes, SHA-256 {}) to matter {} as document {}; re-read: visible",
                        o.name, o.size, o.sha256, o.matter_id, o.document_id
                    )
                };
                structured(&UploadDocumentOutput::from(o), text)
            }
            Err(e @ (UploadError::Audit(_) | UploadError::Store(_))) => {
                Err(internal("could not record the upload", &e))
            }
            Err(e @ UploadError::Guard(_)) => user_error(format!("path refused: {e}")),
            Err(e) => user_error(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn oversized_base64_is_refused_before_it_is_decoded() {
        let args = UploadDocumentArgs {
            content_base64: Some("A".repeat(MAX_INLINE_BASE64 + 4)),
            ..Default::default()
        };
        let e = source(&args).err().unwrap();
        assert!(e.contains("content_base64") && e.contains("2 MiB"), "{e}");
        let fits = UploadDocumentArgs {
            content_base64: Some("A".repeat(MAX_INLINE_BASE64 - 4)),
            ..Default::default()
        };
        assert!(matches!(source(&fits), Ok(Source::Inline(b)) if b.len() <= MAX_INLINE_BYTES + 3));
    }
}
