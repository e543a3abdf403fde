//! The account's custom field definitions: one of each of Clio's twelve types, with the
//! flags real accounts have (required, hidden, deleted, a deleted picklist option).

use super::*;
use crate::field_type::FieldType;
use crate::sandbox::store::{FieldDef, OptionRec};

fn def(id: u64, name: &str, t: FieldType, order: i64) -> FieldDef {
    FieldDef {
        id,
        name: name.to_string(),
        field_type: t,
        parent_type: "Matter",
        displayed: true,
        required: false,
        deleted: false,
        display_order: order,
        options: Vec::new(),
        version: 1,
    }
}

fn options(first_id: u64, labels: &[&str], deleted: &[usize]) -> Vec<OptionRec> {
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| OptionRec {
            id: first_id + i as u64,
            option: label.to_string(),
            deleted_at: deleted
                .contains(&i)
                .then(|| "2024-06-30T17:00:00Z".to_string()),
        })
        .collect()
}

pub(super) fn definitions() -> Vec<FieldDef> {
    use FieldType::*;
    let mut defs = vec![
        def(CLIENT_ADDRESS, "Client Address", TextLine, 1),
        def(MAILING_ADDRESS, "Mailing Address", TextArea, 2),
        def(CLIENT_PHONE, "Client Phone", TextLine, 3),
        def(PRACTICE_AREA, "Practice Area", Picklist, 4),
        def(REFERRAL_SOURCE, "Referral Source", TextLine, 5),
        def(REFERRAL_CHANNEL, "Referral Channel", Picklist, 6),
        def(RETAINER, "Retainer Amount", Currency, 7),
        def(FEE_QUOTE, "Fee Quote", TextLine, 8),
        def(INCIDENT_DATE, "Incident Date", Date, 9),
        def(INTAKE_DATE_TEXT, "Intake Date (typed)", TextLine, 10),
        def(HEARING_TIME, "Hearing Time", Time, 11),
        def(CLIENT_EMAIL, "Client Email", Email, 12),
        def(RELATED_MATTER, "Related Matter", Matter, 13),
        def(REFERRING_ATTORNEY, "Referring Attorney", Contact, 14),
        def(SETTLEMENT_ESTIMATE, "Settlement Estimate", Numeric, 15),
        def(CONFLICT_CHECKED, "Conflict Check Done", Checkbox, 16),
        def(CASE_WEBSITE, "Case Website", Url, 17),
        def(OPPOSING_PARTY, "Opposing Party", TextLine, 18),
        def(COURT_NAME, "Court Name", TextLine, 19),
        def(OLD_NOTES, "Old Intake Notes", TextArea, 20),
    ];
    for d in &mut defs {
        match d.id {
            PRACTICE_AREA => {
                d.required = true;
                d.options = options(
                    51001,
                    &[
                        "Family Law",
                        "Personal Injury",
                        "Real Estate",
                        "Estate Planning",
                        "Criminal Defense",
                        "Employment",
                        "Bankruptcy",
                    ],
                    &[6],
                );
            }
            REFERRAL_CHANNEL => {
                d.options = options(
                    52001,
                    &[
                        "Web Search",
                        "Friend or Family",
                        "Attorney Referral",
                        "Advertising",
                        "Avvo",
                        "Yelp",
                        "Yellow Pages",
                    ],
                    &[6],
                );
            }
            OLD_NOTES => {
                d.deleted = true;
                d.displayed = false;
            }
            HEARING_TIME | CASE_WEBSITE => d.displayed = false,
            _ => {}
        }
    }
    let mut contact = def(CONTACT_PREFERENCE, "Preferred Contact Method", Picklist, 1);
    contact.parent_type = "Contact";
    contact.options = options(53001, &["Phone", "Email", "Mail"], &[]);
    defs.push(contact);
    defs
}
