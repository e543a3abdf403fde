//! The reviewer files of a plan: a spreadsheet-safe CSV and a self-contained HTML page,
//! written atomically with mode 0600.

use std::io;
use std::path::Path;

use super::model::{ItemClass, PlanHeader, PlanItem};
use crate::export::ExportFormat;
use crate::normalize::Candidate;

mod csv;
// Added to the audit report's look: pre-wrapped values (text_area addresses span lines)
// and a frame around the one section an apply writes.
mod html;

pub use csv::write_csv;
pub use html::render_html;

/// The formats a plan exports to.
pub const PLAN_FORMATS: [ExportFormat; 2] = [ExportFormat::Csv, ExportFormat::Html];

/// `label (value, score 0.87)`, joined by `separator`.
fn candidates_text(candidates: &[Candidate], separator: &str) -> String {
    let text: Vec<String> = candidates
        .iter()
        .map(|c| format!("{} ({}, score {:.2})", c.label, c.value, c.score))
        .collect();
    text.join(separator)
}

/// Reading order: by class (as in [`ItemClass::ALL`]), matter id, field name.
fn sort_key(item: &PlanItem) -> (Option<usize>, u64, &str, u64) {
    let rank = ItemClass::ALL.iter().position(|c| *c == item.class);
    (rank, item.matter_id, &item.field_name, item.field_id)
}

fn ordered(items: &[PlanItem]) -> Vec<&PlanItem> {
    let mut sorted: Vec<&PlanItem> = items.iter().collect();
    sorted.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    sorted
}

