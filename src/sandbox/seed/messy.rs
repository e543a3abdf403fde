//! The mess real intake produces, generated: phones, emails, dates and amounts in many formats,
//! names and referral labels as people type them (addresses are in `places` and `spell`).

use chrono::{Datelike, NaiveDate};

use super::{Rng, Typed};

pub(super) const FIRST: &[&str] = &[
    "James", "Maria", "Robert", "Linda", "Wei", "Priya", "Jose", "Aisha", "Michael", "Sarah",
    "David", "Fatima", "John", "Mei", "Carlos", "Emily", "Liam", "Olivia", "Noah", "Sofia",
];
pub(super) const LAST: &[&str] = &[
    "Smith",
    "Garcia",
    "Johnson",
    "Nguyen",
    "O'Brien",
    "McDonald",
    "Patel",
    "Kowalski",
    "Van Der Berg",
    "Rodriguez",
    "Chen",
    "Williams",
    "Brown",
    "de la Cruz",
    "Okafor",
    "Miller",
    "Davis",
    "Martin",
    "Lee",
    "Tremblay",
];

/// One phone number: the same client's number recurs across their matters.
pub(super) struct Phone {
    area: u32,
    exchange: u32,
    line: u32,
    ext: Option<u32>,
}

impl Phone {
    pub(super) fn new(rng: &mut Rng, office: bool) -> Phone {
        let areas = [
            312u32, 512, 206, 617, 303, 305, 213, 416, 604, 541, 956, 314, 212, 403, 902, 613,
        ];
        let area = *rng.pick(&areas);
        // `N11` exchanges (411, 911) are service codes, never a subscriber's number.
        let mut exchange = 200 + rng.below(800) as u32;
        if exchange % 100 == 11 {
            exchange += 1;
        }
        let ext = rng
            .chance(if office { 40 } else { 5 })
            .then(|| 1 + rng.below(999) as u32);
        Phone {
            area,
            exchange,
            line: rng.below(10_000) as u32,
            ext,
        }
    }

    /// `3125550142`, or `3125550142 x12` with an extension.
    pub(super) fn key(&self) -> String {
        let base = format!("{}{}{:04}", self.area, self.exchange, self.line);
        match self.ext {
            Some(x) => format!("{base} x{x}"),
            None => base,
        }
    }
}

/// One number typed one of the ways intake types numbers (the house style is `(312) 555-0142`).
pub(super) fn messy_phone(rng: &mut Rng, p: &Phone) -> Typed {
    let (a, e, l) = (p.area, p.exchange, format!("{:04}", p.line));
    if rng.chance(1) {
        // The area code left off: the rule must ask, not guess one.
        return Typed::messy(format!("{e}-{l}"), Some("the number has no area code"));
    }
    let form = rng.below(13);
    let base = match form {
        0 => format!("({a}) {e}-{l}"),
        1 => format!("{a}-{e}-{l}"),
        2 => format!("{a}.{e}.{l}"),
        3 => format!("{a}{e}{l}"),
        4 => format!("+1 {a} {e} {l}"),
        5 => format!("1-{a}-{e}-{l}"),
        6 => format!("+1 ({a}) {e}-{l}"),
        7 => format!("{a} {e} {l}"),
        8 => format!("({a}){e}-{l}"),
        9 => format!("{a}/{e}-{l}"),
        10 => format!("Tel: {a}-{e}-{l}"),
        11 => format!("+1{a}{e}{l}"),
        _ => format!("1 ({a}) {e}-{l}"),
    };
    let ext_form = rng.below(8);
    let ext = p.ext.map(|x| match ext_form {
        0 => format!(" ext. {x}"),
        1 => format!(" x{x}"),
        2 => format!(" x {x}"),
        3 => format!(" ext {x}"),
        4 => format!(" Ext: {x}"),
        5 => format!(" #{x}"),
        6 => format!(" extension {x}"),
        _ => format!(" EXT. {x}"),
    });
    let exact = form == 0 && (p.ext.is_none() || ext_form == 0);
    let mut s = format!("{base}{}", ext.unwrap_or_default());
    if rng.chance(4) {
        s = format!("  {s} ");
    }
    if exact && !s.starts_with(' ') {
        Typed::exact(s)
    } else {
        Typed::messy(s, None)
    }
}

