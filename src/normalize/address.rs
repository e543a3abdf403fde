//! The address rule: US and Canadian street addresses in one court-ready house format.
//!
//! One place, one output: every spelling of a street type, directional, unit designator
//! (a bare `#` included), state or province, postal code and PO box maps to one form, and the
//! letter case of every word is decided by the style, not by how it was typed. The house
//! style (`title_case`, the default) is `6299 Spring Pl Ste 400, Eugene, OR 97401`;
//! `usps_caps` is `6299 SPRING PL STE 400, EUGENE, OR 97401`.

use super::address_data::{POSTAL_REGIONS, PROVINCES, REGION_ALIASES, STATES, ZIP_REGIONS};
use super::address_words::title_word;
use super::street::{Kind, Out, Tok, split_city, street};
use super::text::{capitalize, collapse};
use super::{AddressLayout, AddressOptions, AddressStyle, Candidate, Outcome};
use std::sync::LazyLock;

pub(crate) fn apply(value: &str, opts: &AddressOptions, text_area: bool) -> Outcome {
    let multi = match opts.layout {
        AddressLayout::Auto => text_area,
        AddressLayout::SingleLine => false,
        AddressLayout::MultiLine => true,
    };
    let new = match format(value, opts.style, multi) {
        Ok(new) => new,
        Err(o) => return o,
    };
    // Some letters change under case mapping more than once (`ǅ`, `İ`): an output that would
    // change again is not proposed, so the house style always settles.
    if format(&new, opts.style, multi).as_ref() != Ok(&new) {
        return Outcome::human(
            "this address has letters whose case cannot be changed reliably; edit it by hand",
        );
    }
    Outcome::settle(value, new)
}

/// The address in `style`: street, then city, region and postal code on the same line after
/// a comma or (`multi`) on a line of their own.
fn format(value: &str, style: AddressStyle, multi: bool) -> Result<String, Outcome> {
    let (street, city, region, postal) = parse(value, style)?;
    let street = render(&street, style);
    let city = render(&city, style);
    let sep = if multi { "\n" } else { ", " };
    Ok(format!("{street}{sep}{city}, {region} {postal}"))
}

type Parsed = (Out, Out, String, String);

fn parse(value: &str, style: AddressStyle) -> Result<Parsed, Outcome> {
    let mut toks = tokenize(value);
    strip_country(&mut toks);
    let postal = take_postal(&mut toks);
    let Some(region) = take_region(&mut toks) else {
        return Err(Outcome::human(
            "could not find a state or province; add it (and the ZIP or postal code) by hand",
        ));
    };
    if let Some(reason) = postal.as_deref().and_then(|p| mismatch(p, &region)) {
        return Err(Outcome::human(reason));
    }
    let (street_toks, city_toks) = split_city(&toks)?;
    let street = street(&street_toks)?;
    let city: Out = city_toks
        .iter()
        .map(|t| (t.orig.clone(), Kind::Word))
        .collect();
    match postal {
        Some(p) => Ok((street, city, region, p)),
        None => {
            let guess = format!(
                "{}, {}, {region}",
                render(&street, style),
                render(&city, style)
            );
            Err(Outcome::human_with(
                "the ZIP or postal code is missing; look it up and add it",
                vec![Candidate {
                    label: guess.clone(),
                    value: guess,
                    score: 0.5,
                }],
            ))
        }
    }
}

fn tokenize(value: &str) -> Vec<Tok> {
    let flat = value
        .replace(['\n', '\r', ';'], ",")
        .replace('.', "")
        .replace('#', " # ");
    let mut out = Vec::new();
    for (seg, part) in flat
        .split(',')
        .filter(|p| !collapse(p).is_empty())
        .enumerate()
    {
        // A lone dash (`Unit 1500 - 1055 W Georgia St`) only separates; it is not a word.
        for w in collapse(part)
            .split(' ')
            .filter(|w| !w.chars().all(|c| "-–—".contains(c)))
        {
            out.push(Tok {
                orig: w.to_string(),
                up: w.to_uppercase(),
                seg,
            });
        }
    }
    out
}

fn strip_country(toks: &mut Vec<Tok>) {
    for country in [
        "UNITED STATES OF AMERICA",
        "UNITED STATES",
        "USA",
        "US",
        "CANADA",
    ] {
        let n = country.split(' ').count();
        if toks.len() > n && joined(&toks[toks.len() - n..]) == country {
            toks.truncate(toks.len() - n);
            return;
        }
    }
}

