//! The streamable HTTP transport at `/mcp`, wrapped in the security layers.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::handler::ClioMcpServer;
use crate::http_security::{HttpSecurity, bearer_matches};

/// The axum app: `/mcp` with Host/Origin checks and body cap, behind the bearer check when a
/// token is configured. `addr` is the bound address (for the Host allow-list).
pub fn app(
    server: ClioMcpServer,
    security: &HttpSecurity,
    addr: std::net::SocketAddr,
    ct: CancellationToken,
) -> axum::Router {
    let config = security
        .apply(StreamableHttpServerConfig::default(), addr)
        .with_cancellation_token(ct.child_token());
    let mcp = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let mut router = axum::Router::new().nest_service("/mcp", mcp).layer(
        tower_http::limit::RequestBodyLimitLayer::new(security.max_body_bytes),
    );
    if let Some(token) = &security.bearer_token {
        router = router.layer(axum::middleware::from_fn_with_state(
            Arc::new(token.clone()),
            require_bearer,
        ));
    }
    router
}

/// Serves `app` on `listener` until `ct` is cancelled.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: ClioMcpServer,
    security: &HttpSecurity,
    ct: CancellationToken,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    let app = app(server, security, addr, ct.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { ct.cancelled_owned().await })
        .await
}

async fn require_bearer(
    State(token): State<Arc<SecretString>>,
    req: Request,
    next: Next,
) -> Response {
    let header = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !bearer_matches(&token, header) {
        return (
            StatusCode::UNAUTHORIZED,
            [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
            "Unauthorized: send Authorization: Bearer <CLIO_MCP_HTTP_TOKEN>",
        )
            .into_response();
    }
    next.run(req).await
}
