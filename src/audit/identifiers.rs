//! `pii`: no note holds a personnummer, samordningsnummer, phone number or e-mail address
//! (CONTRACT.md), including notes let in with `--allow-identifiers`. A role that holds the
//! note key has the vault run the detector (`crate::pii`) on each note as it opens it; an
//! auditor, who holds none, gets the detector's results as the log records them, signed: every
//! note uppsok writes is scanned, one with identifiers is let in only with an
//! `identifier_override` entry naming the contact and the kinds, and `audit --rescan-notes` (a
//! lead or an administrator) records a scan of every note. Only the contact id and the kinds
//! reach this check, never the text.

use super::summary::{PiiSummary, Summary};
use super::{result, CheckResult, Findings, Status};
use crate::pii::IdentifierKind;

/// Where the findings come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PiiSource {
    /// The notes were opened and scanned now.
    #[default]
    Scanned,
    /// From the signed records in the log (the role holds no note key); the entry of the last
    /// full rescan, if any.
    Records { last_rescan: Option<i64> },
}

pub(super) fn check(
    scanned: u64,
    found: &[(i64, Vec<IdentifierKind>)],
    source: PiiSource,
) -> (CheckResult, Findings) {
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
    let summary = Summary::Pii(PiiSummary {
        source,
        scanned,
        flagged: found.len(),
        listed: out.listed(),
    });
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
            PiiSource::Scanned,
        );
        assert_eq!(r.status, Status::Fail);
        assert_eq!(f.list.len(), 2);
        assert_eq!(f.list[0].record, "7");
        assert_eq!(f.list[0].kind, "personnummer");
        assert_eq!(check(10, &[], PiiSource::Scanned).0.status, Status::Pass);
        let (r, _) = check(
            0,
            &[(7, vec![IdentifierKind::Phone])],
            PiiSource::Records { last_rescan: None },
        );
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("--rescan-notes"), "{}", r.summary);
    }
}
