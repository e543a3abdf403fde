//! The command line: what each command takes (clap) and which file runs it, one file per
//! command group.

mod approve;
pub mod audit;
mod auth;
pub mod bench;
pub mod demo;
pub mod documents;
pub mod error;
pub mod jobs;
pub mod plan;
mod sandbox;
pub mod serve;
mod tools;
pub mod webhooks;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use audit::AuditCommand;
use error::CliError;

#[derive(Parser)]
#[command(
    name = "clio-mcp",
    version,
    about = "Safe, audited work on Clio Manage data for AI assistants"
)]
pub struct Cli {
    /// State folder (audit log, plans, jobs); default: the platform data dir + /clio-mcp.
    #[arg(long, global = true, env = "CLIO_MCP_HOME")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the embedded Clio sandbox on 127.0.0.1 until interrupted (or `sandbox reset`).
    Sandbox(sandbox::SandboxArgs),
    /// Show the field inventory and messy values of an in-process sandbox.
    Demo(DemoArgs),
    /// Sign in to Clio (login), see who is signed in (status), sign out (logout).
    Auth {
        #[command(subcommand)]
        cmd: auth::AuthCommand,
    },
    /// Verify, browse, export and report on the audit log.
    Audit {
        #[command(subcommand)]
        cmd: AuditCommand,
    },
    /// Propose, review, approve and roll back plans (nothing here writes to Clio).
    Plan(plan::PlanArgs),
    /// Apply plans to Clio as resumable jobs: run, resume, list, status, cancel.
    Jobs(jobs::JobsArgs),
    /// Upload documents to matters, finish an interrupted upload, watch a matter's documents.
    Documents(documents::DocumentsArgs),
    /// Run the MCP server over stdio (or streamable HTTP with --http).
    Serve(ServeArgs),
    /// Clio webhook subscriptions (ensure, list, delete, renew) and their receiver (listen).
    Webhooks(webhooks::WebhooksArgs),
    /// Tool contracts.
    Tools {
        #[command(subcommand)]
        cmd: tools::ToolsCommand,
    },
    /// Benchmarks, reported as numbers.
    Bench {
        #[command(subcommand)]
        target: bench::BenchTarget,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Serve streamable HTTP at http://ADDR/mcp instead of stdio (e.g. 127.0.0.1:8787).
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    /// Serve against an in-process sandbox with 2,000 fake matters: no Clio account needed.
    #[arg(long)]
    sandbox: bool,
    /// Permit a non-loopback --http address; requires CLIO_MCP_HTTP_TOKEN (32+ characters).
    #[arg(long, requires = "http")]
    allow_remote: bool,
    /// Another Host name to accept over HTTP (e.g. the name behind a reverse proxy).
    #[arg(long = "allow-host", value_name = "HOST", requires = "http")]
    allow_hosts: Vec<String>,
    /// Another Origin to accept over HTTP, as scheme://host:port.
    #[arg(long = "allow-origin", value_name = "ORIGIN", requires = "http")]
    allow_origins: Vec<String>,
    /// Resume, in the background, the write jobs left unfinished (they are listed otherwise).
    #[arg(long)]
    resume_jobs: bool,
    /// Offer no tool that can change Clio (also CLIO_MCP_READ_ONLY=1); wins over --toolsets.
    #[arg(long, env = crate::gate::READ_ONLY_ENV,
          value_parser = clap::builder::FalseyValueParser::new())]
    read_only: bool,
    /// Offer only these toolsets, comma-separated: read, normalize, write, documents, audit
    /// (also CLIO_MCP_TOOLSETS; default: all).
    #[arg(long, env = crate::gate::TOOLSETS_ENV, value_name = "LIST")]
    toolsets: Option<String>,
    /// A folder `upload_document` may read from (repeatable; also CLIO_MCP_UPLOAD_DIRS).
    #[arg(long = "allow-dir", value_name = "DIR")]
    allow_dirs: Vec<PathBuf>,
}

#[derive(Args)]
struct DemoArgs {
    #[arg(long, default_value_t = 2_000)]
    matters: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The sandbox's budget and the client's ceiling, per minute.
    #[arg(long, default_value_t = 6_000)]
    rate_limit: u32,
}

/// Runs one parsed command line: the exit code, or the error to print (exit status 2).
pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    if let Command::Serve(args) = cli.command {
        // stdout is the protocol channel here: never lock it in this thread.
        serve::run(serve_options(args, cli.home)?).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Sandbox(args) => sandbox::run(args, cli.home, &mut out).await?,
        Command::Demo(args) => {
            let options = demo::DemoOptions {
                matters: args.matters,
                seed: args.seed,
                rate_limit: args.rate_limit,
                home: cli.home.clone(),
            };
            demo::run(&options, &mut out).await?;
        }
        Command::Audit { cmd } => {
            let home = match cli.home {
                Some(h) => h,
                None => crate::app::default_home()?,
            };
            return Ok(audit::run(cmd, &home, &mut out)?);
        }
        Command::Auth { cmd } => {
            let code = auth::run(cmd, cli.home, &mut out).await?;
            out.flush()?;
            return Ok(code);
        }
        Command::Plan(args) => plan::run(args, cli.home, &mut out).await?,
        Command::Jobs(args) => return Ok(jobs::run(args, cli.home, &mut out).await),
        Command::Documents(args) => documents::run(args, cli.home, &mut out).await?,
        Command::Serve(_) => {}
        Command::Webhooks(args) => webhooks::run(args, cli.home, &mut out).await?,
        Command::Tools { cmd } => tools::run(cmd, &mut out)?,
        Command::Bench { target } => bench::run(target, &mut out).await?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn serve_options(args: ServeArgs, home: Option<PathBuf>) -> Result<serve::ServeOptions, CliError> {
    let gate = crate::gate::Gate::parse(args.read_only, args.toolsets.as_deref())
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let token = std::env::var(crate::http_security::TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .map(secrecy::SecretString::from);
    Ok(serve::ServeOptions {
        http: args.http,
        sandbox: args.sandbox,
        security: crate::http_security::HttpSecurity {
            allow_remote: args.allow_remote,
            bearer_token: token,
            extra_hosts: args.allow_hosts,
            extra_origins: args.allow_origins,
            ..Default::default()
        },
        home,
        resume_jobs: args.resume_jobs,
        gate,
        allow_dirs: args.allow_dirs,
    })
}
