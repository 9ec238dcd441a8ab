//! `audit_log`: the access and change log is complete and unaltered.
//!
//! - The HMAC chain verifies from the first entry to the last, with sequence numbers 1, 2, 3,
//!   ... without a gap: an entry edited, removed, inserted or reordered breaks it.
//! - The sealed head (`audit_log::head_seal`, kept in `meta`) matches the last entry: entries
//!   cut from the end leave it pointing past the end.
//! - Every contact that exists was logged as created, and not as deleted; every logged
//!   creation either exists or was logged as deleted (`audit_log::deletes_contacts` is the
//!   one list of deleting actions).
//! - With `--since-checkpoint`, the entry a checkpoint names is still there with the same MAC,
//!   so the file was not rolled back to before it.
//!
//! The whole file rolled back to an older copy is consistent in itself; only a checkpoint kept
//! outside the database catches that.

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
    /// The entry the checkpoint names is there with the same MAC.
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
}

impl Default for LogFacts {
    fn default() -> Self {
        LogFacts {
            chain: Ok(0),
            head: HeadState::EmptyLog,
            entries: Vec::new(),
            contact_ids: Vec::new(),
            checkpoint: None,
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
    let chain_text = match &f.chain {
        Ok(n) => format!("{n} entries, chain verified end to end"),
        Err(ChainBreak::Gap { expected, found }) => {
            out.push(format!("audit_log:{expected}"), "gap");
            format!("the chain breaks: entry {expected} is missing (next is {found})")
        }
        Err(ChainBreak::BadMac { seq }) => {
            out.push(format!("audit_log:{seq}"), "bad_mac");
            format!("the chain breaks at entry {seq}: it or one before it was changed or moved")
        }
    };
    let head_text = match f.head {
        HeadState::EmptyLog | HeadState::Matches => "the sealed head matches the last entry",
        HeadState::Missing => {
            out.push("meta:audit_head", "head_missing");
            "the sealed head is missing"
        }
        HeadState::Mismatch => {
            out.push("meta:audit_head", "head_mismatch");
            "the sealed head does not match the last entry: entries were cut from the end"
        }
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

    let checkpoint_text = match f.checkpoint {
        None => String::new(),
        Some(CheckpointState::Holds { seq }) => {
            format!("; the checkpoint at entry {seq} is still in the log")
        }
        Some(CheckpointState::Missing { seq }) => {
            out.push(format!("audit_log:{seq}"), "checkpoint_missing");
            format!("; the log no longer reaches the checkpoint at entry {seq}: it was cut or the file rolled back")
        }
        Some(CheckpointState::Differs { seq }) => {
            out.push(format!("audit_log:{seq}"), "checkpoint_differs");
            format!("; entry {seq} is not the one the checkpoint names: the file was rolled back or the log rewritten")
        }
    };

    let status = if out.total() > 0 {
        Status::Fail
    } else {
        Status::Pass
    };
    let summary = format!(
        "{chain_text}; {head_text}; {} contacts, {unlogged} not logged as created, {deleted_but_there} logged as deleted yet present; {} logged creations, {missing} missing without a logged deletion, {deleted_count} deleted{checkpoint_text}{}",
        f.contact_ids.len(),
        created.len(),
        out.listed_note()
    );
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
            checkpoint: None,
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
                chain: Err(ChainBreak::BadMac { seq: 2 }),
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
    }
}
