//! The parties of a book: clients who come back with several matters, each with the place they
//! live or work, where their mail goes, a phone number and an email domain.

use super::Rng;
use super::messy::{FIRST, LAST, Phone};
use super::places::{Place, home, office, po_box};

pub(super) struct Party {
    pub first: &'static str,
    pub last: &'static str,
    /// Index into [`Book::places`] of the client address.
    pub client_place: usize,
    /// Index into [`Book::places`] of the mailing address (often the same place).
    pub mailing_place: usize,
    pub phone: Phone,
    pub domain: &'static str,
}

/// Every place and party of one seeded account.
pub(super) struct Book {
    pub places: Vec<Place>,
    pub parties: Vec<Party>,
}

/// A book for about `matters` matters: some offices shared by many parties (a building full of
/// small businesses, a referring firm), a home per other party, a PO box for some.
pub(super) fn book(rng: &mut Rng, matters: u32) -> Book {
    let offices = (matters as usize / 40).max(3);
    let mut places: Vec<Place> = (0..offices).map(|_| office(rng)).collect();
    let n = (matters as usize * 2 / 5).max(1);
    let mut parties = Vec::with_capacity(n);
    for _ in 0..n {
        let (first, last) = (*rng.pick(FIRST), *rng.pick(LAST));
        let at_office = rng.chance(25);
        let client_place = if at_office {
            rng.below(offices as u64) as usize
        } else {
            places.push(home(rng));
            places.len() - 1
        };
        let mailing_place = match rng.below(20) {
            0..=11 => client_place,
            12..=16 => {
                places.push(po_box(rng));
                places.len() - 1
            }
            _ => rng.below(offices as u64) as usize,
        };
        parties.push(Party {
            first,
            last,
            client_place,
            mailing_place,
            phone: Phone::new(rng, at_office),
            domain: rng.pick::<&str>(&["example.com", "mail.example.org", "example.net"]),
        });
    }
    Book { places, parties }
}
