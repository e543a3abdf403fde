//! `clio-mcp plan rollback`: the undoing of a job (or of a plan's job) as an ordinary plan.

use std::io::Write;
use std::path::PathBuf;

use super::print::print_plan;
use super::{finished, stop, wait_for};
use crate::app::connect;
use crate::cli::error::CliError;
use crate::plan::ItemClass;

/// `plan rollback`: the undoing of a job as a new plan, its id and content hash printed.
pub(super) async fn run(
    job: Option<String>,
    plan: Option<String>,
    matters: Vec<u64>,
    sandbox: bool,
    home: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let target = connect(sandbox, home).await?;
    let services = crate::app::open_state(target.client, &target.home).await?;
    let jobs = match (job, plan) {
        (Some(job), _) => vec![job.trim().to_string()],
        (None, Some(plan)) => {
            let jobs = services.jobs.jobs_of_plan(plan.trim()).await?;
            if jobs.is_empty() {
                return Err(CliError::Usage(format!(
                    "plan {plan} was never applied, so there is nothing to roll back"
                )));
            }
            jobs
        }
        (None, None) => return Err(CliError::Usage("name --job or --plan".to_string())),
    };
    let scope = crate::jobs::rollback::RollbackScope { jobs, matters };
    let req = services.jobs.rollback_request(&scope).await?;
    let planner = &services.planner;
    let id = planner.start(req, "plan rollback").await?;
    let header = wait_for(planner, &id).await?;
    let items = planner.items(&id).await?;
    print_plan(&header, &items, Some(ItemClass::Change), 20, out)?;
    writeln!(
        out,
        "\nRollback plan {id}, content hash {}\nReview it, then: clio-mcp jobs run {id}{}",
        header
            .content_hash
            .as_deref()
            .unwrap_or("(none: the scan failed)"),
        if sandbox { " --sandbox" } else { "" }
    )?;
    stop(target.sandbox).await;
    finished(&id, header)
}
