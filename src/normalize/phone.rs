//! The phone rule: North American (NANP) numbers in one house format, extension kept.

use super::text::collapse;
use super::{Outcome, PhoneFormat, PhoneOptions, compile};
use regex::Regex;
use std::sync::LazyLock;

static LABEL: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"(?i)^(?:tel|phone|ph|telephone)\s*(?::|\.|#)?\s*"));
static EXTENSION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(
        r"(?i)^(?P<main>.*?)\s*(?:(?:ext(?:ension|n)?|x)\s*\.?\s*[:#]?|#|,|;\s*ext=)\s*(?P<ext>[0-9]{1,6})$",
    )
});

/// A parsed North American number.
#[derive(Debug, PartialEq, Eq)]
struct Nanp {
    area: String,
    exchange: String,
    line: String,
    ext: Option<String>,
}

pub(crate) fn apply(value: &str, opts: &PhoneOptions) -> Outcome {
    match parse(value) {
        Ok(n) => Outcome::settle(value, format(&n, opts.format)),
        Err(o) => o,
    }
}

fn parse(value: &str) -> Result<Nanp, Outcome> {
    let mut s = collapse(value);
    if let Some(re) = LABEL.as_ref() {
        s = re.replace(&s, "").into_owned();
    }
    let (main, ext) = match EXTENSION.as_ref().and_then(|re| re.captures(&s)) {
        Some(c) => (
            c.name("main").map_or("", |m| m.as_str()).to_string(),
            c.name("ext").map(|m| m.as_str().to_string()),
        ),
        None => (s.clone(), None),
    };
    if main.chars().any(char::is_alphabetic) {
        return Err(Outcome::human(
            "the number contains letters (a vanity number or a note); write the digits by hand",
        ));
    }
    let allowed = |c: char| {
        c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-' | '.' | '+' | '/' | '–' | '—' | '‑')
    };
    if let Some(bad) = main.chars().find(|c| !allowed(*c)) {
        return Err(Outcome::human(format!(
            "the number contains {bad:?}; it may hold two numbers or a note, so split it by hand"
        )));
    }
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    let plus = main.trim_start().starts_with('+');
    let national = if plus {
        match digits.strip_prefix('1') {
            Some(rest) if rest.len() == 10 => rest.to_string(),
            Some(_) => return Err(wrong_count(&digits)),
            None => {
                return Err(Outcome::human(
                    "this is an international number outside North America; keep it as written or confirm it by hand",
                ));
            }
        }
    } else if digits.len() == 11 && digits.starts_with('1') {
        digits[1..].to_string()
    } else if digits.len() == 10 {
        digits.clone()
    } else if digits.starts_with("011") {
        return Err(Outcome::human(
            "this is dialled as an international number; confirm the country and write it by hand",
        ));
    } else {
        return Err(wrong_count(&digits));
    };
    let (area, rest) = national.split_at(3);
    let (exchange, line) = rest.split_at(3);
    if area.starts_with(['0', '1']) || &area[1..] == "11" {
        return Err(Outcome::human(format!(
            "{area} is not a valid North American area code; check the number with the client"
        )));
    }
    if exchange.starts_with(['0', '1']) || &exchange[1..] == "11" {
        return Err(Outcome::human(format!(
            "{exchange} cannot start a North American local number; check the number with the client"
        )));
    }
    Ok(Nanp {
        area: area.to_string(),
        exchange: exchange.to_string(),
        line: line.to_string(),
        ext,
    })
}

fn wrong_count(digits: &str) -> Outcome {
    let n = digits.len();
    if n == 7 {
        Outcome::human("the number has no area code; find out which one and add it")
    } else {
        Outcome::human(format!(
            "a North American number has 10 digits; this has {n}, so check it with the client"
        ))
    }
}

fn format(n: &Nanp, f: PhoneFormat) -> String {
    let Nanp {
        area,
        exchange,
        line,
        ext,
    } = n;
    let base = match f {
        PhoneFormat::Parens => format!("({area}) {exchange}-{line}"),
        PhoneFormat::Dashes => format!("{area}-{exchange}-{line}"),
        PhoneFormat::Dots => format!("{area}.{exchange}.{line}"),
        PhoneFormat::E164 => format!("+1{area}{exchange}{line}"),
    };
    match ext {
        Some(x) => format!("{base} ext. {x}"),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        assert!(LABEL.is_some() && EXTENSION.is_some());
    }

    #[test]
    fn extension_forms() {
        for s in [
            "312 555 0142 x7",
            "312-555-0142 ext. 7",
            "3125550142#7",
            "(312) 555-0142 Ext:7",
        ] {
            let n = parse(s).unwrap();
            assert_eq!(n.ext.as_deref(), Some("7"), "{s}");
        }
    }
}