/// The address `first.last@domain` (lower case, the house style) as intake types it: mostly
/// so, sometimes capitalized or in capitals, sometimes with spaces pasted around it.
pub(super) fn messy_email(rng: &mut Rng, first: &str, last: &str, domain: &str) -> Typed {
    let last = last.replace([' ', '\''], "");
    let canonical = format!("{first}.{last}@{domain}").to_lowercase();
    let capitalized = format!("{first}.{last}@{}", capitalize_domain(domain));
    let s = match rng.below(20) {
        0..=10 => return Typed::exact(canonical),
        11..=13 => format!("{first}.{last}@{domain}"),
        14 => capitalized.to_uppercase(),
        15 => capitalized,
        16 | 17 => format!("  {canonical} "),
        18 => format!("{canonical} "),
        _ => format!(" {first}.{last}@{domain}"),
    };
    Typed::messy(s, None)
}

fn capitalize_domain(domain: &str) -> String {
    let mut chars = domain.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A day typed one of the ways intake types dates; all-numeric ones are month first (a US
/// firm's habit), so `03/04/2024` is ambiguous to a rule that is not told the order.
pub(super) fn messy_date(rng: &mut Rng, d: NaiveDate) -> Typed {
    let sfx = match d.day() {
        1 | 21 | 31 => "st",
        2 | 22 => "nd",
        3 | 23 => "rd",
        _ => "th",
    };
    let s = match rng.below(16) {
        0 => d.format("%m/%d/%Y").to_string(),
        1 => d.format("%B %-d, %Y").to_string(),
        2 => d.format("%-d %b %Y").to_string(),
        3 => return Typed::exact(d.format("%Y-%m-%d").to_string()),
        4 => d.format("%-m-%-d-%y").to_string(),
        5 => d.format("%Y/%-m/%-d").to_string(),
        6 => d.format("%b. %-d, %Y").to_string(),
        7 => d.format("%A, %B %-d, %Y").to_string(),
        8 => d.format("%-m/%-d/%y").to_string(),
        9 => d.format("%d-%b-%Y").to_string(),
        10 => d.format(&format!("%B %-d{sfx}, %Y")).to_string(),
        11 => d.format(&format!("%-d{sfx} %B %Y")).to_string(),
        12 => d.format("%Y%m%d").to_string(),
        13 => d.format("  %B %-d %Y ").to_string().to_uppercase(),
        14 => d.format("%m/%d/%Y 10:30 AM").to_string(),
        _ => d.format("%Y-%m-%d 09:15").to_string(),
    };
    Typed::messy(s, None)
}

pub(super) fn messy_amount(rng: &mut Rng) -> String {
    let dollars = 500 + rng.below(50) * 250;
    match rng.below(6) {
        0 => format!("${},{:03}.00", dollars / 1000, dollars % 1000).replace("$0,", "$"),
        1 => format!("{dollars} USD"),
        2 => format!("${dollars}"),
        3 => format!("{dollars}.00"),
        4 => format!("${dollars}.{:02}", 1 + rng.below(98)),
        _ => format!("USD {dollars}"),
    }
}

pub(super) const REFERRALS: &[&str] = &[
    "google",
    "Google search",
    "web search",
    "friend",
    "Friend/Family",
    "referred by a friend",
    "attorney referral",
    "Referral - Atty",
    "billboard",
    "TV ad",
    "avvo",
    "Avvo.com",
    "yelp",
    "Yellow pages",
    "walk-in",
    "  Web   Search ",
];
pub(super) const COURTS: &[&str] = &[
    "superior court of california, county of los angeles",
    "CIRCUIT COURT OF COOK COUNTY",
    "District Court  of Travis County",
    "king county superior court",
    "Ontario Superior Court of Justice",
    "u.s. district court for the district of massachusetts",
];
