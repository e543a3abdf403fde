//! The date rule: common written dates to `YYYY-MM-DD`, refusing impossible and ambiguous ones.
//!
//! Decisions: a time of day (and any zone) after the date is dropped, the calendar date as
//! written is kept (no zone conversion). Two-digit years use a fixed pivot (see `DateOptions`).
//! All-numeric dates with day and month both <= 12 need `order` or a human.

use super::{Candidate, DateOptions, DateOrder, Outcome, compile};
use chrono::{Datelike, NaiveDate, Weekday};
use regex::Regex;
use std::sync::LazyLock;

static TIME_TAIL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(
        r"(?i)^(.*?[0-9])(?:t|\s+at\s+|\s+|,\s*)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?\s*(?:am|pm|a\.m\.|p\.m\.)?\s*(?:z|utc|gmt|[+-][0-9]{2}:?[0-9]{2})?$",
    )
});
static ORDINAL: LazyLock<Option<Regex>> =
    LazyLock::new(|| compile(r"(?i)([0-9])(?:st|nd|rd|th)\b"));

const MONTHS: [&[&str]; 12] = [
    &["january", "jan"],
    &["february", "feb"],
    &["march", "mar"],
    &["april", "apr"],
    &["may"],
    &["june", "jun"],
    &["july", "jul"],
    &["august", "aug"],
    &["september", "sept", "sep"],
    &["october", "oct"],
    &["november", "nov"],
    &["december", "dec"],
];

const WEEKDAYS: [(Weekday, &[&str]); 7] = [
    (Weekday::Mon, &["monday", "mon"]),
    (Weekday::Tue, &["tuesday", "tues", "tue"]),
    (Weekday::Wed, &["wednesday", "wed"]),
    (Weekday::Thu, &["thursday", "thurs", "thu"]),
    (Weekday::Fri, &["friday", "fri"]),
    (Weekday::Sat, &["saturday", "sat"]),
    (Weekday::Sun, &["sunday", "sun"]),
];

#[derive(Debug, Clone, Copy)]
enum Tok {
    Num(u32, usize),
    Month(u32),
}

pub(crate) fn apply(value: &str, opts: &DateOptions) -> Outcome {
    let mut s = value.trim().to_lowercase();
    if let Some(caps) = TIME_TAIL.as_ref().and_then(|re| re.captures(&s)) {
        s = caps
            .get(1)
            .map_or(String::new(), |m| m.as_str().to_string());
    }
    if let Some(re) = ORDINAL.as_ref() {
        s = re.replace_all(&s, "$1").into_owned();
    }
    let mut weekday = None;
    let mut toks = Vec::new();
    for word in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if word == "of" || word == "the" {
            continue;
        }
        if let Some((d, _)) = WEEKDAYS.iter().find(|(_, names)| names.contains(&word)) {
            weekday = Some(*d);
            continue;
        }
        if let Some(m) = MONTHS.iter().position(|names| names.contains(&word)) {
            toks.push(Tok::Month(m as u32 + 1));
        } else if word.chars().all(|c| c.is_ascii_digit()) && word.len() <= 8 {
            toks.push(Tok::Num(word.parse().unwrap_or(0), word.len()));
        } else {
            return Outcome::human("could not read a date here; enter it as YYYY-MM-DD");
        }
    }
    let ymd = match interpret(&toks, opts) {
        Ok(ymd) => ymd,
        Err(o) => return o,
    };
    let (y, m, d) = ymd;
    if !(1..=12).contains(&m) {
        return Outcome::invalid(format!("there is no month {m}; find out the real date"));
    }
    let Some(date) = NaiveDate::from_ymd_opt(y, m, d) else {
        return Outcome::invalid(format!(
            "{} {d}, {y} does not exist; find out the real date",
            month_name(m)
        ));
    };
    if let Some(w) = weekday.filter(|w| *w != date.weekday()) {
        return Outcome::human_with(
            format!("the weekday ({w}) does not match the date; check which one is right"),
            vec![candidate(date, 0.5)],
        );
    }
    Outcome::settle(value, date.format("%Y-%m-%d").to_string())
}

