//! The picklist rule: map a messy label to the id of a live option, or ask with ranked candidates.

use super::address_data::{PROVINCES, STATES};
use super::{Candidate, Outcome, PicklistOption, PicklistOptions};

/// Words that mean the same thing in any picklist; a group maps only to an option already in it.
const GROUPS: &[&[&str]] = &[
    &["yes", "y", "true", "t", "x", "checked", "✓", "✔"],
    &["no", "n", "false", "f", "unchecked"],
    &["n a", "na", "not applicable", "none", "nil"],
    &["unknown", "unk", "not known"],
    &["other", "misc", "miscellaneous"],
];

/// Case, spacing and punctuation never distinguish two options.
pub(crate) fn key(s: &str) -> String {
    let spaced: String = s
        .to_lowercase()
        .replace('&', " and ")
        .chars()
        // `P.I.` is `PI` and `O'Brien` is `OBrien`: dots and apostrophes join, never split.
        .filter(|c| !matches!(c, '.' | '\'' | '’'))
        .map(|c| {
            if c.is_alphanumeric() || "✓✔".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn apply(value: &str, opts: &PicklistOptions, options: &[PicklistOption]) -> Outcome {
    let live: Vec<&PicklistOption> = options.iter().filter(|o| o.is_live()).collect();
    if live.is_empty() {
        return Outcome::human("this picklist has no live options; add the option in Clio first");
    }
    let k = key(value);
    let by_key: Vec<&PicklistOption> = live
        .iter()
        .copied()
        .filter(|o| key(&o.label) == k)
        .collect();
    let trimmed = value.trim();
    if let Some(o) = trimmed
        .parse::<u64>()
        .ok()
        .and_then(|id| options.iter().find(|o| o.id == id))
    {
        if by_key.iter().any(|l| l.id != o.id) {
            return ambiguous(
                &by_key,
                "the value is both an option id and another option's label; pick one",
            );
        }
        if o.is_live() {
            return Outcome::settle(value, o.id.to_string());
        }
        return deleted_id(o, opts, &live);
    }
    let out = map_label(value, opts, &live);
    if let Outcome::NeedsHuman { candidates, reason } = &out
        && let Some(dead) = options.iter().find(|o| !o.is_live() && key(&o.label) == k)
    {
        return Outcome::human_with(
            format!("{:?} is a deleted option; {reason}", dead.label),
            candidates.clone(),
        );
    }
    out
}

/// The value is the id of a deleted option: suggest live options like its label, never pick.
fn deleted_id(o: &PicklistOption, opts: &PicklistOptions, live: &[&PicklistOption]) -> Outcome {
    let candidates = match map_label(&o.label, opts, live) {
        Outcome::Change { new } => live
            .iter()
            .filter(|l| l.id.to_string() == new)
            .map(|l| Candidate {
                value: new.clone(),
                label: l.label.clone(),
                score: 1.0,
            })
            .collect(),
        Outcome::NeedsHuman { candidates, .. } => candidates,
        _ => Vec::new(),
    };
    Outcome::human_with(
        format!(
            "option {} ({:?}) is deleted; choose a live option to replace it",
            o.id, o.label
        ),
        candidates,
    )
}

fn map_label(value: &str, opts: &PicklistOptions, live: &[&PicklistOption]) -> Outcome {
    let k = key(value);
    if k.is_empty() {
        return Outcome::human(
            "the value has no letters or digits to match; choose an option by hand",
        );
    }
    let exact: Vec<&PicklistOption> = live
        .iter()
        .copied()
        .filter(|o| key(&o.label) == k)
        .collect();
    if let Some(out) = decide(&exact, "several options have this label; pick one") {
        return out;
    }
    // The user's own synonyms win over the built-in ones.
    for (from, to) in &opts.synonyms {
        if key(from) == k {
            let hits: Vec<&PicklistOption> = live
                .iter()
                .copied()
                .filter(|o| key(&o.label) == key(to) || o.id.to_string() == to.trim())
                .collect();
            return decide(&hits, "the synonym matches several options; pick one").unwrap_or_else(|| {
                Outcome::human(format!(
                    "the synonym for {from:?} points to {to:?}, which is not a live option; fix the synonym"
                ))
            });
        }
    }
    let builtin = builtin_group(&k);
    if !builtin.is_empty() {
        let hits: Vec<&PicklistOption> = live
            .iter()
            .copied()
            .filter(|o| builtin.contains(&key(&o.label)))
            .collect();
        if let Some(out) = decide(&hits, "several options mean the same thing; pick one") {
            return out;
        }
    }
    fuzzy(&k, opts.threshold, live)
}

fn decide(hits: &[&PicklistOption], many: &str) -> Option<Outcome> {
    match hits {
        [] => None,
        [one] => Some(Outcome::Change {
            new: one.id.to_string(),
        }),
        _ => Some(ambiguous(hits, many)),
    }
}

fn ambiguous(hits: &[&PicklistOption], reason: &str) -> Outcome {
    let candidates = hits
        .iter()
        .map(|o| Candidate {
            value: o.id.to_string(),
            label: o.label.clone(),
            score: 1.0,
        })
        .collect();
    Outcome::human_with(reason, candidates)
}

/// All keys equivalent to `k`: a synonym group, or a state/province code and its name.
fn builtin_group(k: &str) -> Vec<String> {
    if let Some(g) = GROUPS.iter().find(|g| g.iter().any(|w| key(w) == k)) {
        return g.iter().map(|w| key(w)).collect();
    }
    STATES
        .iter()
        .chain(PROVINCES)
        .find(|(code, name)| key(code) == k || key(name) == k)
        .map(|(code, name)| vec![key(code), key(name)])
        .unwrap_or_default()
}

/// Similarity of two keys: the mean of Jaro-Winkler (forgiving of typos) and normalized
/// Levenshtein (strict about length), so `Family` does not silently become `Family Law`.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    (strsim::jaro_winkler(a, b) + strsim::normalized_levenshtein(a, b)) / 2.0
}

fn fuzzy(k: &str, threshold: f64, live: &[&PicklistOption]) -> Outcome {
    let mut ranked: Vec<Candidate> = live
        .iter()
        .map(|o| Candidate {
            value: o.id.to_string(),
            label: o.label.clone(),
            score: (similarity(k, &key(&o.label)) * 1000.0).round() / 1000.0,
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.label.cmp(&b.label))
    });
    ranked.retain(|c| c.score > 0.0);
    ranked.truncate(5);
    let best = ranked.first().map_or(0.0, |c| c.score);
    let runner_up = ranked.get(1).map_or(0.0, |c| c.score);
    // Two near-equal matches mean the label is ambiguous, however high both score.
    if best >= threshold && best - runner_up >= 0.05 {
        if let Some(c) = ranked.into_iter().next() {
            return Outcome::Change { new: c.value };
        }
        return Outcome::human("no option matches; choose one by hand");
    }
    let reason = if best >= threshold {
        "two options match almost equally well; choose one"
    } else {
        "no option is close enough to choose safely; pick one of the candidates or add a synonym"
    };
    Outcome::human_with(reason, ranked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_spacing_punctuation() {
        assert_eq!(key("  Personal   INJURY - Auto "), "personal injury auto");
        assert_eq!(key("Wills & Estates"), "wills and estates");
    }
}
