//! One raw JSON-RPC frame (a stdio line or an HTTP body) checked before rmcp sees it: what is
//! not JSON, not one object or not a JSON-RPC message gets a JSON-RPC error, carrying the
//! request's id when one can be read, instead of silence or an HTTP error with serde text.

use rmcp::ErrorData;
use rmcp::model::{ClientJsonRpcMessage, ErrorCode};
use serde_json::{Map, Value};

use super::methods;

/// The longest frame read: a longer stdio line is discarded (not buffered) and answered.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// What to do with a frame.
#[derive(Debug)]
pub enum Checked {
    /// A message rmcp can take.
    Message(Box<ClientJsonRpcMessage>),
    /// A notification that does not parse: JSON-RPC forbids answering a notification.
    Ignored,
    /// Answer this error and carry on.
    Rejected(FrameError),
}

/// A JSON-RPC error answer to a bad frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameError {
    /// The request's id when it could be read (a string or an integer), else `null`.
    pub id: Value,
    pub error: ErrorData,
}

impl FrameError {
    fn parse(id: Value, reason: &str) -> FrameError {
        FrameError {
            id,
            error: ErrorData::new(
                ErrorCode::PARSE_ERROR,
                format!("Parse error: {reason}"),
                None,
            ),
        }
    }

    fn invalid(id: Value, reason: &str) -> FrameError {
        FrameError {
            id,
            error: ErrorData::invalid_request(format!("Invalid request: {reason}"), None),
        }
    }

    /// A frame longer than `max` bytes, discarded unread; `start` is its first part.
    pub fn too_long(start: &[u8], max: usize) -> FrameError {
        const MIB: usize = 1024 * 1024;
        let limit = match max % MIB {
            0 => format!("{} MiB ({max} bytes)", max / MIB),
            _ => format!("{max} bytes"),
        };
        FrameError::parse(
            readable_id(start),
            &format!("the message is longer than {limit} and was discarded"),
        )
    }

    /// A body that could not be read to its end (e.g. broken chunked encoding).
    pub fn unreadable() -> FrameError {
        FrameError::parse(Value::Null, "the request body could not be read to its end")
    }

    /// The JSON-RPC error response, `{"jsonrpc":"2.0","id":…,"error":{…}}`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({ "jsonrpc": "2.0", "id": self.id, "error": self.error })
    }
}

/// Checks one frame: a message for rmcp, a notification to drop, or the error to answer.
pub fn check(frame: &[u8]) -> Checked {
    let frame = frame.strip_prefix(UTF8_BOM).unwrap_or(frame);
    if let Ok(message) = serde_json::from_slice::<ClientJsonRpcMessage>(frame) {
        return Checked::Message(Box::new(message));
    }
    if frame.trim_ascii().is_empty() {
        return Checked::Rejected(FrameError::parse(Value::Null, "the message is empty"));
    }
    let Ok(text) = std::str::from_utf8(frame) else {
        let reason = "the message is not valid UTF-8";
        return Checked::Rejected(FrameError::parse(readable_id(frame), reason));
    };
    match serde_json::from_str::<Value>(text) {
        Err(e) => Checked::Rejected(FrameError::parse(readable_id(frame), &describe(&e))),
        Ok(Value::Object(object)) => not_a_message(&object),
        Ok(Value::Array(_)) => Checked::Rejected(FrameError::invalid(
            Value::Null,
            "batches (JSON arrays) are not supported: send one message at a time",
        )),
        Ok(_) => Checked::Rejected(FrameError::invalid(
            Value::Null,
            "a message must be a JSON object",
        )),
    }
}

