//! One place typed the way one intake typist would: every part spelled one of the ways real
//! intake spells it, separators kept or dropped, the whole in any case, now and then a slip.

use super::places::{City, Line, Name, Place, UnitKind};
use super::{Rng, Typed};

/// How this typist writes everything: picked once per value, so one value is self-consistent
/// in the way a person is (an all-caps typist types every word in caps).
#[derive(Clone, Copy, PartialEq)]
enum Case {
    AsTyped,
    Upper,
    Lower,
}

/// Types `p`; for a `text_area` field (`multiline`) the city usually goes on its own line.
/// Returns the value and what it means beside the place: a slip made on purpose, if any, and
/// whether it is the house style exactly.
pub(super) fn spell(rng: &mut Rng, p: &Place, multiline: bool) -> Typed {
    // A careful typist types the house style itself, which a rule must call clean.
    if rng.chance(10) {
        return Typed::exact(house(p, multiline));
    }
    let case = match rng.below(20) {
        0..=3 => Case::Upper,
        4..=6 => Case::Lower,
        _ => Case::AsTyped,
    };
    let mut flaw = None;
    let line = street_line(rng, p);
    let city_sep = if multiline && rng.chance(75) {
        "\n"
    } else {
        *rng.pick(&[", ", ", ", ", ", ", ", ",", " ,", " "])
    };
    let region = match rng.below(20) {
        0..=10 => p.city.code.to_string(),
        11..=16 => p.city.region.to_string(),
        _ => rng.pick(p.city.aliases).to_string(),
    };
    let region_sep = if rng.chance(40) { ", " } else { " " };
    let mut postal = postal(rng, p);
    if !p.city.canadian() && rng.chance(2) {
        // A mistyped first digit: the ZIP no longer fits the state.
        postal.replace_range(..1, &p.city.wrong_digit.to_string());
        flaw = Some("the ZIP does not fit the state");
    }
    let mut s = format!(
        "{line}{city_sep}{}{region_sep}{region} {postal}",
        p.city.name
    );
    if rng.chance(5) {
        let country = if p.city.canadian() {
            "Canada"
        } else {
            rng.pick(&["USA", "U.S.A.", "United States"])
        };
        s.push_str(if rng.chance(50) { ", " } else { " " });
        s.push_str(country);
    }
    s = match case {
        Case::Upper => s.to_uppercase(),
        Case::Lower => s.to_lowercase(),
        Case::AsTyped => s,
    };
    if rng.chance(10) {
        // Two spaces where one belongs.
        let spaces: Vec<usize> = s.match_indices(' ').map(|(i, _)| i).collect();
        if !spaces.is_empty() {
            let at = spaces[rng.below(spaces.len() as u64) as usize];
            s.insert(at, ' ');
        }
    }
    match rng.below(40) {
        0 | 1 => s.push('.'),
        2 => s.push(','),
        // Pasted from a web page: a no-break space.
        3 => s = s.replacen(' ', "\u{a0}", 1),
        _ => {}
    }
    if rng.chance(4) {
        s = format!(" {s}  ");
    }
    Typed::messy(s, flaw)
}

fn street_line(rng: &mut Rng, p: &Place) -> String {
    let Line::Street {
        number,
        name,
        suffix,
        dir,
        unit,
    } = &p.line
    else {
        let Line::PoBox(n) = &p.line else {
            return String::new();
        };
        return po_box(rng, *n);
    };
    let dir = dir.map(|((long, short), after)| {
        let spelled = match rng.below(3) {
            0 => long.to_string(),
            1 => short.to_string(),
            _ => dotted(short),
        };
        (spelled, after)
    });
    let name = match name {
        Name::Plain(n) => n.to_string(),
        Name::Numbered(n, word) => {
            if rng.chance(50) {
                word.replace('-', rng.pick::<&str>(&["-", " "]))
            } else {
                format!("{n}{}", ordinal_suffix(*n))
            }
        }
    };
    let suffix = if rng.chance(35) || suffix.1.is_empty() {
        suffix.0.to_string()
    } else {
        rng.pick(suffix.1).to_string()
    };
    let mut core = number.to_string();
    if let Some((d, false)) = &dir {
        core = format!("{core} {d}");
    }
    core = format!("{core} {name} {suffix}");
    if let Some((d, true)) = &dir {
        core = format!("{core} {d}");
    }
    let Some((kind, id)) = unit else {
        return core;
    };
    let unit = spell_unit(rng, *kind, id);
    let before = matches!(kind, UnitKind::Suite | UnitKind::Apartment) && rng.chance(8);
    if before {
        format!("{unit}, {core}")
    } else if rng.chance(35) {
        format!("{core}, {unit}")
    } else {
        format!("{core} {unit}")
    }
}

