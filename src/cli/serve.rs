//! `clio-mcp serve`: builds the server (real Clio from the environment, or an in-process
//! sandbox) and runs it over stdio or streamable HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;

use rmcp::ServiceExt;

use super::error::CliError;
use crate::app::connect;
use crate::handler::ServerSettings;
use crate::http_security::HttpSecurity;
use crate::privacy::Privacy;
use crate::server::{build_with, http, stdio};

/// What `serve` was asked to do.
#[derive(Debug, Default)]
pub struct ServeOptions {
    /// Serve streamable HTTP on this address instead of stdio.
    pub http: Option<SocketAddr>,
    /// Serve against an in-process sandbox instead of Clio.
    pub sandbox: bool,
    /// HTTP security settings (ignored over stdio).
    pub security: HttpSecurity,
    /// State folder given on the command line; otherwise from the environment.
    pub home: Option<PathBuf>,
}

/// Runs the server until the client disconnects (stdio) or Ctrl-C (HTTP).
pub async fn run(options: ServeOptions) -> Result<(), CliError> {
    if let Some(addr) = options.http {
        // Refuse an unsafe bind before touching Clio or the disk.
        options
            .security
            .check_bind(addr)
            .map_err(|e| CliError::Usage(e.to_string()))?;
    }
    let settings = ServerSettings {
        privacy: Privacy::from_env()?,
        ..ServerSettings::default()
    };
    let target = connect(options.sandbox, options.home.clone()).await?;
    let server = build_with(target.client, &target.home, settings).await?;
    let sandbox = target.sandbox;
    match options.http {
        None => {
            let running = server
                .clone()
                .serve(stdio::transport())
                .await
                .map_err(|e| CliError::Usage(format!("the MCP session did not start: {e}")))?;
            running
                .waiting()
                .await
                .map_err(|e| CliError::Usage(format!("the MCP session failed: {e}")))?;
        }
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            let bound = listener.local_addr()?;
            eprintln!("clio-mcp: serving MCP on http://{bound}/mcp (Ctrl-C stops it)");
            let ct = tokio_util::sync::CancellationToken::new();
            let stop = ct.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                stop.cancel();
            });
            http::serve(listener, server.clone(), &options.security, ct).await?;
        }
    }
    server.shutdown().await;
    if let Some(sandbox) = sandbox {
        sandbox.stop().await;
    }
    Ok(())
}
