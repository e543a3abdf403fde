//! The HTML reviewer page: a summary, then one table per class, old and new side by side.

use std::fmt::Write as _;

use super::{candidates_text, ordered};
use crate::export::{STYLE as REPORT_STYLE, escape, header as table_header, row};
use crate::normalize::Candidate;
use crate::plan::model::{ItemClass, PlanHeader, PlanItem, PlanSource, PlanStatus};

const STYLE: &str = ".text{white-space:pre-wrap;font-family:monospace;margin:0}\
.label{font-weight:bold}.id{color:#666;font-size:90%}\
.notice{border:2px solid #060;background:#efe;padding:8px}\
section{padding:0 1em;margin-bottom:1em}section.applied{border:3px solid #060}\
section.info{border:1px dashed #bbb;color:#444}";

fn value_cell(value: Option<&str>, label: Option<&str>, side: &str) -> String {
    let mut out = match value {
        Some(v) if !v.is_empty() => format!("<div class=\"text {side}\">{}</div>", escape(v)),
        _ => "<span class=\"null\">(empty)</span>".to_owned(),
    };
    if let Some(label) = label {
        let _ = write!(out, "<div class=\"label\">{}</div>", escape(label));
    }
    out
}

/// A needs_human row's best candidate: rules never set `new` there (nothing of it is
/// applied), so the suggestion comes from the first of `candidates`.
fn best_candidate_cell(candidates: &[Candidate]) -> String {
    match candidates.first() {
        Some(best) => {
            let mut out = value_cell(Some(&best.value), Some(&best.label), "new");
            let _ = write!(out, "<div class=\"id\">score {:.2}</div>", best.score);
            out
        }
        None => "<span class=\"null\">(none)</span>".to_owned(),
    }
}

fn matter_cell(item: &PlanItem) -> String {
    match &item.display_number {
        Some(number) => format!(
            "{}<br><span class=\"id\">#{}</span>",
            escape(number),
            item.matter_id
        ),
        None => format!("#{}", item.matter_id),
    }
}

fn source_text(source: &PlanSource) -> String {
    match source {
        PlanSource::Rule { rule } => {
            let json = serde_json::to_string(rule).unwrap_or_else(|e| format!("({e})"));
            format!("rule <code>{}</code>", escape(&json))
        }
        PlanSource::Values { count: 1 } => "1 value written by the assistant".to_owned(),
        PlanSource::Values { count } => format!("{count} values written by the assistant"),
        PlanSource::Rollback { jobs, count } => format!(
            "rollback of {}: {count} values put back from the audit log",
            escape(&jobs.join(", "))
        ),
    }
}

fn summary(html: &mut String, header: &PlanHeader) {
    let fields = header
        .fields
        .iter()
        .map(|f| format!("{} (#{}, {})", f.name, f.id, f.field_type))
        .collect::<Vec<_>>()
        .join("; ");
    let ok = if header.status == PlanStatus::Complete {
        "ok"
    } else {
        "bad"
    };
    let status = format!("<span class=\"{ok}\">{}</span>", header.status.as_str());
    let hash = match &header.content_hash {
        Some(hash) => format!("<code>{}</code>", escape(hash)),
        None => "<span class=\"null\">not yet computed (scan not complete)</span>".to_owned(),
    };
    html.push_str("<h2>Summary</h2>\n<table>\n");
    let mut pairs = vec![
        ("Status", status),
        ("Created", escape(&header.created_at)),
        ("Created by", escape(&header.created_by)),
        ("Fields", escape(&fields)),
        ("Source", source_text(&header.source)),
        ("Scope", escape(&header.scope)),
        ("Content hash", hash),
    ];
    if let Some(error) = &header.error {
        pairs.push((
            "Error",
            format!("<span class=\"bad\">{}</span>", escape(error)),
        ));
    }
    for (name, value) in pairs {
        let _ = writeln!(html, "<tr><th>{name}</th><td>{value}</td></tr>");
    }
    html.push_str("</table>\n");
    let c = &header.counts;
    let mut counts = vec![
        ("Matters scanned", c.matters_scanned),
        ("Matters with changes", c.matters_with_changes),
    ];
    counts.extend(ItemClass::ALL.map(|class| (class.title(), c.get(class))));
    table_header(html, &["Count", "Items"]);
    for (name, n) in counts {
        row(html, &[escape(name), n.to_string()]);
    }
    html.push_str("</table>\n");
}

fn section(html: &mut String, header: &PlanHeader, class: ItemClass, items: &[&PlanItem]) {
    let applied = class == ItemClass::Change;
    let (kind, note) = if applied {
        ("applied", "written to Clio when the plan is applied")
    } else {
        ("info", "for review only, never written")
    };
    let total = header.counts.get(class);
    let shown = if items.len() as u64 == total {
        String::new()
    } else {
        format!(", {} shown", items.len())
    };
    let _ = writeln!(
        html,
        "<section class=\"{kind}\">\n<h2>{} ({total}{shown}) &mdash; {note}</h2>",
        escape(class.title())
    );
    if items.is_empty() {
        html.push_str("<p>none</p>\n</section>\n");
        return;
    }
    let new_heading = if class == ItemClass::NeedsHuman {
        "Best candidate (not applied)"
    } else {
        "New"
    };
    let mut columns = vec!["Matter", "Field", "Old", new_heading];
    match class {
        ItemClass::NeedsHuman => columns.extend(["Reason", "Candidates"]),
        ItemClass::Invalid => columns.push("Reason"),
        _ => {}
    }
    table_header(html, &columns);
    for item in items {
        let mut cells = vec![
            matter_cell(item),
            format!(
                "{}<br><span class=\"id\">#{}, {}</span>",
                escape(&item.field_name),
                item.field_id,
                escape(&item.field_type)
            ),
            value_cell(item.old.as_deref(), item.old_label.as_deref(), "old"),
            if class == ItemClass::NeedsHuman {
                best_candidate_cell(&item.candidates)
            } else {
                value_cell(item.new.as_deref(), item.new_label.as_deref(), "new")
            },
        ];
        if matches!(class, ItemClass::NeedsHuman | ItemClass::Invalid) {
            cells.push(escape(item.reason.as_deref().unwrap_or_default()));
        }
        if class == ItemClass::NeedsHuman {
            let list = escape(&candidates_text(&item.candidates, "\n"));
            cells.push(format!("<div class=\"text\">{list}</div>"));
        }
        row(html, &cells);
    }
    html.push_str("</table>\n</section>\n");
}

/// Renders one HTML page with no scripts and no external resources; every piece of client
/// text is escaped.
pub fn render_html(header: &PlanHeader, items: &[PlanItem]) -> String {
    let id = escape(&header.id);
    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(html, "<title>clio-mcp plan {id}</title>");
    let _ = writeln!(
        html,
        "<style>{REPORT_STYLE}{STYLE}</style>\n</head>\n<body>"
    );
    let _ = writeln!(html, "<h1>clio-mcp plan {id}</h1>");
    html.push_str(
        "<p class=\"notice\">Applying this plan writes <strong>only the rows under \
         Changes</strong>. Every other section is for review and is never written.</p>\n",
    );
    summary(&mut html, header);
    let sorted = ordered(items);
    for class in ItemClass::ALL {
        let of_class: Vec<&PlanItem> = sorted
            .iter()
            .copied()
            .filter(|i| i.class == class)
            .collect();
        section(&mut html, header, class, &of_class);
    }
    html.push_str("</body>\n</html>\n");
    html
}
