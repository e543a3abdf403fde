//! `clio-mcp sandbox`: the embedded fake Clio on 127.0.0.1 until Ctrl-C, with its fake
//! credentials printed for other processes.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use super::error::CliError;
use crate::sandbox::{Faults, Sandbox, SandboxOptions};

#[derive(Args)]
pub(super) struct SandboxArgs {
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

fn probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "{s} is not a probability: give a number from 0 to 1, such as 0.05"
        )),
    }
}

pub(super) async fn run(args: SandboxArgs) -> Result<(), CliError> {
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