fn spell_unit(rng: &mut Rng, kind: UnitKind, id: &str) -> String {
    let n: u32 = id.parse().unwrap_or(0);
    let forms: &[&str] = match kind {
        // A bare `#` is how suites are typed most often in a firm's book.
        UnitKind::Suite => &[
            "Suite {}",
            "Ste {}",
            "Ste. {}",
            "STE. {}",
            "#{}",
            "# {}",
            "Suite #{}",
            "Ste#{}",
        ],
        UnitKind::Floor => &["Floor {}", "Fl {}", "Fl. {}", "{o} Floor", "{o} Fl"],
        UnitKind::Room => &["Room {}", "Rm {}", "Rm. {}", "Room #{}"],
        UnitKind::Building => &["Building {}", "Bldg {}", "Bldg. {}"],
        UnitKind::Apartment => &["Apartment {}", "Apt {}", "Apt. {}", "Apt #{}"],
        UnitKind::Unit => &["Unit {}", "Unit #{}"],
    };
    rng.pick(forms)
        .replace("{o}", &format!("{n}{}", ordinal_suffix(n)))
        .replace("{}", id)
}

fn po_box(rng: &mut Rng, n: u32) -> String {
    let form = rng.pick(&[
        "PO Box",
        "P.O. Box",
        "P O Box",
        "Post Office Box",
        "POB",
        "P.O.Box",
        "PO Box #",
    ]);
    if form.ends_with('#') {
        format!("{form}{n}")
    } else {
        format!("{form} {n}")
    }
}

fn postal(rng: &mut Rng, p: &Place) -> String {
    if p.city.canadian() {
        return match rng.below(4) {
            0 => p.postal.replace(' ', ""),
            1 => p.postal.replace(' ', "-"),
            _ => p.postal.clone(),
        };
    }
    match &p.plus4 {
        None => p.postal.clone(),
        Some(four) => {
            let sep = rng.pick(&["-", "-", "", " "]);
            format!("{}{sep}{four}", p.postal)
        }
    }
}

/// `NW` -> `N.W.`
fn dotted(abbr: &str) -> String {
    abbr.chars().flat_map(|c| [c, '.']).collect()
}

fn ordinal_suffix(n: u32) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// The house style exactly: title case, USPS abbreviations, `Ste`, numbered streets as `5th`,
/// the region's code, a comma before the city and before the region.
fn house(p: &Place, multiline: bool) -> String {
    let line = match &p.line {
        Line::PoBox(n) => format!("PO Box {n}"),
        Line::Street {
            number,
            name,
            suffix,
            dir,
            unit,
        } => {
            let name = match name {
                Name::Plain(n) => n.to_string(),
                Name::Numbered(n, _) => format!("{n}{}", ordinal_suffix(*n)),
            };
            let abbr = suffix.1.first().copied().unwrap_or(suffix.0);
            let mut s = number.to_string();
            if let Some(((_, d), false)) = dir {
                s = format!("{s} {d}");
            }
            s = format!("{s} {name} {abbr}");
            if let Some(((_, d), true)) = dir {
                s = format!("{s} {d}");
            }
            if let Some((kind, id)) = unit {
                let designator = match kind {
                    UnitKind::Suite => "Ste",
                    UnitKind::Floor => "Fl",
                    UnitKind::Room => "Rm",
                    UnitKind::Building => "Bldg",
                    UnitKind::Apartment => "Apt",
                    UnitKind::Unit => "Unit",
                };
                s = format!("{s} {designator} {id}");
            }
            s
        }
    };
    let city: &City = p.city;
    let postal = match &p.plus4 {
        Some(four) => format!("{}-{four}", p.postal),
        None => p.postal.clone(),
    };
    let sep = if multiline { "\n" } else { ", " };
    // The city as the house style writes it: no dots (`St Louis`).
    let name = city.name.replace('.', "");
    format!("{line}{sep}{name}, {} {postal}", city.code)
}
