//! Property tests: every rule is idempotent, never panics, and only proposes writable values.

use clio_mcp::field_type::FieldType;
use clio_mcp::normalize::{
    AddressOptions, AddressStyle, CaseMode, CaseOptions, CurrencyOptions, DateOptions, FieldSpec,
    Outcome, PersonNameOptions, PhoneFormat, PhoneOptions, PicklistOption, PicklistOptions, Rule,
    normalize, validate,
};
use proptest::prelude::*;

fn picklist_field() -> FieldSpec {
    let opt = |id, label: &str, deleted| PicklistOption {
        id,
        label: label.into(),
        deleted,
        deleted_at: None,
    };
    FieldSpec::picklist(vec![
        opt(1, "Personal Injury", false),
        opt(2, "Family Law", false),
        opt(3, "Immigration", true),
        opt(4, "Yes", false),
        opt(5, "No", false),
    ])
}

/// Every rule, with a field it applies to.
fn configs() -> Vec<(Rule, FieldSpec)> {
    let tl = FieldSpec::new(FieldType::TextLine);
    let ta = FieldSpec::new(FieldType::TextArea);
    let title = AddressOptions {
        style: AddressStyle::TitleCase,
        ..Default::default()
    };
    let caps = AddressOptions {
        style: AddressStyle::UspsCaps,
        ..Default::default()
    };
    vec![
        (Rule::Address(AddressOptions::default()), tl.clone()),
        (Rule::Address(caps), tl.clone()),
        (Rule::Address(title.clone()), ta.clone()),
        (Rule::Phone(PhoneOptions::default()), tl.clone()),
        (
            Rule::Phone(PhoneOptions {
                format: PhoneFormat::E164,
            }),
            tl.clone(),
        ),
        (Rule::PersonName(PersonNameOptions::default()), tl.clone()),
        (
            Rule::PersonName(PersonNameOptions {
                reorder_last_first: true,
            }),
            tl.clone(),
        ),
        (Rule::Whitespace, tl.clone()),
        (Rule::Whitespace, ta.clone()),
        (Rule::Case(CaseOptions::default()), tl.clone()),
        (
            Rule::Case(CaseOptions {
                mode: CaseMode::Upper,
            }),
            ta.clone(),
        ),
        (
            Rule::Case(CaseOptions {
                mode: CaseMode::Lower,
            }),
            tl.clone(),
        ),
        (Rule::Email, FieldSpec::new(FieldType::Email)),
        (Rule::Picklist(PicklistOptions::default()), picklist_field()),
        (
            Rule::Currency(CurrencyOptions::default()),
            FieldSpec::new(FieldType::Currency),
        ),
        (
            Rule::Currency(CurrencyOptions {
                allow_negative: true,
            }),
            FieldSpec::new(FieldType::Numeric),
        ),
        (
            Rule::Date(DateOptions::default()),
            FieldSpec::new(FieldType::Date),
        ),
    ]
}

/// The contract every rule keeps on every input.
fn check_contract(rule: &Rule, field: &FieldSpec, input: &str) -> Result<(), TestCaseError> {
    let out =
        normalize(rule, field, Some(input)).map_err(|e| TestCaseError::fail(e.to_string()))?;
    match &out {
        Outcome::Change { new } => {
            prop_assert!(
                validate(field, new).is_ok(),
                "{rule:?} proposed unwritable {new:?}"
            );
            let again = normalize(rule, field, Some(new))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(
                again,
                Outcome::AlreadyClean,
                "{:?}: {:?} -> {:?}",
                rule.name(),
                input,
                new
            );
        }
        Outcome::AlreadyClean => {
            prop_assert!(
                validate(field, input).is_ok(),
                "{rule:?} called unwritable {input:?} clean"
            );
        }
        _ => {}
    }
    Ok(())
}

