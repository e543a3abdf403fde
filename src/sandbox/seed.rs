//! Deterministic seed data with the mess real intake produces: a book of clients and places
//! typed many ways, phones, emails, dates and amounts in many formats, messy labels, nulls, a
//! deleted picklist option; and, beside the store, the truth of what each messy value means.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::sandbox::store::{MatterRec, Store};

mod definitions;
mod messy;
mod parties;
mod places;
mod spell;
mod truth;

use definitions::definitions;
use messy::{COURTS, FIRST, LAST, REFERRALS, messy_amount, messy_date, messy_email, messy_phone};
use parties::book;
use spell::spell;
use truth::Typed;
pub use truth::{SeedTruth, Truth};

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

fn base_time(rng: &mut Rng) -> DateTime<Utc> {
    let start = Utc
        .with_ymd_and_hms(2023, 1, 2, 9, 0, 0)
        .single()
        .unwrap_or_default();
    start + Duration::minutes(rng.below(60 * 24 * 900) as i64)
}

/// Builds the account for `seed` with `matters` matters.
pub fn seed_store(matters: u32, seed: u64) -> Store {
    seed_with_truth(matters, seed).0
}

/// Builds the account for `seed` with `matters` matters, and what each of its messy values
/// means (see [`SeedTruth`]); the store is exactly the one [`seed_store`] builds.
pub fn seed_with_truth(matters: u32, seed: u64) -> (Store, SeedTruth) {
    let mut rng = Rng::new(seed);
    let book = book(&mut rng, matters);
    let mut seeder = Seeder {
        store: Store::default(),
        truth: SeedTruth::default(),
    };
    for d in definitions() {
        seeder.store.defs.insert(d.id, d);
    }
    let statuses = ["Open", "Open", "Open", "Open", "Open", "Pending", "Closed"];
    for i in 0..matters as u64 {
        let id = FIRST_MATTER_ID + i;
        let who = rng.below(book.parties.len() as u64) as usize;
        let party = &book.parties[who];
        let other = *rng.pick(LAST);
        let created = base_time(&mut rng);
        let updated = created + Duration::days(rng.below(200) as i64);
        seeder.store.matters.insert(
            id,
            MatterRec {
                id,
                display_number: format!("{:05}-{}", i + 1, party.last.replace(' ', "")),
                description: format!("{} v. {other}", party.last),
                status: rng.pick::<&str>(&statuses),
                open_date: created.date_naive().to_string(),
                client_id: 7_000_001 + who as u64,
                client_name: format!("{} {}", party.first, party.last),
                created_at: created,
                updated_at: updated,
                version: 1,
            },
        );
        let at = |def: u64| (id, def, updated);
        for (def, place, multiline, null_percent) in [
            (CLIENT_ADDRESS, party.client_place, false, 6),
            (MAILING_ADDRESS, party.mailing_place, true, 30),
        ] {
            let typed = spell(&mut rng, &book.places[place], multiline);
            let key = format!("place-{place:04}");
            seeder.typed(&mut rng, at(def), typed, key, null_percent);
        }
        let typed = messy_phone(&mut rng, &party.phone);
        let key = party.phone.key();
        seeder.typed(&mut rng, at(CLIENT_PHONE), typed, key, 8);
        let area = if rng.chance(4) {
            DELETED_PRACTICE_OPTION
        } else {
            51001 + rng.below(6)
        };
        seeder.value(&mut rng, at(PRACTICE_AREA), json!(area), 0);
        let v = rng.pick(REFERRALS).to_string();
        seeder.value(&mut rng, at(REFERRAL_SOURCE), json!(v), 15);
        let v = 500 + rng.below(40) * 250;
        seeder.value(&mut rng, at(RETAINER), json!(v), 20);
        let v = messy_amount(&mut rng);
        seeder.value(&mut rng, at(FEE_QUOTE), json!(v), 25);
        let incident = created.date_naive() - Duration::days(rng.below(700) as i64);
        seeder.value(&mut rng, at(INCIDENT_DATE), json!(incident.to_string()), 20);
        let typed = messy_date(&mut rng, created.date_naive());
        let key = created.date_naive().to_string();
        seeder.typed(&mut rng, at(INTAKE_DATE_TEXT), typed, key, 20);
        let v = format!("{:02}:{:02}:00", 8 + rng.below(9), rng.below(4) * 15);
        seeder.value(&mut rng, at(HEARING_TIME), json!(v), 60);
        let typed = messy_email(&mut rng, party.first, party.last, party.domain);
        let key = typed.value.trim().to_lowercase();
        seeder.typed(&mut rng, at(CLIENT_EMAIL), typed, key, 15);
        if i > 0 && rng.chance(10) {
            let v = FIRST_MATTER_ID + rng.below(i);
            seeder.value(&mut rng, at(RELATED_MATTER), json!(v), 0);
        }
        let v = 9_000_001 + rng.below(50);
        seeder.value(&mut rng, at(REFERRING_ATTORNEY), json!(v), 70);
        let v = (rng.below(500_000) as f64) / 4.0;
        seeder.value(&mut rng, at(SETTLEMENT_ESTIMATE), json!(v), 40);
        let v = rng.chance(80);
        seeder.value(&mut rng, at(CONFLICT_CHECKED), json!(v), 10);
        let v = format!("https://cases.example.com/{id}");
        seeder.value(&mut rng, at(CASE_WEBSITE), json!(v), 85);
        let v = {
            let (f, l) = (*rng.pick(FIRST), *rng.pick(LAST));
            match rng.below(4) {
                0 => format!("{}, {}", l.to_uppercase(), f.to_uppercase()),
                1 => format!("{l}, {f}"),
                2 => format!("  {}  {} ", f.to_lowercase(), l.to_lowercase()),
                _ => format!("{f} {l}"),
            }
        };
        seeder.value(&mut rng, at(OPPOSING_PARTY), json!(v), 20);
        let v = rng.pick(COURTS).to_string();
        seeder.value(&mut rng, at(COURT_NAME), json!(v), 30);
        if rng.chance(10) {
            seeder.value(&mut rng, at(OLD_NOTES), json!("see paper file"), 0);
        }
    }
    let mut store = seeder.store;
    // A few matters this user may not see (absent from lists, 403 when opened).
    let n = matters as u64;
    for k in [7u64, 113, 1_013, 1_999] {
        if k < n {
            store.forbidden.insert(FIRST_MATTER_ID + k);
        }
    }
    store.next_document = 3_000_000;
    store.next_webhook = 800;
    (store, seeder.truth)
}

