//! The sandbox's routes: Clio's API under `/api/v4` behind the gate, OAuth, and the storage
//! host that takes document bytes.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

use crate::sandbox::state::SandboxState;
use crate::sandbox::{
    account, document_list, documents, gate, http, matter_patch, matters, oauth, storage, webhooks,
};

pub fn router(state: Arc<SandboxState>) -> Router {
    let api = Router::new()
        .route("/users/who_am_i", get(account::who_am_i))
        .route("/users/who_am_i.json", get(account::who_am_i))
        .route("/custom_fields", get(account::list_fields))
        .route("/custom_fields.json", get(account::list_fields))
        .route("/custom_fields/{id}", get(account::get_field))
        .route("/matters", get(matters::list))
        .route("/matters.json", get(matters::list))
        .route(
            "/matters/{id}",
            get(matters::get_one).patch(matter_patch::patch),
        )
        .route(
            "/documents",
            post(documents::create).get(document_list::list),
        )
        .route(
            "/documents.json",
            post(documents::create).get(document_list::list),
        )
        .route(
            "/documents/{id}",
            get(document_list::get_one).patch(documents::update),
        )
        .route("/webhooks", post(webhooks::create).get(webhooks::list))
        .route("/webhooks.json", post(webhooks::create).get(webhooks::list))
        .route(
            "/webhooks/{id}",
            get(webhooks::get_one)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .fallback(|| async {
            http::error(
                axum::http::StatusCode::NOT_FOUND,
                "NotFound",
                "no such endpoint",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gate::api_gate,
        ));
    Router::new()
        .nest("/api/v4", api)
        .route("/oauth/authorize", get(oauth::authorize))
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/deauthorize", post(oauth::deauthorize))
        .route("/sandbox-storage/{uuid}", put(storage::put_bytes))
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(state)
}
