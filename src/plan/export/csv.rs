//! The CSV reviewer file: one row per item, safe to open in a spreadsheet.

use std::io::{self, Write};
use std::sync::LazyLock;

use regex::Regex;

use super::{candidates_text, ordered};
use crate::export::defuse;
use crate::normalize::{compile, is_match};
use crate::plan::model::{PlanHeader, PlanItem};

static PLAIN_NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"^-?[0-9]+(\.[0-9]+)?$"));

/// Like the audit export's `defuse`, except that a plain number (`-500`, `-12.50`) is left
/// alone: negative currency amounts are real values, and a spreadsheet cannot run them.
pub(super) fn cell(text: &str) -> String {
    if is_match(&PLAIN_NUMBER, text) {
        text.to_owned()
    } else {
        defuse(text)
    }
}

fn opt_cell(text: Option<&str>) -> String {
    text.map(cell).unwrap_or_default()
}

const CSV_COLUMNS: &str = "class,matter_id,display_number,field_name,field_id,field_type,\
value_id,old,old_label,new,new_label,reason,candidates,matter_etag";

/// Writes one CSV row per item, grouped by class (in [`ItemClass::ALL`] order), then by
/// matter id and field name.
///
/// Values are client-typed text that reviewers open in Excel, so any cell beginning with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` to keep it from running
/// as a formula. A cell that is a plain number (`^-?[0-9]+(\.[0-9]+)?$`, e.g. the currency
/// value `-500`) is written unchanged: it cannot run, and a prefix would corrupt it.
pub fn write_csv(_header: &PlanHeader, items: &[PlanItem], out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS.split(','))?;
    for item in ordered(items) {
        w.write_record([
            item.class.as_str().to_owned(),
            item.matter_id.to_string(),
            opt_cell(item.display_number.as_deref()),
            cell(&item.field_name),
            item.field_id.to_string(),
            cell(&item.field_type),
            opt_cell(item.value_id.as_deref()),
            opt_cell(item.old.as_deref()),
            opt_cell(item.old_label.as_deref()),
            opt_cell(item.new.as_deref()),
            opt_cell(item.new_label.as_deref()),
            opt_cell(item.reason.as_deref()),
            cell(&candidates_text(&item.candidates, "; ")),
            opt_cell(item.matter_etag.as_deref()),
        ])?;
    }
    w.flush()
}
