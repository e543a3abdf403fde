//! One meaning, one output: every messy value of a 2,000-matter sandbox seed, normalized by the
//! public rules and grouped by what the seed says it means, must come out as one string.
//!
//! Measured on the seed's truth (which place an address was typed from, which number a phone
//! is, which day a typed date names), not on hand-picked cases. A value the rule flags
//! (needs_human, invalid) is not an output: it is counted and reported, and every slip the
//! seed made on purpose must be among them. Run with `--nocapture` to see the figures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use clio_mcp::field_type::FieldType;
use clio_mcp::normalize::{FieldSpec, Outcome, Rule, normalize};
use clio_mcp::sandbox::seed::{
    CLIENT_ADDRESS, CLIENT_EMAIL, CLIENT_PHONE, INTAKE_DATE_TEXT, MAILING_ADDRESS, SeedTruth,
    seed_with_truth,
};
use clio_mcp::sandbox::store::Store;
use serde_json::json;

/// The demo's account: 2,000 matters of seed 1, built once for every test here.
static BOOK: LazyLock<(Store, SeedTruth)> = LazyLock::new(|| seed_with_truth(2_000, 1));
/// The share of meanings typed two or more ways that must come out as one string.
const AT_LEAST: f64 = 0.99;

fn rule(v: serde_json::Value) -> Rule {
    serde_json::from_value(v).unwrap()
}

/// What one rule made of one field's values, grouped by meaning.
#[derive(Default)]
struct Report {
    values: usize,
    /// Meaning -> output -> the spellings that gave it.
    outputs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Meaning -> every distinct spelling, flagged ones included (for the listing).
    spellings: BTreeMap<String, BTreeSet<String>>,
    /// `(value, reason)` of flagged values the seed made a slip in on purpose.
    flagged_slips: Vec<(String, String)>,
    /// `(value, reason)` of flagged values the seed typed without a slip.
    flagged_other: Vec<(String, String)>,
    /// Values with a deliberate slip that the rule tidied up instead of flagging.
    missed_slips: Vec<(String, String)>,
    /// Values typed exactly in the house style that the rule did not call clean.
    exact_not_clean: Vec<(String, String)>,
    /// Meaning -> its spelling in the house style, where one was typed (compared form).
    exact: BTreeMap<String, String>,
}

impl Report {
    /// The meanings the rule answered for two or more distinct spellings (flagged spellings
    /// do not count), each with its distinct outputs.
    fn answered_twice(
        &self,
    ) -> impl Iterator<Item = (&String, &BTreeMap<String, BTreeSet<String>>)> {
        self.outputs
            .iter()
            .filter(|(_, outs)| outs.values().map(BTreeSet::len).sum::<usize>() >= 2)
    }

    /// Meanings with 2+ answered spellings, and those of them that came out as one string.
    fn consistency(&self) -> (usize, usize) {
        let multi = self.answered_twice().count();
        let one = self.answered_twice().filter(|(_, o)| o.len() == 1).count();
        (multi, one)
    }

    /// The meanings that came out as more than one string, with every spelling of each.
    fn splits(&self) -> Vec<String> {
        self.answered_twice()
            .filter(|(_, outs)| outs.len() > 1)
            .map(|(k, outs)| {
                let all = self.spellings.get(k).map_or(0, BTreeSet::len);
                let mut text = format!("  {k} ({all} spellings):");
                for (out, from) in outs {
                    text.push_str(&format!("\n    {out:?} <- {from:?}"));
                }
                text
            })
            .collect()
    }