fn joined(toks: &[Tok]) -> String {
    toks.iter()
        .map(|t| fold(&t.up))
        .collect::<Vec<_>>()
        .join(" ")
}

fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'À' | 'Á' | 'Â' | 'Ä' => 'A',
            'È' | 'É' | 'Ê' | 'Ë' => 'E',
            'Î' | 'Ï' => 'I',
            'Ô' | 'Ö' => 'O',
            'Ù' | 'Û' | 'Ü' => 'U',
            'Ç' => 'C',
            other => other,
        })
        .collect()
}

fn is_ca_postal(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    c.len() == 6
        && c.iter().enumerate().all(|(i, ch)| {
            if i % 2 == 0 {
                ch.is_ascii_uppercase()
            } else {
                ch.is_ascii_digit()
            }
        })
        && !c.iter().any(|ch| "DFIOQU".contains(*ch))
        && !"WZ".contains(c[0])
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.chars().all(|c| c.is_ascii_digit())
}

fn take_postal(toks: &mut Vec<Tok>) -> Option<String> {
    let n = toks.len();
    let last = toks.last()?.up.clone();
    let prev = if n >= 2 {
        toks[n - 2].up.clone()
    } else {
        String::new()
    };
    let (code, used) = if digits(&last, 5) {
        (last, 1)
    } else if digits(&last, 9) {
        (format!("{}-{}", &last[..5], &last[5..]), 1)
    } else if let Some((a, b)) = last
        .split_once('-')
        .filter(|(a, b)| digits(a, 5) && digits(b, 4))
    {
        (format!("{a}-{b}"), 1)
    } else if digits(&last, 4) && digits(&prev, 5) {
        (format!("{prev}-{last}"), 2)
    } else if is_ca_postal(&last.replace('-', "")) {
        let c = last.replace('-', "");
        (format!("{} {}", &c[..3], &c[3..]), 1)
    } else if is_ca_postal(&format!("{prev}{last}")) && prev.len() == 3 {
        (format!("{prev} {last}"), 2)
    } else {
        return None;
    };
    // A lone number with nothing before it is a house number, not a ZIP.
    if n <= used {
        return None;
    }
    toks.truncate(n - used);
    Some(code)
}

/// Every state and province as `(code, name upper-cased and without accents)`, folded once.
static REGION_NAMES: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    STATES
        .iter()
        .chain(PROVINCES)
        .map(|(code, name)| (*code, fold(&name.to_uppercase())))
        .collect()
});

fn take_region(toks: &mut Vec<Tok>) -> Option<String> {
    for n in (1..=4).rev() {
        if toks.len() <= n {
            continue;
        }
        let tail = joined(&toks[toks.len() - n..]);
        let named = REGION_NAMES
            .iter()
            .find(|(code, name)| *name == tail || (n == 1 && *code == tail));
        let code = named.map(|(c, _)| *c).or_else(|| {
            REGION_ALIASES
                .iter()
                .find(|(alias, _)| *alias == tail)
                .map(|(_, c)| *c)
        });
        if let Some(code) = code {
            toks.truncate(toks.len() - n);
            return Some(code.to_string());
        }
    }
    None
}

fn mismatch(postal: &str, region: &str) -> Option<String> {
    let canadian = PROVINCES.iter().any(|(c, _)| *c == region);
    let first = postal.chars().next()?;
    let table = if first.is_ascii_digit() {
        ZIP_REGIONS
    } else {
        POSTAL_REGIONS
    };
    if first.is_ascii_digit() == canadian {
        return Some(format!(
            "{postal} does not fit {region} (a {} code with a {} region); check which is right",
            if canadian {
                "US ZIP"
            } else {
                "Canadian postal"
            },
            if canadian { "Canadian" } else { "US" }
        ));
    }
    let ok = table
        .iter()
        .any(|(c, regions)| *c == first && regions.contains(&region));
    (!ok).then(|| format!("{postal} is not a postal code used in {region}; check which is right"))
}

fn render(words: &Out, style: AddressStyle) -> String {
    words
        .iter()
        .enumerate()
        .map(|(i, (w, kind))| match (style, kind) {
            (AddressStyle::UspsCaps, _) | (_, Kind::Code) => w.to_uppercase(),
            (AddressStyle::TitleCase, Kind::Abbr) => capitalize(w),
            (AddressStyle::TitleCase, Kind::Word) => {
                // `of` is lower case inside a name, not at its start (`The Dalles`).
                let first = i == 0 || words[i - 1].1 != Kind::Word;
                title_word(w, first)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
