//! `encryption`: every envelope opens with the data key exactly where it is stored (table,
//! column, row), decodes to a known format, carries the current key version and a nonce no
//! other envelope uses; every key slot wraps the current key with Argon2 parameters at or
//! above the documented minimum and within the bounds uppsok accepts (`KdfParams::MAXIMUM`).

use super::summary::{EncryptionSummary, Summary};
use super::{result, CheckResult, Findings, Status};
use crate::crypto::KdfParams;

/// Why one stored value failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeProblem {
    /// Not an envelope at all (wrong version byte, too short, not a BLOB).
    Malformed,
    /// Does not authenticate here: changed bytes, another key, or moved from another row or
    /// column.
    NotAuthentic,
    /// Authenticates but its plaintext is not in the format this column holds.
    Undecodable,
    /// Sealed under a key version other than the current one.
    OldKeyVersion,
}

impl EnvelopeProblem {
    fn kind(self) -> &'static str {
        match self {
            EnvelopeProblem::Malformed => "malformed",
            EnvelopeProblem::NotAuthentic => "not_authentic",
            EnvelopeProblem::Undecodable => "undecodable",
            EnvelopeProblem::OldKeyVersion => "old_key_version",
        }
    }
}

/// A key slot as the check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotFact {
    /// The active user whose public key the slot holds; `None` for a slot of no active user.
    pub user_id: Option<i64>,
    pub kdf_is_argon2id: bool,
    /// `None` when the stored parameters are outside the bounds uppsok accepts
    /// ([`KdfParams::from_stored`]): such a slot is never opened.
    pub params: Option<KdfParams>,
    /// The key version in the wrapped key's envelope header; `None` if it is no envelope.
    pub wrapped_key_version: Option<u32>,
    pub salt_len: usize,
}

/// What the vault found opening every envelope.
#[derive(Debug, Clone, Default)]
pub struct EncryptionFacts {
    /// The version of the key the database was unlocked with.
    pub key_version: u32,
    /// `meta.key_version` as stored.
    pub meta_key_version: Option<String>,
    /// Envelopes opened and decoded without a problem.
    pub opened: u64,
    /// Envelopes this role holds no key for (an auditor's: notes), not opened.
    pub not_held: u64,
    /// Every role still holds every key (a database upgraded from format 1, until a rekey).
    pub shared_scheme: bool,
    /// Every failure: (table, column, row id, problem).
    pub problems: Vec<(&'static str, &'static str, i64, EnvelopeProblem)>,
    /// The nonce of every envelope, with where it sits (index into `columns`, row id).
    pub nonces: Vec<([u8; 12], u8, i64)>,
    /// The encrypted columns that were read, in the order `nonces` refers to them.
    pub columns: Vec<(&'static str, &'static str)>,
    pub slots: Vec<SlotFact>,
    /// Whether the key file authenticates under the page key (and parses).
    pub key_file_authentic: bool,
    /// Active users, for the check that each has a slot.
    pub active_users: Vec<i64>,
    /// The audit runs from a debug build with `UPPSOK_INSECURE_TEST_KDF=1`: the one setting in
    /// which slots below the minimum are expected (the test suite's cheap slots).
    pub test_kdf_tolerated: bool,
}

