//! The mess real intake produces, generated: places typed several ways, phones, dates and
//! amounts in many formats, names and referral labels as people type them.

use chrono::NaiveDate;

use super::Rng;

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

pub(super) struct Place {
    number: u32,
    direction: Option<(&'static str, &'static str)>,
    street: &'static str,
    suffix: (&'static str, &'static str),
    unit: Option<(&'static str, &'static str, String)>,
    city: &'static str,
    region: (&'static str, &'static str),
    postal: String,
    canadian: bool,
}

const STREETS: &[&str] = &[
    "Main",
    "Oak",
    "Maple",
    "Washington",
    "Lake",
    "Hill",
    "Elm",
    "Park",
    "Cedar",
    "Lincoln",
    "King",
    "Queen",
];
const SUFFIXES: &[(&str, &str)] = &[
    ("Street", "St"),
    ("Avenue", "Ave"),
    ("Boulevard", "Blvd"),
    ("Road", "Rd"),
    ("Drive", "Dr"),
    ("Lane", "Ln"),
    ("Court", "Ct"),
    ("Parkway", "Pkwy"),
];
const DIRECTIONS: &[(&str, &str)] = &[
    ("North", "N"),
    ("South", "S"),
    ("East", "E"),
    ("West", "W"),
    ("Northwest", "NW"),
];
const UNITS: &[(&str, &str)] = &[
    ("Apartment", "Apt"),
    ("Suite", "Ste"),
    ("Unit", "Unit"),
    ("Floor", "Fl"),
];
/// City, state, and the ZIP prefix that city really uses (a ZIP that does not fit its state
/// is a real-world typo the address rule must flag, so the seed makes only a few on purpose).
const US_CITIES: &[(&str, (&str, &str), &str)] = &[
    ("Springfield", ("Illinois", "IL"), "627"),
    ("Chicago", ("Illinois", "IL"), "606"),
    ("Austin", ("Texas", "TX"), "787"),
    ("Seattle", ("Washington", "WA"), "981"),
    ("Boston", ("Massachusetts", "MA"), "021"),
    ("Denver", ("Colorado", "CO"), "802"),
    ("Miami", ("Florida", "FL"), "331"),
    ("Los Angeles", ("California", "CA"), "900"),
];
const CA_CITIES: &[(&str, (&str, &str), &str)] = &[
    ("Toronto", ("Ontario", "ON"), "M5V"),
    ("Vancouver", ("British Columbia", "BC"), "V6B"),
    ("Montreal", ("Quebec", "QC"), "H3B"),
    ("Calgary", ("Alberta", "AB"), "T2P"),
];

pub(super) fn place(rng: &mut Rng) -> Place {
    let canadian = rng.chance(20);
    let (city, region, postal) = if canadian {
        let (c, r, fsa) = *rng.pick(CA_CITIES);
        let letters = b"ABCEGHJKLMNPRSTVXY";
        let letter = letters[rng.below(letters.len() as u64) as usize] as char;
        let (d1, d2) = (rng.below(10), rng.below(10));
        (c, r, format!("{fsa} {d1}{letter}{d2}"))
    } else {
        let (c, r, prefix) = *rng.pick(US_CITIES);
        let zip = if rng.chance(3) {
            format!("{:05}", 10000 + rng.below(89999))
        } else {
            format!("{prefix}{:02}", rng.below(100))
        };
        (c, r, zip)
    };
    let unit = rng.chance(40).then(|| {
        let (long, short) = *rng.pick(UNITS);
        (
            long,
            short,
            format!(
                "{}{}",
                1 + rng.below(30),
                if rng.chance(30) { "B" } else { "" }
            ),
        )
    });
    Place {
        number: 10 + rng.below(9900) as u32,
        direction: rng.chance(35).then(|| *rng.pick(DIRECTIONS)),
        street: rng.pick::<&str>(STREETS),
        suffix: *rng.pick(SUFFIXES),
        unit,
        city,
        region,
        postal,
        canadian,
    }
}

