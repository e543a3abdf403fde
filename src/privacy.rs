//! What the assistant may see of client data: everything, or counts and masked samples.

use std::fmt;

/// The environment variable that selects the privacy mode.
pub const PRIVACY_ENV: &str = "CLIO_MCP_PRIVACY";

/// `full` (the default) shows values to the assistant; `redacted` shows it only counts and
/// masked samples, for firms that must not send privileged values to a model provider. The
/// full diff then goes only to local files a person opens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Privacy {
    #[default]
    Full,
    Redacted,
}

/// An unknown `CLIO_MCP_PRIVACY` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{PRIVACY_ENV}={0:?} is not a privacy mode: set it to `full` or `redacted`, or unset it")]
pub struct PrivacyError(pub String);

impl Privacy {
    pub fn parse(s: &str) -> Result<Privacy, PrivacyError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "full" => Ok(Privacy::Full),
            "redacted" => Ok(Privacy::Redacted),
            _ => Err(PrivacyError(crate::config::shown(s))),
        }
    }

    pub fn from_env() -> Result<Privacy, PrivacyError> {
        match std::env::var(PRIVACY_ENV) {
            Ok(v) => Privacy::parse(&v),
            Err(_) => Ok(Privacy::Full),
        }
    }

    pub fn is_redacted(self) -> bool {
        self == Privacy::Redacted
    }

    /// `value` as the assistant may see it.
    pub fn show(self, value: &str) -> String {
        match self {
            Privacy::Full => value.to_string(),
            // `xxxx` and `xxxxx` would tell true from false by their length.
            Privacy::Redacted if matches!(value.trim(), "true" | "false") => HIDDEN.to_string(),
            Privacy::Redacted => mask(value),
        }
    }

    /// A sentence about a value (a rule's reason) as the assistant may see it.
    pub fn show_reason(self, reason: &str, values: &[&str]) -> String {
        match self {
            Privacy::Full => reason.to_string(),
            Privacy::Redacted => redact_reason(reason, values),
        }
    }

    /// An optional value as the assistant may see it.
    pub fn show_opt(self, value: Option<&str>) -> Option<String> {
        value.map(|v| self.show(v))
    }
}

impl fmt::Display for Privacy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Privacy::Full => "full",
            Privacy::Redacted => "redacted",
        })
    }
}

/// What stands for a value whose shape alone would give it away (a checkbox).
pub const HIDDEN: &str = "•••";

/// A JSON value as the assistant may see it: strings and numbers masked, booleans hidden,
/// structure kept.
pub fn mask_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(mask(s)),
        Value::Number(n) => Value::String(mask(&n.to_string())),
        Value::Bool(_) => Value::String(HIDDEN.to_string()),
        Value::Array(items) => Value::Array(items.iter().map(mask_json).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), mask_json(v))).collect())
        }
        other => other.clone(),
    }
}

/// The shape of a value without its content: letters become `x` (`X` when upper case), digits
/// `9`, spacing and punctuation stay. `12 N. Main St.` -> `99 X. Xxxx Xx.` shows a reviewer what
/// a rule changes (abbreviations, case, separators) without saying whose address it is.
pub fn mask(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_numeric() {
                '9'
            } else if c.is_uppercase() {
                'X'
            } else if c.is_alphabetic() {
                'x'
            } else {
                c
            }
        })
        .collect()
}

/// Month and weekday names, which a date rule's reason may spell out unquoted.
const CALENDAR_WORDS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
];

/// A rule's reason with everything that could come from the value masked: quoted parts,
/// every digit (dates, ZIP codes, phone groups and amounts are often restated in another
/// form, `03/04` as `3/4`), month and weekday names, and every piece of `values` (two
/// characters or more). The rule's own words stay, so the reason still says what is wrong.
pub fn redact_reason(reason: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut quoted = false;
    for c in reason.chars() {
        if c == '"' {
            quoted = !quoted;
            out.push(c);
        } else if quoted || c.is_numeric() {
            out.push_str(&mask(&c.to_string()));
        } else {
            out.push(c);
        }
    }
    let mut words = String::with_capacity(out.len());
    for piece in out.split_inclusive(|c: char| !c.is_alphanumeric()) {
        let word: String = piece.chars().take_while(|c| c.is_alphanumeric()).collect();
        let rest = &piece[word.len()..];
        if CALENDAR_WORDS.contains(&word.to_lowercase().as_str()) {
            words.push_str(&mask(&word));
        } else {
            words.push_str(&word);
        }
        words.push_str(rest);
    }
    let mut pieces: Vec<&str> = values
        .iter()
        .flat_map(|v| std::iter::once(*v).chain(v.split(|c: char| !c.is_alphanumeric())))
        .filter(|p| p.chars().count() >= 2)
        .collect();
    // Longest first, so a whole value is masked before its parts.
    pieces.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in pieces {
        words = words.replace(p, &mask(p));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_shape_and_hides_content() {
        assert_eq!(mask("12 N. Main St."), "99 X. Xxxx Xx.");
        assert_eq!(mask("(312) 555-0142"), "(999) 999-9999");
        assert_eq!(mask("Zoë"), "Xxx");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn parses_modes_and_refuses_others_with_advice() {
        assert_eq!(Privacy::parse("Redacted"), Ok(Privacy::Redacted));
        assert_eq!(Privacy::parse(" full "), Ok(Privacy::Full));
        assert_eq!(Privacy::parse(""), Ok(Privacy::Full));
        let e = Privacy::parse("secret").unwrap_err().to_string();
        assert!(e.contains("`full` or `redacted`"), "{e}");
    }

    #[test]
    fn mask_json_keeps_structure_and_hides_strings_and_numbers() {
        let v = serde_json::json!({"a": "Main St", "b": 2500, "c": [true, false, null]});
        assert_eq!(
            mask_json(&v),
            serde_json::json!({"a": "Xxxx Xx", "b": "9999", "c": [HIDDEN, HIDDEN, null]})
        );
        assert_eq!(
            Privacy::Redacted.show("true"),
            Privacy::Redacted.show("false")
        );
    }

    #[test]
    fn reasons_lose_digits_calendar_words_quotes_and_value_pieces() {
        let cases = [
            (
                "3/4 could be month/day or day/month; set the date order",
                "03/04/2024",
            ),
            ("February 30, 2024 does not exist", "Feb 30 2024"),
            (
                "012 cannot start an area code; check the number",
                "0125551234",
            ),
            ("option 2 (\"Family law\") is deleted", "2"),
            (
                "62704 is not a postal code used in IL; check which is right",
                "x, IL 62704",
            ),
        ];
        for (reason, value) in cases {
            let shown = redact_reason(reason, &[value]);
            // Masked digits read 9: no other digit may survive.
            assert!(
                shown.chars().all(|c| !c.is_ascii_digit() || c == '9'),
                "{shown}"
            );
            for word in ["February", "Family", " IL"] {
                assert!(!shown.contains(word), "{shown}");
            }
        }
        let kept = redact_reason("3/4 could be month/day or day/month", &[]);
        assert_eq!(kept, "9/9 could be month/day or day/month");
        assert!(
            redact_reason("set the date order; check which is right", &[])
                .contains("check which is right")
        );
    }

    #[test]
    fn redacted_show_never_returns_the_value() {
        assert_eq!(Privacy::Redacted.show("Smith"), "Xxxxx");
        assert_eq!(Privacy::Full.show("Smith"), "Smith");
    }
}