pub(super) fn check(f: &EncryptionFacts) -> (CheckResult, Findings) {
    let mut out = Findings::new("encryption");
    for &(table, column, row, problem) in &f.problems {
        out.push(format!("{table}.{column}:{row}"), problem.kind());
    }
    let envelope_problems = out.total();

    // Nonces: sort a copy and look for neighbours that are equal.
    let mut nonces = f.nonces.clone();
    nonces.sort_unstable();
    let mut reused = 0usize;
    for pair in nonces.windows(2) {
        if pair[0].0 == pair[1].0 {
            reused += 1;
            for &(_, col, row) in [&pair[0], &pair[1]] {
                let (t, c) = f.columns.get(col as usize).copied().unwrap_or(("?", "?"));
                out.push(format!("{t}.{c}:{row}"), "nonce_reused");
            }
        }
    }

    let meta_ok = f.meta_key_version.as_deref() == Some(f.key_version.to_string().as_str());
    if !meta_ok {
        out.push("meta:key_version", "key_version_mismatch");
    }

    if !f.key_file_authentic {
        out.push("key_file", "changed");
    }
    for u in &f.active_users {
        if !f.slots.iter().any(|s| s.user_id == Some(*u)) {
            out.push(format!("user:{u}"), "no_key_slot");
        }
    }

    let mut weak = 0usize;
    let mut out_of_bounds = 0usize;
    let mut test_slots = 0usize;
    for (index, s) in f.slots.iter().enumerate() {
        let record = match s.user_id {
            Some(id) => format!("key_slot:{id}"),
            None => {
                // A slot nobody active owns: a disabled user's left behind, or planted.
                let record = format!("key_file_slot:{}", index + 1);
                out.push(record.clone(), "unknown_slot");
                record
            }
        };
        if !s.kdf_is_argon2id {
            out.push(record.clone(), "kdf_unknown");
        }
        // The slot's envelope is sealed under the passphrase-derived key, not the data key,
        // so its header's version says nothing about the data key: only its form is checked.
        if s.wrapped_key_version.is_none() {
            out.push(record.clone(), "malformed");
        }
        if s.salt_len < 16 {
            out.push(record.clone(), "short_salt");
        }
        let Some(params) = s.params else {
            out_of_bounds += 1;
            out.push(record, "kdf_out_of_bounds");
            continue;
        };
        if !params.meets_minimum() {
            if f.test_kdf_tolerated {
                test_slots += 1;
            } else {
                weak += 1;
                out.push(record, "kdf_below_minimum");
            }
        }
    }

    let status = if out.total() > 0 {
        Status::Fail
    } else if test_slots > 0 || f.shared_scheme {
        Status::Warn
    } else {
        Status::Pass
    };
    let (min, max) = (KdfParams::MINIMUM, KdfParams::MAXIMUM);
    let summary = Summary::Encryption(EncryptionSummary {
        opened: f.opened,
        failed: envelope_problems,
        nonce_reuses: reused,
        key_version: f.key_version,
        meta_ok,
        slots: f.slots.len(),
        weak,
        min_mib: min.memory_kib / 1024,
        min_passes: min.iterations,
        out_of_bounds,
        max_mib: max.memory_kib / 1024,
        max_passes: max.iterations,
        max_lanes: max.parallelism,
        not_held: f.not_held,
        shared_scheme: f.shared_scheme,
        test_slots,
        listed: out.listed(),
    });
    (result("encryption", status, summary), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> EncryptionFacts {
        EncryptionFacts {
            key_version: 1,
            meta_key_version: Some("1".into()),
            opened: 4,
            columns: vec![("contacts", "note")],
            nonces: vec![([1; 12], 0, 1), ([2; 12], 0, 2)],
            key_file_authentic: true,
            active_users: vec![1],
            slots: vec![SlotFact {
                user_id: Some(1),
                kdf_is_argon2id: true,
                params: Some(KdfParams::MINIMUM),
                wrapped_key_version: Some(1),
                salt_len: 16,
            }],
            ..EncryptionFacts::default()
        }
    }

    #[test]
    fn sound_envelopes_pass() {
        assert_eq!(check(&facts()).0.status, Status::Pass);
    }

    #[test]
    fn reused_nonces_fail_naming_both_records() {
        let mut f = facts();
        f.nonces.push(([1; 12], 0, 9));
        let (r, found) = check(&f);
        assert_eq!(r.status, Status::Fail);
        let recs: Vec<&str> = found.list.iter().map(|x| x.record.as_str()).collect();
        assert!(recs.contains(&"contacts.note:1") && recs.contains(&"contacts.note:9"));
    }

    #[test]
    fn weak_slots_fail_unless_test_settings_are_tolerated() {
        let mut f = facts();
        f.slots[0].params = Some(KdfParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        });
        assert_eq!(check(&f).0.status, Status::Fail);
        f.test_kdf_tolerated = true;
        assert_eq!(check(&f).0.status, Status::Warn);
    }

    #[test]
    fn slots_outside_the_bounds_fail_even_with_test_settings_tolerated() {
        let mut f = facts();
        f.test_kdf_tolerated = true;
        f.slots[0].params = None;
        let (r, found) = check(&f);
        assert_eq!(r.status, Status::Fail);
        assert_eq!(found.list[0].record, "key_slot:1");
        assert!(r.summary.contains("outside the bounds"), "{}", r.summary);
    }

    #[test]
    fn old_key_versions_and_meta_mismatch_fail() {
        let mut f = facts();
        f.problems
            .push(("contacts", "note", 3, EnvelopeProblem::OldKeyVersion));
        assert_eq!(check(&f).0.status, Status::Fail);
        let mut f = facts();
        f.meta_key_version = Some("2".into());
        assert_eq!(check(&f).0.status, Status::Fail);
    }
}
