//! Declared merges: pseudonyms a lead declared to be one person. Every reader that counts or
//! shows a person resolves through this one type.

use std::collections::HashMap;

/// How far a chain of merges is followed. Merges are declared one person into another, so a
/// chain is short; the bound only keeps a damaged (cyclic) table from looping forever.
const MAX_CHAIN: usize = 64;

/// The declared merges, each person resolved to the person it counts as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Merges {
    /// Every merged person → the person it counts as (the end of its chain).
    into: HashMap<i64, i64>,
}

impl Merges {
    /// The merges from the stored (person, merged into) pairs. Chains are followed to their end;
    /// a cycle (which uppsok never writes) is followed a bounded number of steps and stops
    /// wherever that leaves it, so every person still resolves to one person.
    pub(crate) fn new(pairs: impl IntoIterator<Item = (i64, i64)>) -> Merges {
        let raw: HashMap<i64, i64> = pairs.into_iter().collect();
        let follow = |mut person: i64| {
            for _ in 0..MAX_CHAIN {
                match raw.get(&person) {
                    Some(&next) if next != person => person = next,
                    _ => break,
                }
            }
            person
        };
        Merges {
            into: raw.keys().map(|&p| (p, follow(p))).collect(),
        }
    }

    /// The person `person` counts as (itself when not merged).
    pub(crate) fn resolve(&self, person: i64) -> i64 {
        self.into.get(&person).copied().unwrap_or(person)
    }

    /// Every person counted as the same person as `person` (itself included), sorted.
    pub(crate) fn group(&self, person: i64) -> Vec<i64> {
        let root = self.resolve(person);
        let mut group: Vec<i64> = self
            .into
            .iter()
            .filter(|(_, &to)| to == root)
            .map(|(&p, _)| p)
            .collect();
        group.push(root);
        group.push(person);
        group.sort_unstable();
        group.dedup();
        group
    }
}

impl Merges {
    /// The declared merges as a read session sees them.
    pub(super) fn load(reads: &dyn crate::storage::Reads) -> crate::error::Result<Merges> {
        let pairs = reads.merges()?;
        Ok(Merges::new(
            pairs.into_iter().map(|m| (m.person_id, m.merged_into)),
        ))
    }
}

impl super::Vault {
    /// The declared merges, as stored now.
    pub(super) fn merges(&self) -> crate::error::Result<Merges> {
        Merges::load(&*self.store.read()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_resolve_to_their_end_and_groups_hold_everyone() {
        let m = Merges::new([(1, 2), (2, 3), (4, 3), (7, 8)]);
        assert_eq!(m.resolve(1), 3);
        assert_eq!(m.resolve(3), 3);
        assert_eq!(m.resolve(9), 9);
        assert_eq!(m.group(1), [1, 2, 3, 4]);
        assert_eq!(m.group(3), [1, 2, 3, 4]);
        assert_eq!(m.group(8), [7, 8]);
        assert_eq!(m.group(9), [9]);
    }

    #[test]
    fn a_cycle_ends_and_each_person_is_in_its_own_group() {
        let m = Merges::new([(1, 2), (2, 1), (5, 5)]);
        assert_eq!(m.resolve(5), 5);
        let (a, b) = (m.resolve(1), m.resolve(2));
        assert!([1, 2].contains(&a) && [1, 2].contains(&b));
        for p in [1, 2] {
            assert!(m.group(p).contains(&p));
            assert!(m.group(p).contains(&m.resolve(p)));
        }
    }
}
