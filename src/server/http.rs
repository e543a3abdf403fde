//! The streamable HTTP transport at `/mcp`, wrapped in the security layers.
//!
//! From the outside in: the exact Host/Origin check (403), the bearer check when a token is
//! set (401), the body cap (413), then rmcp.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::handler::ClioMcpServer;
use crate::http_security::{HttpSecurity, RebindingGuard, Refusal, bearer_matches};

/// The axum app: `/mcp` behind the Host/Origin check, the bearer check when a token is
/// configured, and the body cap. `addr` is the bound address (for the Host allow-list).
pub fn app(
    server: ClioMcpServer,
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
    let mut router = axum::Router::new().nest_service("/mcp", mcp).layer(
        tower_http::limit::RequestBodyLimitLayer::new(security.max_body_bytes),
    );
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
