//! One error type for everything the Clio client can meet, parsed from every body shape Clio uses.

use serde_json::Value;

/// A failed exchange with Clio, with a message that says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum ClioError {
    /// Clio answered with an error status that the caller must decide about
    /// (400, 403, 404, 409, 410, 412, 422, ...). `message` is Clio's own.
    #[error("Clio answered {status} {kind}: {message}")]
    Api {
        status: u16,
        kind: String,
        message: String,
    },
    /// The token was refused and could not be refreshed.
    #[error(
        "Clio refused the access token ({message}). Log in again: run `clio-mcp auth login` \
         (or set a fresh CLIO_ACCESS_TOKEN, or CLIO_REFRESH_TOKEN with CLIO_CLIENT_ID and \
         CLIO_CLIENT_SECRET)"
    )]
    Unauthorized { message: String },
    /// Still rate limited after waiting as Clio asked, many times over.
    #[error(
        "Clio kept answering 429 after {attempts} waits; try again later or lower CLIO_RATE_LIMIT"
    )]
    RateLimited { attempts: u32 },
    /// Clio kept failing on its side.
    #[error(
        "Clio failed with {status} {attempts} times in a row; nothing is known to be applied. Try again later"
    )]
    Server { status: u16, attempts: u32 },
    /// The network failed before any answer, for every try.
    #[error(
        "could not reach Clio after {attempts} tries ({message}); check the network, and that CLIO_REGION or CLIO_BASE_URL name your Clio account's region"
    )]
    Network { message: String, attempts: u32 },
    /// A write whose outcome is unknown: it may or may not have been applied.
    #[error(
        "the {method} {path} may or may not have been applied ({message}); re-read the record \
         before deciding anything"
    )]
    UnknownOutcome {
        method: String,
        path: String,
        message: String,
    },
    /// Clio answered something this client cannot read.
    #[error("Clio's answer could not be read: {message}")]
    InvalidResponse { message: String },
    /// A request this client refused to send: it could not be right (a write made from another
    /// matter's read, a request that cannot be built). Never retried: nothing was sent.
    #[error("not sent to Clio: {message}")]
    Refused { message: String },
    /// A paging link pointed away from the configured Clio origin; the token is never sent there.
    #[error("Clio's paging link {url} leaves the configured Clio host; refusing to follow it")]
    ForeignUrl { url: String },
}

impl ClioError {
    /// The HTTP status Clio answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClioError::Api { status, .. } | ClioError::Server { status, .. } => Some(*status),
            ClioError::Unauthorized { .. } => Some(401),
            ClioError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The record changed since it was read (412): re-read and decide again.
    pub fn is_precondition_failed(&self) -> bool {
        self.status() == Some(412)
    }

    /// This token may not see or change the record (403).
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403)
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Builds the error for a non-success answer from its status and body.
    pub fn from_response(status: u16, body: &[u8]) -> ClioError {
        let (kind, message) = parse_error_body(body);
        if status == 401 {
            return ClioError::Unauthorized { message };
        }
        ClioError::Api {
            status,
            kind: kind.unwrap_or_else(|| default_kind(status).to_string()),
            message,
        }
    }
}

fn default_kind(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        410 => "Gone",
        412 => "PreconditionFailed",
        422 => "ValidationError",
        429 => "RateLimited",
        _ => "Error",
    }
}

/// Reads `(type, message)` from any of Clio's error shapes:
/// `{"error":{"type","message"}}`, `{"error":"invalid_token","error_description"}`,
/// `{"message"}`, `{"errors":[...]}`; anything else becomes a short excerpt of the body.
pub fn parse_error_body(body: &[u8]) -> (Option<String>, String) {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return (None, excerpt(body));
    };
    let text = |v: &Value| v.as_str().map(str::to_string);
    if let Some(error) = json.get("error") {
        if let Some(obj) = error.as_object() {
            let kind = obj.get("type").and_then(text);
            let message = obj
                .get("message")
                .and_then(text)
                .unwrap_or_else(|| error.to_string());
            return (kind, message);
        }
        if let Some(kind) = text(error) {
            let message = json
                .get("error_description")
                .and_then(text)
                .unwrap_or_else(|| kind.clone());
            return (Some(kind), message);
        }
    }
    if let Some(errors) = json.get("errors").and_then(Value::as_array) {
        let parts: Vec<String> = errors
            .iter()
            .map(|e| match e {
                Value::String(s) => s.clone(),
                other => other
                    .get("message")
                    .and_then(text)
                    .unwrap_or_else(|| other.to_string()),
            })
            .collect();
        return (None, parts.join("; "));
    }
    if let Some(message) = json.get("message").and_then(text) {
        return (None, message);
    }
    (None, excerpt(body))
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return "no details given".to_string();
    }
    trimmed.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_error_object() {
        let e = ClioError::from_response(
            422,
            br#"{"error":{"type":"ValidationError","message":"Value is not a valid date"}}"#,
        );
        assert_eq!(e.status(), Some(422));
        assert_eq!(
            e.to_string(),
            "Clio answered 422 ValidationError: Value is not a valid date"
        );
    }

    #[test]
    fn parses_the_oauth_error_shape_as_unauthorized() {
        let e = ClioError::from_response(
            401,
            br#"{"error":"invalid_token","error_description":"The access token expired"}"#,
        );
        assert!(
            matches!(&e, ClioError::Unauthorized { message } if message == "The access token expired")
        );
        assert!(e.to_string().contains("Log in again"));
    }

    #[test]
    fn parses_a_bare_message_and_an_errors_array() {
        let e = ClioError::from_response(429, br#"{"message":"Too Many Requests"}"#);
        assert!(e.to_string().contains("Too Many Requests"));
        let e = ClioError::from_response(
            400,
            br#"{"errors":["limit is too large",{"message":"order is invalid"}]}"#,
        );
        assert!(
            e.to_string()
                .contains("limit is too large; order is invalid")
        );
    }

    #[test]
    fn keeps_an_excerpt_of_a_body_that_is_not_json() {
        let e = ClioError::from_response(412, b"<html>Precondition Failed</html>");
        assert!(e.is_precondition_failed());
        assert!(e.to_string().contains("PreconditionFailed"));
        assert!(e.to_string().contains("<html>Precondition Failed</html>"));
        let e = ClioError::from_response(404, b"");
        assert!(e.to_string().contains("no details given"));
    }
}
