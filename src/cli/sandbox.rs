//! `clio-mcp sandbox`: the embedded fake Clio on 127.0.0.1 until Ctrl-C, with its fake
//! credentials printed for other processes; `clio-mcp sandbox reset` starts the `--sandbox`
//! account afresh.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::error::CliError;
use crate::app::{default_home, sandbox_account_dir};
use crate::sandbox::{Faults, Sandbox, SandboxOptions};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(super) struct SandboxArgs {
    #[command(subcommand)]
    command: Option<SandboxCommand>,
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
    /// Keep the account in this folder across runs (default: in memory, fresh each run).
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// Probability (0 to 1) of a 5xx answer that applies nothing.
    #[arg(long = "fault-5xx", default_value_t = 0.0, value_parser = probability)]
    fault_5xx: f64,
    /// Probability (0 to 1) that a request starts a burst of 429s.
    #[arg(long = "fault-429", default_value_t = 0.0, value_parser = probability)]
    fault_429: f64,
    /// Probability (0 to 1) of a connection reset (half the time a PATCH or POST is applied first).
    #[arg(long = "fault-reset", default_value_t = 0.0, value_parser = probability)]
    fault_reset: f64,
    /// Probability (0 to 1) that a PATCH or POST is applied, then answered with a 502.
    #[arg(long = "fault-applied-5xx", default_value_t = 0.0, value_parser = probability)]
    fault_applied_5xx: f64,
    /// Latency added to every API answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Deny every sign-in at /oauth/authorize (`error=access_denied`), as when the person
    /// clicks Deny; sign-ins are approved at once otherwise.
    #[arg(long)]
    deny_authorization: bool,
}

#[derive(Subcommand)]
enum SandboxCommand {
    /// Delete the `--sandbox` account (`<home>/sandbox/account`): the next `--sandbox`
    /// command starts afresh from the seed. Plans and the audit log are kept.
    Reset,
}

fn probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "{s} is not a probability: give a number from 0 to 1, such as 0.05"
        )),
    }
}

pub(super) async fn run(
    args: SandboxArgs,
    home: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    if let Some(SandboxCommand::Reset) = args.command {
        let home = match home {
            Some(h) => h,
            None => default_home()?,
        };
        let dir = sandbox_account_dir(&home);
        if Sandbox::reset(&dir)? {
            writeln!(
                out,
                "Deleted the sandbox account in {}: the next --sandbox command starts afresh from the seed.",
                dir.display()
            )?;
        } else {
            writeln!(
                out,
                "There is no sandbox account in {}: nothing to reset.",
                dir.display()
            )?;
        }
        return Ok(());
    }
    let options = SandboxOptions {
        matters: args.matters,
        seed: args.seed,
        rate_limit: args.rate_limit,
        faults: Faults {
            expire_put_urls: 0,
            upload_timeouts: 0,
            server_error: args.fault_5xx,
            rate_limit_burst: args.fault_429,
            connection_reset: args.fault_reset,
            applied_then_error: args.fault_applied_5xx,
            latency: Duration::from_millis(args.latency_ms),
        },
        state_dir: args.state,
        deny_authorization: args.deny_authorization,
        ..Default::default()
    };
    let sandbox = Sandbox::start_on(options, args.port).await?;
    writeln!(out, "CLIO_BASE_URL={}", sandbox.base_url)?;
    writeln!(out, "CLIO_ACCESS_TOKEN={}", sandbox.access_token)?;
    writeln!(out, "CLIO_REFRESH_TOKEN={}", sandbox.refresh_token)?;
    writeln!(out, "CLIO_CLIENT_ID={}", sandbox.client_id)?;
    writeln!(out, "CLIO_CLIENT_SECRET={}", sandbox.client_secret)?;
    out.flush()?;
    eprintln!("sandbox ready; these credentials are fake and only work here. Ctrl-C stops it.");
    tokio::signal::ctrl_c().await?;
    sandbox.stop().await;
    Ok(())
}
