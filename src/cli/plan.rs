//! The `clio-mcp plan ...` subcommands: propose, list, show and export.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};

mod input;
pub(super) mod print;
mod rollback;

use print::{fields_line, print_plan};

use crate::app::connect;
use crate::cli::error::CliError;
use crate::normalize::Rule;

use crate::export::ExportFormat;
use crate::plan::export::{self, PLAN_FORMATS};
use crate::plan::model::{ItemClass, PlanStatus};
use crate::plan::request::{ProposeRequest, ProposedValue, Scope};
use crate::plan::store::{PlanStore, state_db};

/// How often a running scan's progress is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Work on an in-process sandbox (state in <home>/sandbox) instead of Clio.
    #[arg(long, global = true)]
    pub sandbox: bool,
    #[command(subcommand)]
    pub cmd: PlanCommand,
}

/// Normalization plans: proposing, reviewing and approving them writes nothing to Clio.
#[derive(Debug, Clone, Subcommand)]
pub enum PlanCommand {
    /// Read the fields' values, classify them and store a plan (writes nothing to Clio).
    Propose(ProposeArgs),
    /// The most recent plans.
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// A plan's summary and its items, by class.
    Show {
        id: String,
        /// Only this class: change, needs_human, invalid, clean, empty.
        #[arg(long, value_parser = parse_class)]
        class: Option<ItemClass>,
        /// At most this many items per class (0: all).
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Approve a plan for writing: shows its summary and content hash and asks on the
    /// terminal; records who (the OS user), when and which hash.
    Approve {
        id: String,
        /// Approve without asking (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Plan the undoing of a job (or a plan's job): an ordinary plan that puts the old values
    /// back, reviewed, approved and applied like any other.
    #[command(group(clap::ArgGroup::new("what").required(true).args(["job", "plan"])))]
    Rollback {
        /// The job to undo.
        #[arg(long, value_name = "JOB_ID")]
        job: Option<String>,
        /// The plan whose job to undo.
        #[arg(long, value_name = "PLAN_ID")]
        plan: Option<String>,
        /// Only these matters (comma-separated).
        #[arg(long, value_delimiter = ',')]
        matters: Vec<u64>,
    },
    /// Write a reviewer file: old and new side by side, grouped by class (mode 0600).
    Export {
        id: String,
        #[arg(long, value_parser = parse_format)]
        format: ExportFormat,
        /// Default: ./<plan id>.<format>
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ProposeArgs {
    /// A field by name or definition id; repeat for several (one change set per matter).
    #[arg(long = "field", required = true)]
    pub fields: Vec<String>,
    /// A rule name (`address`) or a rule with options as JSON (`{"rule":"phone","format":"e164"}`).
    #[arg(long, value_parser = input::parse_rule, conflicts_with = "values")]
    pub rule: Option<Rule>,
    /// A JSON file of exact values: [{"matter_id": 1, "value": "...", "field": "..."}].
    #[arg(long, value_name = "FILE")]
    pub values: Option<PathBuf>,
    /// Only these matter ids (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ids: Vec<u64>,
    /// Only matters Clio's text search finds.
    #[arg(long)]
    pub query: Option<String>,
    /// Only matters with this status: open, pending or closed.
    #[arg(long)]
    pub status: Option<String>,
}

fn parse_class(s: &str) -> Result<ItemClass, String> {
    ItemClass::parse(s).ok_or_else(|| {
        format!("{s:?} is not a class: change, needs_human, invalid, clean or empty")
    })
}

fn parse_format(s: &str) -> Result<ExportFormat, String> {
    ExportFormat::parse_one_of(s, &PLAN_FORMATS)
}

/// Runs one `plan` subcommand; `home` is the state folder of the real account.
pub async fn run(
    args: PlanArgs,
    home: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let state_home = |home: Option<PathBuf>| -> Result<PathBuf, CliError> {
        let home = match home {
            Some(h) => h,
            None => crate::app::default_home()?,
        };
        Ok(if args.sandbox {
            home.join("sandbox")
        } else {
            home
        })
    };
    match args.cmd {
        PlanCommand::Propose(p) => propose(p, args.sandbox, home, out).await,
        PlanCommand::Approve { id, yes } => {
            let target = connect(args.sandbox, home).await?;
            let services = crate::app::open_state(target.client, &target.home).await?;
            super::approve::approve(
                &services.planner,
                &services.jobs,
                id.trim(),
                yes,
                "clio-mcp plan approve",
                out,
            )
            .await?;
            stop(target.sandbox).await;
            Ok(())
        }
        PlanCommand::Rollback { job, plan, matters } => {
            rollback::run(job, plan, matters, args.sandbox, home, out).await
        }
        PlanCommand::List { limit } => {
            let store = open_existing(&state_home(home)?)?;
            for h in store.list(limit)? {
                writeln!(
                    out,
                    "{}  {:<11} {}  {} changes on {} matters  {}",
                    h.id,
                    h.status.as_str(),
                    h.created_at,
                    h.counts.change,
                    h.counts.matters_with_changes,
                    fields_line(&h)
                )?;
            }
            Ok(())
        }
        PlanCommand::Show { id, class, limit } => {
            let store = open_existing(&state_home(home)?)?;
            let header = store.header(&id)?;
            let items = store.all_items(&id)?;
            print_plan(&header, &items, class, limit, out)
        }
        PlanCommand::Export { id, format, output } => {
            let store = open_existing(&state_home(home)?)?;
            let header = store.header(&id)?;
            let items = store.all_items(&id)?;
            let path =
                output.unwrap_or_else(|| PathBuf::from(format!("{id}.{}", format.extension())));
            export::write_file(&path, format, &header, &items)?;
            writeln!(out, "wrote {} ({} items)", path.display(), items.len())?;
            Ok(())
        }
    }
}

pub(super) async fn stop(sandbox: Option<crate::sandbox::Sandbox>) {
    if let Some(sandbox) = sandbox {
        sandbox.stop().await;
    }
}

/// Waits for a scan, printing its progress to stderr.
pub(super) async fn wait_for(
    planner: &crate::plan::propose::Planner,
    id: &str,
) -> Result<crate::plan::PlanHeader, CliError> {
    loop {
        let header = planner.wait(id, PROGRESS_EVERY).await?;
        if header.status != PlanStatus::Scanning {
            return Ok(header);
        }
        eprintln!(
            "{id}: {} matters read so far",
            header.counts.matters_scanned
        );
    }
}

/// `Ok` for a complete plan, else the error that says why not.
pub(super) fn finished(id: &str, header: crate::plan::PlanHeader) -> Result<(), CliError> {
    if header.status == PlanStatus::Complete {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "plan {id} is {}: {}",
            header.status.as_str(),
            header.error.unwrap_or_default()
        )))
    }
}

fn open_existing(home: &Path) -> Result<PlanStore, CliError> {
    let path = state_db(home);
    if !path.exists() {
        return Err(CliError::Usage(format!(
            "there are no plans in {} yet: run `clio-mcp plan propose` first (add --sandbox for \
             the sandbox's plans, --home for another state folder)",
            home.display()
        )));
    }
    Ok(PlanStore::open(&path)?)
}

async fn propose(
    args: ProposeArgs,
    sandbox: bool,
    home: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let values: Vec<ProposedValue> = match &args.values {
        None => Vec::new(),
        Some(path) => input::read_values(path)?,
    };
    let req = ProposeRequest {
        fields: args.fields,
        rule: args.rule,
        values,
        scope: Scope {
            query: args.query,
            status: args.status.map(|s| s.to_ascii_lowercase()),
            ids: args.ids,
        },
        ..Default::default()
    };
    let target = connect(sandbox, home).await?;
    let planner = crate::app::open_state(target.client, &target.home)
        .await?
        .planner;
    let id = planner.start(req, "plan propose").await?;
    let header = wait_for(&planner, &id).await?;
    let items = planner.items(&id).await?;
    print_plan(&header, &items, Some(ItemClass::Change), 20, out)?;
    let preview = planner.preview_path(&id);
    if preview.exists() {
        writeln!(out, "\nReviewer file (every row): {}", preview.display())?;
    }
    writeln!(
        out,
        "More: clio-mcp plan show {id}{}",
        if sandbox { " --sandbox" } else { "" }
    )?;
    stop(target.sandbox).await;
    finished(&id, header)
}
