//! The demo's document step: the plan's reviewer summary, generated as text, uploaded to a
//! matter through the audited upload flow, and re-read from Clio to show it visible.

use std::io::Write;

use crate::app::Services;
use crate::cli::error::CliError;
use crate::documents::{Source, UploadRequest};

/// Uploads the summary of `plan_id` to `matter_id` and shows it in the matter's documents.
pub(super) async fn upload(
    services: &Services,
    plan_id: &str,
    matter_id: u64,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let header = services.planner.header(plan_id).await?;
    let summary = format!(
        "Reviewer summary of normalization plan {plan_id}\n\nFields: {}\nScope: {}\nCounts: {}\nContent hash approved: {}\n",
        header
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        header.scope,
        header.counts.summary(),
        header.content_hash.as_deref().unwrap_or("(none)"),
    );
    let name = format!("{plan_id}-summary.txt");
    writeln!(
        out,
        "\nUploading the reviewer summary to matter {matter_id} as {name}:"
    )?;
    let outcome = services
        .documents
        .upload(UploadRequest {
            matter_id,
            source: Source::Inline(summary.into_bytes()),
            name: Some(name),
            content_type: Some("text/plain".to_string()),
            category: None,
            force: false,
            tool: "demo".to_string(),
        })
        .await
        .map_err(|e| CliError::Usage(e.to_string()))?;
    writeln!(
        out,
        "  document {} ({} bytes, SHA-256 {}), audited before the first call",
        outcome.document_id, outcome.size, outcome.sha256
    )?;
    let listed = services.client.matter_documents(matter_id).await?;
    let seen = listed.iter().find(|d| d.id == outcome.document_id);
    writeln!(
        out,
        "  re-read the matter's documents: {}",
        match seen {
            Some(d) if d.fully_uploaded() => format!(
                "{} is there, fully uploaded and visible",
                d.name.as_deref().unwrap_or("?")
            ),
            _ => "NOT visible".to_string(),
        }
    )?;
    Ok(())
}