/// Writes the reviewer file at `path`, replacing any file there.
///
/// The file holds privileged client data: it is created with mode 0600 (its directory, if
/// created, 0700), and written to a temporary file beside it then renamed, so a reader
/// never sees half a file.
pub fn write_file(
    path: &Path,
    format: ExportFormat,
    header: &PlanHeader,
    items: &[PlanItem],
) -> io::Result<()> {
    crate::files::write_atomic(path, |out| match format {
        ExportFormat::Csv => write_csv(header, items, out),
        ExportFormat::Html => out.write_all(render_html(header, items).as_bytes()),
        ExportFormat::Jsonl => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a plan exports to csv or html",
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::escape;
    use crate::normalize::Rule;
    use crate::plan::model::{PlanCounts, PlanField, PlanSource, PlanStatus};
    use std::fs;

    fn item(matter_id: u64, field: &str, class: ItemClass) -> PlanItem {
        PlanItem {
            matter_id,
            display_number: Some(format!("{matter_id:05}-Smith")),
            matter_etag: Some("\"etag\"".to_owned()),
            field_id: 7,
            field_name: field.to_owned(),
            field_type: "text_line".to_owned(),
            value_id: Some(format!("text_line-{matter_id}")),
            old: Some("old".to_owned()),
            old_label: None,
            new: Some("new".to_owned()),
            new_label: None,
            class,
            reason: None,
            candidates: Vec::new(),
        }
    }

    /// Two ranked suggestions, as a picklist rule gives them.
    fn cook_candidates() -> Vec<Candidate> {
        vec![
            Candidate {
                value: "101".to_owned(),
                label: "Cook County".to_owned(),
                score: 0.873,
            },
            Candidate {
                value: "102".to_owned(),
                label: "Cook Cty".to_owned(),
                score: 0.5,
            },
        ]
    }

    fn header(items: &[PlanItem]) -> PlanHeader {
        let mut counts = PlanCounts::default();
        for i in items {
            counts.add(i.class);
        }
        PlanHeader {
            id: "plan-1".to_owned(),
            status: PlanStatus::Complete,
            created_at: "2026-01-02T03:04:05Z".to_owned(),
            created_by: "Jane Doe via propose_plan".to_owned(),
            fields: vec![PlanField {
                id: 7,
                name: "Address".to_owned(),
                field_type: "text_line".to_owned(),
            }],
            source: PlanSource::Rule {
                rule: Rule::Whitespace,
            },
            scope: "all matters".to_owned(),
            counts,
            content_hash: None,
            error: None,
        }
    }

    fn csv_rows(items: &[PlanItem]) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        write_csv(&header(items), items, &mut out).unwrap();
        ::csv::Reader::from_reader(out.as_slice())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn format_parses_case_insensitively() {
        let parse = |s| ExportFormat::parse_one_of(s, &PLAN_FORMATS).ok();
        assert_eq!(parse("CSV"), Some(ExportFormat::Csv));
        assert_eq!(parse("Html"), Some(ExportFormat::Html));
        assert_eq!(parse("pdf"), None);
        assert_eq!(parse("jsonl"), None);
        assert_eq!(ExportFormat::Html.extension(), "html");
    }

    #[test]
    fn csv_rows_are_grouped_by_class_then_matter_then_field() {
        let items = vec![
            item(2, "b", ItemClass::Clean),
            item(3, "a", ItemClass::NeedsHuman),
            item(2, "b", ItemClass::Change),
            item(1, "z", ItemClass::Change),
            item(2, "a", ItemClass::Change),
            item(1, "a", ItemClass::Empty),
            item(1, "a", ItemClass::Invalid),
        ];
        let order: Vec<(String, String, String)> = csv_rows(&items)
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[3].clone()))
            .collect();
        let expected = [
            ("change", "1", "z"),
            ("change", "2", "a"),
            ("change", "2", "b"),
            ("needs_human", "3", "a"),
            ("invalid", "1", "a"),
            ("clean", "2", "b"),
            ("empty", "1", "a"),
        ];
        let expected: Vec<(String, String, String)> = expected
            .iter()
            .map(|(c, m, f)| (c.to_string(), m.to_string(), f.to_string()))
            .collect();
        assert_eq!(order, expected);
    }

    #[test]
    fn csv_has_header_candidates_and_empty_value_id_for_creates() {
        let mut needs = item(4, "Court", ItemClass::NeedsHuman);
        needs.value_id = None;
        needs.reason = Some("two options match".to_owned());
        needs.candidates = cook_candidates();
        let mut out = Vec::new();
        write_csv(&header(&[]), &[needs], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("class,matter_id,display_number,field_name,field_id,"));
        let row: Vec<String> = ::csv::Reader::from_reader(text.as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(row.len(), 14);
        assert_eq!(row[6], "");
        assert_eq!(
            row[12],
            "Cook County (101, score 0.87); Cook Cty (102, score 0.50)"
        );
        assert_eq!(row[13], "\"etag\"");
    }

    #[test]
    fn csv_cells_that_look_like_formulas_get_a_quote_but_negative_numbers_do_not() {
        let mut i = item(1, "Fee", ItemClass::Change);
        i.old = Some("=HYPERLINK(\"http://x\")".to_owned());
        i.new = Some("-500".to_owned());
        i.old_label = Some("@SUM(A1)".to_owned());
        i.new_label = Some("-12.50".to_owned());
        i.reason = Some("+1 555".to_owned());
        i.display_number = Some("-1-2".to_owned());
        let row = &csv_rows(&[i])[0];
        assert_eq!(row[7], "'=HYPERLINK(\"http://x\")");
        assert_eq!(row[8], "'@SUM(A1)");
        assert_eq!(row[9], "-500");
        assert_eq!(row[10], "-12.50");
        assert_eq!(row[11], "'+1 555");
        assert_eq!(row[2], "'-1-2");
        assert_eq!(super::csv::cell("\tx"), "'\tx");
        assert_eq!(super::csv::cell("-"), "'-");
        assert_eq!(super::csv::cell("-5."), "'-5.");
    }

    #[test]
    fn html_escapes_client_text() {
        let mut i = item(1, "<b>Field</b>", ItemClass::Change);
        i.old = Some("<script>alert(1)</script>".to_owned());
        i.display_number = Some("\"><img src=x>".to_owned());
        let mut h = header(std::slice::from_ref(&i));
        h.id = "<plan>".to_owned();
        h.created_by = "<i>me</i>".to_owned();
        let html = render_html(&h, &[i]);
        assert!(!html.contains("<script"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>Field"));
        assert!(!html.contains("<i>me"));
        assert!(html.contains("clio-mcp plan &lt;plan&gt;"));
    }

    #[test]
    fn html_keeps_multi_line_values_in_pre_wrapped_cells() {
        let mut i = item(1, "Address", ItemClass::Change);
        i.new = Some("123 N MAIN ST\nSPRINGFIELD, IL 62704".to_owned());
        let html = render_html(&header(std::slice::from_ref(&i)), &[i]);
        assert!(
            html.contains("<div class=\"text new\">123 N MAIN ST\nSPRINGFIELD, IL 62704</div>")
        );
        assert!(html.contains("white-space:pre-wrap"));
    }

    #[test]
    fn html_shows_every_section_in_order_with_none_when_empty() {
        let items = vec![
            item(1, "a", ItemClass::Clean),
            item(2, "a", ItemClass::Change),
            item(1, "b", ItemClass::Change),
        ];
        let html = render_html(&header(&items), &items);
        let at = |s: &str| html.find(s).unwrap();
        assert!(at("00001-Smith<br>") < at("00002-Smith<br>"));
        let positions: Vec<usize> = ItemClass::ALL
            .iter()
            .map(|c| at(&format!("<h2>{} (", escape(c.title()))))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(html.matches("<p>none</p>").count(), 3);
        assert_eq!(html.matches("<section class=\"applied\">").count(), 1);
        assert!(html.contains("only the rows under Changes"));
        assert!(html.contains("not yet computed (scan not complete)"));
        assert!(!html.contains("<script") && !html.contains("http"));
    }

    #[test]
    fn html_summary_shows_source_and_picklist_labels() {
        let mut i = item(1, "Court", ItemClass::Change);
        i.old = Some("101".to_owned());
        i.old_label = Some("Cook Cty".to_owned());
        let mut h = header(std::slice::from_ref(&i));
        h.content_hash = Some("abc123".to_owned());
        let html = render_html(&h, std::slice::from_ref(&i));
        assert!(html.contains("{&quot;rule&quot;:&quot;whitespace&quot;}"));
        assert!(html.contains("<code>abc123</code>"));
        assert!(html.contains("101</div><div class=\"label\">Cook Cty</div>"));
        h.source = PlanSource::Values { count: 3 };
        assert!(render_html(&h, &[i]).contains("3 values written by the assistant"));
    }

    #[test]
    fn html_shows_the_best_candidate_of_a_needs_human_row() {
        let mut needs = item(4, "Court", ItemClass::NeedsHuman);
        needs.new = None;
        needs.reason = Some("two options match".to_owned());
        needs.candidates = cook_candidates();
        let mut unread = item(5, "Court", ItemClass::NeedsHuman);
        unread.new = None;
        let items = [needs, unread];
        let html = render_html(&header(&items), &items);
        assert!(html.contains("Best candidate (not applied)"));
        assert!(html.contains(
            "<div class=\"text new\">101</div><div class=\"label\">Cook County</div>\
             <div class=\"id\">score 0.87</div>"
        ));
        assert!(!html.contains("(empty)"), "{html}");
        assert!(html.contains("<span class=\"null\">(none)</span>"));
    }

    #[cfg(unix)]
    #[test]
    fn written_file_has_mode_0600_in_a_new_0700_directory() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("exports");
        let path = dir.join("plan.csv");
        let items = vec![item(1, "a", ItemClass::Change)];
        write_file(&path, ExportFormat::Csv, &header(&items), &items).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn atomic_write_replaces_the_file_and_leaves_no_temp_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("plan.html");
        fs::write(&path, "old contents").unwrap();
        let items = vec![item(1, "a", ItemClass::Change)];
        write_file(&path, ExportFormat::Html, &header(&items), &items).unwrap();
        let names: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["plan.html".to_owned()]);
        assert!(
            fs::read_to_string(&path)
                .unwrap()
                .starts_with("<!DOCTYPE html>")
        );
    }

    #[test]
    fn failed_write_leaves_no_temp_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("taken");
        fs::create_dir_all(path.join("child")).unwrap();
        let items = vec![item(1, "a", ItemClass::Change)];
        assert!(write_file(&path, ExportFormat::Csv, &header(&items), &items).is_err());
        let names: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["taken".to_owned()]);
    }
}
