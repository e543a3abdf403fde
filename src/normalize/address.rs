//! The address rule: US and Canadian street addresses in one court-ready house format.

use super::address_data::{
    COMMON_SUFFIXES, DIRECTIONALS, POSTAL_REGIONS, PROVINCES, REGION_ALIASES, STATES, SUFFIXES,
    UNITS, ZIP_REGIONS,
};
use super::text::{capitalize, collapse, is_mixed_case, per_hyphen};
use super::{AddressLayout, AddressOptions, AddressStyle, Candidate, Outcome};

/// One word of the input: as typed (dots removed) and uppercased.
#[derive(Debug, Clone)]
struct Tok {
    orig: String,
    up: String,
    seg: usize,
}

/// How a word of the output is cased in title style.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Code,
    Abbr,
    Word,
}

type Out = Vec<(String, Kind)>;

pub(crate) fn apply(value: &str, opts: &AddressOptions, text_area: bool) -> Outcome {
    let multi = match opts.layout {
        AddressLayout::Auto => text_area,
        AddressLayout::SingleLine => false,
        AddressLayout::MultiLine => true,
    };
    match parse(value) {
        Ok((street, city, region, postal)) => {
            let street = render(&street, opts.style);
            let city = render(&city, opts.style);
            let last = format!("{city}, {region} {postal}");
            let sep = if multi { "\n" } else { ", " };
            Outcome::settle(value, format!("{street}{sep}{last}"))
        }
        Err(o) => o,
    }
}

type Parsed = (Out, Out, String, String);