/// Why a JSON object is not a message rmcp can take.
fn not_a_message(object: &Map<String, Value>) -> Checked {
    let id = object.get("id").filter(|id| is_valid_id(id)).cloned();
    let reject = |reason: &str| {
        Checked::Rejected(FrameError::invalid(
            id.clone().unwrap_or(Value::Null),
            reason,
        ))
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return reject("`jsonrpc` must be \"2.0\"");
    }
    let Some(method) = object.get("method") else {
        if object.contains_key("result") || object.contains_key("error") {
            let reason = "not a valid JSON-RPC response";
            return Checked::Rejected(FrameError::invalid(Value::Null, reason));
        }
        return reject("a request needs a `method`");
    };
    let Some(method) = method.as_str() else {
        return reject("`method` must be a string");
    };
    if !object.contains_key("id") {
        return Checked::Ignored;
    }
    let Some(request_id) = id.clone() else {
        let reason = "`id` must be a string or an integer";
        return Checked::Rejected(FrameError::invalid(Value::Null, reason));
    };
    if !methods::is_known(method) && object.get("params").is_some_and(|p| !p.is_object()) {
        return reject("`params` must be an object");
    }
    Checked::Rejected(FrameError {
        id: request_id,
        error: methods::untyped_request_error(method, object.get("params")),
    })
}

fn is_valid_id(id: &Value) -> bool {
    id.is_string() || id.is_i64() || id.is_u64()
}

fn describe(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if e.classify() == serde_json::error::Category::Eof {
        "the message ends before its JSON does (truncated?)".to_string()
    } else if text.contains("recursion limit exceeded") {
        "the message is nested deeper than 128 levels".to_string()
    } else if text.contains("trailing characters") {
        "unexpected characters after the JSON value: send one message at a time".to_string()
    } else {
        format!("not valid JSON ({text})")
    }
}

/// The top-level `"id"` of a frame that need not parse (truncated, trailing garbage, bad
/// bytes, too deep), when it is a string or an integer; `null` otherwise.
pub fn readable_id(frame: &[u8]) -> Value {
    let frame = frame.strip_prefix(UTF8_BOM).unwrap_or(frame);
    let frame = frame.trim_ascii_start();
    if frame.first() != Some(&b'{') {
        return Value::Null;
    }
    let mut depth = 0usize;
    let mut expect_key = false;
    let mut i = 0;
    while i < frame.len() {
        match frame[i] {
            b'"' => {
                let Some(end) = string_end(frame, i) else {
                    return Value::Null;
                };
                if depth == 1 && expect_key {
                    expect_key = false;
                    if &frame[i + 1..end - 1] == b"id" {
                        return id_after_key(&frame[end..]);
                    }
                }
                i = end;
                continue;
            }
            b'{' => {
                depth += 1;
                expect_key = depth == 1;
            }
            b'[' => depth += 1,
            b'}' | b']' if depth <= 1 => return Value::Null,
            b'}' | b']' => depth -= 1,
            b',' if depth == 1 => expect_key = true,
            _ => {}
        }
        i += 1;
    }
    Value::Null
}

