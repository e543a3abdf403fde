//! The person_name rule: case and spacing of a person's name, optionally `LAST, FIRST` reordered.

use super::text::{capitalize_name, collapse, is_mixed_case, is_roman, per_hyphen};
use super::{Outcome, PersonNameOptions};

/// Surname particles written lowercase inside a name (`Ludwig van Beethoven`, `Maria de la Cruz`).
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la", "le",
    "ter", "ten", "bin", "ibn",
];

/// Generational and professional suffixes, in their canonical spelling.
const SUFFIXES: &[&str] = &[
    "Jr.", "Sr.", "II", "III", "IV", "V", "Esq.", "MD", "PhD", "DDS", "CPA",
];

fn suffix(word: &str) -> Option<&'static str> {
    let k: String = word
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    SUFFIXES.iter().copied().find(|s| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
            == k
    })
}

pub(crate) fn apply(value: &str, opts: &PersonNameOptions) -> Outcome {
    let new = match render(value, opts) {
        Ok(new) => new,
        Err(o) => return o,
    };
    // Exotic case mappings can make a second pass differ; such names are left to a person.
    if render(&new, opts).as_ref() != Ok(&new) {
        return Outcome::human(
            "this name has letters whose case cannot be settled; edit it by hand",
        );
    }
    Outcome::settle(value, new)
}

fn render(value: &str, opts: &PersonNameOptions) -> Result<String, Outcome> {
    let s = collapse(value);
    if s.chars()
        .any(|c| c.is_ascii_digit() || matches!(c, '@' | '/' | '\\' | '(' | ')'))
    {
        return Err(Outcome::human(
            "this does not look like a person's name (digits or symbols); check the field",
        ));
    }
    let s = s.replace(" ,", ",");
    let commas = s.matches(',').count();
    let ordered = if commas == 0 {
        s.clone()
    } else if let Some((head, tail)) = s.split_once(',') {
        let tail = tail.trim();
        let tail_is_suffix = !tail.is_empty() && tail.split(' ').all(|w| suffix(w).is_some());
        if tail_is_suffix && commas == 1 {
            // `John Smith, Jr.`: a suffix after the comma, not `LAST, FIRST`.
            format!("{head} {tail}")
        } else if commas == 1 && opts.reorder_last_first && !tail.is_empty() && !head.is_empty() {
            reorder(head.trim(), tail)
        } else if commas == 1 {
            format!("{}, {}", head.trim(), tail)
        } else {
            return Err(Outcome::human(
                "the name has several commas; rewrite it as First Last by hand",
            ));
        }
    } else {
        s.clone()
    };
    let words: Vec<&str> = ordered.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return Err(Outcome::human("there is no name here; check the field"));
    }
    let last = words.len() - 1;
    let cased: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| case_word(w, i, last))
        .collect();
    Ok(cased.join(" "))
}

/// `Smith Jr., John A.` -> `John A. Smith Jr.`
fn reorder(last: &str, first: &str) -> String {
    let (mut surname, mut sfx) = (Vec::new(), Vec::new());
    for w in last.split(' ') {
        if suffix(w).is_some() && !surname.is_empty() {
            sfx.push(w);
        } else {
            surname.push(w);
        }
    }
    let (mut given, mut trailing) = (Vec::new(), Vec::new());
    for w in first.split(' ') {
        // A lone `V` after a given name is a middle initial, not "the fifth".
        if suffix(w).is_some() && !given.is_empty() && w.len() > 1 {
            trailing.push(w);
        } else {
            given.push(w);
        }
    }
    given
        .into_iter()
        .chain(surname)
        .chain(sfx)
        .chain(trailing)
        .collect::<Vec<_>>()
        .join(" ")
}

fn case_word(word: &str, i: usize, last: usize) -> String {
    let (core, comma) = match word.strip_suffix(',') {
        Some(c) => (c, ","),
        None => (word, ""),
    };
    // A lone `V` is a suffix only at the end; `II` and `Jr` anywhere after the first word.
    let out = if i > 0
        && let Some(s) = suffix(core).filter(|_| core.len() > 1 || i == last)
    {
        s.to_string()
    } else if is_roman(core) && i > 0 {
        core.to_uppercase()
    } else if i > 0
        && i < last
        && PARTICLES.contains(&core.to_lowercase().as_str())
        && !is_mixed_case(core)
    {
        core.to_lowercase()
    } else {
        per_hyphen(core, case_part)
    };
    format!("{out}{comma}")
}

fn case_part(part: &str) -> String {
    if is_mixed_case(part) {
        return part.to_string();
    }
    capitalize_name(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str, reorder: bool) -> String {
        match apply(
            s,
            &PersonNameOptions {
                reorder_last_first: reorder,
            },
        ) {
            Outcome::Change { new } => new,
            Outcome::AlreadyClean => s.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names() {
        assert_eq!(run("  JOHN   O'BRIEN ", false), "John O'Brien");
        assert_eq!(run("ronald mcdonald", false), "Ronald McDonald");
        assert_eq!(run("LUDWIG VAN BEETHOVEN", false), "Ludwig van Beethoven");
        assert_eq!(run("SMITH, JOHN", true), "John Smith");
        assert_eq!(run("SMITH, JOHN", false), "Smith, John");
        assert_eq!(run("john smith, jr", true), "John Smith Jr.");
        assert_eq!(run("smith jr., john a.", true), "John A. Smith Jr.");
    }
}
