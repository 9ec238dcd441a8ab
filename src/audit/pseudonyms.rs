//! `pseudonyms`: every person is a 32-byte pseudonym, and none is an unkeyed hash of a code.
//!
//! A keyed pseudonym (HMAC-SHA256 under the database's pseudonym key) cannot be told from
//! random bytes without the key and the code, which is the point; so the check proves the
//! format, and that no pseudonym equals the plain SHA-256 of any code in a sample of the code
//! space (every two letters, a-z and å, ä, ö, followed by a two-digit year or a four-digit year
//! from 1920 to 2029), which is what a pseudonym made without the key would be.
//!
//! It also says how many pseudonyms *are* the keyed form of a code of that sample: whoever
//! holds the pseudonym key (every role today) finds those persons' codes by keying the whole
//! sample, in about a second. That is a warning with advice, never a failure: the codes are
//! what the people gave, and the remedy is longer codes from now on.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use super::summary::{Guessable, PseudonymSummary, Sampled, Summary};
use super::{result, CheckResult, Findings, Status};

/// The persons as stored.
#[derive(Debug, Clone, Default)]
pub struct PseudonymFacts {
    /// (person id, pseudonym bytes).
    pub persons: Vec<(i64, Vec<u8>)>,
    /// How many stored pseudonyms equal the keyed pseudonym of a sampled code.
    pub guessable: u64,
    /// How many sampled codes were keyed to find them (0 when there is no person).
    pub keyed: u64,
}

/// The letters of the sample: a-z and the Swedish å, ä, ö.
const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzåäö";

/// What people put between the initials and the year (white space and `-` are removed by
/// normalisation, so `AB 85` and `A-B85` are already `ab85`).
const SEPARATORS: [&str; 4] = ["", ".", "/", "_"];

/// Every code of the sample, normalised as codes are before keying: two letters, then a two-
/// or four-digit birth year, with or without a separator between them (706,440 codes), each
/// handed to `f` as bytes (built in one buffer: no allocation per code).
pub fn for_each_sample_code(mut f: impl FnMut(&[u8])) {
    let letters: Vec<[u8; 4]> = LETTERS
        .chars()
        .map(|c| {
            let mut b = [0u8; 4];
            c.encode_utf8(&mut b);
            b
        })
        .collect();
    let lens: Vec<usize> = LETTERS.chars().map(char::len_utf8).collect();
    let years: Vec<Vec<u8>> = (0..100)
        .map(|y| format!("{y:02}").into_bytes())
        .chain((1920..2030).map(|y| y.to_string().into_bytes()))
        .collect();
    let mut buf = Vec::with_capacity(16);
    for sep in SEPARATORS {
        for (a, la) in letters.iter().zip(&lens) {
            for (b, lb) in letters.iter().zip(&lens) {
                buf.clear();
                buf.extend_from_slice(&a[..*la]);
                buf.extend_from_slice(&b[..*lb]);
                buf.extend_from_slice(sep.as_bytes());
                let prefix = buf.len();
                for y in &years {
                    buf.truncate(prefix);
                    buf.extend_from_slice(y);
                    f(&buf);
                }
            }
        }
    }
}

pub(super) fn check(f: &PseudonymFacts) -> (CheckResult, Findings) {
    let mut out = Findings::new("pseudonyms");
    let mut stored: HashSet<[u8; 32]> = HashSet::with_capacity(f.persons.len());
    let mut by_value = std::collections::HashMap::new();
    for (id, p) in &f.persons {
        match <[u8; 32]>::try_from(p.as_slice()) {
            Ok(a) => {
                stored.insert(a);
                by_value.insert(a, *id);
            }
            Err(_) => out.push(format!("person:{id}"), "bad_length"),
        }
    }
    let mut sampled = 0u64;
    let mut unkeyed = Vec::new();
    if !stored.is_empty() {
        for_each_sample_code(|code| {
            sampled += 1;
            let h: [u8; 32] = Sha256::digest(code).into();
            if let Some(id) = by_value.get(&h) {
                unkeyed.push(*id);
            }
        });
    }
    unkeyed.sort_unstable();
    for id in &unkeyed {
        out.push(format!("person:{id}"), "unkeyed_hash");
    }
    let status = if out.total() > 0 {
        Status::Fail
    } else if f.guessable > 0 {
        Status::Warn
    } else {
        Status::Pass
    };
    let sampled = if sampled > 0 {
        Sampled::Compared {
            unkeyed: unkeyed.len(),
            codes: sampled,
        }
    } else {
        Sampled::Nothing
    };
    let guessable = if f.guessable > 0 {
        Guessable::Found {
            found: f.guessable,
            persons: f.persons.len(),
            keyed: f.keyed,
        }
    } else if f.keyed > 0 {
        Guessable::NoneOf { keyed: f.keyed }
    } else if !f.persons.is_empty() {
        Guessable::NotMeasured
    } else {
        Guessable::NoPersons
    };
    let summary = Summary::Pseudonyms(PseudonymSummary {
        persons: f.persons.len(),
        bad_length: out.total() - unkeyed.len(),
        sampled,
        guessable,
        listed: out.listed(),
    });
    (result("pseudonyms", status, summary), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guessable_codes_warn_with_the_count_and_never_fail() {
        let f = PseudonymFacts {
            persons: vec![(1, vec![7u8; 32]), (2, vec![8u8; 32])],
            guessable: 1,
            keyed: 177_000,
        };
        let (r, found) = check(&f);
        assert_eq!(r.status, Status::Warn);
        assert!(
            r.summary.contains("1 of 2 are the keyed pseudonym"),
            "{}",
            r.summary
        );
        assert!(found.list.is_empty(), "no person is named");
        let none = PseudonymFacts { guessable: 0, ..f };
        assert_eq!(check(&none).0.status, Status::Pass);
    }

    #[test]
    fn the_sample_covers_letters_and_years() {
        let mut all: Vec<String> = Vec::new();
        for_each_sample_code(|c| all.push(String::from_utf8(c.to_vec()).unwrap()));
        assert_eq!(all.len(), 29 * 29 * 210 * 4);
        for c in [
            "ab85", "ab1985", "öz00", "aa2029", "ab.85", "ab/1985", "cd_02",
        ] {
            assert!(all.iter().any(|x| x == c), "{c}");
        }
    }

    #[test]
    fn an_unkeyed_hash_fails_and_a_short_value_fails() {
        let random = vec![7u8; 32];
        let plain: [u8; 32] = Sha256::digest(b"ab85").into();
        let ok = PseudonymFacts {
            persons: vec![(1, random.clone())],
            ..PseudonymFacts::default()
        };
        assert_eq!(check(&ok).0.status, Status::Pass);
        let bad = PseudonymFacts {
            persons: vec![(1, random), (2, plain.to_vec()), (3, vec![1, 2, 3])],
            ..PseudonymFacts::default()
        };
        let (r, found) = check(&bad);
        assert_eq!(r.status, Status::Fail);
        let kinds: Vec<(&str, &str)> = found
            .list
            .iter()
            .map(|f| (f.record.as_str(), f.kind.as_str()))
            .collect();
        assert!(kinds.contains(&("person:2", "unkeyed_hash")));
        assert!(kinds.contains(&("person:3", "bad_length")));
    }
}
