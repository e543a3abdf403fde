//! The `clio-mcp` command line: parses arguments and hands over to the library.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use clio_mcp::audit::cli::AuditCommand;
use clio_mcp::error::AppError;
use clio_mcp::sandbox::{Faults, Sandbox, SandboxOptions};

#[derive(Parser)]
#[command(
    name = "clio-mcp",
    version,
    about = "Safe, audited work on Clio Manage data for AI assistants"
)]
struct Cli {
    /// State folder (audit log, plans, jobs); default: the platform data dir + /clio-mcp.
    #[arg(long, global = true, env = "CLIO_MCP_HOME")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the embedded Clio sandbox on 127.0.0.1 until interrupted.
    Sandbox(SandboxArgs),
    /// Show the field inventory and messy values of an in-process sandbox.
    Demo(DemoArgs),
    /// Verify, browse, export and report on the audit log.
    Audit {
        #[command(subcommand)]
        cmd: AuditCommand,
    },
    /// Propose normalizations and review plans (nothing here writes to Clio).
    Plan(clio_mcp::plan::cli::PlanArgs),
    /// Run the MCP server over stdio (or streamable HTTP with --http).
    Serve(ServeArgs),
    /// Tool contracts.
    Tools {
        #[command(subcommand)]
        cmd: ToolsCommand,
    },
    /// Benchmarks, reported as numbers.
    Bench {
        #[command(subcommand)]
        target: BenchTarget,
    },
}

#[derive(Args)]
struct SandboxArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    #[arg(long, default_value_t = 2_000)]
    matters: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Requests per minute per token, as Clio grants.
    #[arg(long, default_value_t = 50)]
    rate_limit: u32,
    /// Probability (0 to 1) of a 5xx answer that applies nothing.
    #[arg(long = "fault-5xx", default_value_t = 0.0, value_parser = probability)]
    fault_5xx: f64,
    /// Probability (0 to 1) that a request starts a burst of 429s.
    #[arg(long = "fault-429", default_value_t = 0.0, value_parser = probability)]
    fault_429: f64,
    /// Probability (0 to 1) of a connection reset (a PATCH is sometimes applied first).
    #[arg(long = "fault-reset", default_value_t = 0.0, value_parser = probability)]
    fault_reset: f64,
    /// Latency added to every API answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
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
}

#[derive(Subcommand)]
enum ToolsCommand {
    /// Write one JSON contract per tool into DIR (and remove stale ones), and refresh the
    /// README's tool table when run from the project root.
    Export {
        #[arg(default_value = "tools")]
        dir: PathBuf,
    },
}

#[derive(Args)]
struct DemoArgs {
    #[arg(long, default_value_t = 2_000)]
    matters: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The sandbox's budget and the client's ceiling, per minute.
    #[arg(long, default_value_t = 1_200)]
    rate_limit: u32,
}

#[derive(Subcommand)]
enum BenchTarget {
    /// Achieved request rate over the granted limit, and 429s met, for one client alone.
    Client {
        #[arg(long, default_value_t = 600)]
        rate_limit: u32,
        #[arg(long, default_value_t = 300)]
        requests: u32,
    },
}

fn probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "{s} is not a probability: give a number from 0 to 1, such as 0.05"
        )),
    }
}

fn main() -> ExitCode {
    // stdout belongs to the MCP protocol in stdio mode: logs always go to stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLIO_MCP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn home(cli_home: Option<PathBuf>) -> Result<PathBuf, AppError> {
    cli_home
        .or_else(|| dirs::data_dir().map(|d| d.join("clio-mcp")))
        .ok_or(AppError::Config(clio_mcp::config::ConfigError::NoHome))
}

async fn run(cli: Cli) -> Result<ExitCode, AppError> {
    if let Command::Serve(args) = cli.command {
        // stdout is the protocol channel here: never lock it in this thread.
        clio_mcp::serve::run(serve_options(args, cli.home)).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Sandbox(args) => run_sandbox(args).await?,
        Command::Demo(args) => {
            let options = clio_mcp::demo::DemoOptions {
                matters: args.matters,
                seed: args.seed,
                rate_limit: args.rate_limit,
                home: cli.home.clone(),
            };
            clio_mcp::demo::run(&options, &mut out).await?;
        }
        Command::Audit { cmd } => {
            return Ok(clio_mcp::audit::cli::run(cmd, &home(cli.home)?, &mut out)?);
        }
        Command::Plan(args) => clio_mcp::plan::cli::run(args, cli.home, &mut out).await?,
        Command::Serve(_) => {}
        Command::Tools {
            cmd: ToolsCommand::Export { dir },
        } => {
            for path in clio_mcp::contracts::export(&dir)? {
                writeln!(out, "wrote {}", path.display())?;
            }
            let readme = std::path::Path::new("README.md");
            if readme.exists() && clio_mcp::contracts::update_readme(readme)? {
                writeln!(out, "refreshed the tool table in README.md")?;
            }
        }
        Command::Bench {
            target:
                BenchTarget::Client {
                    rate_limit,
                    requests,
                },
        } => {
            let result = clio_mcp::bench::client(rate_limit, requests).await?;
            clio_mcp::bench::print_client(&result, &mut out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn serve_options(args: ServeArgs, home: Option<PathBuf>) -> clio_mcp::serve::ServeOptions {
    let token = std::env::var(clio_mcp::http_security::TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .map(secrecy::SecretString::from);
    clio_mcp::serve::ServeOptions {
        http: args.http,
        sandbox: args.sandbox,
        security: clio_mcp::http_security::HttpSecurity {
            allow_remote: args.allow_remote,
            bearer_token: token,
            extra_hosts: args.allow_hosts,
            extra_origins: args.allow_origins,
            ..Default::default()
        },
        home,
    }
}

async fn run_sandbox(args: SandboxArgs) -> Result<(), AppError> {
    let options = SandboxOptions {
        matters: args.matters,
        seed: args.seed,
        rate_limit: args.rate_limit,
        faults: Faults {
            server_error: args.fault_5xx,
            rate_limit_burst: args.fault_429,
            connection_reset: args.fault_reset,
            latency: Duration::from_millis(args.latency_ms),
        },
        ..Default::default()
    };
    let sandbox = Sandbox::start_on(options, args.port).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "CLIO_BASE_URL={}", sandbox.base_url)?;
        writeln!(out, "CLIO_ACCESS_TOKEN={}", sandbox.access_token)?;
        writeln!(out, "CLIO_REFRESH_TOKEN={}", sandbox.refresh_token)?;
        writeln!(out, "CLIO_CLIENT_ID={}", sandbox.client_id)?;
        writeln!(out, "CLIO_CLIENT_SECRET={}", sandbox.client_secret)?;
        out.flush()?;
    }
    eprintln!("sandbox ready; these credentials are fake and only work here. Ctrl-C stops it.");
    tokio::signal::ctrl_c().await?;
    sandbox.stop().await;
    Ok(())
}
