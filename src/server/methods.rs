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

type Check = fn(Value) -> Result<(), serde_json::Error>;

fn check<T: DeserializeOwned>(request: Value) -> Result<(), serde_json::Error> {
    serde_json::from_value::<T>(request).map(drop)
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
            format!("method not found: {method}"),
            None,
        );
    };
    let mut request = serde_json::json!({ "method": method });
    if let Some(params) = params {
        request["params"] = params.clone();
    }
    let detail = match check(request) {
        Err(e) => format!(": {e}"),
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
        assert!(e.message.contains("expected a string"), "{}", e.message);
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
        assert!(!is_known("no/such"));
        assert!(is_known("tools/call"));
    }
}