/// Text made of the characters messy field values are made of, so parsers go deep.
fn messy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[0-9]{1,5}",
            "[A-Za-z]{1,8}",
            Just(" ".to_string()),
            Just(", ".to_string()),
            Just("\n".to_string()),
            prop::sample::select(vec![
                "St", "Ave", "N", "NW", "Apt", "#", "Suite", "IL", "Ontario", "M5H", "2S6",
                "62704", "-", ".", "/", "(", ")", "+1", "ext", "x", "$", ",", "March", "of", "v.",
                "LLC", "O'", "Mc", "@", "USD", "(", "é", "ß", "İ", "Ǆ", "\u{200B}", "\u{a0}",
            ])
            .prop_map(String::from),
        ],
        0..14,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_unicode_never_panics_and_settles(s in any::<String>()) {
        for (rule, field) in configs() {
            check_contract(&rule, &field, &s)?;
        }
    }

    #[test]
    fn messy_text_never_panics_and_settles(s in messy()) {
        for (rule, field) in configs() {
            check_contract(&rule, &field, &s)?;
        }
    }

    #[test]
    fn phones_in_any_format_collapse_to_one(
        area in "[2-9][0-9]{2}", exch in "[2-9][0-9]{2}", line in "[0-9]{4}",
        ext in prop::option::of("[0-9]{1,5}"), fmt in 0usize..7, ext_fmt in 0usize..4,
    ) {
        prop_assume!(!area.ends_with("11") && !exch.ends_with("11"));
        let base = match fmt {
            0 => format!("({area}) {exch}-{line}"),
            1 => format!("{area}-{exch}-{line}"),
            2 => format!("{area}.{exch}.{line}"),
            3 => format!("{area}{exch}{line}"),
            4 => format!("+1 {area} {exch} {line}"),
            5 => format!("1-{area}-{exch}-{line}"),
            _ => format!("  {area} {exch}  {line} "),
        };
        let input = match &ext {
            None => base,
            Some(x) => match ext_fmt {
                0 => format!("{base} ext. {x}"),
                1 => format!("{base} x{x}"),
                2 => format!("{base} #{x}"),
                _ => format!("{base} extension {x}"),
            },
        };
        let rule = Rule::Phone(PhoneOptions::default());
        let field = FieldSpec::new(FieldType::TextLine);
        let want = match &ext {
            None => format!("({area}) {exch}-{line}"),
            Some(x) => format!("({area}) {exch}-{line} ext. {x}"),
        };
        let got = normalize(&rule, &field, Some(&input)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let value = match got { Outcome::Change { new } => new, Outcome::AlreadyClean => input.clone(), other => return Err(TestCaseError::fail(format!("{input:?}: {other:?}"))) };
        prop_assert_eq!(value, want);
    }

    #[test]
    fn real_dates_in_any_format_collapse_to_iso(days in 0i64..80_000, fmt in 0usize..8) {
        let date = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
        let input = date.format(match fmt {
            0 => "%Y-%m-%d",
            1 => "%B %-d, %Y",
            2 => "%-d %b %Y",
            3 => "%Y/%-m/%-d",
            4 => "%A, %B %-d, %Y",
            5 => "%Y-%m-%dT10:30:00Z",
            6 => "%d-%b-%Y",
            _ => "%Y%m%d",
        }).to_string();
        let got = normalize(&Rule::Date(DateOptions::default()), &FieldSpec::new(FieldType::Date), Some(&input))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let want = date.format("%Y-%m-%d").to_string();
        let value = match got { Outcome::Change { new } => new, Outcome::AlreadyClean => input.clone(), other => return Err(TestCaseError::fail(format!("{input:?}: {other:?}"))) };
        prop_assert_eq!(value, want);
    }

    #[test]
    fn whole_dollar_amounts_in_any_format(n in 0u64..10_000_000_000, fmt in 0usize..5) {
        let grouped = group(n);
        let input = match fmt {
            0 => format!("${grouped}.00"),
            1 => format!("{n} USD"),
            2 => grouped.clone(),
            3 => format!("$ {grouped}"),
            _ => format!("CA${n}"),
        };
        let got = normalize(&Rule::Currency(CurrencyOptions::default()), &FieldSpec::new(FieldType::Currency), Some(&input))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let value = match got { Outcome::Change { new } => new, Outcome::AlreadyClean => input.clone(), other => return Err(TestCaseError::fail(format!("{input:?}: {other:?}"))) };
        prop_assert_eq!(value, n.to_string());
    }

    #[test]
    fn one_place_written_two_ways_gives_one_address(
        number in 1u32..99_999, street in 0usize..8,
        suffix in 0usize..4, dir in 0usize..3, unit in prop::option::of((0usize..3, 1u32..999)),
        place in 0usize..3, a in any::<u64>(), b in any::<u64>(),
    ) {
        let render = |seed: u64| -> String {
            let pick = |i: u64, opts: &[&str]| opts[((seed >> i) % opts.len() as u64) as usize].to_string();
            let names: [&[&str]; 8] = [&["Main"], &["Oak"], &["Maple"], &["Lincoln"], &["Bay"],
                &["McKinley", "MCKINLEY", "Mckinley"], &["5th", "Fifth", "FIFTH"],
                &["21st", "Twenty-First", "Twenty First"]];
            let street = pick(17, names[street]);
            let sfx = [["Street", "St", "St."], ["Avenue", "Ave", "Ave."], ["Drive", "Dr", "Dr."], ["Boulevard", "Blvd", "Blvd."]][suffix].to_vec();
            let d = [vec!["North", "N", "N."], vec!["Northwest", "NW", "N.W."], vec![""]][dir].clone();
            let designators: [&[&str]; 3] = [
                &["Apt ", "Apartment ", "Apt. ", "APT ", "Apt #"],
                &["Suite ", "Ste ", "Ste. ", "STE. ", "#", "# ", "Suite #", "Ste#"],
                &["Room ", "Rm ", "Rm. ", "Room #"],
            ];
            let u = unit.map(|(k, n)| format!("{}{n}", pick(7, designators[k]))).unwrap_or_default();
            let (city, region, postal) = [
                ("Springfield", ["IL", "Illinois", "Ill."], ["62704", "62704"]),
                ("Toronto", ["ON", "Ontario", "Ont."], ["M5H 2S6", "m5h2s6"]),
                ("Vancouver", ["BC", "British Columbia", "B.C."], ["V6E 3P3", "v6e 3p3"]),
            ][place];
            let street_line = format!("{number} {} {street} {} {u}", pick(2, &d), pick(4, &sfx));
            let tail = format!("{} {}", pick(9, &region), pick(11, &postal));
            let s = match (seed >> 13) % 3 {
                0 => format!("{street_line}, {city}, {tail}"),
                1 => format!("{street_line}\n{city} {tail}"),
                _ => format!("{street_line} {city} {tail}"),
            };
            match (seed >> 15) % 3 { 0 => s.to_uppercase(), 1 => s.to_lowercase(), _ => s }
        };
        let rule = Rule::Address(AddressOptions::default());
        let field = FieldSpec::new(FieldType::TextLine);
        let mut outs = Vec::new();
        for input in [render(a), render(b)] {
            let got = normalize(&rule, &field, Some(&input)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let value = match got { Outcome::Change { new } => new, Outcome::AlreadyClean => input.clone(), other => return Err(TestCaseError::fail(format!("{input:?}: {other:?}"))) };
            check_contract(&rule, &field, &value)?;
            outs.push(value);
        }
        prop_assert_eq!(&outs[0], &outs[1]);
    }
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
