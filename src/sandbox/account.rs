//! `/users/who_am_i` and `/custom_fields`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
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
