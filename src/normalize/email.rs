//! The email rule: unwrap, trim, lower-case, and validate an address.

use super::{Candidate, Outcome, compile, is_match};
use regex::Regex;
use std::sync::LazyLock;

// Deliberately narrower than RFC 5322: quoted local parts and IP-literal domains are legal
// but never what a law firm meant to type into a client's email field.
static LOCAL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
});
static DOMAIN: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"(?i)^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"));

/// Misspellings of the big mail providers, seen often enough to suggest (never to apply).
const TYPO_DOMAINS: &[(&str, &str)] = &[
    ("gmial.com", "gmail.com"),
    ("gmai.com", "gmail.com"),
    ("gmail.co", "gmail.com"),
    ("gmail.con", "gmail.com"),
    ("gmal.com", "gmail.com"),
    ("gnail.com", "gmail.com"),
    ("hotmial.com", "hotmail.com"),
    ("hotmail.con", "hotmail.com"),
    ("yahoo.con", "yahoo.com"),
    ("yaho.com", "yahoo.com"),
    ("yahooo.com", "yahoo.com"),
    ("outlook.con", "outlook.com"),
    ("outlok.com", "outlook.com"),
    ("icloud.con", "icloud.com"),
];

/// Whether `s` is an address Clio can take: one `@`, sane local part, dotted domain.
pub(crate) fn is_valid(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && s.len() <= 254
        && is_match(&LOCAL, local)
        && is_match(&DOMAIN, domain)
}

pub(crate) fn apply(value: &str) -> Outcome {
    let mut s = value.trim();
    // `Jane Doe <jane@x.com>`: the address is the part in angle brackets.
    if let (Some(open), true) = (s.rfind('<'), s.ends_with('>')) {
        s = &s[open + 1..s.len() - 1];
    }
    let s = s.trim();
    let s = strip_prefix_ci(s, "mailto:").unwrap_or(s).trim();
    let s = s.trim_end_matches(['.', ',', ';']);
    if s.chars().filter(|c| *c == '@').count() != 1 {
        return if s.contains(['@']) && s.contains([',', ';', ' ']) {
            Outcome::human(
                "this looks like more than one email address; keep one and move the others",
            )
        } else {
            Outcome::invalid(
                "this is not an email address (it needs exactly one @); ask for the correct address",
            )
        };
    }
    if s.chars().any(char::is_whitespace) {
        return Outcome::human("the address contains spaces; check what was meant and retype it");
    }
    let Some((local, domain)) = s.split_once('@') else {
        return Outcome::invalid("this is not an email address; ask for the correct address");
    };
    // Lower case throughout: no mail provider a client uses tells `Jane@` from `jane@`, and
    // one address typed two ways must come out one way.
    let (local, dom) = (local.to_lowercase(), domain.to_lowercase());
    let candidate = format!("{local}@{dom}");
    if !is_valid(&candidate) {
        return Outcome::invalid(format!(
            "{candidate:?} is not a valid email address; ask for the correct one"
        ));
    }
    if let Some((_, fixed)) = TYPO_DOMAINS.iter().find(|(typo, _)| *typo == dom) {
        let value = format!("{local}@{fixed}");
        return Outcome::human_with(
            format!("the domain {dom:?} looks like a typo of {fixed:?}; confirm with the client"),
            vec![Candidate {
                label: value.clone(),
                value,
                score: 0.9,
            }],
        );
    }
    Outcome::settle(value, candidate)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        assert!(LOCAL.is_some() && DOMAIN.is_some());
    }
}
