//! The `clio-mcp` command line: parses arguments and hands over to the library.

use std::io::Write;
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
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Sandbox(args) => run_sandbox(args).await?,
        Command::Demo(args) => {
            let options = clio_mcp::demo::DemoOptions {
                matters: args.matters,
                seed: args.seed,
                rate_limit: args.rate_limit,
            };
            clio_mcp::demo::run(&options, &mut out).await?;
        }
        Command::Audit { cmd } => {
            return Ok(clio_mcp::audit::cli::run(cmd, &home(cli.home)?, &mut out)?);
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
