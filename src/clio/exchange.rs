//! One HTTP exchange with Clio: the request as it goes on the wire (token, `If-Match`,
//! `If-None-Match`, JSON body) and the answer's status, headers and bytes.

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use url::Url;

use crate::clio::{ApiRequest, ClioClient, ClioError};

/// An answer as it came back, before it is judged.
pub(super) struct RawAnswer {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

impl ClioClient {
    pub(super) async fn exchange(
        &self,
        req: &ApiRequest,
        url: Url,
        bearer: Option<String>,
        cached_etag: Option<String>,
    ) -> Result<RawAnswer, reqwest::Error> {
        let mut builder = self
            .inner()
            .http
            .request(req.method.clone(), url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(bearer) = bearer
            && let Ok(mut value) = HeaderValue::from_str(&bearer)
        {
            value.set_sensitive(true);
            builder = builder.header(reqwest::header::AUTHORIZATION, value);
        }
        if let Some(etag) = &req.if_match {
            builder = builder.header(reqwest::header::IF_MATCH, etag);
        }
        if let Some(etag) = cached_etag {
            builder = builder.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let response = builder.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok(RawAnswer {
            status,
            headers,
            body,
        })
    }
}

/// Longest URL sent: web servers refuse longer ones (Clio's among them), often by closing the
/// connection, which would read as a network failure and be retried.
pub const MAX_URL_BYTES: usize = 8 * 1024;

/// Refuses, before anything is sent, a URL no server would take.
pub(super) fn buildable(url: &Url) -> Result<(), ClioError> {
    let len = url.as_str().len();
    if len > MAX_URL_BYTES {
        return Err(ClioError::Refused {
            message: format!(
                "the request would be a {len}-byte URL, over the {MAX_URL_BYTES} bytes a Clio \
                 URL may have; shorten the search text or ask for fewer ids"
            ),
        });
    }
    Ok(())
}

/// A request reqwest could not build (an invalid header value, say): refused, never retried.
pub(super) fn refused(err: &reqwest::Error) -> ClioError {
    let mut message = "the request cannot be built".to_string();
    if let Some(source) = std::error::Error::source(err) {
        message.push_str(&format!(" ({source})"));
    }
    ClioError::Refused { message }
}

/// A network error without its URL (query strings may carry identifiers).
pub(super) fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        "timed out".to_string()
    } else if err.is_connect() {
        "connection failed".to_string()
    } else if err.is_body() || err.is_decode() {
        "the connection broke while reading the answer".to_string()
    } else {
        "the connection failed".to_string()
    };
    if let Some(source) = std::error::Error::source(err) {
        text.push_str(&format!(": {source}"));
    }
    text
}
