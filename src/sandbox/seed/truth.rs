//! What each generated value means, kept beside the store, never in it: tests measure rules on it.
//!
//! The store holds only what a typist would have typed; the API renders only the store. The
//! truth (which place an address was typed from, which number a phone is, which day a typed
//! date names) exists so a test can group values by what they mean and check that a rule
//! gives one output per meaning, not just that it handles hand-picked cases.

use std::collections::BTreeMap;

/// What one stored value means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    /// The meaning as a key: `place-0042` for an address, `3125550142` or `3125550142 x12` for
    /// a phone, `2024-03-14` for a typed date, the lower-case address for an email.
    pub key: String,
    /// A mistake the typist made on purpose, which a rule must flag rather than tidy up
    /// (`the ZIP does not fit the state`); `None` when the value is only messy.
    pub flaw: Option<&'static str>,
    /// The value was typed exactly in the house style, so a rule must call it clean.
    pub exact: bool,
}

/// The truth of every stored value of a seeded account, by matter and field definition.
#[derive(Debug, Clone, Default)]
pub struct SeedTruth {
    values: BTreeMap<(u64, u64), Truth>,
}

impl SeedTruth {
    pub(super) fn record(&mut self, matter_id: u64, def_id: u64, key: String, typed: &Typed) {
        let truth = Truth {
            key,
            flaw: typed.flaw,
            exact: typed.exact,
        };
        self.values.insert((matter_id, def_id), truth);
    }

    /// The truth of one value, if that matter has a value for that field.
    pub fn of(&self, matter_id: u64, def_id: u64) -> Option<&Truth> {
        self.values.get(&(matter_id, def_id))
    }

    /// Every value of one field definition: `(matter id, truth)` in matter order.
    pub fn field(&self, def_id: u64) -> impl Iterator<Item = (u64, &Truth)> {
        self.values
            .iter()
            .filter(move |((_, d), _)| *d == def_id)
            .map(|((m, _), t)| (*m, t))
    }
}

/// A value as one typist typed it, with what the generator knows about it beside its meaning.
pub(super) struct Typed {
    pub value: String,
    /// See [`Truth::flaw`].
    pub flaw: Option<&'static str>,
    /// Typed exactly in the house style, so a rule must call it clean.
    pub exact: bool,
}

impl Typed {
    pub(super) fn exact(value: String) -> Typed {
        Typed {
            value,
            flaw: None,
            exact: true,
        }
    }

    pub(super) fn messy(value: String, flaw: Option<&'static str>) -> Typed {
        Typed {
            value,
            flaw,
            exact: false,
        }
    }
}
