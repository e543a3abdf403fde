//! The answer to a request rmcp could not type: -32602 for a known MCP method whose params do
//! not fit it, -32601 for a method this server does not know.
//!
//! rmcp's `ClientRequest` is an untagged union ending in `CustomRequest`, so `tools/call` with
//! `{"name": 5}` arrives as a custom request and would be answered "method not found".

use rmcp::ErrorData;
// Logging and resource subscriptions are deprecated for new protocol versions, but rmcp still
// types them for older clients, so a malformed one is still invalid params.
#[allow(deprecated)]
use rmcp::model::{
    CallToolRequest, CancelTaskRequest, CompleteRequest, DiscoverRequest, ErrorCode,
    GetPromptRequest, GetSkillRequest, GetTaskRequest, InitializeRequest, ListPromptsRequest,
    ListResourceTemplatesRequest, ListResourcesRequest, ListSkillsRequest, ListToolsRequest,
    PingRequest, ReadResourceDirectoryRequest, ReadResourceRequest, SetLevelRequest,
    SubscribeRequest, SubscriptionsListenRequest, UnsubscribeRequest, UpdateTaskRequest,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

type Check = fn(&Value) -> Result<(), serde_path_to_error::Error<serde_json::Error>>;

fn check<T: DeserializeOwned>(
    request: &Value,
) -> Result<(), serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize::<_, T>(request).map(drop)
}

/// Most characters of a method name or a path taken from the request into an error.
const SHOWN_CHARS: usize = 80;

/// Where a request failed to parse and how, in the request's own names (`params.name has the
/// wrong type or value`), never the serde text, which names Rust types and echoes input.
fn problem(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let mut path = String::new();
    for segment in e.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => path.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&crate::text::one_line(key, 40));
            }
            _ => {}
        }
    }
    let inner = e.inner().to_string();
    // serde names a missing field after the protocol's field name (`missing field `name``).
    let missing = inner
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    let path = crate::text::one_line(&path, SHOWN_CHARS);
    let at = if path.is_empty() { "params" } else { &path };
    match missing {
        Some(field) => format!("{at}: the field `{field}` is required"),
        None => format!("{at} has the wrong type or value"),
    }
}

/// Every request method rmcp types, with the type its `{method, params}` must parse as.
#[allow(deprecated)]
const KNOWN: &[(&str, Check)] = &[
    ("initialize", check::<InitializeRequest>),
    ("ping", check::<PingRequest>),
    ("server/discover", check::<DiscoverRequest>),
    ("completion/complete", check::<CompleteRequest>),
    ("logging/setLevel", check::<SetLevelRequest>),
    ("prompts/get", check::<GetPromptRequest>),
    ("prompts/list", check::<ListPromptsRequest>),
    ("resources/list", check::<ListResourcesRequest>),
    (
        "resources/templates/list",
        check::<ListResourceTemplatesRequest>,
    ),
    ("resources/read", check::<ReadResourceRequest>),
    ("resources/subscribe", check::<SubscribeRequest>),
    ("resources/unsubscribe", check::<UnsubscribeRequest>),
    (
        "resources/directory/read",
        check::<ReadResourceDirectoryRequest>,
    ),
    ("subscriptions/listen", check::<SubscriptionsListenRequest>),
    ("tools/call", check::<CallToolRequest>),
    ("tools/list", check::<ListToolsRequest>),
    ("tasks/get", check::<GetTaskRequest>),
    ("tasks/update", check::<UpdateTaskRequest>),
    ("tasks/cancel", check::<CancelTaskRequest>),
    ("skills/list", check::<ListSkillsRequest>),
    ("skills/get", check::<GetSkillRequest>),
];

/// Whether `method` is a request method of MCP that rmcp knows.
pub fn is_known(method: &str) -> bool {
    KNOWN.iter().any(|(m, _)| *m == method)
}

/// The error for a request of `method` with `params` that did not parse as any typed request.
pub fn untyped_request_error(method: &str, params: Option<&Value>) -> ErrorData {
    let Some((_, check)) = KNOWN.iter().find(|(m, _)| *m == method) else {
        return ErrorData::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!(
                "method not found: {}",
                crate::text::one_line(method, SHOWN_CHARS)
            ),
            None,
        );
    };
    let mut request = serde_json::json!({ "method": method });
    if let Some(params) = params {
        request["params"] = params.clone();
    }
    let detail = match check(&request) {
        Err(e) => format!(": {}", problem(&e)),
        Ok(()) => String::new(),
    };
    ErrorData::invalid_params(format!("invalid params for {method}{detail}"), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_known_method_with_bad_params_is_invalid_params() {
        let e = untyped_request_error("tools/call", Some(&json!({"name": 5})));
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
        assert!(
            e.message.starts_with("invalid params for tools/call: "),
            "{}",
            e.message
        );
        // rmcp's flattened params hide the inner path; what is said names no Rust type.
        assert_eq!(
            e.message,
            "invalid params for tools/call: params has the wrong type or value"
        );
        let e = untyped_request_error("tools/call", Some(&json!({"arguments": {}})));
        assert!(e.message.contains("`name` is required"), "{}", e.message);
        let e = untyped_request_error("tools/call", None);
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
        let e = untyped_request_error("prompts/get", Some(&json!(5)));
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
    }

    #[test]
    fn an_unknown_method_is_method_not_found() {
        let e = untyped_request_error("no/such", Some(&json!({})));
        assert_eq!(e.code, ErrorCode::METHOD_NOT_FOUND);
        assert_eq!(e.message, "method not found: no/such");
        let hostile = format!("a\u{202E}b\u{E0075}\n{}", "x".repeat(5000));
        let e = untyped_request_error(&hostile, None);
        assert!(
            e.message.starts_with("method not found: abx"),
            "{}",
            e.message
        );
        assert!(e.message.chars().count() <= 100, "{}", e.message);
        assert!(!is_known("no/such"));
        assert!(is_known("tools/call"));
    }
}
