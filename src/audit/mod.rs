//! The audit (`uppsok audit`): checks that prove to an auditor, without showing a single note,
//! that the data is pseudonymous, encrypted and unaltered.
//!
//! The work is split in two. The vault (`src/vault/audit.rs`) does everything that needs a key
//! or the database: it opens every envelope, verifies the log's hashes and signatures, runs SQLite's checks,
//! and hands over [`AuditFacts`]: outcomes, counts, ids and kinds, never a plaintext. The
//! checks here are pure functions of those facts ([`run_checks`]); `render` turns the report
//! into text or JSON. See docs/audit.md for what each check proves and what it cannot.

mod encryption;
mod identifiers;
mod integrity;
mod k_anonymity;
mod log;
mod pseudonyms;
pub mod render;
pub mod summary;

use serde::Serialize;

pub use encryption::{EncryptionFacts, EnvelopeProblem, SlotFact};
pub use identifiers::PiiSource;
pub use integrity::IntegrityFacts;
pub use k_anonymity::{PersonAttributes, K_THRESHOLD};
pub use log::{parse_contact_objects, CheckpointState, HeadState, LogEntryFact, LogFacts};
pub use pseudonyms::{for_each_sample_code, PseudonymFacts};
pub use summary::Summary;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One check's result: its id (CONTRACT.md), status and a one-line summary with counts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub id: &'static str,
    pub status: Status,
    /// The summary in English, as `--format json` carries it (CONTRACT.md).
    pub summary: String,
    /// The summary as counts and states: `counts.text(lang)` is the sentence in a language.
    #[serde(skip)]
    pub counts: Summary,
}

/// One finding: the check, the record it concerns and what kind of problem it is. Never the
/// identifier, the note text, a code or a category value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub record: String,
    pub kind: String,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub ok: bool,
    /// The database's fingerprint (its id and its first administrator's signing key): keep it
    /// with the recovery key, and check it with `audit --fingerprint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    pub checks: Vec<CheckResult>,
    pub findings: Vec<Finding>,
}

/// At most this many findings are listed per check (the summary still counts them all), so a
/// badly damaged million-row database gives a readable report.
pub const MAX_FINDINGS_PER_CHECK: usize = 200;

/// Everything the checks judge, gathered by the vault.
#[derive(Debug, Clone, Default)]
pub struct AuditFacts {
    pub encryption: EncryptionFacts,
    pub pseudonyms: PseudonymFacts,
    /// Notes scanned for identifiers.
    pub notes_scanned: u64,
    /// Contacts whose note holds identifiers: (contact id, kinds found).
    pub notes_with_identifiers: Vec<(i64, Vec<crate::pii::IdentifierKind>)>,
    /// Where `notes_with_identifiers` comes from: the notes themselves, or (a role that holds
    /// no note key) the signed records in the log.
    pub pii_source: PiiSource,
    /// For each individual, the attributes of their latest contact.
    pub persons: Vec<PersonAttributes>,
    pub log: LogFacts,
    pub integrity: IntegrityFacts,
}

/// The findings of one check, capped at [`MAX_FINDINGS_PER_CHECK`].
pub(crate) struct Findings {
    check: &'static str,
    list: Vec<Finding>,
    total: usize,
}

impl Findings {
    fn new(check: &'static str) -> Self {
        Findings {
            check,
            list: Vec::new(),
            total: 0,
        }
    }

    fn push(&mut self, record: impl Into<String>, kind: &str) {
        self.total += 1;
        if self.list.len() < MAX_FINDINGS_PER_CHECK {
            self.list.push(Finding {
                check: self.check,
                record: record.into(),
                kind: kind.to_string(),
            });
        }
    }

    fn total(&self) -> usize {
        self.total
    }

    /// How many were listed, when some were left out.
    fn listed(&self) -> summary::Listed {
        (self.total > self.list.len()).then_some(self.list.len())
    }
}

/// Runs every check on the gathered facts, in the order of CONTRACT.md.
pub fn run_checks(facts: &AuditFacts) -> AuditReport {
    let mut checks = Vec::new();
    let mut findings = Vec::new();
    let results = [
        encryption::check(&facts.encryption),
        pseudonyms::check(&facts.pseudonyms),
        identifiers::check(
            facts.notes_scanned,
            &facts.notes_with_identifiers,
            facts.pii_source,
        ),
        k_anonymity::check(&facts.persons),
        log::check(&facts.log),
        integrity::check(&facts.integrity),
    ];
    for (result, found) in results {
        checks.push(result);
        findings.extend(found.list);
    }
    AuditReport {
        ok: checks.iter().all(|c| c.status != Status::Fail),
        fingerprint: facts.log.fingerprint.clone(),
        checks,
        findings,
    }
}

fn result(id: &'static str, status: Status, counts: Summary) -> CheckResult {
    CheckResult {
        id,
        status,
        summary: counts.text(crate::i18n::Lang::En),
        counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_database_passes_every_check() {
        let facts = AuditFacts {
            log: LogFacts {
                chain: Ok(0),
                head: HeadState::EmptyLog,
                ..LogFacts::default()
            },
            integrity: IntegrityFacts {
                integrity_check: vec!["ok".into()],
                ..IntegrityFacts::default()
            },
            encryption: EncryptionFacts {
                key_version: 1,
                meta_key_version: Some("1".into()),
                key_file_authentic: true,
                ..EncryptionFacts::default()
            },
            ..AuditFacts::default()
        };
        let r = run_checks(&facts);
        let ids: Vec<&str> = r.checks.iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "encryption",
                "pseudonyms",
                "pii",
                "k_anonymity",
                "audit_log",
                "integrity"
            ]
        );
        assert!(r.ok, "{r:?}");
        assert!(r.findings.is_empty());
    }

    #[test]
    fn findings_are_capped_but_counted() {
        let mut f = Findings::new("pii");
        for i in 0..(MAX_FINDINGS_PER_CHECK + 5) {
            f.push(i.to_string(), "phone");
        }
        assert_eq!(f.total(), MAX_FINDINGS_PER_CHECK + 5);
        assert_eq!(f.list.len(), MAX_FINDINGS_PER_CHECK);
        assert_eq!(f.listed(), Some(MAX_FINDINGS_PER_CHECK));
    }
}
