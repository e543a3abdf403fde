//! `clio-mcp serve`: builds the server (real Clio from the environment or the stored sign-in,
//! or an in-process sandbox) and runs it over stdio or streamable HTTP. It starts even when
//! Clio cannot be reached or nobody signed in: tools then say what to do.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use futures::FutureExt;
use rmcp::ServiceExt;

use super::error::CliError;
use crate::app::{StartError, connect, open_state};
use crate::gate::Gate;
use crate::handler::ServerSettings;
use crate::http_security::HttpSecurity;
use crate::jobs::{JobService, JobStatus};
use crate::privacy::Privacy;
use crate::server::{Connector, McpServer, http, stdio};
use crate::upload_dirs::UploadDirs;

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
    /// Resume the unfinished jobs found at start (otherwise they are only listed).
    pub resume_jobs: bool,
    /// Which tools are offered (read-only mode, toolsets).
    pub gate: Gate,
    /// Folders `upload_document` may read from, beside CLIO_MCP_UPLOAD_DIRS.
    pub allow_dirs: Vec<PathBuf>,
}

/// Lists the jobs left unfinished (on stderr: stdout is the protocol's) and resumes them in the
/// background when asked to and the gate allows writes (never in read-only mode).
async fn report_unfinished(jobs: &JobService, resume: bool, gate: Gate) -> Result<(), CliError> {
    let resume = resume && gate.allows_writes();
    for (header, status) in jobs.unfinished().await? {
        if status == JobStatus::Running {
            eprintln!(
                "clio-mcp: job {} (plan {}) is running in another process ({})",
                header.id,
                header.plan_id,
                header.holder.as_deref().unwrap_or("unknown")
            );
        } else if resume {
            eprintln!(
                "clio-mcp: resuming job {} (plan {}, {})",
                header.id,
                header.plan_id,
                status.as_str()
            );
            jobs.resume(&header.id).await?;
            jobs.spawn(&header.id);
        } else {
            eprintln!(
                "clio-mcp: job {} (plan {}) is {}: resume it with `clio-mcp jobs resume {}` or \
                 serve --resume-jobs",
                header.id,
                header.plan_id,
                status.as_str(),
                header.id
            );
        }
    }
    Ok(())
}

/// Says on stderr which tools are withheld: read-only mode, and the toolsets when not all.
fn report_gate(gate: Gate) {
    if gate.is_read_only() {
        eprintln!("clio-mcp: read-only mode is on: no tool that can change Clio is offered");
    }
    let toolsets = gate.toolsets();
    if toolsets.len() < crate::gate::Toolset::ALL.len() {
        let names: Vec<&str> = toolsets.iter().map(|t| t.name()).collect();
        eprintln!("clio-mcp: offering only the toolsets: {}", names.join(","));
    }
}

/// Connects to the Clio account of the environment or the stored sign-in, read anew on every
/// attempt (so `clio-mcp auth login` in a terminal is picked up on the next tool call); on
/// success the unfinished jobs are listed (or resumed).
fn clio_connector(options: &ServeOptions, connected: ClientSlot) -> Connector {
    let home = options.home.clone();
    let resume = options.resume_jobs;
    let gate = options.gate;
    let dirs = options.allow_dirs.clone();
    Arc::new(move || {
        let home = home.clone();
        let (dirs, connected) = (dirs.clone(), connected.clone());
        async move {
            let target = connect(false, home).await?;
            // The webhook receiver forgets changed matters in this client's cache.
            *connected.lock().unwrap_or_else(|p| p.into_inner()) = Some(target.client.clone());
            let services = open_state(target.client, &target.home)
                .await?
                .with_upload_dirs(UploadDirs::from_env(&dirs)?, &target.home);
            if let Err(e) = report_unfinished(&services.jobs, resume, gate).await {
                eprintln!("clio-mcp: could not list the unfinished jobs: {e}");
            }
            Ok::<_, StartError>(services)
        }
        .boxed()
    })
}

