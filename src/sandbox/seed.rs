//! Deterministic seed data with the mess real intake produces: addresses typed five ways,
//! phones in six formats, messy labels, dates and amounts, nulls, a deleted picklist option.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::field_type::FieldType;
use crate::sandbox::store::{FieldDef, MatterRec, OptionRec, Store};

mod messy;

use messy::{
    COURTS, FIRST, LAST, REFERRALS, messy_address, messy_amount, messy_date, messy_phone, place,
};

/// A small deterministic generator (SplitMix64): the same seed gives the same account forever.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

pub const FIRST_MATTER_ID: u64 = 1_000_001;
pub const CLIENT_ADDRESS: u64 = 4101;
pub const MAILING_ADDRESS: u64 = 4102;
pub const CLIENT_PHONE: u64 = 4103;
pub const PRACTICE_AREA: u64 = 4104;
pub const REFERRAL_SOURCE: u64 = 4105;
pub const REFERRAL_CHANNEL: u64 = 4106;
pub const RETAINER: u64 = 4107;
pub const FEE_QUOTE: u64 = 4108;
pub const INCIDENT_DATE: u64 = 4109;
pub const INTAKE_DATE_TEXT: u64 = 4110;
pub const HEARING_TIME: u64 = 4111;
pub const CLIENT_EMAIL: u64 = 4112;
pub const RELATED_MATTER: u64 = 4113;
pub const REFERRING_ATTORNEY: u64 = 4114;
pub const SETTLEMENT_ESTIMATE: u64 = 4115;
pub const CONFLICT_CHECKED: u64 = 4116;
pub const CASE_WEBSITE: u64 = 4117;
pub const OPPOSING_PARTY: u64 = 4118;
pub const COURT_NAME: u64 = 4119;
pub const OLD_NOTES: u64 = 4120;
pub const CONTACT_PREFERENCE: u64 = 4201;
/// The practice-area option that was deleted while matters still point at it.
pub const DELETED_PRACTICE_OPTION: u64 = 51007;

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

