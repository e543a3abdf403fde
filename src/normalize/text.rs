//! Whitespace and letter-case rules for free text, and the word-casing helpers other rules share.

use super::{CaseMode, Outcome};

/// Characters that look like nothing and break matching; removed outright.
const INVISIBLE: [char; 5] = ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'];

pub(crate) fn is_blank(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_whitespace() || INVISIBLE.contains(&c))
}

/// Trims, drops invisible characters, collapses runs of spaces. In a text area line breaks are
/// kept (at most one blank line in a row); elsewhere they become spaces.
pub(crate) fn whitespace(s: &str, multiline: bool) -> String {
    let cleaned: String = s.chars().filter(|c| !INVISIBLE.contains(c)).collect();
    if !multiline {
        return collapse(&cleaned);
    }
    let unified = cleaned.replace("\r\n", "\n").replace('\r', "\n");
    let mut out: Vec<String> = Vec::new();
    for line in unified.split('\n') {
        let line = collapse(line);
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// One space between words, none at the ends; every Unicode space counts.
pub(crate) fn collapse(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || INVISIBLE.contains(&c))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words kept lowercase inside a title (first and last word are still capitalised).
const SMALL_WORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "but", "by", "for", "in", "nor", "of", "on", "or", "per", "the",
    "to", "v.", "vs.", "via", "et", "al.", "ex", "rel.", "re",
];

/// Legal and corporate forms with one correct spelling, matched ignoring case and dots.
const FORMS: &[&str] = &[
    "LLC", "L.L.C.", "LLP", "L.L.P.", "LLLP", "PLLC", "LP", "L.P.", "P.C.", "P.A.", "PC", "PA",
    "Inc.", "Corp.", "Co.", "Ltd.", "Ltée", "N.A.", "PLC", "S.A.", "GmbH", "AG", "ULC", "DBA",
    "d/b/a", "a/k/a", "f/k/a", "n/k/a", "USA", "II", "III", "IV", "Jr.", "Sr.", "Esq.",
];

fn key(word: &str) -> String {
    word.chars()
        .filter(|c| *c != '.' && *c != ',')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The canonical spelling of a legal form, if `word` is one (`llc` -> `LLC`, `inc` -> `Inc.`).
pub(crate) fn legal_form(word: &str) -> Option<&'static str> {
    let k = key(word);
    if k.is_empty() {
        return None;
    }
    // `CO` is far more often Colorado than a dotless `Co.`.
    FORMS
        .iter()
        .copied()
        .find(|f| key(f) == k && (*f != "Co." || word.contains('.')))
}

/// Mixed case (`McDonald`, `iPhone`, `DeShawn`) was typed on purpose; rules leave it alone.
pub(crate) fn is_mixed_case(word: &str) -> bool {
    word.chars().any(char::is_lowercase) && word.chars().any(char::is_uppercase)
}

/// First letter up, rest down; after an apostrophe following a single letter (`O'Brien`,
/// `D'Angelo`) the next letter is capitalised too, but not in contractions (`Don't`, `I'm`).
pub(crate) fn capitalize(word: &str) -> String {
    let lower: Vec<char> = word.to_lowercase().chars().collect();
    let mut out = String::with_capacity(word.len());
    // Only a leading letter is raised: `5th` stays `5th`, `(john)` becomes `(John)`.
    let mut seen_alnum = false;
    for (i, c) in lower.iter().enumerate() {
        let after_prefix_apostrophe =
            i == 2 && matches!(lower[1], '\'' | '’') && lower[0].is_alphabetic() && lower.len() > 3;
        if (!seen_alnum && c.is_alphabetic()) || after_prefix_apostrophe {
            // Title case, not upper case: `ß` becomes `Ss`, never `SS`.
            let mut up = c.to_uppercase();
            out.extend(up.next());
            out.extend(up.flat_map(char::to_lowercase));
        } else {
            out.push(*c);
        }
        if c.is_alphanumeric() {
            seen_alnum = true;
        }
    }
    out
}

/// [`capitalize`] for a name: `MCDONALD` -> `McDonald`. `Mac` is left alone because Mack, Macy
/// and Machado are not `MacK`.
pub(crate) fn capitalize_name(part: &str) -> String {
    let cap = capitalize(part);
    if part.to_lowercase().starts_with("mc") && part.chars().count() > 3 {
        let mut chars = cap.chars();
        let head: String = chars.by_ref().take(2).collect();
        let rest: String = chars.collect();
        return format!("{head}{}", capitalize(&rest));
    }
    cap
}

/// Applies `f` to each hyphen-separated part, so `SMITH-JONES` becomes `Smith-Jones`.
pub(crate) fn per_hyphen(word: &str, f: impl Fn(&str) -> String) -> String {
    word.split('-').map(f).collect::<Vec<_>>().join("-")
}

/// `II`, `XIV`: short roman numerals stay uppercase in titles and names.
pub(crate) fn is_roman(word: &str) -> bool {
    let w = word.to_uppercase();
    let w = w.trim_end_matches(['.', ',']);
    if w.len() < 2 || w.len() > 5 {
        return false;
    }
    const ROMANS: &[&str] = &[
        "II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XX",
    ];
    ROMANS.contains(&w)
}

pub(crate) fn case(value: &str, mode: CaseMode, multiline: bool) -> Outcome {
    let apply = |s: &str| -> String {
        whitespace(s, multiline)
            .split('\n')
            .map(|line| match mode {
                CaseMode::Upper => line.to_uppercase(),
                CaseMode::Lower => line.to_lowercase(),
                CaseMode::Title => title(line),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let new = apply(value);
    // Some characters change length or meaning under case mapping (`ß` -> `SS`, `İ`): a second
    // pass must not change them again, or the value would never settle.
    let again = apply(&new);
    if again != new {
        return Outcome::human(
            "this text has letters whose case cannot be changed reliably; edit it by hand",
        );
    }
    Outcome::settle(value, new)
}

fn title(s: &str) -> String {
    let words: Vec<&str> = s.split(' ').collect();
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| title_word(w, i == 0, i == last))
        .collect::<Vec<_>>()
        .join(" ")
}

fn title_word(word: &str, first: bool, last: bool) -> String {
    if let Some(form) = legal_form(word) {
        return trailing_comma(word, form);
    }
    let lower = word.to_lowercase();
    if !first && !last && SMALL_WORDS.contains(&lower.as_str()) {
        return lower;
    }
    if is_roman(word) {
        return word.to_uppercase();
    }
    per_hyphen(word, |part| {
        if is_mixed_case(part) {
            part.to_string()
        } else {
            capitalize(part)
        }
    })
}

/// Keeps a comma that followed a legal form (`Acme, LLC,`).
fn trailing_comma(word: &str, form: &str) -> String {
    if word.ends_with(',') {
        format!("{form},")
    } else {
        form.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitalize_handles_apostrophes() {
        assert_eq!(capitalize("o'brien"), "O'Brien");
        assert_eq!(capitalize("DON'T"), "Don't");
        assert_eq!(capitalize("i'm"), "I'm");
    }

    #[test]
    fn title_keeps_legal_forms() {
        assert_eq!(
            title("SMITH V. ACME HOLDINGS LLC"),
            "Smith v. Acme Holdings LLC"
        );
        assert_eq!(
            title("estate of the late jane doe"),
            "Estate of the Late Jane Doe"
        );
    }
}
