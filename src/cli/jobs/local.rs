//! `jobs list`, `jobs status` and `jobs cancel`: they read and mark the state folder alone,
//! so they work while Clio is unreachable.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{JobsArgs, JobsCommand, PROBLEMS_SHOWN, exit_code, print_view};
use crate::cli::error::CliError;
use crate::jobs::JobStore;
use crate::plan::PlanStore;
use crate::privacy::Privacy;

/// `list`, `status` and `cancel`, from the stores alone.
pub(super) fn run(
    args: JobsArgs,
    home: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let home = match home {
        Some(h) => h,
        None => crate::app::default_home()?,
    };
    let home = if args.sandbox {
        home.join("sandbox")
    } else {
        home
    };
    let db = crate::files::state_db(&home);
    if !db.exists() {
        return Err(CliError::Usage(format!(
            "there are no jobs in {} yet: run `clio-mcp jobs run PLAN_ID` first (add --sandbox \
             for the sandbox's jobs, --home for another state folder)",
            home.display()
        )));
    }
    let plans = PlanStore::open(&db)?;
    let store = JobStore::open(&db)?;
    let rate = if args.sandbox {
        crate::app::SANDBOX_RATE
    } else {
        crate::config::Config::from_env()
            .map(|c| c.clio.rate_limit.get())
            .unwrap_or(crate::config::DEFAULT_RATE_LIMIT)
    };
    let view = |id: &str| {
        crate::jobs::view::load(
            &store,
            &plans,
            id,
            None,
            PROBLEMS_SHOWN,
            Privacy::Full,
            rate,
            false,
        )
    };
    match args.cmd {
        JobsCommand::List { limit, json } => {
            for header in store.list(limit)? {
                let view = view(&header.id)?;
                if json {
                    writeln!(
                        out,
                        "{}",
                        serde_json::to_string(&view).map_err(std::io::Error::other)?
                    )?;
                } else {
                    writeln!(
                        out,
                        "{}  {:<11} plan {}  {}/{} values  {} problems  created {}",
                        view.job_id,
                        view.status.as_str(),
                        view.plan_id,
                        view.counts.done,
                        view.counts.total,
                        view.counts.problems(),
                        header.created_at
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        JobsCommand::Status { job_id, json } => {
            let view = view(job_id.trim())?;
            if json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&view).map_err(std::io::Error::other)?
                )?;
            } else {
                print_view(&view, out)?;
            }
            Ok(exit_code(&view))
        }
        JobsCommand::Cancel { job_id } => {
            let job_id = job_id.trim();
            store.request_cancel(job_id)?;
            writeln!(
                out,
                "Asked job {job_id} to stop after the request in flight; resume it with \
                 `clio-mcp jobs resume {job_id}`."
            )?;
            Ok(ExitCode::SUCCESS)
        }
        JobsCommand::Run { .. } | JobsCommand::Resume { .. } => Ok(ExitCode::FAILURE),
    }
}
