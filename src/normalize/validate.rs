//! Whether a value can be written to a Clio custom field of a given type exactly as it is.

use super::{FieldSpec, NormalizeError, compile, is_match};
use crate::field_type::FieldType;
use regex::Regex;
use std::sync::LazyLock;

/// Longest `text_line` value, in characters.
pub const TEXT_LINE_MAX: usize = 255;
/// Longest `text_area` value we will write, in characters (Clio's documented text column size).
pub const TEXT_AREA_MAX: usize = 65_535;

static ID: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"^[1-9][0-9]{0,18}$"));
static WHOLE: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"^-?(0|[1-9][0-9]{0,14})$"));
static NUMERIC: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"^-?[0-9]{1,15}(\.[0-9]{1,10})?$"));
static DATE: LazyLock<Option<Regex>> = LazyLock::new(|| compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"));
static TIME: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"));

/// Checks an explicit value (for example one an agent supplies) against the field's type.
pub fn validate(field: &FieldSpec, value: &str) -> Result<(), NormalizeError> {
    // A refused value is quoted cut and cleaned: it may be anything an assistant sent.
    let shown = crate::config::shown(value);
    let t = field.field_type;
    let fail = |reason: String| {
        Err(NormalizeError::InvalidValue {
            field_type: t,
            reason,
        })
    };
    match t {
        FieldType::Checkbox => match value {
            "true" | "false" => Ok(()),
            _ => fail(format!(
                "checkbox fields take `true` or `false`, not {shown:?}"
            )),
        },
        FieldType::Contact | FieldType::Matter => {
            if is_match(&ID, value) {
                Ok(())
            } else {
                fail(format!(
                    "{t} fields take the numeric id of a {}; look it up rather than writing {shown:?}",
                    if t == FieldType::Contact {
                        "contact"
                    } else {
                        "matter"
                    }
                ))
            }
        }
        FieldType::Currency => {
            if is_match(&WHOLE, value) {
                Ok(())
            } else if is_match(&NUMERIC, value) {
                fail(format!(
                    "Clio currency fields take whole amounts; {shown:?} has cents, so decide how to round it"
                ))
            } else {
                fail(format!(
                    "currency fields take a whole number without symbols or separators, like 2500, not {shown:?}"
                ))
            }
        }
        FieldType::Date => {
            if is_real_date(value) {
                Ok(())
            } else {
                fail(format!(
                    "date fields take a real date written YYYY-MM-DD, not {shown:?}"
                ))
            }
        }
        FieldType::Time => {
            if is_match(&TIME, value) {
                Ok(())
            } else {
                fail(format!(
                    "time fields take 24-hour HH:MM or HH:MM:SS, like 14:30, not {shown:?}"
                ))
            }
        }
        FieldType::Email => {
            if super::email::is_valid(value) {
                Ok(())
            } else {
                fail(format!(
                    "{shown:?} is not a usable email address; ask for the correct one"
                ))
            }
        }
        FieldType::Numeric => {
            if is_match(&NUMERIC, value) {
                Ok(())
            } else {
                fail(format!(
                    "numeric fields take a plain number like 42 or -3.5, not {shown:?}"
                ))
            }
        }
        FieldType::Picklist => validate_option(field, value),
        FieldType::TextArea => {
            let n = value.chars().count();
            if n > TEXT_AREA_MAX {
                fail(format!(
                    "text is {n} characters; text_area fields hold at most {TEXT_AREA_MAX}"
                ))
            } else {
                Ok(())
            }
        }
        FieldType::TextLine => {
            let n = value.chars().count();
            if n > TEXT_LINE_MAX {
                fail(format!(
                    "text is {n} characters; text_line fields hold at most {TEXT_LINE_MAX}, so shorten it or use a text_area field"
                ))
            } else if value.contains(['\n', '\r']) {
                fail("text_line fields are a single line; remove the line breaks".to_string())
            } else {
                Ok(())
            }
        }
        FieldType::Url => {
            if is_web_url(value) {
                Ok(())
            } else {
                fail(format!(
                    "url fields take a full http:// or https:// address with a host, not {shown:?}"
                ))
            }
        }
    }
}

fn validate_option(field: &FieldSpec, value: &str) -> Result<(), NormalizeError> {
    let shown = crate::config::shown(value);
    let fail = |reason: String| {
        Err(NormalizeError::InvalidValue {
            field_type: FieldType::Picklist,
            reason,
        })
    };
    let Some(id) = value.parse::<u64>().ok().filter(|_| is_match(&ID, value)) else {
        return fail(format!(
            "picklist fields take an option id, not {shown:?}; use the picklist rule to map a label"
        ));
    };
    match field.options.iter().find(|o| o.id == id) {
        Some(o) if o.is_live() => Ok(()),
        Some(o) => fail(format!(
            "option {id} ({:?}) is deleted; choose a live option",
            o.label
        )),
        None => fail(format!(
            "{id} is not an option of this picklist; choose one of its option ids"
        )),
    }
}

/// `YYYY-MM-DD` naming a day that exists.
pub(crate) fn is_real_date(value: &str) -> bool {
    is_match(&DATE, value) && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
}

fn is_web_url(value: &str) -> bool {
    if value.chars().any(char::is_whitespace) {
        return false;
    }
    match url::Url::parse(value) {
        Ok(u) => {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        for re in [&ID, &WHOLE, &NUMERIC, &DATE, &TIME] {
            assert!(re.is_some());
        }
    }
}
