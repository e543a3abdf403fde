//! The demo's write story on the sandbox: approve the address plan, a person edits one matter
//! meanwhile, apply it with the progress bar, re-read to see the values landed and the edit
//! reported as a conflict, verify the audit log, roll it back, and re-read the originals.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::app::Services;
use crate::audit::verify;
use crate::cli::error::CliError;
use crate::cli::jobs::Progress;
use crate::jobs::Origin;
use crate::jobs::rollback::RollbackScope;
use crate::plan::{ItemClass, PlanItem};
use crate::privacy::Privacy;
use crate::sandbox::Sandbox;

/// Clio's budget at peak, per minute, for the projection at the end.
const CLIO_PEAK: u64 = 50;
/// Matters whose values are shown before and after.
const SHOWN: usize = 3;

fn text(v: &Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s.replace('\n', " / "),
        Some(other) => other.to_string(),
        None => "(none)".to_string(),
    }
}

/// Applies `plan_id` and undoes it, telling each step.
pub(super) async fn tell(
    services: &Services,
    sandbox: &Sandbox,
    plan_id: &str,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let (planner, jobs) = (&services.planner, &services.jobs);
    let header = planner.header(plan_id).await?;
    let hash = header.content_hash.clone().unwrap_or_default();
    let items = planner.items(plan_id).await?;
    let changes: Vec<&PlanItem> = items
        .iter()
        .filter(|i| i.class == ItemClass::Change)
        .collect();
    let shown: Vec<&PlanItem> = changes.iter().copied().take(SHOWN).collect();
    writeln!(
        out,
        "\nApplying the address plan {plan_id}: {} values on {} matters.",
        header.counts.change, header.counts.matters_with_changes
    )?;
    jobs.approve(plan_id, &hash, &crate::config::os_user(), "clio-mcp demo")
        .await?;
    writeln!(
        out,
        "  approved by {} for content hash {hash} (the demo approves; `clio-mcp plan approve` asks)",
        crate::config::os_user()
    )?;
    // A paralegal fixes one address by hand in Clio after the preview was made.
    let edited = changes.get(SHOWN).copied();
    if let Some(e) = edited {
        sandbox.edit_behind_the_back(
            e.matter_id,
            e.field_id,
            json!("9 Typed By Hand Ct, Boston, MA 02108"),
        );
        writeln!(
            out,
            "  meanwhile a person edits matter {} ({}) in Clio",
            e.matter_id, e.field_name
        )?;
    }
    let job = jobs.prepare(plan_id, &hash, Origin::Person, "demo").await?;
    let rate = services.client.limiter_status().effective_per_minute;
    let progress = Progress::new(rate);
    let started = Instant::now();
    jobs.run(&job.id, CancellationToken::new(), &|c| progress.update(c))
        .await?;
    progress.finish();
    let view = jobs.view(&job.id, None, 5, Privacy::Full).await?;
    writeln!(
        out,
        "  job {} {} in {:.1} s: {}",
        view.job_id,
        view.status.as_str(),
        started.elapsed().as_secs_f64(),
        view.counts.summary()
    )?;
    writeln!(out, "  re-read from Clio:")?;
    for i in &shown {
        writeln!(
            out,
            "    {} {}: {}",
            i.matter_id,
            i.field_name,
            text(&sandbox.value(i.matter_id, i.field_id))
        )?;
    }
    for p in &view.problems {
        writeln!(
            out,
            "  reported, not overwritten: matter {} {}: {} ({})",
            p.matter_id,
            p.field,
            p.outcome.as_str(),
            p.reason
        )?;
    }
    let report = verify(services.audit.dir())?;
    writeln!(
        out,
        "  audit verify: {} ({} entries)",
        if report.is_ok() {
            "the hash chain is intact"
        } else {
            "DAMAGED"
        },
        report.entries
    )?;
    let spent = view.requests;
    let minutes = spent.div_ceil(CLIO_PEAK);
    writeln!(
        out,
        "  {spent} requests; at Clio's {CLIO_PEAK} a minute the same job takes about {} h {:02} min \
         (a background job: resumable, never a blocking call)",
        minutes / 60,
        minutes % 60
    )?;

    writeln!(
        out,
        "\nRolling it back (an ordinary plan built from the audit log):"
    )?;
    let req = jobs
        .rollback_request(&RollbackScope {
            jobs: vec![job.id.clone()],
            matters: Vec::new(),
        })
        .await?;
    let undo = planner.start(req, "demo").await?;
    let undo_header = planner.wait(&undo, Duration::from_secs(3_600)).await?;
    let undo_hash = undo_header.content_hash.clone().unwrap_or_default();
    writeln!(out, "  plan {undo}: {}", undo_header.counts.classes())?;
    jobs.approve(
        &undo,
        &undo_hash,
        &crate::config::os_user(),
        "clio-mcp demo",
    )
    .await?;
    let undo_job = jobs
        .prepare(&undo, &undo_hash, Origin::Person, "demo")
        .await?;
    let progress = Progress::new(rate);
    jobs.run(&undo_job.id, CancellationToken::new(), &|c| {
        progress.update(c)
    })
    .await?;
    progress.finish();
    let undone = jobs.view(&undo_job.id, None, 5, Privacy::Full).await?;
    writeln!(
        out,
        "  job {} {}: {}",
        undone.job_id,
        undone.status.as_str(),
        undone.counts.summary()
    )?;
    writeln!(out, "  re-read from Clio, the originals are back:")?;
    for i in &shown {
        writeln!(
            out,
            "    {} {}: {}",
            i.matter_id,
            i.field_name,
            text(&sandbox.value(i.matter_id, i.field_id))
        )?;
    }
    if let Some(e) = edited {
        writeln!(
            out,
            "    {} {}: {} (the person's edit, kept)",
            e.matter_id,
            e.field_name,
            text(&sandbox.value(e.matter_id, e.field_id))
        )?;
    }
    Ok(())
}
