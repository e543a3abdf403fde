//! A request to Clio described as data, so the client can send it again after a wait.

use reqwest::Method;
use serde_json::Value;

/// One Clio API call, relative to the configured API base.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    /// Relative to the API base, e.g. `matters/12.json`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub if_match: Option<String>,
    /// Use the ETag cache (`If-None-Match`, 304) for this GET.
    pub cached: bool,
    /// Never send again once it may have reached Clio (see [`ApiRequest::at_most_once`]).
    pub at_most_once: bool,
}

impl ApiRequest {
    pub fn new(method: Method, path: impl Into<String>) -> ApiRequest {
        ApiRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            if_match: None,
            cached: false,
            at_most_once: false,
        }
    }

    pub fn get(path: impl Into<String>) -> ApiRequest {
        ApiRequest::new(Method::GET, path)
    }

    pub fn query(mut self, name: &str, value: impl Into<String>) -> ApiRequest {
        self.query.push((name.to_string(), value.into()));
        self
    }

    pub fn json(mut self, body: Value) -> ApiRequest {
        self.body = Some(body);
        self
    }

    pub fn if_match(mut self, etag: impl Into<String>) -> ApiRequest {
        self.if_match = Some(etag.into());
        self
    }

    pub fn cached(mut self) -> ApiRequest {
        self.cached = true;
        self
    }

    /// A write whose lost answer its caller resolves by re-reading the record: once the
    /// request may have reached Clio (a broken connection, a timeout, a 5xx) it is never sent
    /// again and the outcome comes back unknown. A 429 or a refused token still send it again:
    /// Clio applied nothing then.
    pub fn at_most_once(mut self) -> ApiRequest {
        self.at_most_once = true;
        self
    }

    /// Whether sending this again after an unknown outcome cannot do harm: reads, and writes
    /// guarded by `If-Match` (a repeat of an applied write answers 412, which the caller
    /// resolves by re-reading), unless the caller asked for [`ApiRequest::at_most_once`].
    pub fn safe_to_repeat(&self) -> bool {
        if self.at_most_once {
            return false;
        }
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE
        ) || (self.method == Method::PATCH && self.if_match.is_some())
    }

    /// The endpoint with ids folded, for counters: `GET /matters/{id}`.
    pub fn endpoint(&self) -> String {
        endpoint_name(self.method.as_str(), &self.path)
    }
}

/// Folds numeric path segments and the `.json` suffix: `PATCH /matters/{id}`.
pub fn endpoint_name(method: &str, path: &str) -> String {
    let folded: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|segment| {
            let bare = segment.strip_suffix(".json").unwrap_or(segment);
            if !bare.is_empty() && bare.chars().all(|c| c.is_ascii_digit()) {
                "{id}"
            } else {
                bare
            }
        })
        .collect();
    format!("{method} /{}", folded.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names_fold_ids_and_suffixes() {
        assert_eq!(
            endpoint_name("GET", "matters/123.json"),
            "GET /matters/{id}"
        );
        assert_eq!(endpoint_name("GET", "matters.json"), "GET /matters");
        assert_eq!(
            endpoint_name("PATCH", "/documents/9"),
            "PATCH /documents/{id}"
        );
    }

    #[test]
    fn only_reads_and_guarded_writes_are_safe_to_repeat() {
        assert!(ApiRequest::get("matters.json").safe_to_repeat());
        let patch = ApiRequest::new(Method::PATCH, "matters/1.json");
        assert!(!patch.clone().safe_to_repeat());
        assert!(patch.if_match("\"abc\"").safe_to_repeat());
        assert!(!ApiRequest::new(Method::POST, "documents.json").safe_to_repeat());
        let once = ApiRequest::new(Method::PATCH, "matters/1.json")
            .if_match("\"abc\"")
            .at_most_once();
        assert!(!once.safe_to_repeat());
    }
}
