//! The `clio-mcp audit ...` subcommands: verify, show, export and report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};

use crate::audit::{
    AUDIT_FORMATS, Action, AuditError, AuditFilter, export, query, read_all, recorded_head,
    render_html_report, stdout_error, verify, write_table,
};
use crate::export::ExportFormat;
use crate::files::private_options;

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
        /// csv or jsonl.
        #[arg(long, value_parser = audit_format, default_value = "jsonl")]
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
    /// One of: read, write-intent, write-done, write-skipped-equal, conflict, forbidden,
    /// gone, refused, failed, write-resolved, upload, rollback, approval, job-start,
    /// job-resume, job-cancel, job-end, plan-created, fragment-recovered, webhook,
    /// webhook-delivery.
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

fn audit_format(s: &str) -> Result<ExportFormat, String> {
    ExportFormat::parse_one_of(s, &AUDIT_FORMATS)
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
    let dir = crate::audit::audit_dir(home);
    match cmd {
        AuditCommand::Verify { expect_head } => {
            let recorded = recorded_head(&crate::files::state_db(home))?;
            run_verify(&dir, expect_head.as_deref(), recorded, out)
        }
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

fn run_verify(
    dir: &Path,
    expect_head: Option<&str>,
    recorded: Option<(u64, String)>,
    out: &mut dyn Write,
) -> Result<ExitCode, AuditError> {
    let mut report = verify(dir)?;
    if let Some((seq, hash)) = &recorded {
        report.check_recorded_head(dir, *seq, hash)?;
    }
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
    let notes: String = report
        .notes
        .iter()
        .map(|n| format!("\nnote: {n}"))
        .collect();
    let result = if report.is_ok() {
        writeln!(
            out,
            "OK: {} entries in {} files; the hash chain is intact.{notes}\nhead: {head}",
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
        text.push_str(notes.trim_start());
        if !notes.is_empty() {
            text.push('\n');
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
}
