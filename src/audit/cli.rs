//! The `clio-mcp audit ...` subcommands: verify, show, export and report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::Value;

use super::entry::{Action, AuditEntry};
use super::error::AuditError;
use super::files::private_options;
use super::query::{AuditFilter, query, read_all};
use super::report::render_html_report;
use super::verify::verify;

/// Review the audit log.
#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exits 1 and names the first bad entry if anything was altered.
    Verify {
        /// The newest entry you recorded earlier, as SEQ:HASH (from an earlier verify);
        /// reveals entries cut off the end of the log.
        #[arg(long, value_name = "SEQ:HASH")]
        expect_head: Option<String>,
    },
    /// Print matching entries as a table.
    Show {
        #[command(flatten)]
        filter: FilterArgs,
        /// Show at most this many entries.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Write matching entries as CSV or JSON Lines to stdout or a file.
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Write here (created with mode 0600) instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Write one self-contained HTML page for a reviewer.
    Report {
        #[arg(long, value_name = "FILE")]
        html: PathBuf,
    },
}

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One row per entry; text cells that a spreadsheet would run as a formula get a `'`.
    Csv,
    /// One JSON entry per line, as stored.
    Jsonl,
}

/// Entry filters shared by `show` and `export`.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Only entries about this matter id (including reads that covered it).
    #[arg(long)]
    pub matter: Option<u64>,
    #[arg(long)]
    pub job: Option<String>,
    #[arg(long)]
    pub plan: Option<String>,
    /// One of: read, write-intent, write-done, write-skipped-equal, conflict, failed,
    /// upload, rollback, job-start, job-end, plan-created.
    #[arg(long)]
    pub action: Option<Action>,
    /// Only entries at or after this time: RFC 3339 (2025-01-31T12:00:00Z) or a date (UTC).
    #[arg(long, value_parser = parse_since)]
    pub since: Option<DateTime<Utc>>,
}

impl From<FilterArgs> for AuditFilter {
    fn from(args: FilterArgs) -> Self {
        AuditFilter {
            matter: args.matter,
            job: args.job,
            plan: args.plan,
            action: args.action,
            since: args.since,
        }
    }
}

fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("{text:?} is not a time: use 2025-01-31 or 2025-01-31T12:00:00Z"))
}

/// Runs one audit command against `<home>/audit`, writing its output to `out`.
pub fn run(cmd: AuditCommand, home: &Path, out: &mut dyn Write) -> Result<ExitCode, AuditError> {
    let dir = super::audit_dir(home);
    match cmd {
        AuditCommand::Verify { expect_head } => run_verify(&dir, expect_head.as_deref(), out),
        AuditCommand::Show { filter, limit } => {
            let page = query(&dir, &filter.into(), None, limit.unwrap_or(usize::MAX))?;
            write_table(&page.entries, out).map_err(stdout_error)?;
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Export {
            format,
            output,
            filter,
        } => {
            let entries = query(&dir, &filter.into(), None, usize::MAX)?.entries;
            match output {
                Some(path) => {
                    let mut file = private_options()
                        .write(true)
                        .truncate(true)
                        .open(&path)
                        .map_err(AuditError::io("create", &path))?;
                    export(&entries, format, &mut file)?;
                    file.sync_all().map_err(AuditError::io("fsync", &path))?;
                }
                None => export(&entries, format, out)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Report { html } => {
            let check = verify(&dir)?;
            let entries = read_all(&dir)?;
            let page = render_html_report(&entries, &check, Utc::now());
            let mut file = private_options()
                .write(true)
                .truncate(true)
                .open(&html)
                .map_err(AuditError::io("create", &html))?;
            file.write_all(page.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(AuditError::io("write", &html))?;
            let integrity = if check.is_ok() {
                "hash chain intact"
            } else {
                "LOG DAMAGED, see the report"
            };
            writeln!(
                out,
                "wrote {} ({} entries; {integrity})",
                html.display(),
                entries.len()
            )
            .map_err(stdout_error)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn stdout_error(source: std::io::Error) -> AuditError {
    AuditError::Io {
        doing: "write to",
        path: PathBuf::from("standard output"),
        source,
    }
}

fn run_verify(
    dir: &Path,
    expect_head: Option<&str>,
    out: &mut dyn Write,
) -> Result<ExitCode, AuditError> {
    let mut report = verify(dir)?;
    if let Some(anchor) = expect_head {
        let (seq, hash) = anchor
            .split_once(':')
            .and_then(|(s, h)| s.parse::<u64>().ok().map(|s| (s, h)))
            .ok_or_else(|| {
                AuditError::InvalidArgument(format!(
                    "--expect-head {anchor:?}: expected SEQ:HASH, e.g. 42:3fa9..."
                ))
            })?;
        report.check_expected_head(dir, seq, hash)?;
    }
    let head = report
        .head
        .as_ref()
        .map(|(seq, hash)| format!("{seq}:{hash}"))
        .unwrap_or_else(|| "none (the log is empty)".to_owned());
    let result = if report.is_ok() {
        writeln!(
            out,
            "OK: {} entries in {} files; the hash chain is intact.\nhead: {head}",
            report.entries, report.files
        )
    } else {
        let first = report
            .first_bad_seq()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        let mut text = format!(
            "FAILED: the audit log was altered or damaged. First bad entry: {first}\n{} problems:\n",
            report.problems.len()
        );
        for p in &report.problems {
            text.push_str(&format!("  - {}\n", p.message));
        }
        text.push_str(&format!("head: {head}"));
        writeln!(out, "{text}")
    };
    result.map_err(stdout_error)?;
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

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

fn write_table(entries: &[AuditEntry], out: &mut dyn Write) -> std::io::Result<()> {
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

/// Spreadsheets run cells starting with these as formulas; a leading `'` keeps them text.
fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn csv_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => defuse(s),
        other => other.to_string(),
    }
}

fn export(
    entries: &[AuditEntry],
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<(), AuditError> {
    match format {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_dates_and_rfc3339() {
        assert_eq!(
            parse_since("2025-01-31").unwrap(),
            parse_since("2025-01-31T00:00:00Z").unwrap()
        );
        assert!(parse_since("yesterday").is_err());
    }

    #[test]
    fn csv_cells_that_look_like_formulas_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("Smith"), "Smith");
    }
}
