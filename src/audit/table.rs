//! The plain-text table printed by `audit show`.

use std::io::Write;

use serde_json::Value;

use super::entry::AuditEntry;

/// Long values would make the table unreadable; the export has them in full.
fn clip(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(3)).collect();
        format!("{cut}...")
    }
}

fn show_value(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

fn table_row(e: &AuditEntry) -> [String; 9] {
    let matter = match e.matter_id {
        Some(m) => m.to_string(),
        None if !e.read_matters.is_empty() => e
            .read_matters
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(","),
        None => String::new(),
    };
    let field = match (&e.field_name, e.read_fields.is_empty()) {
        (Some(name), _) => name.clone(),
        (None, false) => e.read_fields.join(","),
        (None, true) => String::new(),
    };
    let change = if e.old_value.is_null() && e.new_value.is_null() {
        String::new()
    } else {
        format!(
            "{} -> {}",
            show_value(&e.old_value),
            show_value(&e.new_value)
        )
    };
    [
        e.seq.to_string(),
        e.ts.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        clip(&e.user, 24),
        e.action.as_str().to_owned(),
        clip(&e.tool, 24),
        clip(&matter, 24),
        clip(&field, 28),
        clip(&change, 48),
        clip(
            e.outcome.as_deref().or(e.detail.as_deref()).unwrap_or(""),
            32,
        ),
    ]
}

pub fn write_table(entries: &[AuditEntry], out: &mut dyn Write) -> std::io::Result<()> {
    const HEADERS: [&str; 9] = [
        "SEQ",
        "TIME",
        "USER",
        "ACTION",
        "TOOL",
        "MATTER",
        "FIELD",
        "OLD -> NEW",
        "OUTCOME",
    ];
    let rows: Vec<[String; 9]> = entries.iter().map(table_row).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    writeln!(out, "{}", line(&HEADERS.map(str::to_owned)))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    writeln!(out, "({} entries)", rows.len())
}
