//! The public surface of the normalization layer: rule JSON, field compatibility, validators.

use clio_mcp::field_type::FieldType;
use clio_mcp::normalize::{
    AddressOptions, CurrencyOptions, DateOptions, FieldSpec, NormalizeError, Outcome,
    PicklistOption, PicklistOptions, Rule, normalize, validate,
};

fn field(t: FieldType) -> FieldSpec {
    FieldSpec::new(t)
}

fn options() -> Vec<PicklistOption> {
    vec![
        PicklistOption {
            id: 10,
            label: "Open".into(),
            deleted: false,
            deleted_at: None,
        },
        PicklistOption {
            id: 11,
            label: "Closed".into(),
            deleted: true,
            deleted_at: None,
        },
        PicklistOption {
            id: 12,
            label: "Pending".into(),
            deleted: false,
            deleted_at: Some("2024-05-01T00:00:00Z".into()),
        },
    ]
}

#[test]
fn rules_parse_from_agent_json_with_defaults() {
    let r: Rule = serde_json::from_str(r#"{"rule":"address"}"#).unwrap();
    assert_eq!(r, Rule::Address(AddressOptions::default()));
    let r: Rule =
        serde_json::from_str(r#"{"rule":"person_name","reorder_last_first":true}"#).unwrap();
    assert_eq!(r.name(), "person_name");
    let r: Rule = serde_json::from_str(r#"{"rule":"whitespace"}"#).unwrap();
    assert_eq!(r, Rule::Whitespace);
    let r: Rule =
        serde_json::from_str(r#"{"rule":"date","order":"dmy","two_digit_year_pivot":30}"#).unwrap();
    assert!(matches!(
        r,
        Rule::Date(DateOptions {
            two_digit_year_pivot: 30,
            ..
        })
    ));
    let r: Rule = serde_json::from_str(
        r#"{"rule":"picklist","threshold":0.9,"synonyms":{"PI":"Personal Injury"}}"#,
    )
    .unwrap();
    assert!(matches!(r, Rule::Picklist(PicklistOptions { threshold, .. }) if threshold == 0.9));
    let back = serde_json::to_value(&r).unwrap();
    assert_eq!(back["rule"], "picklist");
}

#[test]
fn misspelled_options_are_rejected_not_ignored() {
    assert!(serde_json::from_str::<Rule>(r#"{"rule":"phone","fromat":"e164"}"#).is_err());
    assert!(serde_json::from_str::<Rule>(r#"{"rule":"phone","format":"e.164"}"#).is_err());
    assert!(serde_json::from_str::<Rule>(r#"{"rule":"zip"}"#).is_err());
}

#[test]
fn rule_json_schema_names_every_rule() {
    let schema = serde_json::to_string(&schemars::schema_for!(Rule)).unwrap();
    for name in [
        "address",
        "phone",
        "person_name",
        "whitespace",
        "case",
        "email",
        "picklist",
        "currency",
        "date",
    ] {
        assert!(
            schema.contains(&format!("\"{name}\"")),
            "{name} missing from schema"
        );
    }
    let outcome = serde_json::to_string(&schemars::schema_for!(Outcome)).unwrap();
    assert!(outcome.contains("needs_human"));
}

#[test]
fn outcome_serializes_with_a_tag() {
    let o = Outcome::Change { new: "2500".into() };
    assert_eq!(
        serde_json::to_value(&o).unwrap(),
        serde_json::json!({"outcome": "change", "new": "2500"})
    );
}

#[test]
fn incompatible_field_types_are_a_clear_error() {
    let addr = Rule::Address(AddressOptions::default());
    let err = normalize(&addr, &FieldSpec::picklist(options()), Some("x")).unwrap_err();
    assert!(matches!(
        err,
        NormalizeError::IncompatibleRule {
            rule: "address",
            field_type: FieldType::Picklist,
            ..
        }
    ));
    assert!(err.to_string().contains("text_line"), "{err}");
    let pick = Rule::Picklist(PicklistOptions::default());
    assert!(normalize(&pick, &field(FieldType::TextLine), Some("Open")).is_err());
    let cur = Rule::Currency(CurrencyOptions::default());
    assert!(normalize(&cur, &field(FieldType::Date), Some("5")).is_err());
    for t in FieldType::ALL {
        let ok = normalize(&Rule::Whitespace, &field(t), Some("a")).is_ok();
        assert_eq!(ok, t.is_free_text(), "whitespace on {t}");
    }
}

#[test]
fn bad_options_are_an_error() {
    let r = Rule::Picklist(PicklistOptions {
        threshold: 1.5,
        ..Default::default()
    });
    assert!(matches!(
        normalize(&r, &FieldSpec::picklist(options()), Some("Open")),
        Err(NormalizeError::BadOption { .. })
    ));
}

#[test]
fn absent_and_blank_values_are_empty() {
    let f = field(FieldType::TextLine);
    assert_eq!(
        normalize(&Rule::Whitespace, &f, None).unwrap(),
        Outcome::Empty
    );
    assert_eq!(
        normalize(&Rule::Whitespace, &f, Some(" \t\u{200B} ")).unwrap(),
        Outcome::Empty
    );
}

#[test]
fn rule_output_longer_than_the_field_is_invalid() {
    let long = "word ".repeat(60);
    let out = normalize(&Rule::Whitespace, &field(FieldType::TextLine), Some(&long)).unwrap();
    assert!(matches!(out, Outcome::Invalid { .. }), "{out:?}");
    let out = normalize(&Rule::Whitespace, &field(FieldType::TextArea), Some(&long)).unwrap();
    assert!(matches!(out, Outcome::Change { .. }), "{out:?}");
}

#[test]
fn picklist_never_picks_a_deleted_option() {
    let f = FieldSpec::picklist(options());
    let r = Rule::Picklist(PicklistOptions::default());
    assert_eq!(
        normalize(&r, &f, Some("open")).unwrap(),
        Outcome::Change { new: "10".into() }
    );
    for messy in ["closed", "Closed", "11", "pending", "12"] {
        let out = normalize(&r, &f, Some(messy)).unwrap();
        assert!(
            matches!(out, Outcome::NeedsHuman { .. }),
            "{messy}: {out:?}"
        );
    }
}

#[test]
fn validators_cover_all_twelve_types() {
    let pick = FieldSpec::picklist(options());
    let cases: &[(FieldType, &[&str], &[&str])] = &[
        (
            FieldType::Checkbox,
            &["true", "false"],
            &["yes", "True", "1", ""],
        ),
        (
            FieldType::Contact,
            &["1", "987654"],
            &["0", "-3", "12a", "", "01"],
        ),
        (FieldType::Matter, &["42"], &["matter 42", "4.2"]),
        (
            FieldType::Currency,
            &["2500", "0", "-75"],
            &["2500.00", "$2500", "2,500", "1e3", "007"],
        ),
        (
            FieldType::Date,
            &["2024-02-29", "1999-12-31"],
            &["2023-02-29", "2024-3-14", "03/14/2024", "2024-02-30"],
        ),
        (
            FieldType::Time,
            &["00:00", "23:59", "14:30:05"],
            &["24:00", "7:30", "2:30 PM", "12:60"],
        ),
        (
            FieldType::Email,
            &["jane@firm.com", "J.Doe+x@law.co.uk", "jane@FIRM.com"],
            &[
                "jane@",
                "@firm.com",
                "jane@firm",
                "a b@c.com",
                "jane@@firm.com",
            ],
        ),
        (
            FieldType::Numeric,
            &["42", "-3.5", "0.25"],
            &["1,000", ".5", "1.", "abc", "1e5"],
        ),
        (FieldType::TextArea, &["line\nline", ""], &[]),
        (
            FieldType::TextLine,
            &["anything at all", ""],
            &["two\nlines"],
        ),
        (
            FieldType::Url,
            &["https://example.com", "http://a.b/c?d=e"],
            &["example.com", "ftp://x.com", "https://", "mailto:a@b.com"],
        ),
    ];
    for (t, good, bad) in cases {
        let f = field(*t);
        for v in *good {
            assert!(
                validate(&f, v).is_ok(),
                "{t} should accept {v:?}: {:?}",
                validate(&f, v)
            );
        }
        for v in *bad {
            let err = validate(&f, v).unwrap_err();
            assert!(
                matches!(err, NormalizeError::InvalidValue { field_type, .. } if field_type == *t)
            );
        }
    }
    assert!(validate(&pick, "10").is_ok());
    for bad in ["11", "12", "13", "Open", ""] {
        assert!(validate(&pick, bad).is_err(), "picklist accepted {bad:?}");
    }
    assert!(validate(&field(FieldType::TextLine), &"x".repeat(255)).is_ok());
    assert!(validate(&field(FieldType::TextLine), &"x".repeat(256)).is_err());
    assert!(validate(&field(FieldType::TextArea), &"x".repeat(65_535)).is_ok());
    assert!(validate(&field(FieldType::TextArea), &"x".repeat(65_536)).is_err());
}

#[test]
fn validation_reasons_say_what_to_do() {
    let err = validate(&field(FieldType::Currency), "1234.56").unwrap_err();
    assert!(err.to_string().contains("round"), "{err}");
    let err = validate(&FieldSpec::picklist(options()), "11").unwrap_err();
    assert!(err.to_string().contains("deleted"), "{err}");
}
