//! The currency rule: amounts to Clio's plain whole-number form, never rounding silently.
//!
//! Decisions: negative amounts (`-500`, `($500)` accounting style, `500-`) go to a human
//! unless `allow_negative` is set, because in a custom field they are more often a typo or a
//! misplaced credit. Real cents on a currency field are `Invalid`: Clio rejects decimals and
//! rounding money is a decision for a person. On a numeric field cents are kept.

use super::{Candidate, CurrencyOptions, Outcome};

/// Markers of dollars, US or Canadian, removed before reading the number.
const DOLLARS: &[&str] = &[
    "US$", "USD", "CA$", "CAD", "CDN$", "CDN", "C$", "DOLLARS", "DOLLAR", "$",
];
/// Other currencies: the amount would need converting, which is not a formatting question.
const FOREIGN: &[&str] = &["€", "£", "¥", "EUR", "GBP", "JPY", "MXN", "AUD", "CHF", "₹"];

pub(crate) fn apply(value: &str, opts: &CurrencyOptions, whole_only: bool) -> Outcome {
    let mut s: String = value.trim().to_uppercase();
    if let Some(code) = FOREIGN.iter().find(|c| s.contains(*c)) {
        return Outcome::human(format!(
            "the amount is in {code}, not dollars; convert it or confirm it by hand"
        ));
    }
    let mut negative = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        negative = true;
        s = inner.to_string();
    }
    for marker in DOLLARS {
        s = s.replace(marker, " ");
    }
    let mut s = s.trim().replace('−', "-");
    if let Some(rest) = s.strip_prefix('-') {
        negative = !negative;
        s = rest.trim().to_string();
    } else if let Some(rest) = s.strip_suffix('-') {
        negative = !negative;
        s = rest.trim().to_string();
    }
    // `$ 2 500` (a space between thousands) is common in Canadian French.
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return Outcome::human(
            "could not read a single dollar amount here; enter the number by hand",
        );
    }
    let (int, frac) = match split_decimal(&s) {
        Ok(parts) => parts,
        Err(reason) => return Outcome::human(reason),
    };
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    if int.len() > 15 {
        return Outcome::human("the amount is implausibly large; check it by hand");
    }
    let magnitude = if frac.is_empty() {
        int.to_string()
    } else if whole_only {
        return Outcome::invalid(format!(
            "{} has cents and Clio currency fields take whole amounts; decide how to round it and set the value yourself",
            value.trim()
        ));
    } else {
        format!("{int}.{frac}")
    };
    if negative && magnitude != "0" {
        let signed = format!("-{magnitude}");
        if !opts.allow_negative {
            return Outcome::human_with(
                "the amount is negative; confirm it is not a typo or a credit (or set allow_negative)",
                vec![Candidate {
                    label: signed.clone(),
                    value: signed,
                    score: 0.5,
                }],
            );
        }
        return Outcome::settle(value, signed);
    }
    Outcome::settle(value, magnitude)
}

/// Splits digits with separators into integer digits and fraction digits.
fn split_decimal(s: &str) -> Result<(String, String), &'static str> {
    let commas = s.matches(',').count();
    let dots = s.matches('.').count();
    let (int, frac, thousands) = match (commas, dots) {
        (0, 0) => (s, "", None),
        (0, 1) => {
            let (i, f, _) = split_at_last(s, '.', None);
            if f.len() == 3 && i.len() <= 3 {
                return Err("the dot may separate thousands or cents; check the amount by hand");
            }
            (i, f, None)
        }
        (_, 1) if s.rfind('.') > s.rfind(',') => split_at_last(s, '.', Some(',')),
        (1, _) if s.rfind(',') > s.rfind('.') && dots > 0 => split_at_last(s, ',', Some('.')),
        (1, 0) => {
            let after = s.len() - s.rfind(',').map_or(0, |i| i + 1);
            if after == 3 {
                (s, "", Some(','))
            } else {
                return Err("the comma may be a decimal separator; check the amount by hand");
            }
        }
        (_, 0) => (s, "", Some(',')),
        (0, _) => (s, "", Some('.')),
        _ => return Err("the separators in this amount are inconsistent; enter it by hand"),
    };
    if frac.contains([',', '.']) {
        return Err("the separators in this amount are inconsistent; enter it by hand");
    }
    let int_digits = match thousands {
        Some(sep) if int.contains(sep) => {
            let groups: Vec<&str> = int.split(sep).collect();
            let ok = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
                && groups.iter().skip(1).all(|g| g.len() == 3);
            if !ok || int.contains(if sep == ',' { '.' } else { ',' }) {
                return Err("the thousands separators are misplaced; check the amount by hand");
            }
            groups.concat()
        }
        _ => int.to_string(),
    };
    if int_digits.is_empty() && frac.is_empty() {
        return Err("could not read a dollar amount here; enter the number by hand");
    }
    Ok((int_digits, frac.to_string()))
}

fn split_at_last(s: &str, dec: char, thousands: Option<char>) -> (&str, &str, Option<char>) {
    match s.rfind(dec) {
        Some(i) => (&s[..i], &s[i + 1..], thousands),
        None => (s, "", thousands),
    }
}
