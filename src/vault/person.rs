//! Returning persons: is a typed code known, how often and when was the person seen, what did
//! their latest contact say; and "did you mean" for a code one edit away from a known one.
//!
//! "Did you mean" keys every variant of the typed code one edit away (a character changed,
//! added or removed, two neighbours swapped) on the fly and looks the keyed pseudonyms up in
//! an in-memory set of the stored pseudonyms. No code material is ever stored: the variants
//! exist only in zeroizing memory while the form shows them.

use std::collections::HashSet;

use zeroize::{Zeroize, Zeroizing};

use super::*;
use crate::crypto::{Place, Pseudonym};
use crate::domain::{Attributes, Date, PersonCode};
use crate::error::Result;

/// What the form shows about a known person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonSummary {
    /// The person (after declared merges).
    pub person_id: i64,
    /// Earlier contacts of the person (and of pseudonyms declared to be the same person).
    pub earlier: u64,
    pub last: Option<Date>,
    /// The attributes of the latest contact, for prefilling.
    pub latest: Option<Attributes>,
}

/// The stored pseudonyms, held in memory for "did you mean". Pseudonyms are in the database
/// file in the clear already; nothing here is code material.
#[derive(Debug, Default, Clone)]
pub struct PersonIndex {
    known: HashSet<Pseudonym>,
}

impl PersonIndex {
    pub fn len(&self) -> usize {
        self.known.len()
    }
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
    /// Adds a pseudonym (after a contact with a new person is saved).
    pub fn insert(&mut self, p: Pseudonym) {
        self.known.insert(p);
    }
    pub fn contains(&self, p: &Pseudonym) -> bool {
        self.known.contains(p)
    }
}

/// Characters tried when a variant changes or adds one: the code's own characters plus
/// lower-case letters (with å, ä, ö, é, ü) and digits.
const VARIANT_ALPHABET: &str = "abcdefghijklmnopqrstuvwxyzåäöéü0123456789";

/// Every distinct normalised code one edit away from `code` (not `code` itself).
pub fn one_edit_variants(code: &str) -> Vec<Zeroizing<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut alphabet: Vec<char> = VARIANT_ALPHABET.chars().collect();
    for c in &chars {
        if !alphabet.contains(c) {
            alphabet.push(*c);
        }
    }
    // Each edit below is skipped where it would repeat another (removing or adding a letter
    // next to the same letter), so every variant comes once without a set of seen ones.
    let mut out = Vec::new();
    let mut push = |mut v: Vec<char>| {
        let s: Zeroizing<String> = Zeroizing::new(v.iter().collect());
        v.zeroize();
        if !s.is_empty() {
            out.push(s);
        }
    };
    for i in 0..chars.len() {
        // removed
        if i == 0 || chars[i - 1] != chars[i] {
            let mut v = chars.clone();
            v.remove(i);
            push(v);
        }
        // swapped with the next
        if i + 1 < chars.len() && chars[i] != chars[i + 1] {
            let mut v = chars.clone();
            v.swap(i, i + 1);
            push(v);
        }
        // changed
        for &a in &alphabet {
            if a != chars[i] {
                let mut v = chars.clone();
                v[i] = a;
                push(v);
            }
        }
    }
    // added
    for i in 0..=chars.len() {
        for &a in &alphabet {
            if i > 0 && chars[i - 1] == a {
                continue;
            }
            let mut v = chars.clone();
            v.insert(i, a);
            push(v);
        }
    }
    let mut chars = chars;
    chars.zeroize();
    out
}

impl Vault {
    /// The keyed pseudonym of a code.
    pub(super) fn pseudonym_of(&self, code: &PersonCode) -> Result<Pseudonym> {
        self.keys.pseudonym(code.as_bytes()).map_err(not_held)
    }
}

