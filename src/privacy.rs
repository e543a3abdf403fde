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
            _ => Err(PrivacyError(s.to_string())),
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
            Privacy::Redacted => mask(value),
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

/// A JSON value as the assistant may see it: strings and numbers masked, structure kept.
pub fn mask_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(mask(s)),
        Value::Number(n) => Value::String(mask(&n.to_string())),
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
        let v = serde_json::json!({"a": "Main St", "b": 2500, "c": [true, null]});
        assert_eq!(
            mask_json(&v),
            serde_json::json!({"a": "Xxxx Xx", "b": "9999", "c": [true, null]})
        );
    }

    #[test]
    fn redacted_show_never_returns_the_value() {
        assert_eq!(Privacy::Redacted.show("Smith"), "Xxxxx");
        assert_eq!(Privacy::Full.show("Smith"), "Smith");
    }
}
