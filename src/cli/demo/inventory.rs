//! The demo's first look: the field inventory by type, and a few matters as intake left them.

use std::collections::BTreeMap;
use std::io::Write;

use futures::TryStreamExt;

use crate::cli::error::CliError;
use crate::clio::matters::{MatterQuery, VALUE_READ_FIELDS};
use crate::clio::types::{CustomField, Matter};
use crate::clio::{ClioClient, ClioError};
use crate::field_type::FieldType;

/// Prints the inventory by type (values set per field) and five matters' messy values.
pub(super) async fn show(client: &ClioClient, out: &mut dyn Write) -> Result<(), CliError> {
    let fields = client.custom_fields("matter").await?;
    let (total, counts) = count_values(client).await?;
    writeln!(
        out,
        "Custom field inventory, by type (values set / matters):"
    )?;
    let mut by_type: BTreeMap<String, Vec<&CustomField>> = BTreeMap::new();
    for f in &fields {
        by_type.entry(f.field_type.clone()).or_default().push(f);
    }
    for (kind, defs) in &by_type {
        let advice = FieldType::advice_for(kind);
        writeln!(out, "  {kind}: {advice}")?;
        for f in defs {
            let set = counts.get(&f.id).copied().unwrap_or(0);
            let deleted = if f.deleted { " (deleted)" } else { "" };
            let gone = f
                .picklist_options
                .iter()
                .filter(|o| o.deleted_at.is_some())
                .count();
            let options = match f.picklist_options.len() {
                0 => String::new(),
                n => format!(", {n} options, {gone} deleted"),
            };
            writeln!(
                out,
                "    - {} [id {}]{deleted}: {set} / {}{options}",
                f.name, f.id, total
            )?;
        }
    }

    writeln!(out, "\nA few matters as intake left them:")?;
    let query = MatterQuery {
        fields: Some(VALUE_READ_FIELDS.to_string()),
        limit: Some(5),
        ..Default::default()
    };
    let (first, _) = client.page::<Matter>(query.request()).await?;
    for m in first {
        writeln!(
            out,
            "  {} ({})",
            m.display_number.as_deref().unwrap_or("?"),
            m.id
        )?;
        for v in m.custom_field_values.unwrap_or_default() {
            let name = v.field_name.clone().unwrap_or_default();
            if [
                "Client Address",
                "Client Phone",
                "Fee Quote",
                "Intake Date (typed)",
                "Referral Source",
            ]
            .contains(&name.as_str())
            {
                let shown = v
                    .value_text()
                    .unwrap_or_else(|| "(empty)".to_string())
                    .replace('\n', " / ");
                writeln!(
                    out,
                    "      {name:<22} {shown}   [value id {}]",
                    v.id.as_deref().unwrap_or("none yet")
                )?;
            }
        }
    }
    Ok(())
}

/// Counts, per definition, the matters with a value: one page request per 200 matters.
async fn count_values(client: &ClioClient) -> Result<(usize, BTreeMap<u64, usize>), ClioError> {
    let query = MatterQuery {
        fields: Some("id,custom_field_values{id,custom_field}".to_string()),
        ..Default::default()
    };
    let mut counts = BTreeMap::new();
    let mut total = 0;
    let mut pages = Box::pin(client.pages::<Matter>(query.request()));
    while let Some(page) = pages.try_next().await? {
        total += page.len();
        for m in page {
            for v in m.custom_field_values.unwrap_or_default() {
                if let (Some(_), Some(def)) = (&v.id, v.definition_id()) {
                    *counts.entry(def).or_default() += 1;
                }
            }
        }
    }
    Ok((total, counts))
}