/// Where a value goes: matter id, definition id, and when it was last changed.
type Slot = (u64, u64, DateTime<Utc>);

/// The store being filled and the truth of its messy values, recorded side by side.
struct Seeder {
    store: Store,
    truth: SeedTruth,
}

impl Seeder {
    /// Stores `value` unless this matter leaves the field empty (`null_percent` of matters do).
    fn value(&mut self, rng: &mut Rng, at: Slot, value: Value, null_percent: u64) {
        if !rng.chance(null_percent) {
            self.store.add_value(at.0, at.1, value, at.2);
        }
    }

    /// Stores `typed` (unless this matter leaves the field empty) and records what it means.
    fn typed(
        &mut self,
        rng: &mut Rng,
        (matter, def, at): Slot,
        typed: Typed,
        key: String,
        null_percent: u64,
    ) {
        if rng.chance(null_percent) {
            return;
        }
        self.truth.record(matter, def, key, &typed);
        self.store.add_value(matter, def, json!(typed.value), at);
    }
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
        let truth = |t: &SeedTruth| {
            t.field(CLIENT_ADDRESS)
                .map(|(m, t)| (m, t.key.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            truth(&seed_with_truth(50, 7).1),
            truth(&seed_with_truth(50, 7).1)
        );
    }

    #[test]
    fn every_messy_value_has_its_truth_and_nothing_else_does() {
        let (s, truth) = seed_with_truth(300, 2);
        for def in [
            CLIENT_ADDRESS,
            MAILING_ADDRESS,
            CLIENT_PHONE,
            INTAKE_DATE_TEXT,
            CLIENT_EMAIL,
        ] {
            let stored: Vec<u64> = s
                .matters
                .keys()
                .copied()
                .filter(|m| s.value_of(*m, def).is_some())
                .collect();
            let known: Vec<u64> = truth.field(def).map(|(m, _)| m).collect();
            assert_eq!(stored, known, "definition {def}");
        }
        assert!(truth.field(RETAINER).next().is_none());
        assert!(truth.of(FIRST_MATTER_ID, PRACTICE_AREA).is_none());
    }

    #[test]
    fn matters_share_places_numbers_and_clients_as_a_real_book_does() {
        let (s, truth) = seed_with_truth(2_000, 1);
        let mut uses: std::collections::BTreeMap<&str, usize> = Default::default();
        for (_, t) in truth
            .field(CLIENT_ADDRESS)
            .chain(truth.field(MAILING_ADDRESS))
        {
            *uses.entry(t.key.as_str()).or_default() += 1;
        }
        let shared = uses.values().filter(|n| **n >= 2).count();
        assert!(shared >= 400, "{shared} places used twice or more");
        assert!(uses.values().any(|n| *n >= 20), "some office recurs often");
        let clients: std::collections::BTreeSet<u64> =
            s.matters.values().map(|m| m.client_id).collect();
        assert!(clients.len() < 1_000, "{} clients", clients.len());
        // Every kind of slip and every house-style value is there to be measured.
        let flawed = truth
            .field(CLIENT_ADDRESS)
            .filter(|(_, t)| t.flaw.is_some());
        assert!(flawed.count() > 10);
        assert!(truth.field(CLIENT_PHONE).any(|(_, t)| t.flaw.is_some()));
        for def in [
            CLIENT_ADDRESS,
            MAILING_ADDRESS,
            CLIENT_PHONE,
            INTAKE_DATE_TEXT,
            CLIENT_EMAIL,
        ] {
            assert!(truth.field(def).any(|(_, t)| t.exact), "definition {def}");
        }
    }

    #[test]
    fn addresses_come_in_at_least_five_shapes_and_phones_in_six() {
        let s = seed_store(2_000, 1);
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
        let all: Vec<String> = s
            .values
            .values()
            .filter(|v| v.def_id == CLIENT_ADDRESS || v.def_id == MAILING_ADDRESS)
            .filter_map(|v| v.value.as_str().map(str::to_string))
            .collect();
        // The variety real intake has, each at least once.
        for marker in [
            "#",
            "# ",
            "Ste.",
            "Suite",
            "Apartment",
            "Apt",
            "Unit",
            "Floor",
            "Fl",
            "Room",
            "Rm",
            "Building",
            "Bldg",
            "Fifth",
            "5th",
            "Twenty",
            "North ",
            " NW",
            " W,",
            "N.",
            "  ",
            "PO Box",
            "P.O. Box",
            "Post Office Box",
            "POB",
            "\n",
            "USA",
            "Canada",
            "Ill.",
        ] {
            assert!(all.iter().any(|a| a.contains(marker)), "{marker:?}");
        }
        let ends = |f: &dyn Fn(&str) -> bool| all.iter().any(|a| f(a.trim_end()));
        assert!(ends(&|a| a.ends_with('.')), "a trailing period");
        let zip4 = regex::Regex::new(r"[0-9]{5}-[0-9]{4}").unwrap();
        assert!(all.iter().any(|a| zip4.is_match(a)), "ZIP+4");
        let postal = regex::Regex::new(r"[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]").unwrap();
        let spaced = all
            .iter()
            .filter_map(|a| postal.find(a))
            .map(|m| m.as_str().len());
        let lens: std::collections::BTreeSet<usize> = spaced.collect();
        assert_eq!(
            lens,
            [6, 7].into(),
            "Canadian codes with and without the space"
        );
        assert!(all.iter().any(|a| a == &a.to_uppercase()), "all capitals");
        let emails: Vec<String> = s
            .values
            .values()
            .filter(|v| v.def_id == CLIENT_EMAIL)
            .filter_map(|v| v.value.as_str().map(str::to_string))
            .collect();
        assert!(
            emails.iter().any(|e| e != &e.to_lowercase()),
            "an email in capitals"
        );
        assert!(
            emails.iter().any(|e| e != e.trim()),
            "an email with spaces around it"
        );
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
