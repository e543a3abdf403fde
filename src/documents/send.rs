//! The bytes of an upload: where they come from (an open, checked file or inline content),
//! their SHA-256, and sending them part by part, with expired URLs replaced.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::clio::documents::PutTarget;
use crate::clio::storage::{PutBody, URL_EXPIRED};
use crate::clio::{ClioClient, ClioError};

/// How often one part's URL may be replaced before the upload gives up.
const RENEWALS: u32 = 3;

/// The bytes to upload.
#[derive(Debug, Clone)]
pub enum Bytes {
    File { file: Arc<std::fs::File>, len: u64 },
    Inline(bytes::Bytes),
}

impl Bytes {
    pub fn len(&self) -> u64 {
        match self {
            Bytes::File { len, .. } => *len,
            Bytes::Inline(b) => b.len() as u64,
        }
    }

    /// The body of the range `offset..offset + len`.
    fn range(&self, offset: u64, len: u64) -> PutBody {
        match self {
            Bytes::File { file, .. } => PutBody::File {
                file: file.clone(),
                offset,
                len,
            },
            Bytes::Inline(b) => {
                let start = offset.min(b.len() as u64) as usize;
                let end = (offset + len).min(b.len() as u64) as usize;
                PutBody::Bytes(b.slice(start..end))
            }
        }
    }

    /// The lowercase hex SHA-256, read in 1 MiB pieces (never the whole file at once).
    pub async fn sha256(&self) -> std::io::Result<String> {
        match self {
            Bytes::Inline(b) => Ok(hex::encode(Sha256::digest(b))),
            Bytes::File { file, len } => {
                let mut f = file.try_clone()?;
                let len = *len;
                tokio::task::spawn_blocking(move || {
                    f.seek(SeekFrom::Start(0))?;
                    let mut hasher = Sha256::new();
                    let mut buf = vec![0u8; 1024 * 1024];
                    let mut left = len;
                    while left > 0 {
                        let want = left.min(buf.len() as u64) as usize;
                        let n = f.read(&mut buf[..want])?;
                        if n == 0 {
                            return Err(std::io::Error::other("the file got shorter while read"));
                        }
                        hasher.update(&buf[..n]);
                        left -= n as u64;
                    }
                    Ok(hex::encode(hasher.finalize()))
                })
                .await
                .map_err(std::io::Error::other)?
            }
        }
    }
}

/// Sends every part to its target; an expired URL is replaced by fresh ones (for all parts
/// at once, so the later parts do not meet the same fate) and the part sent again.
pub async fn send_parts(
    client: &ClioClient,
    id: u64,
    uuid: &str,
    parts: &[u64],
    mut targets: Vec<PutTarget>,
    bytes: &Bytes,
) -> Result<(), ClioError> {
    // A single PUT renewed is asked for again as one part of the whole length.
    let lengths: Vec<u64> = if parts.is_empty() {
        vec![bytes.len()]
    } else {
        parts.to_vec()
    };
    let mut offset = 0u64;
    for (i, len) in lengths.iter().enumerate() {
        let body = bytes.range(offset, *len);
        let mut renewals = 0;
        loop {
            let target = targets
                .iter()
                .find(|t| t.part_number.is_none_or(|n| n as usize == i + 1))
                .ok_or_else(|| ClioError::InvalidResponse {
                    message: format!("Clio gave no upload URL for part {}", i + 1),
                })?;
            match client.put_part(target, &body).await {
                Ok(()) => break,
                Err(ClioError::Api { kind, .. }) if kind == URL_EXPIRED && renewals < RENEWALS => {
                    renewals += 1;
                    tracing::info!(
                        document = id,
                        part = i + 1,
                        "signed URL expired; asking Clio for a fresh one"
                    );
                    targets = client.renew_put_urls(id, uuid, &lengths).await?;
                }
                Err(e) => return Err(e),
            }
        }
        offset += len;
    }
    Ok(())
}

/// A content type from the name's extension; `application/octet-stream` when unknown.
pub fn guess_content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" | "text" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        "rtf" => "application/rtf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "eml" => "message/rfc822",
        "msg" => "application/vnd.ms-outlook",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "tif" | "tiff" => "image/tiff",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_come_from_the_extension() {
        assert_eq!(guess_content_type("Brief.PDF"), "application/pdf");
        assert_eq!(guess_content_type("notes"), "application/octet-stream");
        assert_eq!(guess_content_type("a.tar.zip"), "application/zip");
    }
}