impl Persons<'_> {
    /// The keyed pseudonym of a code (what the interface's index of known persons holds).
    pub fn pseudonym_of(&self, code: &PersonCode) -> Result<Pseudonym> {
        self.0.pseudonym_of(code)
    }

    /// Every stored pseudonym, for [`Persons::did_you_mean`]. Roles that log contacts only.
    /// In a database of several units, the persons the user's own unit has met: a code
    /// another unit logged is not suggested (that would tell that they met the person).
    pub fn index(&mut self) -> Result<PersonIndex> {
        self.0.require(Permission::WriteContacts)?;
        let reads = self.0.store.read()?;
        let met: Option<HashSet<i64>> = match self.0.units.several() {
            false => None,
            true => {
                let mut met = HashSet::new();
                reads.scan_stat_rows(None, None, &mut |row| {
                    if let Some(p) = row.person_id.filter(|_| self.0.own_unit(row.created_by)) {
                        met.insert(p);
                    }
                    NEXT
                })?;
                Some(met)
            }
        };
        let mut known = HashSet::new();
        reads.scan_persons(i64::MIN, &mut |id, p| {
            if met.as_ref().is_none_or(|m| m.contains(&id)) {
                if let Ok(p) = <[u8; 32]>::try_from(p) {
                    known.insert(p);
                }
            }
            NEXT
        })?;
        Ok(PersonIndex { known })
    }

    /// Whether a code is known, and what the form may show and prefill. Roles that log
    /// contacts only (they see contact details anyway); no note is read.
    pub fn lookup(&mut self, code: &PersonCode) -> Result<Option<PersonSummary>> {
        self.0.require(Permission::WriteContacts)?;
        let Some((root, group)) = self.0.person_group(code)? else {
            return Ok(None);
        };
        let found = if self.0.units.several() {
            // Only the unit's own contacts of the person: that another unit met them, and
            // when, is not the unit's to see (the contact logged now still counts them once
            // in the city's figures, by the shared pseudonym).
            let rows = self.0.store.read()?.contacts_of_persons(&group)?;
            let own: Vec<_> = rows
                .into_iter()
                .filter(|r| self.0.own_unit(r.created_by))
                .collect();
            // Newest first (date, then id).
            crate::storage::PersonContacts {
                count: own.len() as i64,
                last_date: own.first().map(|r| r.date.clone()),
                latest: own.first().map(|r| (r.id, r.attributes.clone())),
            }
        } else {
            self.0.store.read()?.person_contacts(&group)?
        };
        if found.count == 0 && self.0.units.several() {
            return Ok(None);
        }
        self.0.log_persons_shown(&[root], "lookup")?;
        let latest = match found.latest {
            Some((cid, blob)) => {
                // The unit's own latest contact (in a city only its own are found).
                let unit = self.0.user.unit;
                let plain = open_in_at(&self.0.keys, unit, Place::ContactAttributes(cid), &blob)?;
                Some(
                    Attributes::decode(&plain, &self.0.districts)
                        .ok_or_else(|| damaged_value("contacts", cid))?,
                )
            }
            None => None,
        };
        Ok(Some(PersonSummary {
            person_id: root,
            earlier: found.count as u64,
            last: found
                .last_date
                .as_deref()
                .and_then(|d| crate::domain::parse_date(d).ok()),
            latest,
        }))
    }

    /// The known codes one edit away from `code`, as the variants typed from it (at most
    /// `limit`, in a stable order). Empty when `code` itself is known. The persons suggested
    /// are logged (by id, once per sign-in).
    pub fn did_you_mean(
        &mut self,
        index: &PersonIndex,
        code: &PersonCode,
        limit: usize,
    ) -> Result<Vec<Zeroizing<String>>> {
        match self.0.pseudonym_of(code) {
            Ok(p) if !index.contains(&p) => {}
            // Known, or a role that keys no codes: nothing to suggest.
            _ => return Ok(Vec::new()),
        }
        let Ok(text) = std::str::from_utf8(code.as_bytes()) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut shown = Vec::new();
        for v in one_edit_variants(text) {
            let Ok(p) = self.0.keys.pseudonym(v.as_bytes()) else {
                continue;
            };
            if index.contains(&p) {
                if let Some(id) = self.0.store.read()?.person_by_pseudonym(&p)? {
                    shown.push(id);
                }
                out.push(v);
                if out.len() == limit {
                    break;
                }
            }
        }
        self.0.log_persons_shown(&shown, "did_you_mean")?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_cover_every_kind_of_single_edit() {
        let v: Vec<String> = one_edit_variants("ab85")
            .iter()
            .map(|s| s.to_string())
            .collect();
        for want in [
            "ab86", "b85", "ab850", "ba85", "a85", "xab85", "åb85", "ab58",
        ] {
            assert!(v.contains(&want.to_string()), "missing {want}");
        }
        assert!(!v.contains(&"ab85".to_string()));
        assert!(!v.contains(&"ba58".to_string()), "two edits away");
        let unique: HashSet<&String> = v.iter().collect();
        assert_eq!(unique.len(), v.len());
        let v: Vec<String> = one_edit_variants("aab")
            .iter()
            .map(|s| s.to_string())
            .collect();
        let unique: HashSet<&String> = v.iter().collect();
        assert_eq!(unique.len(), v.len(), "doubled letters give no repeats");
    }
}
