//! `audit_log`: the access and change log is complete and unaltered.
//!
//! - Every entry's running hash and signature verify from the first entry to the last, with
//!   sequence numbers 1, 2, 3, ... without a gap: an entry edited, removed, inserted or
//!   reordered breaks it, and so does an entry signed by anyone but its author, or made by a
//!   user the log never granted the right to (a role raised, an administrator added, by
//!   someone who is not one).
//! - Every user record is what the log grants (name, role, state); users who hold no signing
//!   key yet (since an upgrade, until their next sign-in) are a warning.
//! - The recorded head (`audit_log::head_text`, kept in `meta`) matches the last entry.
//! - With `--fingerprint`, the database's fingerprint (its id and its root administrator's
//!   key) is the one given.
//! - Every contact that exists was logged as created, and not as deleted; every logged
//!   creation either exists or was logged as deleted (`audit_log::deletes_contacts` is the
//!   one list of deleting actions).
//! - With `--since-checkpoint`, the running hash at the checkpoint's entry is the one it
//!   names: nothing up to it was deleted, changed, reordered or cut, and the file was not
//!   rolled back to before it.
//!
//! The whole file rolled back to an older copy is consistent in itself; only a checkpoint kept
//! outside the database catches that.

use super::summary::{FingerprintSeen, LogSummary, Summary};
use super::{result, CheckResult, Findings, Status};
use crate::audit_log::ChainBreak;

/// A log entry that creates or deletes contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntryFact {
    pub seq: i64,
    pub action: String,
    pub objects: String,
}

/// How the sealed head compares to the last entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeadState {
    /// The log has no entry (and no head is recorded).
    #[default]
    EmptyLog,
    Matches,
    /// The log has entries but no sealed head is recorded (it was removed).
    Missing,
    /// The recorded head does not seal the last entry: entries were cut from the end, or the
    /// head was changed.
    Mismatch,
}

/// What `--since-checkpoint` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointState {
    /// The log up to the checkpoint's entry hashes to what the checkpoint names.
    Holds { seq: i64 },
    /// The log no longer reaches that entry.
    Missing { seq: i64 },
    /// An entry with that number is there, but it is another one.
    Differs { seq: i64 },
}

