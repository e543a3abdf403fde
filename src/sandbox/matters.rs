//! `/matters`: list with filters and cursor paging, read one (ETag, 304); who may open one.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::sandbox::fields::Schema;
use crate::sandbox::http::{
    Answer, error, not_found, param, param_all, params, path_id, selection, with_etag,
};
use crate::sandbox::state::SandboxState;

const VALUE_FIELDS: &[&str] = &[
    "id",
    "etag",
    "value",
    "field_name",
    "field_type",
    "field_required",
    "field_displayed",
    "created_at",
    "updated_at",
    "custom_field",
    "picklist_option",
];
pub const MATTER_SCHEMA: Schema = Schema {
    fields: &[
        ("id", None),
        ("etag", None),
        ("display_number", None),
        ("description", None),
        ("status", None),
        ("open_date", None),
        ("created_at", None),
        ("updated_at", None),
        ("client", Some(&["id", "etag", "name"])),
        ("custom_field_values", Some(VALUE_FIELDS)),
    ],
};

fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

fn ids_param(p: &[(String, String)], name: &str) -> Result<BTreeSet<u64>, Response> {
    param_all(p, name)
        .iter()
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| bad_request(format!("{name}={v} is not a valid id")))
        })
        .collect()
}

fn since(p: &[(String, String)], name: &str) -> Result<Option<DateTime<Utc>>, Response> {
    match param(p, name) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| bad_request(format!("{name}={v} is not an ISO 8601 timestamp"))),
    }
}

pub async fn list(State(state): State<Arc<SandboxState>>, uri: Uri) -> Answer {
    let p = params(&uri);
    let selection = selection(&p, &MATTER_SCHEMA)?;
    let limit = match param(&p, "limit").map(|l| l.parse::<usize>()) {
        None => 200,
        Some(Ok(n)) if (1..=200).contains(&n) => n,
        Some(_) => return Err(bad_request("limit must be a number between 1 and 200")),
    };
    if param(&p, "offset")
        .and_then(|o| o.parse::<u64>().ok())
        .is_some_and(|o| o >= 10_000)
    {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ArgumentError",
            "offset paging stops at 10,000 records: use cursor paging (page_token)",
        ));
    }
    let descending = match param(&p, "order") {
        None | Some("id(asc)") => false,
        Some("id(desc)") => true,
        Some(o) => return Err(bad_request(format!("order={o} is not supported"))),
    };
    let after = match param(&p, "page_token") {
        None => None,
        Some(t) => match decode_token(t) {
            Some(id) => Some(id),
            None => return Err(bad_request("page_token is not valid")),
        },
    };
    let ids = ids_param(&p, "ids[]")?;
    let only = ids_param(&p, "custom_field_ids[]")?;
    let updated_since = since(&p, "updated_since")?;
    let created_since = since(&p, "created_since")?;
    let statuses: Vec<String> = match param(&p, "status") {
        None => Vec::new(),
        Some(s) => {
            let list: Vec<String> = s
                .split(',')
                .map(|x| x.trim().to_ascii_lowercase())
                .collect();
            if list
                .iter()
                .any(|x| !["open", "pending", "closed"].contains(&x.as_str()))
            {
                return Err(bad_request(format!(
                    "status={s} must be open, pending or closed"
                )));
            }
            list
        }
    };
    let query = param(&p, "query").map(str::to_lowercase);
    let store = state.read();
    // Clio lists only the matters this user may see: a forbidden one is not in any list.
    let matching = store.matters.values().filter(|m| {
        !store.forbidden.contains(&m.id)
            && (ids.is_empty() || ids.contains(&m.id))
            && (statuses.is_empty() || statuses.contains(&m.status.to_ascii_lowercase()))
            && updated_since.is_none_or(|t| m.updated_at >= t)
            && created_since.is_none_or(|t| m.created_at >= t)
            && query.as_ref().is_none_or(|q| {
                m.display_number.to_lowercase().contains(q)
                    || m.description.to_lowercase().contains(q)
                    || m.client_name.to_lowercase().contains(q)
            })
    });
    let ordered: Box<dyn Iterator<Item = _>> = if descending {
        Box::new(matching.rev())
    } else {
        Box::new(matching)
    };
    let mut page: Vec<_> = ordered
        .filter(|m| after.is_none_or(|a| if descending { m.id < a } else { m.id > a }))
        .take(limit + 1)
        .collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let data: Vec<Value> = page
        .iter()
        .map(|m| selection.apply(&store.render_matter(m, &only)))
        .collect();
    let mut meta = json!({"paging": {}, "records": data.len()});
    if more && let Some(last) = page.last() {
        meta["paging"]["next"] = json!(next_link(state.origin(), &p, last.id));
    }
    if after.is_some() {
        meta["paging"]["previous"] = json!(format!("{}/api/v4/matters.json", state.origin()));
    }
    Ok(axum::Json(json!({"data": data, "meta": meta})).into_response())
}

fn next_link(origin: &str, p: &[(String, String)], last_id: u64) -> String {
    let mut url = format!("{origin}/api/v4/matters.json?");
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in p.iter().filter(|(k, _)| k != "page_token") {
        ser.append_pair(k, v);
    }
    ser.append_pair("page_token", &encode_token(last_id));
    url.push_str(&ser.finish());
    url
}

fn encode_token(last_id: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("matters:after:{last_id}"))
}

fn decode_token(token: &str) -> Option<u64> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("matters:after:")?
        .parse()
        .ok()
}

/// Finds a matter this token may open: 404 when absent, 403 when not permitted.
pub fn check_access(state: &SandboxState, raw_id: &str) -> Result<u64, Response> {
    let id = path_id(raw_id).ok_or_else(|| not_found("matter not found"))?;
    let store = state.read();
    if !store.matters.contains_key(&id) {
        return Err(not_found(format!("matter {id} not found")));
    }
    if store.forbidden.contains(&id) {
        return Err(error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You do not have permission to access this matter",
        ));
    }
    Ok(id)
}

pub async fn get_one(
    State(state): State<Arc<SandboxState>>,
    Path(raw): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Answer {
    let id = check_access(&state, &raw)?;
    let p = params(&uri);
    let selection = selection(&p, &MATTER_SCHEMA)?;
    let only = ids_param(&p, "custom_field_ids[]")?;
    let store = state.read();
    let Some(m) = store.matters.get(&id) else {
        return Err(not_found("matter not found"));
    };
    let etag = store.matter_etag(m);
    if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = etag.parse() {
            r.headers_mut().insert("etag", v);
        }
        return Ok(r);
    }
    Ok(with_etag(
        json!({"data": selection.apply(&store.render_matter(m, &only))}),
        &etag,
    ))
}
