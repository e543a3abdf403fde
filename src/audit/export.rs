//! Exporting entries as CSV (spreadsheet-safe) or JSON Lines.

use std::io::Write;

use serde_json::Value;

use super::entry::AuditEntry;
use super::error::{AuditError, stdout_error};
use crate::export::{ExportFormat, defuse};

/// The formats the audit log exports to.
pub const AUDIT_FORMATS: [ExportFormat; 2] = [ExportFormat::Csv, ExportFormat::Jsonl];

fn csv_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => defuse(s),
        other => other.to_string(),
    }
}

/// Writes `entries` in `format` (CSV or JSON Lines; HTML is `audit report`).
pub fn export(
    entries: &[AuditEntry],
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<(), AuditError> {
    match format {
        ExportFormat::Html => {
            return Err(AuditError::InvalidArgument(
                "the audit log exports to csv or jsonl; for a page, run `clio-mcp audit report --html FILE`"
                    .to_owned(),
            ));
        }
        ExportFormat::Jsonl => {
            for e in entries {
                let line = serde_json::to_string(e)?;
                writeln!(out, "{line}").map_err(stdout_error)?;
            }
        }
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "seq",
                "ts",
                "user",
                "session_id",
                "tool",
                "action",
                "matter_id",
                "field_name",
                "field_def_id",
                "value_instance_id",
                "old_value",
                "new_value",
                "outcome",
                "job_id",
                "plan_id",
                "content_hash",
                "intent_seq",
                "detail",
                "read_matters",
                "read_fields",
                "prev_hash",
                "hash",
            ])?;
            let text = |o: &Option<String>| o.as_deref().map(defuse).unwrap_or_default();
            let num = |o: Option<u64>| o.map(|n| n.to_string()).unwrap_or_default();
            for e in entries {
                w.write_record([
                    e.seq.to_string(),
                    e.ts.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                    defuse(&e.user),
                    defuse(&e.session_id),
                    defuse(&e.tool),
                    e.action.as_str().to_owned(),
                    num(e.matter_id),
                    text(&e.field_name),
                    num(e.field_def_id),
                    text(&e.value_instance_id),
                    csv_value(&e.old_value),
                    csv_value(&e.new_value),
                    text(&e.outcome),
                    text(&e.job_id),
                    text(&e.plan_id),
                    text(&e.content_hash),
                    num(e.intent_seq),
                    text(&e.detail),
                    e.read_matters
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(";"),
                    defuse(&e.read_fields.join(";")),
                    e.prev_hash.clone(),
                    e.hash.clone(),
                ])?;
            }
            w.flush().map_err(stdout_error)?;
        }
    }
    Ok(())
}
