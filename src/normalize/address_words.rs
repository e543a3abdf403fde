//! The words of an address in the house style: numbered streets as numerals (`Fifth` -> `5th`)
//! and the letter case of each name word (`MCKINLEY` -> `McKinley`, `lasalle` -> `LaSalle`).

use super::address_data::{INTERIOR_CAPS, ORDINALS, TENS};
use super::street::{Kind, Out, Tok};
use super::text::{capitalize_name, per_hyphen};

/// Words kept lower case inside a street or city name (`Avenue of the Americas`).
const SMALL: &[&str] = &["of", "the", "and"];

/// The words of a street name, a spelled-out ordinal written as a numeral (`Twenty-First`,
/// `Twenty First` -> `21st`), so `5th Ave` and `Fifth Ave` are one street.
pub(crate) fn street_name(t: &[Tok]) -> Out {
    let mut out = Out::new();
    let mut i = 0;
    while i < t.len() {
        match ordinal_at(t, i) {
            Some((n, used)) => {
                out.push((numeral(n), Kind::Word));
                i += used;
            }
            None => {
                out.push((t[i].orig.clone(), Kind::Word));
                i += 1;
            }
        }
    }
    out
}

/// A spelled-out ordinal starting at `t[i]`: its number and how many words it used.
fn ordinal_at(t: &[Tok], i: usize) -> Option<(u32, usize)> {
    let word = t.get(i)?.up.as_str();
    let unit = |w: &str| {
        ORDINALS
            .iter()
            .find(|(name, n)| *name == w && *n < 10)
            .map(|(_, n)| *n)
    };
    let tens = |w: &str| TENS.iter().find(|(name, _)| *name == w).map(|(_, n)| *n);
    if let Some((_, n)) = ORDINALS.iter().find(|(name, _)| *name == word) {
        return Some((*n, 1));
    }
    if let Some((a, b)) = word.split_once('-')
        && let (Some(t), Some(u)) = (tens(a), unit(b))
    {
        return Some((t + u, 1));
    }
    let next = t.get(i + 1).map(|x| x.up.as_str());
    match (tens(word), next.and_then(unit)) {
        (Some(t), Some(u)) => Some((t + u, 2)),
        _ => None,
    }
}

/// `21` -> `21st`, `12` -> `12th`.
fn numeral(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A word of a street or city name in title style, the same however it was typed: known names
/// with inner capitals as they are written, `of`/`the`/`and` lower case inside a name, a name
/// typed with inner capitals (`DeKalb`) kept, and otherwise capitalized (`McKinley`, `O'Brien`).
pub(crate) fn title_word(word: &str, first: bool) -> String {
    let lower = word.to_lowercase();
    if let Some(known) = INTERIOR_CAPS.iter().find(|k| k.to_lowercase() == lower) {
        return known.to_string();
    }
    if !first && SMALL.contains(&lower.as_str()) {
        return lower;
    }
    per_hyphen(word, |part| {
        if has_inner_capitals(part) {
            part.to_string()
        } else {
            capitalize_name(part)
        }
    })
}

/// `DeKalb`, `MacArthur`: capitals typed on purpose inside a name (not `MAin`, not `Mcdonald`).
fn has_inner_capitals(part: &str) -> bool {
    let mut humps = 0;
    let mut chars = part.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_ascii_uppercase() {
            return false;
        }
        let mut lower = 0;
        while chars.peek().is_some_and(char::is_ascii_lowercase) {
            chars.next();
            lower += 1;
        }
        if lower == 0 {
            return false;
        }
        humps += 1;
    }
    humps >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        s.split(' ')
            .map(|w| Tok {
                orig: w.to_string(),
                up: w.to_uppercase(),
                seg: 0,
            })
            .collect()
    }

    fn name(s: &str) -> Vec<String> {
        street_name(&toks(s)).into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn spelled_ordinals_become_numerals() {
        assert_eq!(name("Fifth"), ["5th"]);
        assert_eq!(name("twenty-first"), ["21st"]);
        assert_eq!(name("Forty Second"), ["42nd"]);
        assert_eq!(name("TWELFTH"), ["12th"]);
        assert_eq!(name("Twenty"), ["Twenty"]);
        assert_eq!(name("Old Mill"), ["Old", "Mill"]);
    }

    #[test]
    fn name_words_come_out_one_way_however_typed() {
        for (typed, want) in [
            ("MCKINLEY", "McKinley"),
            ("mckinley", "McKinley"),
            ("Mckinley", "McKinley"),
            ("LASALLE", "LaSalle"),
            ("lasalle", "LaSalle"),
            ("O'CONNELL", "O'Connell"),
            ("MAin", "Main"),
            ("DeKalb", "DeKalb"),
            ("SAINT-JEAN", "Saint-Jean"),
            ("5TH", "5th"),
        ] {
            assert_eq!(title_word(typed, true), want, "{typed}");
            assert_eq!(title_word(want, true), want, "{want} is stable");
        }
        assert_eq!(title_word("OF", false), "of");
        assert_eq!(title_word("OF", true), "Of");
    }
}
