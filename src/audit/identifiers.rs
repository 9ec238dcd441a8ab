//! `pii`: no note holds a personnummer, samordningsnummer, phone number or e-mail address
//! (CONTRACT.md), including notes let in with `--allow-identifiers`. The vault runs the
//! detector (`crate::pii`) on each note as it opens it; only the contact id and the kinds
//! found reach this check, never the text.

use super::{result, CheckResult, Findings, Status};
use crate::pii::IdentifierKind;

pub(super) fn check(scanned: u64, found: &[(i64, Vec<IdentifierKind>)]) -> (CheckResult, Findings) {
    let mut out = Findings::new("pii");
    let mut sorted: Vec<&(i64, Vec<IdentifierKind>)> = found.iter().collect();
    sorted.sort_by_key(|(id, _)| *id);
    for (id, kinds) in sorted {
        for k in kinds {
            out.push(id.to_string(), k.as_str());
        }
    }
    let status = if found.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let summary = format!(
        "{} notes scanned; {} hold what looks like an identifier{}",
        scanned,
        found.len(),
        out.listed_note()
    );
    (result("pii", status, summary), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_name_the_contact_and_kind_only() {
        let (r, f) = check(
            10,
            &[(7, vec![IdentifierKind::Personnummer, IdentifierKind::Phone])],
        );
        assert_eq!(r.status, Status::Fail);
        assert_eq!(f.list.len(), 2);
        assert_eq!(f.list[0].record, "7");
        assert_eq!(f.list[0].kind, "personnummer");
        assert_eq!(check(10, &[]).0.status, Status::Pass);
    }
}
