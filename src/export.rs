//! What the reviewer files of plans and of the audit log share: their formats,
//! spreadsheet-safe CSV cells, and the HTML building blocks of a self-contained page.

use std::fmt::Write as _;

/// A reviewer file format. Each export names the formats it writes (see
/// [`ExportFormat::parse_one_of`]): plans write CSV and HTML, the audit log CSV and JSON Lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One row per record; text cells that a spreadsheet would run as a formula get a `'`.
    Csv,
    /// One JSON record per line.
    Jsonl,
    /// One self-contained page.
    Html,
}

impl ExportFormat {
    /// The name on the command line, also the file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Html => "html",
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        self.as_str()
    }

    /// `s` (any case) when it names one of `accepted`; otherwise a message listing them.
    pub fn parse_one_of(s: &str, accepted: &[ExportFormat]) -> Result<ExportFormat, String> {
        let wanted = s.trim().to_ascii_lowercase();
        accepted
            .iter()
            .copied()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = accepted.iter().map(|f| f.as_str()).collect();
                format!("{s:?} is not a format here: use {}", names.join(" or "))
            })
    }
}

/// Spreadsheets run cells starting with these as formulas; a leading `'` keeps them text.
pub fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The look every reviewer page shares.
pub const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin-bottom:2em}\
th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#eee}.ok{color:#060}.bad{color:#b00;font-weight:bold}\
.null{color:#888;font-style:italic}.old{background:#fee}.new{background:#efe}";

/// Escapes text for use in HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One table row of cells that are already HTML.
pub fn row(html: &mut String, cells: &[String]) {
    html.push_str("<tr>");
    for cell in cells {
        let _ = write!(html, "<td>{cell}</td>");
    }
    html.push_str("</tr>\n");
}

/// Opens a table with a header row of plain-text names.
pub fn header(html: &mut String, names: &[&str]) {
    html.push_str("<table>\n<tr>");
    for name in names {
        let _ = write!(html, "<th>{}</th>", escape(name));
    }
    html.push_str("</tr>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_look_like_formulas_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("Smith"), "Smith");
    }

    #[test]
    fn formats_parse_in_any_case_but_only_where_accepted() {
        let plan = [ExportFormat::Csv, ExportFormat::Html];
        assert_eq!(
            ExportFormat::parse_one_of(" HTML ", &plan),
            Ok(ExportFormat::Html)
        );
        let err = ExportFormat::parse_one_of("jsonl", &plan).unwrap_err();
        assert!(err.contains("csv or html"), "{err}");
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