fn definitions() -> Vec<FieldDef> {
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

fn base_time(rng: &mut Rng) -> DateTime<Utc> {
    let start = Utc
        .with_ymd_and_hms(2023, 1, 2, 9, 0, 0)
        .single()
        .unwrap_or_default();
    start + Duration::minutes(rng.below(60 * 24 * 900) as i64)
}

/// Builds the account for `seed` with `matters` matters.
pub fn seed_store(matters: u32, seed: u64) -> Store {
    let mut rng = Rng::new(seed);
    let mut store = Store::default();
    for d in definitions() {
        store.defs.insert(d.id, d);
    }
    let statuses = ["Open", "Open", "Open", "Open", "Open", "Pending", "Closed"];
    for i in 0..matters as u64 {
        let id = FIRST_MATTER_ID + i;
        let (first, last) = (*rng.pick(FIRST), *rng.pick(LAST));
        let other = *rng.pick(LAST);
        let created = base_time(&mut rng);
        let updated = created + Duration::days(rng.below(200) as i64);
        store.matters.insert(
            id,
            MatterRec {
                id,
                display_number: format!("{:05}-{}", i + 1, last.replace(' ', "")),
                description: format!("{last} v. {other}"),
                status: rng.pick::<&str>(&statuses),
                open_date: created.date_naive().to_string(),
                client_id: 7_000_001 + i,
                client_name: format!("{first} {last}"),
                created_at: created,
                updated_at: updated,
                version: 1,
            },
        );
        let place = place(&mut rng);
        let put = |store: &mut Store, rng: &mut Rng, def: u64, value: Value, null_percent: u64| {
            if !rng.chance(null_percent) {
                store.add_value(id, def, value, updated);
            }
        };
        let v = messy_address(&mut rng, &place, false);
        put(&mut store, &mut rng, CLIENT_ADDRESS, json!(v), 6);
        let v = messy_address(&mut rng, &place, true);
        put(&mut store, &mut rng, MAILING_ADDRESS, json!(v), 30);
        let v = messy_phone(&mut rng);
        put(&mut store, &mut rng, CLIENT_PHONE, json!(v), 8);
        let area = if rng.chance(4) {
            DELETED_PRACTICE_OPTION
        } else {
            51001 + rng.below(6)
        };
        store.add_value(id, PRACTICE_AREA, json!(area), updated);
        let v = rng.pick(REFERRALS).to_string();
        put(&mut store, &mut rng, REFERRAL_SOURCE, json!(v), 15);
        let v = 500 + rng.below(40) * 250;
        put(&mut store, &mut rng, RETAINER, json!(v), 20);
        let v = messy_amount(&mut rng);
        put(&mut store, &mut rng, FEE_QUOTE, json!(v), 25);
        let incident = created.date_naive() - Duration::days(rng.below(700) as i64);
        put(
            &mut store,
            &mut rng,
            INCIDENT_DATE,
            json!(incident.to_string()),
            20,
        );
        let v = messy_date(&mut rng, created.date_naive());
        put(&mut store, &mut rng, INTAKE_DATE_TEXT, json!(v), 20);
        let v = format!("{:02}:{:02}:00", 8 + rng.below(9), rng.below(4) * 15);
        put(&mut store, &mut rng, HEARING_TIME, json!(v), 60);
        let v = format!(
            "{}.{}@{}",
            first.to_lowercase(),
            last.to_lowercase().replace([' ', '\''], ""),
            rng.pick(&["example.com", "mail.example.org", "example.net"])
        );
        put(&mut store, &mut rng, CLIENT_EMAIL, json!(v), 15);
        if i > 0 && rng.chance(10) {
            store.add_value(
                id,
                RELATED_MATTER,
                json!(FIRST_MATTER_ID + rng.below(i)),
                updated,
            );
        }
        let v = 9_000_001 + rng.below(50);
        put(&mut store, &mut rng, REFERRING_ATTORNEY, json!(v), 70);
        let v = (rng.below(500_000) as f64) / 4.0;
        put(&mut store, &mut rng, SETTLEMENT_ESTIMATE, json!(v), 40);
        let v = rng.chance(80);
        put(&mut store, &mut rng, CONFLICT_CHECKED, json!(v), 10);
        let v = format!("https://cases.example.com/{id}");
        put(&mut store, &mut rng, CASE_WEBSITE, json!(v), 85);
        let v = {
            let (f, l) = (*rng.pick(FIRST), *rng.pick(LAST));
            match rng.below(4) {
                0 => format!("{}, {}", l.to_uppercase(), f.to_uppercase()),
                1 => format!("{l}, {f}"),
                2 => format!("  {}  {} ", f.to_lowercase(), l.to_lowercase()),
                _ => format!("{f} {l}"),
            }
        };
        put(&mut store, &mut rng, OPPOSING_PARTY, json!(v), 20);
        let v = rng.pick(COURTS).to_string();
        put(&mut store, &mut rng, COURT_NAME, json!(v), 30);
        if rng.chance(10) {
            store.add_value(id, OLD_NOTES, json!("see paper file"), updated);
        }
    }
    // A few matters this token may list but not open or change.
    let n = matters as u64;
    for k in [7u64, 113, 1_013, 1_999] {
        if k < n {
            store.forbidden.insert(FIRST_MATTER_ID + k);
        }
    }
    store.next_document = 3_000_000;
    store.next_webhook = 800;
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_account() {
        let a = seed_store(50, 7);
        let b = seed_store(50, 7);
        let c = seed_store(50, 8);
        let values = |s: &Store| {
            s.values
                .values()
                .map(|v| v.value.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(values(&a), values(&b));
        assert_ne!(values(&a), values(&c));
    }

    #[test]
    fn addresses_come_in_at_least_five_shapes_and_phones_in_six() {
        let s = seed_store(400, 1);
        let addresses: Vec<String> = s
            .values
            .values()
            .filter(|v| v.def_id == CLIENT_ADDRESS)
            .filter_map(|v| v.value.as_str().map(str::to_string))
            .collect();
        let shapes = [
            addresses
                .iter()
                .any(|a| a.contains(" Street,") || a.contains(" Avenue,")),
            addresses.iter().any(|a| a == &a.to_lowercase()),
            addresses.iter().any(|a| a.contains('#')),
            addresses.iter().any(|a| a.contains("  ")),
            addresses
                .iter()
                .any(|a| a.contains("Illinois") || a.contains("Ontario") || a.contains("Texas")),
            addresses.iter().any(|a| {
                a.chars().filter(|c| *c == '-').count() >= 1
                    && a.contains(|c: char| c.is_ascii_digit())
            }),
        ];
        assert!(shapes.iter().all(|x| *x), "{shapes:?}");
        let phones: Vec<String> = s
            .values
            .values()
            .filter(|v| v.def_id == CLIENT_PHONE)
            .filter_map(|v| v.value.as_str().map(str::to_string))
            .collect();
        for marker in ["(", ".", "+1 ", "ext.", " x", "-"] {
            assert!(phones.iter().any(|p| p.contains(marker)), "{marker}");
        }
        assert!(phones.iter().any(|p| p.chars().all(|c| c.is_ascii_digit())));
    }

    #[test]
    fn some_values_are_missing_and_some_point_at_a_deleted_option() {
        let s = seed_store(300, 3);
        assert!(
            s.matters
                .keys()
                .any(|m| s.value_of(*m, CLIENT_ADDRESS).is_none())
        );
        assert!(
            s.values
                .values()
                .any(|v| v.value == json!(DELETED_PRACTICE_OPTION))
        );
        assert_eq!(s.forbidden.len(), 2);
    }
}
