//! How `plan show` and `plan propose` print a plan: its summary, then its items by class.

use std::io::Write;

use crate::cli::error::CliError;
use crate::plan::model::{ItemClass, PlanHeader, PlanItem};

pub(super) fn fields_line(h: &PlanHeader) -> String {
    h.fields
        .iter()
        .map(|f| format!("{} ({})", f.name, f.id))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn print_plan(
    header: &PlanHeader,
    items: &[PlanItem],
    only: Option<ItemClass>,
    limit: usize,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    writeln!(out, "Plan {} ({})", header.id, header.status.as_str())?;
    writeln!(
        out,
        "  created {} by {}",
        header.created_at, header.created_by
    )?;
    writeln!(out, "  fields: {}", fields_line(header))?;
    writeln!(out, "  scope: {}", header.scope)?;
    writeln!(out, "  {}", header.counts.summary())?;
    if let Some(hash) = &header.content_hash {
        writeln!(out, "  content hash: {hash}")?;
    }
    if let Some(e) = &header.error {
        writeln!(out, "  error: {e}")?;
    }
    for class in ItemClass::ALL {
        if only.is_some_and(|o| o != class) {
            continue;
        }
        let of_class: Vec<&PlanItem> = items.iter().filter(|i| i.class == class).collect();
        if of_class.is_empty() {
            continue;
        }
        writeln!(out, "\n{} ({})", class.title(), of_class.len())?;
        let shown = if limit == 0 { of_class.len() } else { limit };
        for i in of_class.iter().take(shown) {
            write!(
                out,
                "  {} [{}] {}: {}",
                i.display_number.as_deref().unwrap_or("?"),
                i.matter_id,
                i.field_name,
                i.old_text()
            )?;
            if i.new.is_some() {
                write!(out, "  ->  {}", i.new_text())?;
            }
            if let Some(r) = &i.reason {
                write!(out, "  ({r})")?;
            }
            writeln!(out)?;
        }
        if of_class.len() > shown {
            writeln!(
                out,
                "  … {} more (--limit 0 shows all)",
                of_class.len() - shown
            )?;
        }
    }
    Ok(())
}