fn parse(value: &str) -> Result<Parsed, Outcome> {
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
                render(&street, AddressStyle::UspsCaps),
                render(&city, AddressStyle::UspsCaps)
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

fn take_region(toks: &mut Vec<Tok>) -> Option<String> {
    for n in (1..=4).rev() {
        if toks.len() <= n {
            continue;
        }
        let tail = joined(&toks[toks.len() - n..]);
        let named = STATES
            .iter()
            .chain(PROVINCES)
            .find(|(code, name)| fold(&name.to_uppercase()) == tail || (n == 1 && *code == tail));
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

fn suffix_abbr(w: &str) -> Option<&'static str> {
    SUFFIXES
        .iter()
        .find(|(a, v)| *a == w || v.contains(&w))
        .map(|(a, _)| *a)
}

fn dir_abbr(w: &str) -> Option<&'static str> {
    DIRECTIONALS
        .iter()
        .find(|(a, v)| *a == w || v.contains(&w))
        .map(|(a, _)| *a)
}

fn unit_abbr(w: &str) -> Option<(&'static str, bool)> {
    UNITS
        .iter()
        .find(|(a, v, _)| *a == w || v.contains(&w))
        .map(|(a, _, id)| (*a, *id))
}

fn ordinal(w: &str) -> Option<&str> {
    ["ST", "ND", "RD", "TH"]
        .iter()
        .find_map(|s| w.strip_suffix(s))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn is_unit_id(w: &str) -> bool {
    w.chars().any(|c| c.is_ascii_digit())
        || (w.chars().count() == 1 && w.chars().all(char::is_alphabetic))
}

/// A secondary unit starting at `i`: its output words and how many input words it used.
fn unit_at(t: &[Tok], i: usize) -> Option<(Out, usize)> {
    let w = t.get(i)?.up.as_str();
    let next = t.get(i + 1).map(|x| x.up.as_str());
    if let (Some(n), Some(("FL", _))) = (ordinal(w), next.and_then(unit_abbr)) {
        return Some((vec![("FL".into(), Kind::Abbr), (n.into(), Kind::Code)], 2));
    }
    let (abbr, needs_id) = if w == "#" { ("#", true) } else { unit_abbr(w)? };
    if !needs_id {
        return Some((vec![(abbr.into(), Kind::Abbr)], 1));
    }
    let skip = usize::from(next == Some("#") && abbr != "#");
    let id = t.get(i + 1 + skip)?.up.as_str();
    let id = if abbr == "FL" {
        ordinal(id).unwrap_or(id)
    } else {
        id
    };
    is_unit_id(id).then(|| {
        (
            vec![(abbr.into(), Kind::Abbr), (id.into(), Kind::Code)],
            2 + skip,
        )
    })
}

/// Units from `i` to the end, if everything from `i` on is units.
fn units_from(t: &[Tok], mut i: usize) -> Option<Out> {
    let mut out = Vec::new();
    while i < t.len() {
        let (u, n) = unit_at(t, i)?;
        out.extend(u);
        i += n;
    }
    Some(out)
}

fn split_city(toks: &[Tok]) -> Result<(Vec<Tok>, Vec<Tok>), Outcome> {
    let last_seg = toks.last().map_or(0, |t| t.seg);
    let first_of_last = toks.iter().position(|t| t.seg == last_seg).unwrap_or(0);
    let tail = &toks[first_of_last..];
    let tail_is_city = first_of_last > 0
        && unit_at(tail, 0).is_none()
        && !tail
            .iter()
            .any(|t| t.up.chars().any(|c| c.is_ascii_digit()));
    if tail_is_city {
        return Ok((toks[..first_of_last].to_vec(), tail.to_vec()));
    }
    let box_at = toks
        .iter()
        .take(4)
        .position(|t| matches!(t.up.as_str(), "BOX" | "POB" | "POBOX"));
    if let Some(e) = box_at
        .map(|b| b + 2)
        .filter(|e| *e < toks.len() && po_box(&toks[..*e]).is_some())
    {
        return Ok((toks[..e].to_vec(), toks[e..].to_vec()));
    }
    let end_after = |i: usize| {
        let mut e = i + 1;
        if toks.get(e).is_some_and(|t| dir_abbr(&t.up).is_some()) && e + 1 < toks.len() {
            e += 1;
        }
        while let Some((_, n)) = unit_at(toks, e) {
            e += n;
        }
        (e < toks.len()).then_some(e)
    };
    let is_common = |t: &Tok| suffix_abbr(&t.up).is_some_and(|a| COMMON_SUFFIXES.contains(&a));
    let is_any = |t: &Tok| suffix_abbr(&t.up).is_some();
    let by_suffix = |pred: &dyn Fn(&Tok) -> bool| {
        (2..toks.len())
            .filter(|i| pred(&toks[*i]))
            .find_map(end_after)
    };
    let by_unit = || {
        (2..toks.len())
            .find(|i| unit_at(toks, *i).is_some_and(|(_, n)| n == 2))
            .and_then(|i| end_after(i + 1).map(|_| i + 2))
    };
    // A unit (`Ste 3000`) is a surer end of the street than a rarer suffix (`Ville`).
    match by_suffix(&is_common)
        .or_else(by_unit)
        .or_else(|| by_suffix(&is_any))
    {
        Some(e) => Ok((toks[..e].to_vec(), toks[e..].to_vec())),
        None => Err(Outcome::human(
            "could not tell where the street ends and the city begins; add a comma between them",
        )),
    }
}

fn street(toks: &[Tok]) -> Result<Out, Outcome> {
    let mut t = toks.to_vec();
    let mut units = Vec::new();
    // `Suite 200, 123 Main St`: the unit moves after the street.
    if let Some((u, n)) =
        unit_at(&t, 0).filter(|(_, n)| t.get(*n).is_some_and(|x| starts_digit(&x.up)))
    {
        units.extend(u);
        t.drain(..n);
    }
    let k = (2..=t.len())
        .find(|k| units_from(&t, *k).is_some())
        .unwrap_or(t.len());
    units.extend(units_from(&t, k).unwrap_or_default());
    let core = &t[..k];
    let mut out = po_box(core).map_or_else(|| house(core), Ok)?;
    out.extend(units);
    Ok(out)
}

fn starts_digit(w: &str) -> bool {
    w.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn po_box(core: &[Tok]) -> Option<Out> {
    let words: Vec<&str> = core.iter().map(|t| t.up.as_str()).collect();
    let rest = match words.as_slice() {
        ["PO", "BOX", rest @ ..] | ["P", "O", "BOX", rest @ ..] | ["POB", rest @ ..] => rest,
        ["POST", "OFFICE", "BOX", rest @ ..] | ["POBOX", rest @ ..] => rest,
        _ => return None,
    };
    match rest {
        [n] if is_unit_id(n) => Some(vec![
            ("PO".into(), Kind::Code),
            ("BOX".into(), Kind::Abbr),
            ((*n).into(), Kind::Code),
        ]),
        _ => None,
    }
}

fn house(core: &[Tok]) -> Result<Out, Outcome> {
    let Some(first) = core.first().filter(|t| starts_digit(&t.up)) else {
        return Err(Outcome::human(
            "the address does not start with a street number; check it and fix it by hand",
        ));
    };
    let mut out: Out = vec![(first.up.clone(), Kind::Code)];
    let mut rest = &core[1..];
    if let Some(frac) = rest
        .first()
        .filter(|t| t.up.contains('/') && starts_digit(&t.up))
    {
        out.push((frac.up.clone(), Kind::Code));
        rest = &rest[1..];
    }
    let n = rest.len();
    let mut post = None;
    let mut sfx = None;
    let mut end = n;
    if n >= 3 && dir_abbr(&rest[n - 1].up).is_some() && suffix_abbr(&rest[n - 2].up).is_some() {
        post = dir_abbr(&rest[n - 1].up);
        end = n - 1;
    }
    if end >= 2
        && let Some(a) = suffix_abbr(&rest[end - 1].up)
    {
        sfx = Some(a);
        end -= 1;
    } else if end >= 3
        && digits_only(&rest[end - 1].up)
        && let Some(a) = suffix_abbr(&rest[end - 2].up)
    {
        // `State Hwy 7`, `County Road 12`: the type comes before its number.
        let num = rest[end - 1].up.clone();
        let mut mid: Out = name_words(&rest[..end - 2]);
        mid.push((a.into(), Kind::Abbr));
        mid.push((num, Kind::Code));
        out.extend(mid);
        return Ok(out);
    }
    let mut start = 0;
    if end >= 2
        && let Some(d) = dir_abbr(&rest[0].up)
    {
        out.push((d.into(), Kind::Code));
        start = 1;
    }
    out.extend(name_words(&rest[start..end]));
    if let Some(a) = sfx {
        out.push((a.into(), Kind::Abbr));
    }
    if let Some(d) = post {
        out.push((d.into(), Kind::Code));
    }
    Ok(out)
}

fn digits_only(w: &str) -> bool {
    !w.is_empty() && w.chars().all(|c| c.is_ascii_digit())
}

fn name_words(t: &[Tok]) -> Out {
    t.iter().map(|x| (x.orig.clone(), Kind::Word)).collect()
}

fn render(words: &Out, style: AddressStyle) -> String {
    words
        .iter()
        .map(|(w, kind)| match (style, kind) {
            (AddressStyle::UspsCaps, _) | (_, Kind::Code) => w.to_uppercase(),
            (AddressStyle::TitleCase, Kind::Abbr) => capitalize(w),
            (AddressStyle::TitleCase, Kind::Word) if is_mixed_case(w) => w.clone(),
            (AddressStyle::TitleCase, Kind::Word) => per_hyphen(w, capitalize),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