/// The index just past the string opening at `start`, or `None` if it never closes.
fn string_end(frame: &[u8], start: usize) -> Option<usize> {
    let mut j = start + 1;
    while j < frame.len() {
        match frame[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

fn id_after_key(rest: &[u8]) -> Value {
    let Some(value) = rest.trim_ascii_start().strip_prefix(b":") else {
        return Value::Null;
    };
    match serde_json::Deserializer::from_slice(value.trim_ascii_start())
        .into_iter::<Value>()
        .next()
    {
        Some(Ok(id)) if is_valid_id(&id) => id,
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rejected(frame: &[u8]) -> FrameError {
        match check(frame) {
            Checked::Rejected(e) => e,
            other => panic!(
                "{} was not rejected: {other:?}",
                String::from_utf8_lossy(frame)
            ),
        }
    }

    #[test]
    fn valid_messages_pass_and_bad_notifications_are_dropped() {
        let ping = br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
        assert!(matches!(check(ping), Checked::Message(_)));
        let bom = [UTF8_BOM, ping.as_slice()].concat();
        assert!(matches!(check(&bom), Checked::Message(_)));
        let bad = br#"{"jsonrpc":"2.0","method":"notifications/initialized","params":5}"#;
        assert!(matches!(check(bad), Checked::Ignored));
    }

    #[test]
    fn parse_errors_carry_the_id_when_it_can_be_read() {
        let cases: &[(&[u8], Value)] = &[
            (br#"{"jsonrpc":"2.0","id":11,"method":"tools/li"#, json!(11)),
            (
                br#"{"jsonrpc":"2.0","id":"a\"b","method":"ping"} x"#,
                json!("a\"b"),
            ),
            (
                br#"{"jsonrpc":"2.0","id":15,"method":"ping"}{"id":16}"#,
                json!(15),
            ),
            (b"{\"id\":13,\"x\":\"\xff\"}", json!(13)),
            (br#"{"params":{"id":9},"id":14,"x":"\ud800"}"#, json!(14)),
            (br#"{"params":{"id":9},"x":"\ud800"}"#, Value::Null),
            (br#"{"id":{"a":1},"x":"#, Value::Null),
            (br#"[{"id":1}"#, Value::Null),
            (b"garbage", Value::Null),
            (b"", Value::Null),
        ];
        for (frame, id) in cases {
            let e = rejected(frame);
            assert_eq!(e.error.code, ErrorCode::PARSE_ERROR, "{e:?}");
            assert_eq!(&e.id, id, "{}", String::from_utf8_lossy(frame));
        }
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        let deep = format!(
            r#"{{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        let e = rejected(deep.as_bytes());
        assert_eq!(
            (e.id.clone(), e.error.code),
            (json!(17), ErrorCode::PARSE_ERROR)
        );
        assert!(e.error.message.contains("deeper than 128"), "{e:?}");
        let e = rejected(br#"{"id":1} {"id":2}"#);
        assert!(e.error.message.contains("one message at a time"), "{e:?}");
        let e = rejected(br#"{"id":1"#);
        assert!(e.error.message.contains("truncated"), "{e:?}");
        let e = rejected(b"{\"id\":1,\"x\":\"\xc3\"}");
        assert!(e.error.message.contains("UTF-8"), "{e:?}");
        let e = FrameError::too_long(br#"{"jsonrpc":"2.0","id":3,"params":"xxxx"#, 4 << 20);
        assert!(e.error.message.contains("4 MiB"), "{e:?}");
        assert_eq!(e.id, json!(3));
    }

    #[test]
    fn invalid_requests_are_32600_and_malformed_params_32602() {
        let cases: &[(&[u8], i32, Value)] = &[
            (
                br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
                -32600,
                Value::Null,
            ),
            (br#""just a string""#, -32600, Value::Null),
            (br#"{"jsonrpc":"2.0","id":20}"#, -32600, json!(20)),
            (
                br#"{"jsonrpc":"1.0","id":21,"method":"ping"}"#,
                -32600,
                json!(21),
            ),
            (
                br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
                -32600,
                Value::Null,
            ),
            (
                br#"{"jsonrpc":"2.0","id":22,"method":7}"#,
                -32600,
                json!(22),
            ),
            (
                br#"{"jsonrpc":"2.0","id":23,"method":"tools/call","params":5}"#,
                -32602,
                json!(23),
            ),
            (
                br#"{"jsonrpc":"2.0","id":24,"method":"no/such","params":5}"#,
                -32600,
                json!(24),
            ),
            (
                br#"{"jsonrpc":"2.0","id":25,"result":5,"error":{}}"#,
                -32600,
                Value::Null,
            ),
        ];
        for (frame, code, id) in cases {
            let e = rejected(frame);
            assert_eq!(
                e.error.code.0,
                *code,
                "{}: {e:?}",
                String::from_utf8_lossy(frame)
            );
            assert_eq!(&e.id, id, "{}", String::from_utf8_lossy(frame));
        }
    }

    #[test]
    fn the_answer_is_a_jsonrpc_error_object() {
        let e = rejected(b"nope");
        let v = e.to_json();
        assert_eq!(v["jsonrpc"], "2.0");
        assert_eq!(v["id"], Value::Null);
        assert_eq!(v["error"]["code"], -32700);
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Parse error")
        );
    }
}
