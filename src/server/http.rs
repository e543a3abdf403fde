//! The streamable HTTP transport at `/mcp`, wrapped in the security layers.
//!
//! From the outside in: the exact Host/Origin check (403), the bearer check when a token is
//! set (401), the body check (413 over the cap; 400 with a JSON-RPC error for a body that is
//! not one JSON-RPC message), then rmcp.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use super::frames::{self, Checked, FrameError};
use crate::http_security::{HttpSecurity, RebindingGuard, Refusal, bearer_matches};
use crate::server::McpServer;

/// The axum app: `/mcp` behind the Host/Origin check, the bearer check when a token is
/// configured, and the body check. `addr` is the bound address (for the Host allow-list).
pub fn app(
    server: McpServer,
    security: &HttpSecurity,
    addr: std::net::SocketAddr,
    ct: CancellationToken,
) -> axum::Router {
    let config = security
        .apply(StreamableHttpServerConfig::default())
        .with_cancellation_token(ct.child_token());
    let mcp = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let mut router =
        axum::Router::new()
            .nest_service("/mcp", mcp)
            .layer(axum::middleware::from_fn_with_state(
                security.max_body_bytes,
                check_body,
            ));
    if let Some(token) = &security.bearer_token {
        router = router.layer(axum::middleware::from_fn_with_state(
            Arc::new(token.clone()),
            require_bearer,
        ));
    }
    router.layer(axum::middleware::from_fn_with_state(
        Arc::new(security.guard(addr)),
        refuse_rebinding,
    ))
}

/// Serves `app` on `listener` until `ct` is cancelled.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: McpServer,
    security: &HttpSecurity,
    ct: CancellationToken,
) -> std::io::Result<()> {
    serve_with(listener, server, security, ct, None).await
}

/// As [`serve`], with Clio's webhooks received at `/webhooks/clio` beside `/mcp`. That route
/// is merged after the MCP guards, so they do not apply to it: its guard is the signature
/// (see [`super::webhooks`]).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    server: McpServer,
    security: &HttpSecurity,
    ct: CancellationToken,
    receiver: Option<crate::webhooks::Receiver>,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    let mut app = app(server, security, addr, ct.clone());
    if let Some(receiver) = receiver {
        app = app.merge(super::webhooks::router(receiver));
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { ct.cancelled_owned().await })
        .await
}

/// The header's only value as text: `Ok(None)` when absent, `Err` when repeated or not text.
fn single<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Result<Option<&'a str>, ()> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(());
    }
    first.to_str().map(Some).map_err(drop)
}

async fn refuse_rebinding(
    State(guard): State<Arc<RebindingGuard>>,
    req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    let authority = req.uri().authority().map(|a| a.as_str());
    let host = single(headers, &header::HOST)
        .map_err(|()| Refusal::Host)
        .and_then(|host| match (host, authority) {
            (None, None) => guard.check_host(None),
            (Some(host), None) => guard.check_host(Some(host)),
            (None, Some(authority)) => guard.check_host(Some(authority)),
            (Some(host), Some(authority)) => guard
                .check_host(Some(host))
                .and(guard.check_host(Some(authority))),
        });
    let origin = single(headers, &header::ORIGIN)
        .map_err(|()| Refusal::Origin)
        .and_then(|origin| guard.check_origin(origin));
    if let Err(refusal) = host.and(origin) {
        tracing::warn!("refused an HTTP request: {refusal} (possible DNS rebinding)");
        let plain = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
        return (StatusCode::FORBIDDEN, plain, refusal.to_string()).into_response();
    }
    next.run(req).await
}

async fn require_bearer(
    State(token): State<Arc<SecretString>>,
    req: Request,
    next: Next,
) -> Response {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !bearer_matches(&token, header) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "Unauthorized: send Authorization: Bearer <CLIO_MCP_HTTP_TOKEN>",
        )
            .into_response();
    }
    next.run(req).await
}

/// Whether the body is declared JSON (else rmcp answers 415, which is right).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim())
        .is_some_and(|essence| essence.eq_ignore_ascii_case("application/json"))
}

/// Reads a JSON POST body under the cap and lets through only one JSON-RPC message.
async fn check_body(State(max): State<usize>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !is_json(req.headers()) {
        return next.run(req).await;
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        return too_large(max);
    }
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return jsonrpc_error(&FrameError::unreadable());
        };
        if bytes.len() + chunk.len() > max {
            return too_large(max);
        }
        bytes.extend_from_slice(&chunk);
    }
    match frames::check(&bytes) {
        Checked::Message(_) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Checked::Ignored => StatusCode::ACCEPTED.into_response(),
        Checked::Rejected(error) => jsonrpc_error(&error),
    }
}

fn too_large(max: usize) -> Response {
    let plain = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    let reason = format!("Payload Too Large: request bodies are capped at {max} bytes");
    (StatusCode::PAYLOAD_TOO_LARGE, plain, reason).into_response()
}

fn jsonrpc_error(error: &FrameError) -> Response {
    let json = [(header::CONTENT_TYPE, "application/json")];
    (StatusCode::BAD_REQUEST, json, error.to_json().to_string()).into_response()
}
