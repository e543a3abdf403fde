//! The street line of an address: where it ends, its number, directionals, suffix and units.

use super::Outcome;
use super::address_data::{COMMON_SUFFIXES, DIRECTIONALS, SUFFIXES, UNITS};

/// One word of the input: as typed (dots removed) and uppercased.
#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub(crate) orig: String,
    pub(crate) up: String,
    pub(crate) seg: usize,
}

/// How a word of the output is cased in title style.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Code,
    Abbr,
    Word,
}

pub(crate) type Out = Vec<(String, Kind)>;

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
    // A bare `#` names no kind of unit; the house style writes it `Ste` (a firm's book is
    // mostly offices), so `#400` and `Suite 400` are one suite.
    let (abbr, needs_id) = if w == "#" {
        ("STE", true)
    } else {
        unit_abbr(w)?
    };
    if !needs_id {
        return Some((vec![(abbr.into(), Kind::Abbr)], 1));
    }
    let skip = usize::from(next == Some("#") && w != "#");
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

pub(crate) fn split_city(toks: &[Tok]) -> Result<(Vec<Tok>, Vec<Tok>), Outcome> {
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
    // `PO Box #123`: the number sign is not a word of its own.
    let hash_after = |b: usize| usize::from(toks.get(b + 1).is_some_and(|t| t.up == "#"));
    if let Some(e) = box_at
        .map(|b| b + 2 + hash_after(b))
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
            .map(|i| {
                // `Park Place Dr`: a street type right before another is part of the name.
                // Not before `St`, which opening a city is Saint (`Main St St Louis`).
                let next = toks.get(i + 1);
                let typed = next.is_some_and(|t| is_common(t) && suffix_abbr(&t.up) != Some("ST"));
                if typed { i + 1 } else { i }
            })
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

pub(crate) fn street(toks: &[Tok]) -> Result<Out, Outcome> {
    if let Some(line) = po_box(toks) {
        return Ok(line);
    }
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

/// Lines without a street: `PO BOX 12` (with a Canadian `STN A`), and rural routes `RR 2`.
fn po_box(core: &[Tok]) -> Option<Out> {
    let words: Vec<&str> = core.iter().map(|t| t.up.as_str()).collect();
    let code = |w: &str| (w.to_string(), Kind::Code);
    if let ["RR", n] | ["RURAL", "ROUTE", n] = words.as_slice() {
        return is_unit_id(n).then(|| vec![code("RR"), code(n)]);
    }
    let rest = match words.as_slice() {
        ["PO", "BOX", rest @ ..] | ["P", "O", "BOX", rest @ ..] | ["POB", rest @ ..] => rest,
        ["POST", "OFFICE", "BOX", rest @ ..] | ["POBOX", rest @ ..] => rest,
        _ => return None,
    };
    let rest = match rest {
        ["#", rest @ ..] => rest,
        rest => rest,
    };
    let mut out = vec![code("PO"), ("BOX".into(), Kind::Abbr)];
    match rest {
        [n] if is_unit_id(n) => out.push(code(n)),
        [n, "STATION" | "STN", stn] if is_unit_id(n) => {
            out.extend([
                code(n),
                ("STN".into(), Kind::Abbr),
                ((*stn).into(), Kind::Word),
            ]);
        }
        _ => return None,
    }
    Some(out)
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
    super::address_words::street_name(t)
}