/// The Clio client of the lazy connection, once it connected.
type ClientSlot = Arc<std::sync::Mutex<Option<crate::clio::ClioClient>>>;

/// The webhook receiver mounted beside `/mcp`: on the sandbox's state (whose client forgets
/// a changed matter's cached copy), else on the state folder of real Clio.
fn webhook_receiver(
    hooks: Option<(PathBuf, Option<crate::clio::ClioClient>)>,
    home: Option<PathBuf>,
) -> Result<crate::webhooks::Receiver, CliError> {
    let (home, client) = match hooks {
        Some(h) => h,
        None => (
            match home {
                Some(h) => h,
                None => crate::app::default_home()?,
            },
            None,
        ),
    };
    let mut receiver = crate::webhooks::open_receiver(&home)?;
    if let Some(client) = client {
        receiver = receiver.on_matter_change(Arc::new(move |id| client.forget_matter(id)));
    }
    Ok(receiver)
}

/// Runs the server until the client disconnects (stdio) or Ctrl-C (HTTP).
pub async fn run(options: ServeOptions) -> Result<(), CliError> {
    if options.resume_jobs && !options.gate.allows_writes() {
        return Err(CliError::Usage(
            "--resume-jobs resumes write jobs, which --read-only (or CLIO_MCP_READ_ONLY=1) or a \
             --toolsets list without `write` forbids: drop --resume-jobs, or resume them with \
             `clio-mcp jobs resume`"
                .to_string(),
        ));
    }
    if let Some(addr) = options.http {
        // Refuse an unsafe bind before touching Clio or the disk.
        options
            .security
            .check_bind(addr)
            .map_err(|e| CliError::Usage(e.to_string()))?;
    }
    let settings = ServerSettings {
        privacy: Privacy::from_env()?,
        gate: options.gate,
        ..ServerSettings::default()
    };
    report_gate(options.gate);
    let mut hooks = None;
    let slot = ClientSlot::default();
    let (server, sandbox) = if options.sandbox {
        let target = connect(true, options.home.clone()).await?;
        hooks = Some((target.home.clone(), Some(target.client.clone())));
        let dirs = UploadDirs::from_env(&options.allow_dirs)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let services = open_state(target.client, &target.home)
            .await?
            .with_upload_dirs(dirs, &target.home);
        let server = crate::server::new(services, settings);
        if let Some(connected) = server.connected() {
            report_unfinished(connected.jobs(), options.resume_jobs, options.gate).await?;
        }
        (server, target.sandbox)
    } else {
        let server = McpServer::lazy(clio_connector(&options, slot.clone()), settings);
        // One attempt beside the start, so a problem shows in the log at once while
        // `initialize` is answered; tools try again on each call until one attempt works.
        let early = server.clone();
        tokio::spawn(async move {
            if let Err(problem) = early.connect().await {
                eprintln!("clio-mcp: serving without Clio for now: {problem}");
            }
        });
        (server, None)
    };
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
            // MCP is served even when the webhook state cannot be opened.
            let receiver = match webhook_receiver(hooks, options.home.clone()) {
                Ok(r) => {
                    eprintln!("clio-mcp: receiving Clio webhooks on http://{bound}/webhooks/clio");
                    // Real Clio: the lazily connected client forgets a changed matter.
                    Some(match options.sandbox {
                        true => r,
                        false => r.on_matter_change(Arc::new(move |id| {
                            let client = slot.lock().unwrap_or_else(|p| p.into_inner()).clone();
                            if let Some(client) = client {
                                client.forget_matter(id);
                            }
                        })),
                    })
                }
                Err(e) => {
                    eprintln!("clio-mcp: not receiving Clio webhooks: {e}");
                    None
                }
            };
            let security = &options.security;
            http::serve_with(listener, server.clone(), security, ct, receiver).await?;
        }
    }
    server.shutdown().await;
    if let Some(sandbox) = sandbox {
        sandbox.stop().await;
    }
    Ok(())
}
