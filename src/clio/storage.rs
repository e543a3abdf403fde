//! Uploads to the signed storage URLs Clio hands out: not Clio API calls, so no bearer token
//! and none of Clio's request budget; bodies streamed from disk, never held whole.

use std::io::SeekFrom;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::clio::documents::{Document, NewDocument, storage_timeout};
use crate::clio::exchange::{describe, refused};
use crate::clio::{ClioClient, ClioError};

/// The `kind` of the error a signed URL that has expired gets: ask for a fresh one.
pub const URL_EXPIRED: &str = "RequestExpired";
const CHUNK: usize = 256 * 1024;

/// What one PUT sends: bytes in memory (small content), or a range of an open file, read
/// anew from the same handle on every attempt.
#[derive(Debug, Clone)]
pub enum PutBody {
    Bytes(bytes::Bytes),
    File {
        file: Arc<std::fs::File>,
        offset: u64,
        len: u64,
    },
}

impl PutBody {
    pub fn len(&self) -> u64 {
        match self {
            PutBody::Bytes(b) => b.len() as u64,
            PutBody::File { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    async fn body(&self) -> std::io::Result<reqwest::Body> {
        match self {
            PutBody::Bytes(b) => Ok(reqwest::Body::from(b.clone())),
            PutBody::File { file, offset, len } => {
                let mut f = tokio::fs::File::from_std(file.try_clone()?);
                f.seek(SeekFrom::Start(*offset)).await?;
                let stream = ReaderStream::with_capacity(f.take(*len), CHUNK);
                Ok(reqwest::Body::wrap_stream(stream))
            }
        }
    }
}

impl ClioClient {
    /// PUTs a body to a presigned storage URL with every signed header. It is not a Clio API
    /// call: no bearer token is sent (the storage host must never see it), Clio's request
    /// budget is not spent, and the timeout is sized for the body, not the API's. An expired
    /// URL comes back as an `Api` error of kind [`URL_EXPIRED`].
    pub async fn put_presigned(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: &PutBody,
    ) -> Result<(), ClioError> {
        let endpoint = "PUT (presigned upload)";
        let mut failures = 0;
        loop {
            self.inner().metrics.request(endpoint);
            let payload = body.body().await.map_err(|e| ClioError::Refused {
                message: format!("could not read the file to upload: {e}"),
            })?;
            let mut builder = self
                .inner()
                .http
                .put(url)
                .timeout(storage_timeout(body.len()))
                .header(reqwest::header::CONTENT_LENGTH, body.len())
                .body(payload);
            for (name, value) in headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            let result = builder.send().await;
            let retryable = match result {
                Ok(response) => {
                    let status = response.status().as_u16();
                    if response.status().is_success() {
                        return Ok(());
                    }
                    // The body is never echoed: S3's XML may carry AWSAccessKeyId or
                    // StringToSign. Only its <Code> is kept, in plain words.
                    let body = response.bytes().await.unwrap_or_default();
                    let text = String::from_utf8_lossy(&body);
                    if status == 403 && text.contains("expired") {
                        return Err(ClioError::Api {
                            status,
                            kind: URL_EXPIRED.to_string(),
                            message: "the signed upload URL has expired".to_string(),
                        });
                    }
                    if status < 500 {
                        return Err(ClioError::Api {
                            status,
                            kind: "UploadRejected".to_string(),
                            message: storage_refusal(&text),
                        });
                    }
                    format!("status {status}")
                }
                Err(e) if e.is_builder() => return Err(refused(&e)),
                Err(e) => describe(&e),
            };
            failures += 1;
            if failures >= self.inner().retry.max_attempts {
                return Err(ClioError::Network {
                    message: format!("upload: {retryable}"),
                    attempts: failures,
                });
            }
            self.back_off(failures, endpoint, &retryable).await;
        }
    }

    /// Uploads small `bytes` in one go (register, PUT, complete), for tests and tools that
    /// need no more; `documents::upload` is the whole, audited flow.
    pub async fn upload_document(
        &self,
        matter_id: u64,
        name: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
    ) -> Result<Document, ClioError> {
        let registered = self
            .register_document(&NewDocument {
                matter_id,
                name: name.to_string(),
                content_type: content_type.map(str::to_string),
                ..Default::default()
            })
            .await?;
        let body = PutBody::Bytes(bytes.into());
        for target in &registered.targets {
            self.put_part(target, &body).await?;
        }
        self.complete_document(registered.id, &registered.uuid)
            .await
    }
}

/// What storage's refusal says, in plain words from its `<Code>` alone.
fn storage_refusal(body: &str) -> String {
    let code = body
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code.trim())
        .filter(|c| c.len() <= 64 && c.chars().all(|ch| ch.is_ascii_alphanumeric()));
    let words = match code {
        Some("AccessDenied") => "storage refused access to the signed upload URL",
        Some("SignatureDoesNotMatch") => {
            "storage found the upload's signature or signed headers do not match"
        }
        Some("BadDigest" | "InvalidDigest") => "storage found the bytes do not match their digest",
        Some("EntityTooSmall") => "storage found a part too small (parts but the last need 5 MB)",
        Some("EntityTooLarge") => "storage found the upload too large",
        Some("RequestTimeTooSkewed") => "storage found this computer's clock too far off",
        Some("MissingContentLength" | "IncompleteBody") => "storage got fewer bytes than announced",
        Some(other) => return format!("storage refused the upload ({other})"),
        None => "storage refused the upload",
    };
    words.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storage_refusal_keeps_only_the_code_never_keys_or_signed_strings() {
        let xml = "<Error><Code>SignatureDoesNotMatch</Code><AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId>\
                   <StringToSign>PUT\n\nsecret</StringToSign></Error>";
        let said = storage_refusal(xml);
        assert!(said.contains("signature"), "{said}");
        assert!(!said.contains("AKIA") && !said.contains("secret"), "{said}");
        let odd = storage_refusal("<Error><Code>Weird Code<x></Code></Error>");
        assert_eq!(odd, "storage refused the upload");
        assert_eq!(
            storage_refusal("not xml AKIA"),
            "storage refused the upload"
        );
    }
}
