//! The demo's proposals: five normalizations planned and shown, nothing written.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::cli::error::CliError;
use crate::normalize::Rule;
use crate::plan::ItemClass;
use crate::plan::propose::Planner;
use crate::plan::request::ProposeRequest;

/// Proposes a few normalizations and shows what each would change: nothing is written.
/// Returns the id of the address plan, which the story then applies.
pub(super) async fn show(
    planner: &Planner,
    home: &Path,
    out: &mut dyn Write,
) -> Result<String, CliError> {
    let mut address_plan = String::new();
    writeln!(
        out,
        "\nProposed normalizations (plans stored; nothing written):"
    )?;
    let examples: [(&[&str], &str); 5] = [
        (&["Client Address", "Mailing Address"], "address"),
        (&["Client Phone"], "phone"),
        (&["Intake Date (typed)"], "date"),
        (&["Practice Area"], "picklist"),
        (&["Client Email"], "email"),
    ];
    for (fields, rule) in examples {
        let rule: Rule = serde_json::from_value(serde_json::json!({ "rule": rule }))
            .map_err(|e| CliError::Usage(format!("demo rule {rule}: {e}")))?;
        let req = ProposeRequest {
            fields: fields.iter().map(|f| f.to_string()).collect(),
            rule: Some(rule.clone()),
            ..Default::default()
        };
        let id = planner.start(req, "demo").await?;
        let header = planner.wait(&id, Duration::from_secs(3_600)).await?;
        if rule.name() == "address" {
            address_plan = id.clone();
        }
        writeln!(
            out,
            "  {} on {}: {}  ({id})",
            rule.name(),
            fields.join(" + "),
            header.counts.classes()
        )?;
        for set in planner.matter_page(&id, ItemClass::Change, 2).await? {
            for i in set {
                writeln!(
                    out,
                    "      {:<12} {}  ->  {}",
                    i.display_number.as_deref().unwrap_or("?"),
                    i.old_text(),
                    i.new_text()
                )?;
            }
        }
        for set in planner.matter_page(&id, ItemClass::NeedsHuman, 1).await? {
            for i in set {
                writeln!(
                    out,
                    "      {:<12} {}  ?  {}",
                    i.display_number.as_deref().unwrap_or("?"),
                    i.old_text(),
                    i.reason.as_deref().unwrap_or("")
                )?;
            }
        }
    }
    writeln!(
        out,
        "  Reviewer files (old and new side by side): {}\n  \
         Try: clio-mcp --home {} plan list (show ID, export ID --format html)",
        home.join("previews").display(),
        home.display()
    )?;
    Ok(address_plan)
}
