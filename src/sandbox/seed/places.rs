//! The places of a firm's book: offices, homes and PO boxes, each one real address that several
//! matters share, as the same office, court or client recurs across a book.

use super::Rng;

/// A directional: spelled out and abbreviated (`Northwest`, `NW`).
pub(super) type Dir = (&'static str, &'static str);

/// A street type: spelled out, then the other ways typists write it (the USPS abbreviation first).
pub(super) type Suffix = (&'static str, &'static [&'static str]);

/// A city with its state or province: name, region spelled out, its code, other spellings of
/// the region, the postal prefix the city really uses, and a first ZIP digit that does not fit
/// the state (a transposed or mistyped ZIP the address rule must flag; `' '` for Canada).
pub(super) struct City {
    pub name: &'static str,
    pub region: &'static str,
    pub code: &'static str,
    pub aliases: &'static [&'static str],
    pub prefix: &'static str,
    pub wrong_digit: char,
}

impl City {
    pub fn canadian(&self) -> bool {
        self.wrong_digit == ' '
    }
}

/// Secondary units: offices have suites, floors, rooms and buildings; homes apartments and units.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum UnitKind {
    Suite,
    Floor,
    Room,
    Building,
    Apartment,
    Unit,
}

/// A street name: a plain name, or a numbered street typed as `5th` or `Fifth`.
#[derive(Clone, Copy)]
pub(super) enum Name {
    Plain(&'static str),
    Numbered(u32, &'static str),
}

pub(super) enum Line {
    Street {
        number: u32,
        name: Name,
        suffix: &'static Suffix,
        /// The directional and whether it follows the street type (`King St W`).
        dir: Option<(&'static Dir, bool)>,
        unit: Option<(UnitKind, String)>,
    },
    PoBox(u32),
}

/// One real address.
pub(super) struct Place {
    pub line: Line,
    pub city: &'static City,
    /// `97401` or `M5V 2T6`.
    pub postal: String,
    /// The ZIP+4 add-on, when this place is known with it (its typists always type it).
    pub plus4: Option<String>,
}

const STREETS: &[&str] = &[
    "Main",
    "Oak",
    "Maple",
    "Washington",
    "Lake Shore",
    "Hill",
    "Elm",
    "Park",
    "Cedar",
    "Lincoln",
    "King",
    "Queen",
    "Spring",
    "Bay",
    "Old Mill",
    "McKinley",
    "O'Connell",
    "LaSalle",
];
const NUMBERED: &[(u32, &str)] = &[
    (1, "First"),
    (2, "Second"),
    (3, "Third"),
    (4, "Fourth"),
    (5, "Fifth"),
    (6, "Sixth"),
    (8, "Eighth"),
    (10, "Tenth"),
    (12, "Twelfth"),
    (21, "Twenty-First"),
    (42, "Forty-Second"),
];
const SUFFIXES: &[Suffix] = &[
    ("Street", &["St", "St.", "Str"]),
    ("Avenue", &["Ave", "Ave.", "Av"]),
    ("Boulevard", &["Blvd", "Blvd."]),
    ("Road", &["Rd", "Rd."]),
    ("Drive", &["Dr", "Dr."]),
    ("Lane", &["Ln"]),
    ("Court", &["Ct"]),
    ("Parkway", &["Pkwy", "Pky"]),
    ("Place", &["Pl"]),
    ("Terrace", &["Ter", "Terr"]),
    ("Circle", &["Cir"]),
    ("Way", &[]),
];
const DIRECTIONS: &[Dir] = &[
    ("North", "N"),
    ("South", "S"),
    ("East", "E"),
    ("West", "W"),
    ("Northwest", "NW"),
    ("Northeast", "NE"),
    ("Southwest", "SW"),
];
const fn us(
    name: &'static str,
    region: &'static str,
    code: &'static str,
    aliases: &'static [&'static str],
    prefix: &'static str,
    wrong_digit: char,
) -> City {
    City {
        name,
        region,
        code,
        aliases,
        prefix,
        wrong_digit,
    }
}
const fn ca(
    name: &'static str,
    region: &'static str,
    code: &'static str,
    aliases: &'static [&'static str],
    prefix: &'static str,
) -> City {
    us(name, region, code, aliases, prefix, ' ')
}
const US_CITIES: &[City] = &[
    us("Springfield", "Illinois", "IL", &["Ill."], "627", '2'),
    us("Chicago", "Illinois", "IL", &["Ill."], "606", '9'),
    us("Austin", "Texas", "TX", &["Tex."], "787", '1'),
    us("McAllen", "Texas", "TX", &["Tex."], "785", '4'),
    us("Seattle", "Washington", "WA", &["Wash."], "981", '3'),
    us("Boston", "Massachusetts", "MA", &["Mass."], "021", '9'),
    us("Denver", "Colorado", "CO", &["Colo."], "802", '1'),
    us("Miami", "Florida", "FL", &["Fla."], "331", '9'),
    us("Los Angeles", "California", "CA", &["Calif."], "900", '1'),
    us("Eugene", "Oregon", "OR", &["Ore."], "974", '6'),
    us("St. Louis", "Missouri", "MO", &["Mo."], "631", '9'),
    us("New York", "New York", "NY", &["N.Y."], "100", '9'),
];
const CA_CITIES: &[City] = &[
    ca("Toronto", "Ontario", "ON", &["Ont."], "M5V"),
    ca("Ottawa", "Ontario", "ON", &["Ont."], "K1P"),
    ca("Vancouver", "British Columbia", "BC", &["B.C."], "V6B"),
    ca("Montreal", "Quebec", "QC", &["Que.", "PQ"], "H3B"),
    ca("Calgary", "Alberta", "AB", &["Alta."], "T2P"),
    ca("Halifax", "Nova Scotia", "NS", &["N.S."], "B3J"),
];

fn city_and_postal(rng: &mut Rng) -> (&'static City, String, Option<String>) {
    if rng.chance(20) {
        let city = rng.pick(CA_CITIES);
        let letters = b"ABCEGHJKLMNPRSTVXY";
        let letter = letters[rng.below(letters.len() as u64) as usize] as char;
        let (d1, d2) = (rng.below(10), rng.below(10));
        (city, format!("{} {d1}{letter}{d2}", city.prefix), None)
    } else {
        let city = rng.pick(US_CITIES);
        let zip = format!("{}{:02}", city.prefix, rng.below(100));
        let plus4 = rng.chance(20).then(|| format!("{:04}", rng.below(10_000)));
        (city, zip, plus4)
    }
}

fn street(rng: &mut Rng, unit: Option<(UnitKind, String)>) -> Line {
    let name = if rng.chance(20) {
        let (n, word) = *rng.pick(NUMBERED);
        Name::Numbered(n, word)
    } else {
        Name::Plain(rng.pick::<&str>(STREETS))
    };
    let dir = rng
        .chance(35)
        .then(|| (rng.pick(DIRECTIONS), rng.chance(30)));
    Line::Street {
        number: 10 + rng.below(9_900) as u32,
        name,
        suffix: rng.pick(SUFFIXES),
        dir,
        unit,
    }
}

fn place(rng: &mut Rng, line: impl FnOnce(&mut Rng) -> Line) -> Place {
    let line = line(rng);
    let (city, postal, plus4) = city_and_postal(rng);
    Place {
        line,
        city,
        postal,
        plus4,
    }
}

/// An office building: almost always with a suite, a floor, a room or a building.
pub(super) fn office(rng: &mut Rng) -> Place {
    place(rng, |rng| {
        let unit = rng.chance(90).then(|| match rng.below(10) {
            0..=5 => (UnitKind::Suite, format!("{}", 100 * (1 + rng.below(30)))),
            6 | 7 => (UnitKind::Floor, format!("{}", 2 + rng.below(40))),
            8 => (UnitKind::Room, format!("{}", 100 + rng.below(900))),
            _ => (
                UnitKind::Building,
                rng.pick(&["A", "B", "C", "2"]).to_string(),
            ),
        });
        street(rng, unit)
    })
}

/// A client's home: sometimes an apartment or a unit.
pub(super) fn home(rng: &mut Rng) -> Place {
    place(rng, |rng| {
        let unit = rng.chance(35).then(|| {
            let id = format!(
                "{}{}",
                1 + rng.below(30),
                if rng.chance(30) { "B" } else { "" }
            );
            let kind = if rng.chance(70) {
                UnitKind::Apartment
            } else {
                UnitKind::Unit
            };
            (kind, id)
        });
        street(rng, unit)
    })
}

/// A post office box.
pub(super) fn po_box(rng: &mut Rng) -> Place {
    place(rng, |rng| Line::PoBox(1 + rng.below(9_999) as u32))
}
