//! `k_anonymity`: how small the smallest group of individuals sharing gender, age band, role
//! and district is. Each individual counts once, with the attributes of their latest contact
//! (latest date, then highest id): a person's age band and district change over the years, and
//! the latest is what someone who knows them now would know. Pseudonyms a lead declared to be
//! one person count as one individual. Unidentified contacts are no individuals and are left
//! out. The check warns when a group holds fewer than [`K_THRESHOLD`] persons and never fails:
//! published figures are protected by disclosure control (`stats --publish`), and a small group
//! in the stored data is a risk to weigh, not an error.

use std::collections::HashMap;

use super::summary::{KAnonymitySummary, Summary};
use super::{result, CheckResult, Findings, Status};
use crate::domain::{AgeBand, District, Gender, Role};

/// Groups smaller than this make the check warn (CONTRACT.md: 5).
pub const K_THRESHOLD: usize = 5;

/// One individual's quasi-identifiers, from their latest contact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonAttributes {
    pub gender: Gender,
    pub age_band: AgeBand,
    pub role: Role,
    pub district: District,
}

pub(super) fn check(persons: &[PersonAttributes]) -> (CheckResult, Findings) {
    let out = Findings::new("k_anonymity");
    let mut groups: HashMap<&PersonAttributes, usize> = HashMap::new();
    for p in persons {
        *groups.entry(p).or_default() += 1;
    }
    let smallest = groups.values().copied().min();
    let small: Vec<usize> = groups
        .values()
        .copied()
        .filter(|&n| n < K_THRESHOLD)
        .collect();
    let in_small: usize = small.iter().sum();
    let summary = match smallest {
        None => KAnonymitySummary::NoIndividuals,
        Some(smallest) => KAnonymitySummary::Groups {
            individuals: persons.len(),
            groups: groups.len(),
            smallest,
            small_groups: small.len(),
            in_small,
            threshold: K_THRESHOLD,
        },
    };
    let status = match smallest {
        Some(k) if k < K_THRESHOLD => Status::Warn,
        _ => Status::Pass,
    };
    let summary = Summary::KAnonymity(summary);
    (result("k_anonymity", status, summary), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(g: Gender, d: &str) -> PersonAttributes {
        PersonAttributes {
            gender: g,
            age_band: AgeBand::From25To34,
            role: Role::Sells,
            district: District::new(d).unwrap(),
        }
    }

    #[test]
    fn warns_below_five_and_never_fails() {
        let (woman, man) = (Gender::Woman, Gender::Man);
        let mut persons: Vec<PersonAttributes> = (0..5).map(|_| p(woman, "farsta")).collect();
        assert_eq!(check(&persons).0.status, Status::Pass);
        persons.push(p(man, "farsta"));
        persons.push(p(man, "bromma"));
        let (r, f) = check(&persons);
        assert_eq!(r.status, Status::Warn);
        assert!(r.summary.contains("the smallest holds 1"), "{}", r.summary);
        assert!(
            r.summary.contains("2 groups hold fewer than 5"),
            "{}",
            r.summary
        );
        assert!(f.list.is_empty());
        assert_eq!(check(&[]).0.status, Status::Pass);
    }
}
