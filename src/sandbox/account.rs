//! `/oauth/token`, `/users/who_am_i` and `/custom_fields`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::fields::Schema;
use crate::sandbox::http::{
    Answer, error, json_ok, not_found, param, params, path_id, selection, with_etag,
};
use crate::sandbox::state::{SandboxState, lock};
use crate::sandbox::store::etag;

const USER_SCHEMA: Schema = Schema {
    fields: &[
        ("id", None),
        ("etag", None),
        ("name", None),
        ("first_name", None),
        ("last_name", None),
        ("email", None),
        ("time_zone", None),
    ],
};

const FIELD_SCHEMA: Schema = Schema {
    fields: &[
        ("id", None),
        ("etag", None),
        ("name", None),
        ("parent_type", None),
        ("field_type", None),
        ("displayed", None),
        ("required", None),
        ("deleted", None),
        ("display_order", None),
        (
            "picklist_options",
            Some(&["id", "etag", "option", "deleted_at"]),
        ),
    ],
};

fn oauth_error(status: StatusCode, kind: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": kind, "error_description": description})),
    )
        .into_response()
}

/// The refresh grant (and a fixed authorization code for local experiments).
pub async fn token(State(state): State<Arc<SandboxState>>, body: Bytes) -> Answer {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut tokens = lock(&state.tokens);
    if get("client_id") != Some(tokens.client_id.as_str())
        || get("client_secret") != Some(tokens.client_secret.as_str())
    {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        ));
    }
    let granted = match get("grant_type") {
        Some("refresh_token") => get("refresh_token").is_some_and(|r| tokens.refresh.contains(r)),
        Some("authorization_code") => get("code") == Some("sandbox-code"),
        _ => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            ));
        }
    };
    if !granted {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The provided authorization grant is invalid, expired or revoked",
        ));
    }
    tokens.issued += 1;
    let access = state.new_secret("sbx-access");
    tokens.access.insert(access.clone());
    let mut answer = json!({"token_type": "bearer", "access_token": access, "expires_in": 604_800});
    if !tokens.omit_refresh_token {
        let refresh = state.new_secret("sbx-refresh");
        tokens.refresh.insert(refresh.clone());
        answer["refresh_token"] = json!(refresh);
    }
    drop(tokens);
    state.count(|s| s.token_refreshes += 1);
    Ok(json_ok(answer))
}

pub async fn who_am_i(uri: Uri) -> Answer {
    let p = params(&uri);
    let selection = selection(&p, &USER_SCHEMA)?;
    let user = json!({"id": 344_001, "etag": etag("user", 344_001, 1), "name": "Sandra Paralegal", "first_name": "Sandra",
        "last_name": "Paralegal", "email": "sandra@sandbox-firm.example", "time_zone": "Eastern Time (US & Canada)"});
    Ok(json_ok(json!({"data": selection.apply(&user)})))
}

pub async fn list_fields(State(state): State<Arc<SandboxState>>, uri: Uri) -> Answer {
    let p = params(&uri);
    let selection = selection(&p, &FIELD_SCHEMA)?;
    let parent = match param(&p, "parent_type").map(str::to_ascii_lowercase) {
        None => None,
        Some(t) if t == "matter" => Some("Matter"),
        Some(t) if t == "contact" => Some("Contact"),
        Some(t) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!("parent_type={t} must be matter or contact"),
            ));
        }
    };
    let deleted = param(&p, "deleted").map(|d| d == "true");
    let field_type = param(&p, "field_type");
    let query = param(&p, "query").map(str::to_lowercase);
    let store = lock(&state.store);
    let data: Vec<Value> = store
        .defs
        .values()
        .filter(|d| parent.is_none_or(|t| d.parent_type == t))
        .filter(|d| deleted.is_none_or(|x| d.deleted == x))
        .filter(|d| field_type.is_none_or(|t| d.field_type.as_str() == t))
        .filter(|d| {
            query
                .as_ref()
                .is_none_or(|q| d.name.to_lowercase().contains(q))
        })
        .map(|d| selection.apply(&store.render_def(d)))
        .collect();
    // Fewer definitions than a page holds: no next link.
    Ok(json_ok(
        json!({"data": data, "meta": {"paging": {}, "records": data.len()}}),
    ))
}

pub async fn get_field(
    State(state): State<Arc<SandboxState>>,
    Path(raw): Path<String>,
    uri: Uri,
) -> Answer {
    let p = params(&uri);
    let selection = selection(&p, &FIELD_SCHEMA)?;
    let store = lock(&state.store);
    let d = path_id(&raw)
        .and_then(|id| store.defs.get(&id))
        .ok_or_else(|| not_found("custom field not found"))?;
    Ok(with_etag(
        json!({"data": selection.apply(&store.render_def(d))}),
        &etag("custom_field", d.id, d.version),
    ))
}
