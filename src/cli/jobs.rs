//! The `clio-mcp jobs ...` subcommands: run a plan in the foreground, resume, list, status and
//! cancel. Exit codes: 0 when every change set is applied or already equal, 3 when the job
//! completed with values that did not land (listed), 1 on an error.

mod local;
mod progress;

pub(crate) use progress::Progress;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use tokio_util::sync::CancellationToken;

use super::error::CliError;
use crate::app::{Services, connect, open_state};
use crate::jobs::{JobStatus, JobView, Origin};
use crate::privacy::Privacy;

/// A job that completed with values that did not land.
const EXIT_PROBLEMS: u8 = 3;
/// Problems printed at the end of a run.
pub(super) const PROBLEMS_SHOWN: usize = 50;

#[derive(Debug, Clone, Args)]
pub struct JobsArgs {
    /// Work on the sandbox account (state in <home>/sandbox) instead of Clio.
    #[arg(long, global = true)]
    pub sandbox: bool,
    #[command(subcommand)]
    pub cmd: JobsCommand,
}

/// Plans applied to Clio as resumable jobs.
#[derive(Debug, Clone, Subcommand)]
pub enum JobsCommand {
    /// Approve a plan (after showing its summary) and apply it in the foreground.
    Run {
        plan_id: String,
        /// Approve without asking (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Continue an unfinished job (every unfinished job when none is named).
    Resume {
        job_id: Option<String>,
        /// Approve without asking, where a job's plan has no approval yet.
        #[arg(long)]
        yes: bool,
    },
    /// The most recent jobs.
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// One JSON record per job, with the fields of `jobs status --json`.
        #[arg(long)]
        json: bool,
    },
    /// A job's status, counts and the values that did not land.
    Status {
        job_id: String,
        /// The same fields as the job_status tool.
        #[arg(long)]
        json: bool,
    },
    /// Ask a job to stop after the request in flight (it can be resumed).
    Cancel { job_id: String },
}

/// Runs one `jobs` subcommand; errors are printed here and exit with 1.
pub async fn run(args: JobsArgs, home: Option<PathBuf>, out: &mut dyn Write) -> ExitCode {
    match dispatch(args, home, out).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(
    args: JobsArgs,
    home: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    // Reading and cancelling need only the state folder: they work with Clio unreachable.
    if let JobsCommand::List { .. } | JobsCommand::Status { .. } | JobsCommand::Cancel { .. } =
        &args.cmd
    {
        return local::run(args, home, out);
    }
    let target = connect(args.sandbox, home).await?;
    let services = open_state(target.client, &target.home).await?;
    let code = match args.cmd {
        JobsCommand::Run { plan_id, yes } => {
            let plan_id = plan_id.trim();
            let hash = super::approve::approve(
                &services.planner,
                &services.jobs,
                plan_id,
                yes,
                "clio-mcp jobs run",
                out,
            )
            .await?;
            let job = services
                .jobs
                .prepare(plan_id, &hash, Origin::Person, "jobs run")
                .await?;
            foreground(&services, &job.id, out).await?
        }
        JobsCommand::Resume { job_id, yes } => resume(&services, job_id, yes, out).await?,
        JobsCommand::List { .. } | JobsCommand::Status { .. } | JobsCommand::Cancel { .. } => {
            ExitCode::FAILURE
        }
    };
    services.jobs.shutdown().await;
    if let Some(sandbox) = target.sandbox {
        sandbox.stop().await;
    }
    Ok(code)
}

async fn view(services: &Services, job_id: &str) -> Result<JobView, CliError> {
    Ok(services
        .jobs
        .view(job_id, None, PROBLEMS_SHOWN, Privacy::Full)
        .await?)
}

/// `jobs resume`: the named job, or every unfinished one, each run to its end in turn.
async fn resume(
    services: &Services,
    job_id: Option<String>,
    yes: bool,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let ids: Vec<String> = match job_id {
        Some(id) => vec![id.trim().to_string()],
        None => services
            .jobs
            .unfinished()
            .await?
            .into_iter()
            .filter(|(_, status)| *status != JobStatus::Running)
            .map(|(h, _)| h.id)
            .collect(),
    };
    if ids.is_empty() {
        writeln!(out, "No unfinished jobs.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut worst = ExitCode::SUCCESS;
    for id in ids {
        let header = services.jobs.view(&id, None, 1, Privacy::Full).await?;
        super::approve::approve(
            &services.planner,
            &services.jobs,
            &header.plan_id,
            yes,
            "clio-mcp jobs resume",
            out,
        )
        .await?;
        services.jobs.resume(&id).await?;
        let code = foreground(services, &id, out).await?;
        if code != ExitCode::SUCCESS {
            worst = code;
        }
    }
    Ok(worst)
}

/// Runs the job here until it ends, with a progress bar; Ctrl-C cancels it after the request
/// in flight (it can be resumed).
async fn foreground(
    services: &Services,
    job_id: &str,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let progress = Progress::new(services.client.limiter_status().effective_per_minute);
    let cancel = CancellationToken::new();
    let jobs = services.jobs.clone();
    let id = job_id.to_string();
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nstopping after the request in flight (Ctrl-C)…");
            let _ = jobs.cancel(&id).await;
        }
    });
    writeln!(out, "\nApplying with job {job_id}.")?;
    out.flush()?;
    let ran = services
        .jobs
        .run(job_id, cancel, &|counts| progress.update(counts))
        .await;
    interrupt.abort();
    progress.finish();
    let view = view(services, job_id).await?;
    print_view(&view, out)?;
    ran?;
    Ok(exit_code(&view))
}

pub(super) fn exit_code(view: &JobView) -> ExitCode {
    match view.status {
        JobStatus::Completed if view.counts.problems() == 0 => ExitCode::SUCCESS,
        JobStatus::Completed => ExitCode::from(EXIT_PROBLEMS),
        _ => ExitCode::FAILURE,
    }
}

pub(super) fn print_view(v: &JobView, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "Job {} ({}) of plan {}",
        v.job_id,
        v.status.as_str(),
        v.plan_id
    )?;
    writeln!(out, "  {}", v.counts.summary())?;
    let rate = v
        .achieved_per_minute
        .map(|r| format!("{r:.1} per minute achieved, "))
        .unwrap_or_default();
    writeln!(
        out,
        "  {} Clio requests, {rate}budget {} per minute",
        v.requests, v.rate_limit_per_minute
    )?;
    if let Some(e) = &v.error {
        writeln!(out, "  error: {e}")?;
    }
    if !v.problems.is_empty() {
        writeln!(out, "  values that did not land:")?;
        for p in &v.problems {
            writeln!(
                out,
                "    matter {} {}: {} ({})",
                p.matter_id,
                p.field,
                p.outcome.as_str(),
                p.reason
            )?;
        }
        if v.next_cursor.is_some() {
            writeln!(out, "    … more: clio-mcp jobs status {} --json", v.job_id)?;
        }
    }
    writeln!(out, "  next: {}", v.next_step)
}
