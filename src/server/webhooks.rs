//! `POST /webhooks/clio`: Clio's deliveries over HTTP, mounted by `serve --http` and served
//! alone by `webhooks listen`.
//!
//! Clio posts from the internet, through a tunnel or proxy whose Host and Origin are not
//! ours to know, and cannot send the MCP bearer token: this route is outside the MCP guards
//! (Host/Origin allow-list, bearer). What guards it is the signature: every delivery must
//! carry `X-Hook-Signature` made with a subscription's shared secret (401 otherwise), and a
//! handshake is only echoed at a subscription's URL (its `k` token) while it awaits one. Bodies past 1 MiB get 413.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::webhooks::receiver::MAX_BODY_BYTES;
use crate::webhooks::{Received, Receiver};

/// The route's path.
pub const PATH: &str = "/webhooks/clio";

/// The route alone, ready to merge into another router or to serve.
pub fn router(receiver: Receiver) -> Router {
    Router::new()
        .route(PATH, post(receive))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(receiver)
}

fn text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn receive(
    State(receiver): State<Receiver>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = crate::webhooks::receiver::token_of(query.as_deref());
    let secret = text(&headers, "x-hook-secret");
    let signature = text(&headers, "x-hook-signature");
    // SQLite and the audit log's fsync block: off the async threads.
    let answer = tokio::task::spawn_blocking(move || {
        receiver.receive(
            token.as_deref(),
            secret.as_deref(),
            signature.as_deref(),
            &body,
        )
    })
    .await;
    let plain = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    match answer {
        Ok(Received::Handshake(secret)) => match HeaderValue::from_str(&secret) {
            Ok(v) => (StatusCode::OK, [("x-hook-secret", v)]).into_response(),
            Err(_) => (StatusCode::BAD_REQUEST, plain, "X-Hook-Secret is not text").into_response(),
        },
        Ok(Received::Accepted(_)) => (StatusCode::OK, plain, "ok").into_response(),
        Ok(Received::Refused(code, why)) => {
            let code = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
            (code, plain, why).into_response()
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            plain,
            "the receiver failed",
        )
            .into_response(),
    }
}