/// What the vault found in the log.
#[derive(Debug, Clone)]
pub struct LogFacts {
    /// The number of entries, or where the chain breaks.
    pub chain: Result<i64, ChainBreak>,
    pub head: HeadState,
    /// Every entry whose action creates or deletes contacts, in sequence order.
    pub entries: Vec<LogEntryFact>,
    /// The ids of every stored contact, ascending.
    pub contact_ids: Vec<i64>,
    pub checkpoint: Option<CheckpointState>,
    /// User records that differ from what the log grants (id, kind: `user_not_granted` for a
    /// record whose name, role or state the log does not grant, `user_record_missing` for a
    /// granted user without a record, `unit_not_granted` for a user a server's `user_units`
    /// puts in another unit than the log grants).
    pub users: Vec<(i64, &'static str)>,
    /// Active users who hold no signing key yet (upgraded, not signed in since).
    pub pending_keys: Vec<i64>,
    /// The database's fingerprint, when the log has a root.
    pub fingerprint: Option<String>,
    /// The fingerprint `--fingerprint` asked for, if any.
    pub expected_fingerprint: Option<String>,
    /// Rows whose content is not what the signed entries say: (record, kind).
    pub content: Vec<(String, &'static str)>,
    /// Contacts whose content was checked against the entries.
    pub content_rows: u64,
}

impl Default for LogFacts {
    fn default() -> Self {
        LogFacts {
            chain: Ok(0),
            head: HeadState::EmptyLog,
            entries: Vec::new(),
            contact_ids: Vec::new(),
            checkpoint: None,
            users: Vec::new(),
            pending_keys: Vec::new(),
            fingerprint: None,
            expected_fingerprint: None,
            content: Vec::new(),
            content_rows: 0,
        }
    }
}

/// The contact ids an entry's objects name, as inclusive ranges: `contact:12` gives (12, 12)
/// and `contacts:13-1012` gives (13, 1012); objects are comma-separated and any other object
/// (`user:3`, `contacts:all`, ...) names no contact.
pub fn parse_contact_objects(objects: &str) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for item in objects.split(',') {
        let item = item.trim();
        if let Some(id) = item.strip_prefix("contact:") {
            if let Ok(id) = id.parse::<i64>() {
                out.push((id, id));
            }
        } else if let Some(range) = item.strip_prefix("contacts:") {
            if let Some((a, b)) = range.split_once('-') {
                if let (Ok(a), Ok(b)) = (a.parse::<i64>(), b.parse::<i64>()) {
                    if a <= b {
                        out.push((a, b));
                    }
                }
            }
        }
    }
    out
}

/// Ranges longer than this are not expanded (no import is that large); such an entry is a
/// finding of its own.
const MAX_RANGE: i64 = 100_000_000;

fn expand(ranges: &[(i64, i64)]) -> Vec<i64> {
    let mut ids = Vec::new();
    for &(a, b) in ranges {
        ids.extend(a..=b);
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

pub(super) fn check(f: &LogFacts) -> (CheckResult, Findings) {
    let mut out = Findings::new("audit_log");
    if let Err(b) = &f.chain {
        let (seq, kind) = match b {
            ChainBreak::Gap { expected, .. } => (*expected, "gap"),
            ChainBreak::BadHash { seq } => (*seq, "bad_hash"),
            ChainBreak::BadSignature { seq } => (*seq, "bad_signature"),
            ChainBreak::NotAllowed { seq, .. } => (*seq, "not_allowed"),
            ChainBreak::Unsigned { seq } => (*seq, "unsigned"),
        };
        out.push(format!("audit_log:{seq}"), kind);
    }
    match f.head {
        HeadState::EmptyLog | HeadState::Matches => {}
        HeadState::Missing => out.push("meta:audit_head", "head_missing"),
        HeadState::Mismatch => out.push("meta:audit_head", "head_mismatch"),
    }
    for (id, kind) in &f.users {
        out.push(format!("user:{id}"), kind);
    }
    for (record, kind) in &f.content {
        out.push(record.clone(), kind);
    }
    let fingerprint = match (&f.fingerprint, &f.expected_fingerprint) {
        (Some(fp), Some(want)) if fp == want => FingerprintSeen::AsGiven(fp.clone()),
        (got, Some(_)) => {
            out.push("database", "fingerprint_differs");
            FingerprintSeen::Differs(got.clone())
        }
        (Some(fp), None) => FingerprintSeen::Shown(fp.clone()),
        (None, None) => FingerprintSeen::None,
    };

    let mut created = Vec::new();
    let mut deleted = Vec::new();
    for e in &f.entries {
        let ranges = parse_contact_objects(&e.objects);
        if ranges.iter().any(|(a, b)| b - a >= MAX_RANGE) {
            out.push(format!("audit_log:{}", e.seq), "implausible_range");
            continue;
        }
        if crate::audit_log::deletes_contacts(&e.action) {
            deleted.extend(ranges);
        } else if crate::audit_log::creates_contacts(&e.action) {
            created.extend(ranges);
        }
    }
    let created = expand(&created);
    let deleted = expand(&deleted);
    let exists = |id: i64| f.contact_ids.binary_search(&id).is_ok();
    let mut unlogged = 0;
    let mut deleted_but_there = 0;
    for &id in &f.contact_ids {
        if created.binary_search(&id).is_err() {
            unlogged += 1;
            out.push(format!("contact:{id}"), "not_logged_created");
        } else if deleted.binary_search(&id).is_ok() {
            deleted_but_there += 1;
            out.push(format!("contact:{id}"), "logged_deleted_but_exists");
        }
    }
    let mut missing = 0;
    let mut deleted_count = 0;
    for &id in &created {
        if exists(id) {
            continue;
        }
        if deleted.binary_search(&id).is_ok() {
            deleted_count += 1;
        } else {
            missing += 1;
            out.push(format!("contact:{id}"), "logged_created_missing");
        }
    }

    match f.checkpoint {
        None | Some(CheckpointState::Holds { .. }) => {}
        Some(CheckpointState::Missing { seq }) => {
            out.push(format!("audit_log:{seq}"), "checkpoint_missing")
        }
        Some(CheckpointState::Differs { seq }) => {
            out.push(format!("audit_log:{seq}"), "checkpoint_differs")
        }
    }

    let status = if out.total() > 0 {
        Status::Fail
    } else if !f.pending_keys.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    let summary = Summary::AuditLog(LogSummary {
        chain: f.chain.clone(),
        head: f.head,
        users_differ: f.users.len(),
        content_differ: f.content.len(),
        content_rows: f.content_rows,
        contacts: f.contact_ids.len(),
        unlogged,
        deleted_but_present: deleted_but_there,
        created: created.len(),
        missing,
        deleted: deleted_count,
        checkpoint: f.checkpoint,
        fingerprint,
        pending_keys: f.pending_keys.len(),
        listed: out.listed(),
    });
    (result("audit_log", status, summary), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, action: &str, objects: &str) -> LogEntryFact {
        LogEntryFact {
            seq,
            action: action.into(),
            objects: objects.into(),
        }
    }

    fn kinds(f: &LogFacts) -> Vec<(String, String)> {
        check(f)
            .1
            .list
            .into_iter()
            .map(|x| (x.record, x.kind))
            .collect()
    }

    #[test]
    fn objects_parse_to_contact_ranges() {
        assert_eq!(parse_contact_objects("contact:12"), vec![(12, 12)]);
        assert_eq!(parse_contact_objects("contacts:13-1012"), vec![(13, 1012)]);
        assert_eq!(
            parse_contact_objects("contact:1,contact:5"),
            vec![(1, 1), (5, 5)]
        );
        assert!(parse_contact_objects("contacts:all").is_empty());
        assert!(parse_contact_objects("user:3").is_empty());
        assert!(parse_contact_objects("contacts:9-3").is_empty());
    }

    #[test]
    fn creations_and_deletions_must_account_for_every_contact() {
        let base = LogFacts {
            chain: Ok(3),
            head: HeadState::Matches,
            entries: vec![
                entry(1, "contact_add", "contact:1"),
                entry(2, "import", "contacts:2-4"),
                entry(3, "forget", "contact:3"),
            ],
            contact_ids: vec![1, 2, 4],
            ..LogFacts::default()
        };
        assert_eq!(check(&base).0.status, Status::Pass, "{:?}", check(&base).0);

        let mut extra = base.clone();
        extra.contact_ids.push(9);
        assert_eq!(
            kinds(&extra),
            vec![("contact:9".into(), "not_logged_created".into())]
        );

        let mut gone = base.clone();
        gone.contact_ids.retain(|&i| i != 2);
        assert_eq!(
            kinds(&gone),
            vec![("contact:2".into(), "logged_created_missing".into())]
        );

        let mut back = base.clone();
        back.contact_ids = vec![1, 2, 3, 4];
        assert_eq!(
            kinds(&back),
            vec![("contact:3".into(), "logged_deleted_but_exists".into())]
        );
    }

    #[test]
    fn chain_head_and_checkpoint_problems_fail() {
        for f in [
            LogFacts {
                chain: Err(ChainBreak::Gap {
                    expected: 4,
                    found: 5,
                }),
                ..LogFacts::default()
            },
            LogFacts {
                chain: Err(ChainBreak::BadHash { seq: 2 }),
                ..LogFacts::default()
            },
            LogFacts {
                chain: Err(ChainBreak::BadSignature { seq: 2 }),
                ..LogFacts::default()
            },
            LogFacts {
                chain: Err(ChainBreak::NotAllowed {
                    seq: 2,
                    why: crate::audit_log::Refusal::NotAdmin,
                }),
                ..LogFacts::default()
            },
            LogFacts {
                users: vec![(3, "user_not_granted")],
                ..LogFacts::default()
            },
            LogFacts {
                fingerprint: Some("aaaa".into()),
                expected_fingerprint: Some("bbbb".into()),
                ..LogFacts::default()
            },
            LogFacts {
                head: HeadState::Mismatch,
                ..LogFacts::default()
            },
            LogFacts {
                head: HeadState::Missing,
                ..LogFacts::default()
            },
            LogFacts {
                checkpoint: Some(CheckpointState::Missing { seq: 7 }),
                ..LogFacts::default()
            },
            LogFacts {
                checkpoint: Some(CheckpointState::Differs { seq: 7 }),
                ..LogFacts::default()
            },
        ] {
            assert_eq!(check(&f).0.status, Status::Fail, "{f:?}");
        }
        let holds = LogFacts {
            checkpoint: Some(CheckpointState::Holds { seq: 7 }),
            ..LogFacts::default()
        };
        assert_eq!(check(&holds).0.status, Status::Pass);
        let pending = LogFacts {
            pending_keys: vec![4],
            ..LogFacts::default()
        };
        assert_eq!(check(&pending).0.status, Status::Warn);
        assert!(check(&pending).1.list.is_empty(), "a warning names no one");
    }
}
