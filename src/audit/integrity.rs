//! `integrity`: SQLite's own `integrity_check` finds the file sound, `foreign_key_check`
//! finds no reference pointing nowhere, and every staff record's seal (a MAC over id, name,
//! role and state) verifies, so no role was raised behind uppsok's back.

use super::summary::{IntegritySummary, Summary};
use super::{result, CheckResult, Findings, Status};

/// What the vault found.
#[derive(Debug, Clone, Default)]
pub struct IntegrityFacts {
    /// The lines of `PRAGMA integrity_check`: `["ok"]` when sound.
    pub integrity_check: Vec<String>,
    /// `foreign_key_check`: (table, row id, referenced table).
    pub foreign_keys: Vec<(String, Option<i64>, String)>,
    /// Staff records checked, and the ids of those whose seal does not verify.
    pub users_checked: usize,
    pub users_bad_seal: Vec<i64>,
}

pub(super) fn check(f: &IntegrityFacts) -> (CheckResult, Findings) {
    let mut out = Findings::new("integrity");
    let sound = f.integrity_check.len() == 1 && f.integrity_check[0] == "ok";
    if !sound {
        // SQLite's lines name pages and indexes, never a stored value.
        for line in &f.integrity_check {
            out.push(line.clone(), "integrity_check");
        }
    }
    for (table, rowid, parent) in &f.foreign_keys {
        let row = rowid.map(|r| r.to_string()).unwrap_or_else(|| "?".into());
        out.push(format!("{table}:{row}"), &format!("foreign_key:{parent}"));
    }
    for id in &f.users_bad_seal {
        out.push(format!("user:{id}"), "user_seal");
    }
    let status = if out.total() > 0 {
        Status::Fail
    } else {
        Status::Pass
    };
    let summary = Summary::Integrity(IntegritySummary {
        sound,
        foreign_keys: f.foreign_keys.len(),
        bad_seals: f.users_bad_seal.len(),
        users_checked: f.users_checked,
        listed: out.listed(),
    });
    (result("integrity", status, summary), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_dangling_references_and_bad_seals_fail() {
        let ok = IntegrityFacts {
            integrity_check: vec!["ok".into()],
            users_checked: 2,
            ..IntegrityFacts::default()
        };
        assert_eq!(check(&ok).0.status, Status::Pass);
        let mut fk = ok.clone();
        fk.foreign_keys
            .push(("contacts".into(), Some(4), "persons".into()));
        assert_eq!(check(&fk).0.status, Status::Fail);
        let mut seal = ok.clone();
        seal.users_bad_seal.push(2);
        assert_eq!(check(&seal).0.status, Status::Fail);
        let mut damaged = ok;
        damaged.integrity_check = vec!["row 3 missing from index x".into()];
        assert_eq!(check(&damaged).0.status, Status::Fail);
    }
}
