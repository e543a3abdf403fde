//! `clio-mcp serve`: builds the server (real Clio from the environment, or an in-process
//! sandbox) and runs it over stdio or streamable HTTP.

pub mod http;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rmcp::ServiceExt;

use crate::audit::{AuditLog, AuditOptions, audit_dir};
use crate::clio::{ClioClient, RetryPolicy};
use crate::config::{Config, ConfigError};
use crate::error::AppError;
use crate::http_security::HttpSecurity;
use crate::inventory::{FIELD_CACHE_TTL, FieldCache};
use crate::jobs::Runner;
use crate::plan::propose::Planner;
use crate::plan::{PlanStore, state_db};
use crate::privacy::Privacy;
use crate::sandbox::{Sandbox, SandboxOptions};
use crate::server::{ClioMcpServer, ServerSettings};

/// Matters in the `--sandbox` account.
pub const SANDBOX_MATTERS: u32 = 2_000;
/// The `--sandbox` budget and the client's ceiling, per minute (fast, so trying it is quick).
pub const SANDBOX_RATE: u32 = 1_200;

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
pub async fn run(options: ServeOptions) -> Result<(), AppError> {
    if let Some(addr) = options.http {
        // Refuse an unsafe bind before touching Clio or the disk.
        options
            .security
            .check_bind(addr)
            .map_err(|e| AppError::Usage(e.to_string()))?;
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
                .serve(rmcp::transport::stdio())
                .await
                .map_err(|e| AppError::Usage(format!("the MCP session did not start: {e}")))?;
            running
                .waiting()
                .await
                .map_err(|e| AppError::Usage(format!("the MCP session failed: {e}")))?;
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

/// Where a command works: a Clio client, the state folder, and the sandbox it runs on, if any.
pub struct Target {
    pub client: ClioClient,
    pub home: PathBuf,
    pub sandbox: Option<Sandbox>,
}

/// A client on real Clio (from the environment) or on a fresh in-process sandbox, whose state
/// is kept in `<home>/sandbox`, apart from the real account's audit log and plans.
pub async fn connect(sandbox: bool, home: Option<PathBuf>) -> Result<Target, AppError> {
    if sandbox {
        let home = match home {
            Some(h) => h,
            None => default_home()?,
        };
        let sandbox = Sandbox::start(SandboxOptions {
            matters: SANDBOX_MATTERS,
            rate_limit: SANDBOX_RATE,
            ..Default::default()
        })
        .await?;
        let rate = NonZeroU32::new(SANDBOX_RATE).unwrap_or(NonZeroU32::MIN);
        let client = ClioClient::new(&sandbox.clio_config(rate)?, RetryPolicy::default())?;
        tracing::info!(base_url = %sandbox.base_url, "working on an in-process sandbox");
        return Ok(Target {
            client,
            home: home.join("sandbox"),
            sandbox: Some(sandbox),
        });
    }
    let mut config = Config::from_env()?;
    if let Some(home) = home {
        config.home = home;
    }
    if config.clio.credentials.access_token.is_none() {
        return Err(ConfigError::MissingToken.into());
    }
    let client = ClioClient::new(&config.clio, RetryPolicy::default())?;
    Ok(Target {
        client,
        home: config.home,
        sandbox: None,
    })
}

/// A server on `client` with default settings (values shown, 20 s scan wait).
pub async fn build(client: ClioClient, home: &Path) -> Result<ClioMcpServer, AppError> {
    build_with(client, home, ServerSettings::default()).await
}

/// A server on `client`: checks the token by asking who it belongs to, opens the audit log in
/// `<home>/audit` with every secret of the client redacted, and the plan store in `home`.
pub async fn build_with(
    client: ClioClient,
    home: &Path,
    settings: ServerSettings,
) -> Result<ClioMcpServer, AppError> {
    let (audit, planner) = open_state(client.clone(), home).await?;
    Ok(ClioMcpServer::new(client, audit, planner, settings))
}

/// The audit log and the planner of a process working on `client` with state in `home`,
/// signed with the Clio user the token belongs to (which also proves the token works).
pub async fn open_state(
    client: ClioClient,
    home: &Path,
) -> Result<(Arc<AuditLog>, Planner), AppError> {
    let user = client.who_am_i().await?;
    let name = user.name.clone().unwrap_or_else(|| "unknown".to_string());
    let who = format!("{name} (user {})", user.id);
    let session = uuid::Uuid::new_v4().to_string();
    let mut options = AuditOptions::new(who.clone(), session);
    for secret in client.secrets() {
        options = options.secret(secret);
    }
    let audit = Arc::new(AuditLog::open(&audit_dir(home), options)?);
    let store = PlanStore::open(&state_db(home))?;
    let fields = FieldCache::new(client.clone(), FIELD_CACHE_TTL);
    let planner = Planner::new(
        client,
        fields,
        store,
        audit.clone(),
        Runner::new(),
        home,
        who,
    );
    Ok((audit, planner))
}

/// The default state folder: `CLIO_MCP_HOME`, else the platform data dir + `/clio-mcp`.
pub fn default_home() -> Result<PathBuf, AppError> {
    if let Some(h) = std::env::var_os("CLIO_MCP_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(h));
    }
    dirs::data_dir()
        .map(|d| d.join("clio-mcp"))
        .ok_or(AppError::Config(ConfigError::NoHome))
}