    /// Prints the figures and fails with the evidence unless the rule kept its promises.
    fn check(&self, what: &str, meaning: &str) {
        let (multi, one) = self.consistency();
        let rate = if multi == 0 {
            1.0
        } else {
            one as f64 / multi as f64
        };
        eprintln!(
            "{what}: {} values of {} {meaning}s; {multi} {meaning}s with 2+ spellings, {one} one \
             output ({:.1}%); {} values flagged, not counted as spellings ({} deliberate slips, \
             {} others)",
            self.values,
            self.spellings.len(),
            rate * 100.0,
            self.flagged_slips.len() + self.flagged_other.len(),
            self.flagged_slips.len(),
            self.flagged_other.len(),
        );
        for (value, reason) in self.flagged_other.iter().take(10) {
            eprintln!("  flagged without a slip: {value:?}: {reason}");
        }
        assert!(multi > 0, "{what}: no {meaning} was typed two ways");
        assert!(
            rate >= AT_LEAST,
            "{what}: only {one} of {multi} {meaning}s with 2+ spellings came out one way \
             ({:.1}%, need {:.0}%):\n{}",
            rate * 100.0,
            AT_LEAST * 100.0,
            self.splits().join("\n")
        );
        assert!(
            self.missed_slips.is_empty(),
            "{what}: slips tidied up instead of flagged: {:#?}",
            self.missed_slips
        );
        assert!(
            self.exact_not_clean.is_empty(),
            "{what}: values already in the house style were not called clean: {:#?}",
            self.exact_not_clean
        );
        // One output is not enough; it must be the right one: where the house style of a
        // meaning was typed somewhere, every spelling of it comes out as exactly that.
        let wrong: Vec<String> = self
            .exact
            .iter()
            .filter_map(|(k, want)| {
                let outs = self.outputs.get(k)?;
                (outs.len() != 1 || !outs.contains_key(want)).then(|| format!("{k}: {outs:?}"))
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "{what}: came out other than the house style typed for them:\n{}",
            wrong.join("\n")
        );
    }
}

/// Normalizes every value of `fields` with `rule` and groups the outputs by the seed's truth;
/// `compare` maps an output to the form compared (so a two-line and a one-line address of one
/// place are one output).
fn measure(
    (store, truth): &(Store, SeedTruth),
    fields: &[(u64, FieldType)],
    rule: &Rule,
    compare: fn(&str) -> String,
) -> Report {
    let mut r = Report::default();
    for (def, field_type) in fields {
        let spec = FieldSpec::new(*field_type);
        for (matter, t) in truth.field(*def) {
            let value = store.value_of(matter, *def).unwrap().value.clone();
            let value = value.as_str().unwrap().to_string();
            r.values += 1;
            r.spellings
                .entry(t.key.clone())
                .or_default()
                .insert(value.clone());
            let out = normalize(rule, &spec, Some(&value)).unwrap();
            let resolved = match &out {
                Outcome::Change { new } => Some(new.clone()),
                Outcome::AlreadyClean => Some(value.clone()),
                Outcome::NeedsHuman { reason, .. } | Outcome::Invalid { reason } => {
                    let item = (value.clone(), reason.clone());
                    if t.flaw.is_some() {
                        r.flagged_slips.push(item);
                    } else {
                        r.flagged_other.push(item);
                    }
                    None
                }
                Outcome::Empty => panic!("{value:?} is not empty"),
            };
            if t.exact {
                r.exact.insert(t.key.clone(), compare(&value));
                if out != Outcome::AlreadyClean {
                    r.exact_not_clean.push((value.clone(), format!("{out:?}")));
                }
            }
            if let Some(new) = resolved {
                if let Some(flaw) = t.flaw {
                    r.missed_slips
                        .push((value.clone(), format!("{flaw}; got {new:?}")));
                }
                r.outputs
                    .entry(t.key.clone())
                    .or_default()
                    .entry(compare(&new))
                    .or_default()
                    .insert(value);
            }
        }
    }
    r
}

fn as_is(s: &str) -> String {
    s.to_string()
}

/// A `text_area` address is the one-line address with its first `, ` as a line break.
fn one_line(s: &str) -> String {
    s.replace('\n', ", ")
}

const ADDRESS_FIELDS: &[(u64, FieldType)] = &[
    (CLIENT_ADDRESS, FieldType::TextLine),
    (MAILING_ADDRESS, FieldType::TextArea),
];

#[test]
fn every_place_comes_out_as_one_address_in_the_house_style() {
    let seed = &*BOOK;
    let r = measure(
        seed,
        ADDRESS_FIELDS,
        &rule(json!({"rule": "address"})),
        one_line,
    );
    r.check("addresses", "place");
}

#[test]
fn every_place_comes_out_as_one_address_in_usps_caps() {
    let seed = &*BOOK;
    let caps = rule(json!({"rule": "address", "style": "usps_caps"}));
    let r = measure(seed, ADDRESS_FIELDS, &caps, one_line);
    // The seed's house-style spellings are title case, so in capitals they are changes.
    let (multi, one) = r.consistency();
    eprintln!("addresses (usps_caps): {multi} places with 2+ spellings, {one} one output");
    assert!(
        one as f64 >= AT_LEAST * multi as f64,
        "{}",
        r.splits().join("\n")
    );
    assert!(r.missed_slips.is_empty(), "{:#?}", r.missed_slips);
}

#[test]
fn every_number_comes_out_as_one_phone() {
    let seed = &*BOOK;
    let fields = &[(CLIENT_PHONE, FieldType::TextLine)];
    let r = measure(seed, fields, &rule(json!({"rule": "phone"})), as_is);
    r.check("phones", "number");
    // And it is the right number: the digits and the extension the seed typed.
    for (key, outs) in &r.outputs {
        for out in outs.keys() {
            let digits: String = out.chars().filter(char::is_ascii_digit).collect();
            let want: String = key.chars().filter(char::is_ascii_digit).collect();
            assert_eq!(digits, want, "{key}: {out}");
        }
    }
}

#[test]
fn every_typed_day_comes_out_as_one_date_and_ambiguous_ones_are_asked_never_guessed() {
    let seed = &*BOOK;
    let fields = &[(INTAKE_DATE_TEXT, FieldType::TextLine)];
    let r = measure(seed, fields, &rule(json!({"rule": "date"})), as_is);
    r.check("typed dates", "day");
    // Never guessed: whatever comes out is the day that was typed.
    for (day, outs) in &r.outputs {
        assert_eq!(outs.keys().collect::<Vec<_>>(), vec![day], "{outs:?}");
    }
    // The month-first numeric dates whose day is 12 or less are asked about, each with the
    // right day among the candidates.
    let (store, truth) = seed;
    let spec = FieldSpec::new(FieldType::TextLine);
    let mut asked = 0;
    for (matter, t) in truth.field(INTAKE_DATE_TEXT) {
        let value = store.value_of(matter, INTAKE_DATE_TEXT).unwrap();
        let value = value.value.as_str().unwrap();
        if let Outcome::NeedsHuman { candidates, reason } =
            normalize(&rule(json!({"rule": "date"})), &spec, Some(value)).unwrap()
        {
            asked += 1;
            assert!(reason.contains("month/day"), "{value:?}: {reason}");
            assert!(candidates.iter().any(|c| c.value == t.key), "{value:?}");
        }
    }
    eprintln!("typed dates: {asked} ambiguous ones asked about");
    assert_eq!(asked, r.flagged_other.len());
    assert!(asked > 0, "the seed types some ambiguous dates");
}

#[test]
fn with_an_order_every_typed_day_resolves_to_the_right_date() {
    let seed = &*BOOK;
    let fields = &[(INTAKE_DATE_TEXT, FieldType::TextLine)];
    let mdy = rule(json!({"rule": "date", "order": "mdy"}));
    let r = measure(seed, fields, &mdy, as_is);
    r.check("typed dates (order mdy)", "day");
    assert!(r.flagged_other.is_empty(), "{:?}", r.flagged_other);
    for (day, outs) in &r.outputs {
        assert_eq!(outs.keys().collect::<Vec<_>>(), vec![day], "{outs:?}");
    }
}

#[test]
fn every_email_comes_out_lower_case_and_trimmed_and_only_that_is_clean() {
    let (store, truth) = &*BOOK;
    let spec = FieldSpec::new(FieldType::Email);
    let (mut changes, mut clean) = (0, 0);
    for (matter, t) in truth.field(CLIENT_EMAIL) {
        let value = store.value_of(matter, CLIENT_EMAIL).unwrap();
        let value = value.value.as_str().unwrap();
        let out = normalize(&Rule::Email, &spec, Some(value)).unwrap();
        if value == t.key {
            assert_eq!(out, Outcome::AlreadyClean, "{value:?}");
            clean += 1;
        } else {
            let new = t.key.clone();
            assert_eq!(out, Outcome::Change { new }, "{value:?}");
            changes += 1;
        }
    }
    eprintln!("emails: {changes} changes to lower-case trimmed, {clean} clean");
    assert!(
        changes > 100 && clean > 100,
        "{changes} changes, {clean} clean"
    );
}

#[test]
fn known_spellings_of_one_suite_come_out_as_one_address() {
    let spec = FieldSpec::new(FieldType::TextLine);
    let house = "6299 Spring Pl Ste 400, Eugene, OR 97401";
    let spellings = [
        "6299 Spring Place #400, Eugene, OR 97401",
        "6299 Spring Place # 400, Eugene, OR 97401",
        "6299 Spring Place, Suite 400, Eugene, OR 97401",
        "6299 Spring Place STE. 400, Eugene, OR 97401",
        "6299 spring pl ste 400 eugene or 97401",
        "6299 SPRING PL., SUITE #400, EUGENE, OREGON 97401",
        "6299  Spring Pl  Ste. 400 ,Eugene , Ore.  97401.",
        "Suite 400, 6299 Spring Place, Eugene, OR 97401",
        // The README's examples.
        "6299 Spring Place, Suite 400, Eugene, Oregon 97401",
        "6299 SPRING PL #400 EUGENE OR 97401",
        "Ste. 400, 6299 spring pl., eugene, ore. 97401.",
    ];
    let address = rule(json!({"rule": "address"}));
    for s in spellings {
        let out = normalize(&address, &spec, Some(s)).unwrap();
        assert_eq!(
            out,
            Outcome::Change {
                new: house.to_string()
            },
            "{s:?}"
        );
    }
    let out = normalize(&address, &spec, Some(house)).unwrap();
    assert_eq!(out, Outcome::AlreadyClean);
    let caps = rule(json!({"rule": "address", "style": "usps_caps"}));
    let out = normalize(&caps, &spec, Some(spellings[0])).unwrap();
    assert_eq!(
        out,
        Outcome::Change {
            new: "6299 SPRING PL STE 400, EUGENE, OR 97401".to_string()
        }
    );
}