/// One place written one of at least five ways intake staff write addresses.
pub(super) fn messy_address(rng: &mut Rng, p: &Place, multiline: bool) -> String {
    let dir = |long: bool| {
        p.direction
            .map(|(l, s)| format!("{} ", if long { l } else { s }))
            .unwrap_or_default()
    };
    let unit = |style: u8| match &p.unit {
        None => String::new(),
        Some((long, short, n)) => match style {
            0 => format!(", {long} {n}"),
            1 => format!(" {} {n}", short.to_lowercase()),
            2 => format!(" #{n}"),
            _ => format!(" {short}. {n}"),
        },
    };
    let style = rng.below(6);
    let s = match style {
        0 => format!(
            "{} {}{} {}{}, {}, {} {}",
            p.number,
            dir(true),
            p.street,
            p.suffix.0,
            unit(0),
            p.city,
            p.region.1,
            p.postal
        ),
        1 => format!(
            "{} {}{} {}{} {} {} {}",
            p.number,
            dir(false).to_lowercase(),
            p.street.to_lowercase(),
            p.suffix.1.to_lowercase(),
            unit(1),
            p.city.to_lowercase(),
            p.region.1.to_lowercase(),
            p.postal.to_lowercase()
        ),
        2 => format!(
            "{} {}{} {}.{}, {}, {} {}",
            p.number,
            dir(false).to_uppercase().replace(' ', ". "),
            p.street.to_uppercase(),
            p.suffix.1.to_uppercase(),
            unit(2),
            p.city.to_uppercase(),
            p.region.1,
            p.postal
        ),
        3 => format!(
            "{}  {}{}   {}{} ,{} , {}  {}",
            p.number,
            dir(true),
            p.street,
            p.suffix.1,
            unit(3),
            p.city,
            p.region.0,
            p.postal.replace(' ', "")
        ),
        4 => {
            let zip = if p.canadian {
                p.postal.clone()
            } else {
                format!("{}-{:04}", p.postal, rng.below(10000))
            };
            format!(
                "{} {}{} {}{}\n{}, {} {}",
                p.number,
                dir(false),
                p.street,
                p.suffix.0,
                unit(0),
                p.city,
                p.region.1,
                zip
            )
        }
        _ => format!(
            "{} {}{} {}{}, {}, {}, {}",
            p.number,
            dir(true),
            p.street,
            p.suffix.0,
            unit(0),
            p.city,
            p.region.0,
            p.postal
        ),
    };
    if multiline {
        s.replacen(", ", "\n", 1)
    } else {
        s.replace('\n', " ")
    }
}

pub(super) fn messy_phone(rng: &mut Rng) -> String {
    let area = *rng.pick(&[312u32, 512, 206, 617, 303, 305, 213, 416, 604]);
    let (a, b) = (200 + rng.below(799), rng.below(10000));
    match rng.below(7) {
        0 => format!("({area}) {a}-{b:04}"),
        1 => format!("{area}-{a}-{b:04}"),
        2 => format!("{area}.{a}.{b:04}"),
        3 => format!("{area}{a}{b:04}"),
        4 => format!("+1 {area} {a} {b:04}"),
        5 => format!("1-{area}-{a}-{b:04} ext. {}", 1 + rng.below(99)),
        _ => format!("{area} {a} {b:04} x{}", 1 + rng.below(9)),
    }
}

pub(super) fn messy_date(rng: &mut Rng, d: NaiveDate) -> String {
    match rng.below(6) {
        0 => d.format("%m/%d/%Y").to_string(),
        1 => d.format("%B %-d, %Y").to_string(),
        2 => d.format("%-d %b %Y").to_string(),
        3 => d.format("%Y-%m-%d").to_string(),
        4 => d.format("%-m-%-d-%y").to_string(),
        _ => d.format("%Y/%-m/%-d").to_string(),
    }
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
