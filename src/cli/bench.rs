//! Benchmarks reported as numbers: how close the client runs to its granted rate, alone, and
//! what a whole normalization pass costs.

mod normalize;
mod upload;

use std::io::Write;
use std::num::NonZeroU32;
use std::time::Instant;

use clap::Subcommand;

use crate::cli::error::CliError;
use crate::clio::{ApiRequest, ClioClient, RetryPolicy};
use crate::sandbox::{Sandbox, SandboxOptions};

#[derive(Subcommand)]
pub enum BenchTarget {
    /// Achieved request rate over the granted limit, and 429s met, for one client alone.
    Client {
        #[arg(long, default_value_t = 600)]
        rate_limit: u32,
        #[arg(long, default_value_t = 300)]
        requests: u32,
    },
    /// A whole pass (scan, refresh, writes): requests against the design's floor, pace, wall time.
    Normalize {
        #[arg(long, default_value_t = 2_000)]
        matters: u32,
        /// Free-text fields the pass covers (1 to 8).
        #[arg(long, default_value_t = 3)]
        fields: usize,
        /// Share of the matters that need a change (0 to 1).
        #[arg(long, default_value_t = 0.4)]
        changed: f64,
        #[arg(long, default_value_t = 600)]
        rate_limit: u32,
    },
    /// One large file through the whole upload flow: throughput and peak memory (VmHWM).
    Upload {
        #[arg(long, default_value_t = 500)]
        size_mb: u64,
    },
}

/// Runs one benchmark and prints its numbers.
pub async fn run(target: BenchTarget, out: &mut dyn Write) -> Result<(), CliError> {
    match target {
        BenchTarget::Client {
            rate_limit,
            requests,
        } => {
            let result = client(rate_limit, requests).await?;
            print_client(&result, out)?;
        }
        BenchTarget::Normalize {
            matters,
            fields,
            changed,
            rate_limit,
        } => {
            let result = normalize::normalize(matters, fields, changed, rate_limit).await?;
            normalize::print(&result, out)?;
        }
        BenchTarget::Upload { size_mb } => {
            let result = upload::upload(size_mb).await?;
            upload::print(&result, out)?;
        }
    }
    Ok(())
}

/// The result of `bench client`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClientBench {
    pub granted_per_minute: u32,
    pub requests: u32,
    pub elapsed_seconds: f64,
    pub achieved_per_minute: f64,
    /// Achieved over granted; the target is at least 0.95.
    pub ratio: f64,
    /// 429s met; the target is 0 when the client is alone.
    pub rate_limited: u64,
}

/// Sends `requests` reads through one client against a sandbox granting `rate_limit` a minute.
pub async fn client(rate_limit: u32, requests: u32) -> Result<ClientBench, CliError> {
    let granted = NonZeroU32::new(rate_limit)
        .ok_or_else(|| CliError::Usage("--rate-limit must be at least 1".into()))?;
    let sandbox = Sandbox::start(SandboxOptions {
        matters: 200,
        rate_limit,
        ..Default::default()
    })
    .await?;
    let client = ClioClient::new(&sandbox.clio_config(granted)?, RetryPolicy::fast())?;
    let ids = sandbox.matter_ids();
    let started = Instant::now();
    for i in 0..requests as usize {
        // A list request by id: a forbidden matter is simply not listed, so no 403 skews the
        // timing.
        let id = ids[i % ids.len()];
        let req = ApiRequest::get("matters.json")
            .query("ids[]", id.to_string())
            .query("fields", "id,etag");
        client.send(req).await?;
    }
    // n requests spaced by the period span n-1 periods: measure the rate between first and last.
    let elapsed = started.elapsed().as_secs_f64().max(f64::EPSILON);
    let achieved = f64::from(requests.saturating_sub(1)) * 60.0 / elapsed;
    sandbox.stop().await;
    Ok(ClientBench {
        granted_per_minute: rate_limit,
        requests,
        elapsed_seconds: elapsed,
        achieved_per_minute: achieved,
        ratio: achieved / f64::from(rate_limit),
        rate_limited: client.metrics().rate_limited,
    })
}

pub fn print_client(b: &ClientBench, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "bench client: {} requests against a granted {} per minute",
        b.requests, b.granted_per_minute
    )?;
    writeln!(out, "  elapsed            {:.2} s", b.elapsed_seconds)?;
    writeln!(
        out,
        "  achieved           {:.1} per minute",
        b.achieved_per_minute
    )?;
    writeln!(out, "  achieved / granted {:.3} (target >= 0.95)", b.ratio)?;
    writeln!(out, "  429 answers        {} (target 0)", b.rate_limited)
}
