//! The demo: the whole story on an in-process sandbox, in under a minute: the inventory,
//! proposals and their reviewer files, approval, a job with its progress bar, a person's edit
//! reported as a conflict, the audit log verified, and a rollback.

mod inventory;
mod proposals;
mod story;
mod summary;

use std::io::Write;
use std::num::NonZeroU32;
use std::path::PathBuf;

use crate::cli::error::CliError;
use crate::clio::{ClioClient, RetryPolicy};
use crate::sandbox::{Sandbox, SandboxOptions};

/// What the demo runs on.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub matters: u32,
    pub seed: u64,
    /// Both the sandbox's budget and the client's ceiling (a fast budget so the demo is quick).
    pub rate_limit: u32,
    /// State folder; the demo's plans, previews and audit log go to `<home>/sandbox`.
    pub home: Option<PathBuf>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            matters: 2_000,
            seed: 1,
            rate_limit: 6_000,
            home: None,
        }
    }
}

/// Runs the demo, writing a readable report to `out`. Its plans, jobs and audit log are kept
/// in `<home>/demo`, apart from the persisted `--sandbox` account's.
pub async fn run(options: &DemoOptions, out: &mut dyn Write) -> Result<(), CliError> {
    let sandbox = Sandbox::start(SandboxOptions {
        matters: options.matters,
        seed: options.seed,
        rate_limit: options.rate_limit,
        ..Default::default()
    })
    .await?;
    let rate = NonZeroU32::new(options.rate_limit).unwrap_or(NonZeroU32::MIN);
    let client = ClioClient::new(&sandbox.clio_config(rate)?, RetryPolicy::fast())?;
    let user = client.who_am_i().await?;
    writeln!(
        out,
        "clio-mcp demo: an embedded Clio sandbox at {} with {} matters",
        sandbox.base_url, options.matters
    )?;
    writeln!(
        out,
        "Signed in as {} (user {})\n",
        user.name.as_deref().unwrap_or("?"),
        user.id
    )?;
    inventory::show(&client, out).await?;
    let home = match &options.home {
        Some(h) => h.clone(),
        None => crate::app::default_home()?,
    }
    .join("demo");
    let services = crate::app::open_state(client.clone(), &home).await?;
    let address_plan = proposals::show(&services.planner, &home, out).await?;
    writeln!(
        out,
        "  {} changes written to Clio so far: proposing only reads.",
        sandbox.stats().patches_applied
    )?;
    story::tell(&services, &sandbox, &address_plan, out).await?;
    let matter = sandbox.matter_ids().first().copied().unwrap_or(1);
    summary::upload(&services, &address_plan, matter, out).await?;
    let metrics = client.metrics();
    writeln!(
        out,
        "\n{} requests to Clio in all, {} rate limited, {} retried, {} ms waiting for the limiter.",
        metrics.total_requests, metrics.rate_limited, metrics.retries, metrics.waited_ms
    )?;
    services.jobs.shutdown().await;
    sandbox.stop().await;
    Ok(())
}
