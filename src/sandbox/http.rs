//! Request plumbing shared by the sandbox's handlers: Clio-shaped errors, query parsing,
//! path ids and JSON bodies.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::fields::{Schema, Selection, parse as parse_fields};

/// A handler's answer: `Err` carries a ready error response, so handlers can use `?`.
pub type Answer = Result<Response, Response>;

/// The `fields` selection of a request, parsed against `schema`; anything invalid is Clio's 400.
pub fn selection(params: &[(String, String)], schema: &Schema) -> Result<Selection, Response> {
    parse_fields(param(params, "fields"), schema)
        .map_err(|m| error(StatusCode::BAD_REQUEST, "BadRequest", m))
}

/// A Clio-shaped error answer: `{"error":{"type","message"}}`.
pub fn error(status: StatusCode, kind: &str, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(json!({"error": {"type": kind, "message": message.into()}})),
    )
        .into_response()
}

/// Clio's 404 for a record that does not exist, e.g. `not_found("matter")`.
pub fn not_found(message: impl Into<String>) -> Response {
    error(StatusCode::NOT_FOUND, "NotFound", message)
}

pub fn json_ok(body: Value) -> Response {
    axum::Json(body).into_response()
}

/// A record answer with its `ETag` header.
pub fn with_etag(body: Value, etag: &str) -> Response {
    let mut r = axum::Json(body).into_response();
    if let Ok(v) = HeaderValue::from_str(etag) {
        r.headers_mut().insert("etag", v);
    }
    r
}

/// Query pairs in order, repeated keys kept (`ids[]=1&ids[]=2`).
pub fn params(uri: &Uri) -> Vec<(String, String)> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub fn param_all(params: &[(String, String)], name: &str) -> Vec<String> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// A path id such as `123` or `123.json`.
pub fn path_id(raw: &str) -> Option<u64> {
    raw.strip_suffix(".json").unwrap_or(raw).parse().ok()
}

/// Parses a JSON body into `{"data": {...}}`'s inner object.
pub fn data_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Response> {
    let parsed: Value = serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    match parsed.get("data") {
        Some(Value::Object(map)) => Ok(map.clone()),
        _ => Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ArgumentError",
            "the body must be a JSON object with a \"data\" object",
        )),
    }
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
