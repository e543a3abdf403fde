//! The self-contained HTML review page: integrity, jobs, counts, changes, conflicts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::entry::{Action, AuditEntry};
use super::verify::VerifyReport;
use crate::export::{STYLE, escape, header, row};

fn value_cell(value: &Value) -> String {
    match value {
        Value::Null => "<span class=\"null\">(empty)</span>".to_owned(),
        // Strings are shown as the user would see them in Clio, without JSON quotes.
        Value::String(s) => escape(s),
        other => escape(&other.to_string()),
    }
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| escape(&v.to_string())).unwrap_or_default()
}

fn ts(t: &DateTime<Utc>) -> String {
    escape(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn field(entry: &AuditEntry) -> String {
    match (&entry.field_name, entry.field_def_id) {
        (Some(name), Some(id)) => format!("{} (#{id})", escape(name)),
        (Some(name), None) => escape(name),
        (None, Some(id)) => format!("#{id}"),
        (None, None) => String::new(),
    }
}

fn integrity(html: &mut String, check: &VerifyReport) {
    html.push_str("<h2>Integrity</h2>\n");
    if check.is_ok() {
        let head = check
            .head
            .as_ref()
            .map(|(seq, hash)| format!(" Newest entry: {seq}, hash <code>{}</code>.", escape(hash)))
            .unwrap_or_default();
        let _ = writeln!(
            html,
            "<p class=\"ok\">The hash chain is intact: {} entries in {} files.{head}</p>",
            check.entries, check.files
        );
        return;
    }
    let _ = writeln!(
        html,
        "<p class=\"bad\">The log has been damaged or tampered with: {} problems found. Do not rely on the entries below without investigating.</p>",
        check.problems.len()
    );
    header(html, &["Entry", "File", "Line", "Problem"]);
    for p in &check.problems {
        row(
            html,
            &[
                opt(p.seq),
                escape(&p.file),
                p.line.to_string(),
                escape(&p.message),
            ],
        );
    }
    html.push_str("</table>\n");
}

fn jobs(html: &mut String, entries: &[AuditEntry]) {
    let mut by_job: BTreeMap<&str, Vec<&AuditEntry>> = BTreeMap::new();
    for e in entries {
        if let Some(job) = &e.job_id {
            by_job.entry(job.as_str()).or_default().push(e);
        }
    }
    html.push_str("<h2>Jobs</h2>\n");
    if by_job.is_empty() {
        html.push_str("<p>No jobs were recorded.</p>\n");
        return;
    }
    header(
        html,
        &[
            "Job",
            "Plan",
            "User",
            "Started",
            "Ended",
            "Outcome",
            "Entries by action",
        ],
    );
    for (job, items) in &by_job {
        let started = items.iter().find(|e| e.action == Action::JobStart);
        let ended = items.iter().rev().find(|e| e.action == Action::JobEnd);
        let plan = items.iter().find_map(|e| e.plan_id.as_deref());
        let mut counts: BTreeMap<Action, usize> = BTreeMap::new();
        for e in items {
            *counts.entry(e.action).or_default() += 1;
        }
        let counts = counts
            .iter()
            .map(|(a, n)| format!("{}: {n}", a.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        row(
            html,
            &[
                escape(job),
                opt(plan),
                items.first().map(|e| escape(&e.user)).unwrap_or_default(),
                started.map(|e| ts(&e.ts)).unwrap_or_default(),
                ended
                    .map(|e| ts(&e.ts))
                    .unwrap_or_else(|| "<span class=\"bad\">not ended</span>".to_owned()),
                ended
                    .and_then(|e| e.outcome.as_deref())
                    .map(escape)
                    .unwrap_or_default(),
                escape(&counts),
            ],
        );
    }
    html.push_str("</table>\n");
}

fn action_counts(html: &mut String, entries: &[AuditEntry]) {
    let mut counts: BTreeMap<Action, usize> = BTreeMap::new();
    for e in entries {
        *counts.entry(e.action).or_default() += 1;
    }
    html.push_str("<h2>Entries per action</h2>\n");
    header(html, &["Action", "Count"]);
    for (action, n) in counts {
        row(html, &[escape(action.as_str()), n.to_string()]);
    }
    html.push_str("</table>\n");
}

fn detail_table(html: &mut String, title: &str, empty: &str, items: &[&AuditEntry]) {
    let _ = writeln!(html, "<h2>{}</h2>", escape(title));
    if items.is_empty() {
        let _ = writeln!(html, "<p>{}</p>", escape(empty));
        return;
    }
    header(
        html,
        &[
            "Entry",
            "Time",
            "User",
            "Action",
            "Job",
            "Matter",
            "Field",
            "Value instance",
            "Old",
            "New",
            "Outcome",
            "Detail",
        ],
    );
    for e in items {
        row(
            html,
            &[
                e.seq.to_string(),
                ts(&e.ts),
                escape(&e.user),
                escape(e.action.as_str()),
                opt(e.job_id.as_deref()),
                opt(e.matter_id),
                field(e),
                opt(e.value_instance_id.as_deref()),
                format!("<div class=\"old\">{}</div>", value_cell(&e.old_value)),
                format!("<div class=\"new\">{}</div>", value_cell(&e.new_value)),
                opt(e.outcome.as_deref()),
                opt(e.detail.as_deref()),
            ],
        );
    }
    html.push_str("</table>\n");
}

/// Renders one HTML page with no scripts and no external resources; every value from the
/// log is escaped.
pub fn render_html_report(
    entries: &[AuditEntry],
    check: &VerifyReport,
    generated: DateTime<Utc>,
) -> String {
    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<title>clio-mcp audit report</title>\n");
    let _ = writeln!(html, "<style>{STYLE}</style>\n</head>\n<body>");
    html.push_str("<h1>clio-mcp audit report</h1>\n");
    let span = match (entries.first(), entries.last()) {
        (Some(first), Some(last)) => format!(" covering {} to {}", ts(&first.ts), ts(&last.ts)),
        _ => String::new(),
    };
    let _ = writeln!(
        html,
        "<p>Generated {}{span}; {} entries.</p>",
        ts(&generated),
        entries.len()
    );
    integrity(&mut html, check);
    jobs(&mut html, entries);
    action_counts(&mut html, entries);
    let changes: Vec<&AuditEntry> = entries.iter().filter(|e| e.action.is_change()).collect();
    detail_table(
        &mut html,
        "Changes made in Clio (old -> new)",
        "No changes were made.",
        &changes,
    );
    let troubles: Vec<&AuditEntry> = entries.iter().filter(|e| e.action.is_problem()).collect();
    detail_table(
        &mut html,
        "Conflicts, refusals and failures",
        "No conflicts, refusals or failures.",
        &troubles,
    );
    html.push_str("</body>\n</html>\n");
    html
}
