//! A person's approval at the terminal: the plan's summary and content hash shown, a yes read
//! from the terminal (or `--yes` from a script), recorded with the OS user.

use std::io::{BufRead, IsTerminal, Write};

use super::error::CliError;
use super::plan::print::print_plan;
use crate::jobs::JobService;
use crate::plan::propose::Planner;
use crate::plan::{ItemClass, PlanStatus};

/// Asks `question` on the terminal; `Ok` only on a typed yes (or when `yes` was passed).
pub fn confirm(question: &str, yes: bool) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::Usage(
            "there is no terminal to ask for approval on: run it from a terminal, or pass \
             --yes to approve from a script (nothing was written)"
                .to_string(),
        ));
    }
    eprint!("{question} Type yes to approve: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "yes" | "y") {
        Ok(())
    } else {
        Err(CliError::Usage(
            "not approved: nothing was written".to_string(),
        ))
    }
}

/// Shows the plan's summary (counts per class, fields, scope, a few change sets, the content
/// hash), then records the person's approval unless that exact hash is already approved.
/// Returns the approved content hash.
pub async fn approve(
    planner: &Planner,
    jobs: &JobService,
    plan_id: &str,
    yes: bool,
    via: &str,
    out: &mut dyn Write,
) -> Result<String, CliError> {
    let header = planner.header(plan_id).await?;
    if header.status != PlanStatus::Complete {
        return Err(CliError::Usage(format!(
            "plan {plan_id} is {}, not complete: only a complete plan can be approved",
            header.status.as_str()
        )));
    }
    let hash = header.content_hash.clone().unwrap_or_default();
    // Checks the stored items still give the hash before a person is asked about it.
    let (_, items) = jobs.verified_plan(plan_id, &hash).await?;
    print_plan(&header, &items, Some(ItemClass::Change), 5, out)?;
    out.flush()?;
    if let Some((by, at)) = jobs.approval(plan_id, &hash).await? {
        writeln!(
            out,
            "\nAlready approved by {by} at {at} for content hash {hash}."
        )?;
        return Ok(hash);
    }
    let question = format!(
        "\nApprove plan {plan_id} (content hash {hash}): {} values on {} matters written to Clio?",
        header.counts.change, header.counts.matters_with_changes
    );
    confirm(&question, yes)?;
    let user = crate::config::os_user();
    jobs.approve(plan_id, &hash, &user, via).await?;
    writeln!(
        out,
        "\nApproved plan {plan_id} (content hash {hash}) as {user}."
    )?;
    Ok(hash)
}