fn month_name(m: u32) -> String {
    let name = MONTHS
        .get(m.saturating_sub(1) as usize)
        .and_then(|n| n.first())
        .copied()
        .unwrap_or("month");
    super::text::capitalize(name)
}

fn candidate(date: NaiveDate, score: f64) -> Candidate {
    Candidate {
        value: date.format("%Y-%m-%d").to_string(),
        label: date.format("%B %-d, %Y").to_string(),
        score,
    }
}

fn year(n: u32, len: usize, opts: &DateOptions) -> Result<i32, Outcome> {
    let y = match len {
        4 => n as i32,
        2 if n < u32::from(opts.two_digit_year_pivot) => 2000 + n as i32,
        2 => 1900 + n as i32,
        _ => {
            return Err(Outcome::human(
                "the year is unclear; enter the date as YYYY-MM-DD",
            ));
        }
    };
    if !(1800..=2200).contains(&y) {
        return Err(Outcome::human(format!(
            "the year {y} looks like a typo; check the date by hand"
        )));
    }
    Ok(y)
}

fn interpret(toks: &[Tok], opts: &DateOptions) -> Result<(i32, u32, u32), Outcome> {
    use Tok::{Month, Num};
    let small = |len: usize| len <= 2;
    match *toks {
        [Num(y, 4), Num(m, lm), Num(d, ld)] if small(lm) && small(ld) => {
            Ok((year(y, 4, opts)?, m, d))
        }
        [Num(n, 8)] => year(n / 10_000, 4, opts).map(|y| (y, n / 100 % 100, n % 100)),
        [Month(m), Num(d, ld), Num(y, ly)] if small(ld) => Ok((year(y, ly, opts)?, m, d)),
        [Num(d, ld), Month(m), Num(y, ly)] if small(ld) => Ok((year(y, ly, opts)?, m, d)),
        [Num(y, 4), Month(m), Num(d, ld)] if small(ld) => Ok((year(y, 4, opts)?, m, d)),
        [Num(a, la), Num(b, lb), Num(y, ly)] if small(la) && small(lb) => {
            numeric(a, b, year(y, ly, opts)?, opts.order)
        }
        [Month(_), Num(_, 4)] | [Num(_, 1..=2), Num(_, 4)] => Err(Outcome::human(
            "the date has a month and year but no day; find out the day",
        )),
        _ => Err(Outcome::human(
            "could not read a date here; enter it as YYYY-MM-DD",
        )),
    }
}

/// `a/b/y`: which of `a` and `b` is the month, if the numbers or the user's order say so.
fn numeric(a: u32, b: u32, y: i32, order: Option<DateOrder>) -> Result<(i32, u32, u32), Outcome> {
    if a > 12 && b > 12 {
        return Err(Outcome::invalid(format!(
            "neither {a} nor {b} can be a month; find out the real date"
        )));
    }
    if a > 12 {
        return Ok((y, b, a));
    }
    if b > 12 || a == b {
        return Ok((y, a, b));
    }
    match order {
        Some(DateOrder::Mdy) => Ok((y, a, b)),
        Some(DateOrder::Dmy) => Ok((y, b, a)),
        None => {
            let candidates = [(a, b), (b, a)]
                .into_iter()
                .filter_map(|(m, d)| NaiveDate::from_ymd_opt(y, m, d))
                .map(|date| candidate(date, 0.5))
                .collect();
            Err(Outcome::human_with(
                format!(
                    "{a}/{b} could be month/day or day/month; set the date order (mdy or dmy) or choose"
                ),
                candidates,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        assert!(TIME_TAIL.is_some() && ORDINAL.is_some());
    }
}
