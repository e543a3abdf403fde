//! Input echoed back in an error: cleaned of control and bidirectional characters, and cut.

use serde_json::Value;

/// Most characters of one given value shown in an error.
pub const GIVEN_CHARS: usize = 80;
/// Most characters of an argument name (or path) taken from the input.
pub const NAME_CHARS: usize = 40;

/// `text` without hidden characters ([`crate::text::is_hidden`]) on one line, cut to `max` characters (an ellipsis marks a cut).
pub fn clean(text: &str, max: usize) -> String {
    crate::text::one_line(text, max)
}

/// A text argument as an error shows it: quoted, cleaned, cut to [`GIVEN_CHARS`].
pub fn given_text(text: &str) -> String {
    format!("\"{}\"", clean(text, GIVEN_CHARS - 2).replace('"', "'"))
}

/// A given JSON value, compact, cleaned and cut to [`GIVEN_CHARS`]; a huge value is never
/// rendered whole.
pub fn given(value: &Value) -> String {
    let mut out = String::new();
    render(value, &mut out);
    clean(&out, GIVEN_CHARS)
}

fn render(value: &Value, out: &mut String) {
    if out.len() > GIVEN_CHARS * 4 {
        return;
    }
    match value {
        Value::String(s) => {
            out.push('"');
            out.push_str(&clean(s, GIVEN_CHARS).replace('"', "'"));
            out.push('"');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if out.len() > GIVEN_CHARS * 4 {
                    break;
                }
                if i > 0 {
                    out.push(',');
                }
                render(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if out.len() > GIVEN_CHARS * 4 {
                    break;
                }
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&format!(
                    "\"{}\":",
                    clean(key, NAME_CHARS).replace('"', "'")
                ));
                render(item, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hidden_characters_are_removed_and_long_text_cut() {
        assert_eq!(
            clean("a\u{202e}b\u{200b}c\u{7}d\u{85}e\u{feff}", 80),
            "abcde"
        );
        let long = "x".repeat(500);
        assert_eq!(clean(&long, 10).chars().count(), 10);
        assert!(clean(&long, 10).ends_with('…'));
        assert_eq!(clean("short", 10), "short");
        assert_eq!(clean("exactly10!", 10), "exactly10!");
    }

    #[test]
    fn given_values_stay_short_whatever_their_size() {
        let huge = json!({"a": vec!["y".repeat(1000); 1000]});
        assert!(given(&huge).chars().count() <= GIVEN_CHARS);
        assert_eq!(given(&json!(5)), "5");
        assert_eq!(given(&json!("a\u{2066}b")), "\"ab\"");
        assert!(given_text(&"z".repeat(10_000)).chars().count() <= GIVEN_CHARS);
    }
}
