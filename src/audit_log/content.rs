//! Content commitments: every log entry that writes contacts commits to what it wrote, so that
//! a row changed outside uppsok, even by someone who holds every key but the author's signing
//! key, no longer matches the signed entry that last wrote it.
//!
//! A contact's hash covers every column it is stored with: id, date, person (and the person's
//! pseudonym), field night, author, time of logging, and both envelopes (categories and note)
//! as stored. The entries:
//!
//! | entry | commits to |
//! | --- | --- |
//! | `contact_add` (`contact:ID`) | `content=H`, the new row's hash |
//! | `import` (`contacts:A-B`) | `content=R`, the running hash of rows A..B in id order |
//! | `contact_edit` (`contact:ID`) | `before=H after=H` |
//! | `contact_delete` (`contact:ID`), `forget` | `before=ID:H,...`, the rows deleted |
//! | `rekey`, `purge`, `upgrade` | `content=R` over every contact in id order, `nights=R` over every field night: a snapshot |
//! | `field_night_add` (`field_night:ID`, `field_nights:A-B`) | `content=R` over the nights written |
//! | `project_add`, `project_close` (`project:ID`) | `projects=R` over every project (a small table) |
//! | `activity_add` (`activity:ID`) | `activities=R` over every activity; of several units, `activities_uN=R` over its unit N's ([`unit_activities_detail`]) |
//! | `init`, `cellkey_create`, and every snapshot | `cellkey=H`, the hash of the cell key secret's plaintext ([`cellkey_detail`]) |
//! | `config_set` (`meta:publish_method`), and every snapshot while it is set | `publish_method=VALUE`, the unit's default disclosure-control method as `meta` keeps it ([`publish_method_detail`]) |
//!
//! The audit walks the log backwards from the live rows ([`verify_content`]): each entry must
//! find the rows as it left them, and hands them back as they were before it; at a snapshot the
//! rows must be what it says, and what came before is what the signer of the snapshot verified
//! (a rekey re-seals nothing before checking every envelope and entry). With no snapshot, the
//! walk must account for every row by the log's first entry.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::storage::{ActivityRow, AuditRow, ContactRow, FieldNightRow, MergeRow, ProjectRow};

/// A contact's hash as committed, with its person's pseudonym (`pseudonym`: the one stored for
/// `c.person_id`), so that pseudonyms swapped between persons change the hash of every contact
/// of theirs.
pub fn contact_hash(c: &ContactRow, pseudonym: Option<&[u8]>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"uppsok/contact/1");
    h.update(c.id.to_le_bytes());
    h.update((c.date.len() as u64).to_le_bytes());
    h.update(c.date.as_bytes());
    h.update(c.person_id.unwrap_or(-1).to_le_bytes());
    let pseudonym = pseudonym.unwrap_or(&[]);
    h.update((pseudonym.len() as u64).to_le_bytes());
    h.update(pseudonym);
    h.update(c.field_night_id.unwrap_or(-1).to_le_bytes());
    h.update(c.created_by.to_le_bytes());
    h.update(c.created_at.to_le_bytes());
    for blob in [&c.attributes, &c.note] {
        h.update((blob.len() as u64).to_le_bytes());
        h.update(blob);
    }
    h.finalize().into()
}

/// A field night's hash as committed: id, date, author, time of logging and the envelope of
/// its details.
pub fn night_hash(n: &FieldNightRow) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"uppsok/field-night/1");
    h.update(n.id.to_le_bytes());
    for text in [&n.date, &n.created_at] {
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    h.update(n.created_by.to_le_bytes());
    h.update((n.details.len() as u64).to_le_bytes());
    h.update(&n.details);
    h.finalize().into()
}

/// `nights=HEX`: a snapshot's commitment to every field night.
pub fn nights_detail(hash: &[u8; 32]) -> String {
    format!("nights={}", hex(hash))
}

/// The walk for field nights (see [`verify_content`]): `field_night_add` (`field_night:ID` or
/// `field_nights:A-B`, `content=R` over them) and snapshots (`nights=R` over all). Field nights
/// are never changed or deleted through uppsok.
pub fn verify_nights(live: BTreeMap<i64, [u8; 32]>, rows: &[AuditRow]) -> Vec<ContentFinding> {
    let mut state = live;
    let mut findings = Vec::new();
    for r in rows.iter().rev() {
        match r.action.as_str() {
            "rekey" | "upgrade" | "purge" => {
                if let Some(snapshot) = hash_in(&r.detail, "nights") {
                    let mut running = Running::default();
                    for (id, h) in &state {
                        running.push(*id, h);
                    }
                    if running.finish() != snapshot {
                        findings.push(ContentFinding {
                            record: "field_nights:all".into(),
                            kind: "content_differs",
                            entry: Some(r.seq),
                        });
                    }
                    return findings;
                }
            }
            "field_night_add" => {
                let Some(after) = hash_in(&r.detail, "content") else {
                    continue;
                };
                let range: Vec<i64> = night_objects(&r.objects);
                let mut running = Running::default();
                let mut complete = true;
                for id in &range {
                    match state.remove(id) {
                        Some(h) => running.push(*id, &h),
                        None => complete = false,
                    }
                }
                if !complete || running.finish() != after {
                    findings.push(ContentFinding {
                        record: r.objects.clone(),
                        kind: "content_differs",
                        entry: Some(r.seq),
                    });
                }
            }
            _ => {}
        }
    }
    for id in state.keys() {
        findings.push(ContentFinding {
            record: format!("field_night:{id}"),
            kind: "not_committed",
            entry: None,
        });
    }
    findings
}

/// The ids `field_night:ID` or `field_nights:A-B` name.
fn night_objects(objects: &str) -> Vec<i64> {
    if let Some(id) = objects.strip_prefix("field_night:") {
        return id.parse().into_iter().collect();
    }
    if let Some((a, b)) = objects
        .strip_prefix("field_nights:")
        .and_then(|r| r.split_once('-'))
    {
        if let (Ok(a), Ok(b)) = (a.parse::<i64>(), b.parse::<i64>()) {
            if a <= b && b - a < 10_000_000 {
                return (a..=b).collect();
            }
        }
    }
    Vec::new()
}

/// `merges=HEX`: the whole table of declared merges (two codes one person), as every entry that
/// changes it leaves it (`person_merge`, `person_unmerge`, `forget`, and the snapshots). The
/// table is small, so each such entry commits to all of it.
pub fn merges_detail(merges: &[MergeRow]) -> String {
    let mut rows: Vec<&MergeRow> = merges.iter().collect();
    rows.sort_by_key(|m| m.person_id);
    let mut running = Running::default();
    for m in rows {
        let mut h = Sha256::new();
        h.update(b"uppsok/merge/1");
        h.update(m.person_id.to_le_bytes());
        h.update(m.merged_into.to_le_bytes());
        h.update(m.merged_by.to_le_bytes());
        h.update((m.merged_at.len() as u64).to_le_bytes());
        h.update(m.merged_at.as_bytes());
        running.push(m.person_id, &h.finalize().into());
    }
    format!("merges={}", hex(&running.finish()))
}

/// The merges table against the last entry that committed to it (none: it must be empty).
pub fn verify_merges(live: &[MergeRow], rows: &[AuditRow]) -> Option<ContentFinding> {
    verify_last_commitment(&merges_detail(live), live.is_empty(), rows, "person_merges")
}

/// `districts=HEX`: the unit's district list as `meta` keeps it. Its order gives the district
/// codes inside every sealed envelope their meaning, so reordering it would move contacts
/// between districts without touching one. `init` commits to it, and so does every snapshot.
pub fn districts_detail(list: Option<&str>) -> String {
    let mut h = Sha256::new();
    h.update(b"uppsok/districts/1");
    match list {
        Some(l) => {
            h.update([1]);
            h.update((l.len() as u64).to_le_bytes());
            h.update(l.as_bytes());
        }
        None => h.update([0]),
    }
    format!("districts={}", hex(&h.finalize().into()))
}

/// `projects=HEX`: every project as stored (id, author, time, the envelope of its details), in
/// id order. Each entry that adds or closes a project commits to the whole table, and so does
/// every snapshot.
pub fn projects_detail(rows: &[ProjectRow]) -> String {
    let mut running = Running::default();
    for p in rows {
        let mut h = Sha256::new();
        h.update(b"uppsok/project/1");
        h.update(p.id.to_le_bytes());
        h.update(p.created_by.to_le_bytes());
        for b in [p.created_at.as_bytes(), &p.details[..]] {
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
        running.push(p.id, &h.finalize().into());
    }
    format!("projects={}", hex(&running.finish()))
}

/// `activities=HEX`: every activity as stored (id, date, author, time, both envelopes), in id
/// order, as `activity_add` and every snapshot commit to it.
pub fn activities_detail(rows: &[ActivityRow]) -> String {
    let mut sorted: Vec<&ActivityRow> = rows.iter().collect();
    sorted.sort_by_key(|a| a.id);
    let mut running = Running::default();
    for a in sorted {
        let mut h = Sha256::new();
        h.update(b"uppsok/activity/1");
        h.update(a.id.to_le_bytes());
        h.update(a.created_by.to_le_bytes());
        for b in [
            a.date.as_bytes(),
            a.created_at.as_bytes(),
            &a.details[..],
            &a.note[..],
        ] {
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
        running.push(a.id, &h.finalize().into());
    }
    format!("activities={}", hex(&running.finish()))
}

/// The projects table against the last entry that committed to it (none: it must be empty),
/// and every entry that changed it against who may: `signed_by_one_who_may` says whether an
/// entry's signer held a role that may manage projects. An insider holding an outreach
/// worker's keys can seal a project row and sign an entry for it, but not as a lead.
pub fn verify_projects(
    live: &[ProjectRow],
    rows: &[AuditRow],
    signed_by_one_who_may: &dyn Fn(&AuditRow) -> bool,
) -> Vec<ContentFinding> {
    verify_small_table(
        &projects_detail(live),
        live.is_empty(),
        rows,
        "projects",
        &["project_add", "project_close"],
        signed_by_one_who_may,
    )
}

/// `activities_uN=HEX`: in a database of several units, unit N's activities (`rows`, the
/// unit's own), as [`activities_detail`] hashes them. Each unit's `activity_add` commits to its
/// own unit's, and every snapshot to each unit's: a unit's role on a server reads only its own
/// unit's activities (its own unit's table), so it could not commit to the others'.
pub fn unit_activities_detail(unit: i64, rows: &[ActivityRow]) -> String {
    let whole = activities_detail(rows);
    format!("activities_u{unit}={}", &whole["activities=".len()..])
}

/// The activities table, as [`verify_projects`] checks projects; in a database of several
/// units, each unit's activities against the last entry that committed to that unit's
/// ([`unit_activities_detail`]).
pub fn verify_activities(
    live: &[ActivityRow],
    rows: &[AuditRow],
    signed_by_one_who_may: &dyn Fn(&AuditRow) -> bool,
    units: &crate::domain::Units,
) -> Vec<ContentFinding> {
    if !units.several() {
        return verify_small_table(
            &activities_detail(live),
            live.is_empty(),
            rows,
            "activities",
            &["activity_add"],
            signed_by_one_who_may,
        );
    }
    let mut findings = not_allowed(rows, &["activity_add"], signed_by_one_who_may);
    let mut numbers: Vec<i64> = units.named().iter().map(|(n, _)| *n).collect();
    numbers.extend(live.iter().map(|a| units.of_user(a.created_by)));
    numbers.sort_unstable();
    numbers.dedup();
    let whole = activities_detail(live);
    for unit in numbers {
        let own: Vec<ActivityRow> = live
            .iter()
            .filter(|a| units.of_user(a.created_by) == unit)
            .cloned()
            .collect();
        // The last entry that committed to the unit's, or (before the database had several
        // units: the second unit's own `unit_add` snapshot checks this) to all of them.
        findings.extend(last_commitment_among(
            &[&unit_activities_detail(unit, &own), &whole],
            own.is_empty(),
            rows,
            &format!("activities:unit:{unit}"),
        ));
    }
    findings
}

/// The entries of these actions signed by someone whose role may not make them.
fn not_allowed(
    rows: &[AuditRow],
    actions: &[&str],
    signed_by_one_who_may: &dyn Fn(&AuditRow) -> bool,
) -> Vec<ContentFinding> {
    rows.iter()
        .filter(|r| actions.contains(&r.action.as_str()) && !signed_by_one_who_may(r))
        .map(|r| ContentFinding {
            record: r.objects.clone(),
            kind: "not_allowed",
            entry: Some(r.seq),
        })
        .collect()
}

fn verify_small_table(
    now: &str,
    empty: bool,
    rows: &[AuditRow],
    record: &str,
    actions: &[&str],
    signed_by_one_who_may: &dyn Fn(&AuditRow) -> bool,
) -> Vec<ContentFinding> {
    let mut findings = not_allowed(rows, actions, signed_by_one_who_may);
    findings.extend(verify_last_commitment(now, empty, rows, record));
    findings
}

/// The district list against the last entry that committed to it (there must be one).
pub fn verify_districts(live: Option<&str>, rows: &[AuditRow]) -> Option<ContentFinding> {
    verify_last_commitment(&districts_detail(live), false, rows, "meta:districts")
}

/// `cellkey=HEX`: the commitment to the cell key secret (`CellKeySecret::commitment`, a hash
/// of its plaintext, so a rekey's re-seal keeps it). `init` (or, in a database made before the
/// secret, the `cellkey_create` entry that made it) commits to it, and so does every snapshot.
pub fn cellkey_detail(commitment: &[u8; 32]) -> String {
    format!("cellkey={}", hex(commitment))
}

/// The cell key secret as `meta` holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKeyState {
    /// No secret (a database made before the cell key method, until one is made).
    Absent,
    /// It opens: its commitment.
    Opened([u8; 32]),
    /// Something is there that does not open as the secret (not sealed for its place, or under
    /// another key).
    NotAuthentic,
}

/// The cell key secret against the log. It is made once and never changes (a rekey re-seals
/// the same one), so every entry that commits to it must commit to the same secret, and the
/// one in `meta` must be that one: a secret replaced, removed or re-sealed to another value
/// outside uppsok is named (`meta:cellkey_secret`), even when the insider signed an entry for
/// the new one. A database whose log never committed to one must hold none.
pub fn verify_cellkey(live: CellKeyState, rows: &[AuditRow]) -> Vec<ContentFinding> {
    const RECORD: &str = "meta:cellkey_secret";
    let finding = |kind: &'static str, entry: Option<i64>| ContentFinding {
        record: RECORD.into(),
        kind,
        entry,
    };
    let committed: Vec<(i64, Option<[u8; 32]>)> = rows
        .iter()
        .filter_map(|r| {
            let v = value(&r.detail, "cellkey")?;
            Some((r.seq, crate::crypto::parse_pseudonym_hex(v.as_bytes())))
        })
        .collect();
    let mut findings = Vec::new();
    if let Some((_, first)) = committed.first() {
        if let Some((seq, _)) = committed.iter().find(|(_, h)| h.is_none() || h != first) {
            findings.push(finding("content_differs", Some(*seq)));
        }
    }
    let last = committed.last();
    match (live, last) {
        (CellKeyState::Absent, None) => {}
        (CellKeyState::Opened(h), Some((_, Some(c)))) if h == *c => {}
        (CellKeyState::Opened(_) | CellKeyState::NotAuthentic, None) => {
            findings.push(finding("not_committed", None));
        }
        (_, Some((seq, _))) => findings.push(finding("content_differs", Some(*seq))),
    }
    findings
}

/// The record the audit names for the unit's default disclosure-control method.
pub const PUBLISH_METHOD_RECORD: &str = "meta:publish_method";

/// The entries that may commit to `publish_method=`: the one that sets it and the snapshots.
const PUBLISH_METHOD_ENTRIES: &[&str] = &["config_set", "rekey", "purge", "upgrade"];

/// `publish_method=VALUE`: the unit's default disclosure-control method (`suppress`,
/// `cellkey`) as `meta` keeps it. `config_set` commits to the value it sets, and every
/// snapshot to the value it found (none while it was never set: absent means `suppress`).
/// The value is a word of the method's one spelling, never free text.
pub fn publish_method_detail(value: &str) -> String {
    format!("publish_method={value}")
}

/// The unit's default disclosure-control method (`live`: `meta.publish_method`, if present)
/// against the last entry that committed to it; none: it must be absent. Every entry that
/// commits to it must be signed by one whose role may set it (`signed_by_one_who_may`): an
/// outreach worker holding their own keys can write `meta` and sign a `config_set` entry, but
/// not as a lead. A value uppsok does not know (`is_known`) is named too, even committed.
/// Everything is named `meta:publish_method`.
pub fn verify_publish_method(
    live: Option<&str>,
    is_known: &dyn Fn(&str) -> bool,
    rows: &[AuditRow],
    signed_by_one_who_may: &dyn Fn(&AuditRow) -> bool,
) -> Vec<ContentFinding> {
    let finding = |kind: &'static str, entry: Option<i64>| ContentFinding {
        record: PUBLISH_METHOD_RECORD.into(),
        kind,
        entry,
    };
    let committing: Vec<(&AuditRow, &str)> = rows
        .iter()
        .filter(|r| PUBLISH_METHOD_ENTRIES.contains(&r.action.as_str()))
        .filter_map(|r| Some((r, value(&r.detail, "publish_method")?)))
        .collect();
    let mut findings: Vec<ContentFinding> = committing
        .iter()
        .filter(|(r, _)| !signed_by_one_who_may(r))
        .map(|(r, _)| finding("not_allowed", Some(r.seq)))
        .collect();
    match (live, committing.last()) {
        (None, None) => {}
        (Some(now), Some((r, committed))) if now == *committed => {
            if !is_known(now) {
                findings.push(finding("unknown_value", Some(r.seq)));
            }
        }
        (Some(_), None) => findings.push(finding("not_committed", None)),
        (_, Some((r, _))) => findings.push(finding("content_differs", Some(r.seq))),
    }
    findings
}

/// A value that every entry changing it commits to in full (`KEY=HEX`), against the last such
/// entry; with none, it is as committed only if `none_is_fine` (an empty table).
fn verify_last_commitment(
    now: &str,
    none_is_fine: bool,
    rows: &[AuditRow],
    record: &str,
) -> Option<ContentFinding> {
    last_commitment_among(&[now], none_is_fine, rows, record)
}

/// Checks a record against the last entry that committed to it in any of the forms given
/// (each `KEY=HEX`, as it is now): that entry's token must be the form with its key.
fn last_commitment_among(
    forms: &[&str],
    none_is_fine: bool,
    rows: &[AuditRow],
    record: &str,
) -> Option<ContentFinding> {
    let key = |form: &str| form[..=form.find('=').expect("KEY=HEX")].to_string();
    let keys: Vec<String> = forms.iter().map(|f| key(f)).collect();
    let last = rows.iter().rev().find_map(|r| {
        r.detail
            .split(' ')
            .find_map(|t| {
                keys.iter()
                    .position(|k| t.starts_with(k.as_str()))
                    .map(|i| (t, i))
            })
            .map(|(t, i)| (r.seq, t, i))
    });
    let (matches, kind) = match last {
        Some((_, committed, i)) => (committed == forms[i], "content_differs"),
        None => (none_is_fine, "not_committed"),
    };
    (!matches).then(|| ContentFinding {
        record: record.into(),
        kind,
        entry: last.map(|(seq, _, _)| seq),
    })
}

/// A running hash over row hashes, in id order (an import's, a snapshot's).
#[derive(Clone)]
pub struct Running(Sha256, u64);

impl Default for Running {
    fn default() -> Self {
        let mut h = Sha256::new();
        h.update(b"uppsok/contacts/1");
        Running(h, 0)
    }
}

impl Running {
    pub fn push(&mut self, id: i64, hash: &[u8; 32]) {
        self.0.update(id.to_le_bytes());
        self.0.update(hash);
        self.1 += 1;
    }

    pub fn finish(self) -> [u8; 32] {
        let mut h = self.0;
        h.update(self.1.to_le_bytes());
        h.finalize().into()
    }
}

fn hex(b: &[u8; 32]) -> String {
    crate::crypto::pseudonym_hex(b)
}

/// `content=HEX`.
pub fn content_detail(hash: &[u8; 32]) -> String {
    format!("content={}", hex(hash))
}

/// `before=HEX after=HEX` of an edit.
pub fn edit_detail(before: &[u8; 32], after: &[u8; 32]) -> String {
    format!("before={} after={}", hex(before), hex(after))
}

/// `before=ID:HEX,...` of rows deleted.
pub fn deleted_detail(rows: &[(i64, [u8; 32])]) -> String {
    let items: Vec<String> = rows
        .iter()
        .map(|(id, h)| format!("{id}:{}", hex(h)))
        .collect();
    format!("before={}", items.join(","))
}

fn value<'a>(detail: &'a str, key: &str) -> Option<&'a str> {
    detail
        .split(' ')
        .find_map(|t| t.strip_prefix(key)?.strip_prefix('='))
}

fn hash_in(detail: &str, key: &str) -> Option<[u8; 32]> {
    crate::crypto::parse_pseudonym_hex(value(detail, key)?.as_bytes())
}

/// A row whose content is not what the log's signed entries say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentFinding {
    /// `contact:ID`, or `contacts:A-B` for an import (one of its rows).
    pub record: String,
    /// `content_differs` (not as its entry left it), `not_committed` (no entry wrote it),
    /// `not_allowed` (an entry signed by one whose role may not make that change).
    pub kind: &'static str,
    /// The entry that says otherwise, if any.
    pub entry: Option<i64>,
}

/// What the walk found.
#[derive(Debug, Clone, Default)]
pub struct ContentFacts {
    pub findings: Vec<ContentFinding>,
    /// The snapshot the walk stopped at, if any.
    pub snapshot: Option<i64>,
    /// Rows checked.
    pub rows: u64,
}

/// The walk (see the module documentation): `live` is every contact's hash by id; `rows` the
/// log in order. Entries from before content commitments (no `content=`/`before=`) that write
/// contacts are accounted as far as they go: the walk reports the rows it could not match.
pub fn verify_content(live: BTreeMap<i64, [u8; 32]>, rows: &[AuditRow]) -> ContentFacts {
    let mut facts = ContentFacts {
        rows: live.len() as u64,
        ..ContentFacts::default()
    };
    let mut state = live;
    let ids = |r: &AuditRow| {
        crate::audit::parse_contact_objects(&r.objects)
            .into_iter()
            .filter(|(a, b)| b - a < 100_000_000)
            .flat_map(|(a, b)| a..=b)
            .collect::<Vec<i64>>()
    };
    let differs = |facts: &mut ContentFacts, record: String, entry: i64| {
        facts.findings.push(ContentFinding {
            record,
            kind: "content_differs",
            entry: Some(entry),
        });
    };
    for r in rows.iter().rev() {
        let committed = |key: &str| hash_in(&r.detail, key);
        match r.action.as_str() {
            "rekey" | "upgrade" | "purge" => {
                if let Some(snapshot) = committed("content") {
                    let mut running = Running::default();
                    for (id, h) in &state {
                        running.push(*id, h);
                    }
                    if running.finish() != snapshot {
                        differs(&mut facts, "contacts:all".into(), r.seq);
                    }
                    facts.snapshot = Some(r.seq);
                    return facts;
                }
            }
            "contact_add" => {
                let Some(after) = committed("content") else {
                    continue;
                };
                for id in ids(r) {
                    match state.remove(&id) {
                        Some(h) if h == after => {}
                        // Gone since without a deletion: the audit_log check names that.
                        None => {}
                        Some(_) => differs(&mut facts, format!("contact:{id}"), r.seq),
                    }
                }
            }
            "import" => {
                let Some(after) = committed("content") else {
                    continue;
                };
                let mut running = Running::default();
                let mut complete = true;
                let range = ids(r);
                for id in &range {
                    match state.remove(id) {
                        Some(h) => running.push(*id, &h),
                        None => complete = false,
                    }
                }
                if complete && running.finish() != after {
                    differs(&mut facts, r.objects.clone(), r.seq);
                }
            }
            "contact_edit" => {
                let (Some(before), Some(after)) = (committed("before"), committed("after")) else {
                    continue;
                };
                for id in ids(r) {
                    if state.get(&id).is_some_and(|h| *h != after) {
                        differs(&mut facts, format!("contact:{id}"), r.seq);
                    }
                    state.insert(id, before);
                }
            }
            "contact_delete" | "forget" => {
                let Some(list) = value(&r.detail, "before") else {
                    continue;
                };
                for item in list.split(',').filter(|s| !s.is_empty()) {
                    let Some((id, h)) = item.split_once(':') else {
                        continue;
                    };
                    let (Ok(id), Some(h)) = (
                        id.parse::<i64>(),
                        crate::crypto::parse_pseudonym_hex(h.as_bytes()),
                    ) else {
                        continue;
                    };
                    state.insert(id, h);
                }
            }
            _ => {}
        }
    }
    for id in state.keys() {
        facts.findings.push(ContentFinding {
            record: format!("contact:{id}"),
            kind: "not_committed",
            entry: None,
        });
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, action: &str, detail: &str) -> AuditRow {
        AuditRow {
            seq,
            at: String::new(),
            user_id: Some(1),
            action: action.into(),
            objects: String::new(),
            detail: detail.into(),
            mac: Vec::new(),
        }
    }

    #[test]
    fn the_publish_method_is_the_last_committed_value_set_by_one_who_may() {
        let known = |v: &str| matches!(v, "suppress" | "cellkey");
        let lead = |r: &AuditRow| r.user_id == Some(1);
        let set = |seq: i64, user: i64, v: &str| AuditRow {
            user_id: Some(user),
            objects: PUBLISH_METHOD_RECORD.into(),
            ..entry(seq, "config_set", &publish_method_detail(v))
        };
        let kinds = |f: Vec<ContentFinding>| -> Vec<(&'static str, Option<i64>)> {
            f.iter()
                .inspect(|f| assert_eq!(f.record, "meta:publish_method"))
                .map(|f| (f.kind, f.entry))
                .collect()
        };
        let init = entry(1, "init", "x=1");
        let check = |live: Option<&str>, rows: &[AuditRow]| {
            kinds(verify_publish_method(live, &known, rows, &lead))
        };
        // Never set: absent; set, and kept through a snapshot.
        assert!(check(None, std::slice::from_ref(&init)).is_empty());
        let log = vec![init.clone(), set(2, 1, "cellkey")];
        assert!(check(Some("cellkey"), &log).is_empty());
        let mut kept = log.clone();
        kept.push(entry(3, "rekey", "content=00 publish_method=cellkey"));
        assert!(check(Some("cellkey"), &kept).is_empty());
        // Changed, removed, or planted with no entry.
        assert_eq!(
            check(Some("suppress"), &log),
            [("content_differs", Some(2))]
        );
        assert_eq!(check(None, &kept), [("content_differs", Some(3))]);
        assert_eq!(
            check(Some("cellkey"), std::slice::from_ref(&init)),
            [("not_committed", None)]
        );
        // Another entry's detail does not commit to it.
        let stray = vec![init.clone(), entry(2, "stats", "publish_method=cellkey")];
        assert_eq!(check(Some("cellkey"), &stray), [("not_committed", None)]);
        // Set by one who may not, even matching; a value uppsok does not know, even committed.
        let forged = vec![init.clone(), set(2, 3, "cellkey")];
        assert_eq!(check(Some("cellkey"), &forged), [("not_allowed", Some(2))]);
        let odd = vec![init, set(2, 1, "round")];
        assert_eq!(check(Some("round"), &odd), [("unknown_value", Some(2))]);
    }

    #[test]
    fn a_units_activities_are_held_to_the_last_entry_that_committed_to_that_units() {
        use crate::domain::Units;
        let units = Units::new(
            vec![(1, "a".into()), (2, "b".into())],
            [(2, 2)].into_iter().collect(),
        );
        let activity = |id: i64, by: i64, details: &[u8]| ActivityRow {
            id,
            date: "2024-04-02".into(),
            created_by: by,
            created_at: String::new(),
            details: details.to_vec(),
            note: vec![0],
        };
        let (a1, a2) = (activity(1, 1, b"a"), activity(2, 2, b"b"));
        let anyone = |_: &AuditRow| true;
        let check = |live: &[ActivityRow], rows: &[AuditRow]| -> Vec<(String, &str, Option<i64>)> {
            verify_activities(live, rows, &anyone, &units)
                .into_iter()
                .map(|f| (f.record, f.kind, f.entry))
                .collect()
        };
        // One unit's era (all of them), the second unit's snapshot (each unit's), a unit's own.
        let log = vec![
            entry(1, "init", "x=1"),
            entry(
                2,
                "activity_add",
                &activities_detail(std::slice::from_ref(&a1)),
            ),
            entry(
                3,
                "rekey",
                &format!(
                    "{} {}",
                    unit_activities_detail(1, std::slice::from_ref(&a1)),
                    unit_activities_detail(2, &[])
                ),
            ),
            entry(
                4,
                "activity_add",
                &unit_activities_detail(2, std::slice::from_ref(&a2)),
            ),
        ];
        let live = [a1.clone(), a2.clone()];
        assert!(check(&live, &log).is_empty());
        // At the second unit's snapshot, before it: the whole table, then all unit 1's.
        assert!(check(std::slice::from_ref(&a1), &log[..2]).is_empty());
        // A unit's activity changed, removed, or planted: named as that unit's.
        let changed = [activity(1, 1, b"x"), a2.clone()];
        let unit = |n: i64, kind, seq: i64| {
            (
                format!("activities:unit:{n}"),
                kind,
                (seq > 0).then_some(seq),
            )
        };
        assert_eq!(check(&changed, &log), [unit(1, "content_differs", 3)]);
        assert_eq!(
            check(std::slice::from_ref(&a1), &log),
            [unit(2, "content_differs", 4)]
        );
        let planted = [a1.clone(), a2.clone(), activity(3, 2, b"c")];
        assert_eq!(check(&planted, &log), [unit(2, "content_differs", 4)]);
        // A unit whose activities no entry committed to has none.
        let never = [a1.clone(), a2.clone(), activity(5, 3, b"d")];
        let three = Units::new(
            vec![(1, "a".into()), (2, "b".into()), (3, "c".into())],
            [(2, 2), (3, 3)].into_iter().collect(),
        );
        let found = |log: &[AuditRow]| -> Vec<_> {
            verify_activities(&never, log, &anyone, &three)
                .into_iter()
                .map(|f| (f.record, f.kind, f.entry))
                .collect()
        };
        assert_eq!(found(&log[2..]), [unit(3, "not_committed", 0)]);
        // (Or, with the one unit's era in the log, not as the whole table was.)
        assert_eq!(found(&log), [unit(3, "content_differs", 2)]);
        // With one unit the table is one commitment, as before.
        let one = Units::new(vec![(1, "a".into())], Default::default());
        assert!(verify_activities(std::slice::from_ref(&a1), &log[..2], &anyone, &one).is_empty());
    }

    #[test]
    fn the_cell_key_secret_must_be_the_one_every_entry_committed_to() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let log = |hashes: &[&[u8; 32]]| -> Vec<AuditRow> {
            let mut rows = vec![entry(
                1,
                "init",
                &format!("x=1 {}", cellkey_detail(hashes[0])),
            )];
            rows.push(entry(2, "stats", "from=- to=-"));
            for (i, h) in hashes[1..].iter().enumerate() {
                rows.push(entry(3 + i as i64, "rekey", &cellkey_detail(h)));
            }
            rows
        };
        let kinds = |f: Vec<ContentFinding>| -> Vec<(&'static str, Option<i64>)> {
            f.iter()
                .inspect(|f| assert_eq!(f.record, "meta:cellkey_secret"))
                .map(|f| (f.kind, f.entry))
                .collect()
        };
        // As made, and through a rekey that re-sealed the same secret.
        assert!(verify_cellkey(CellKeyState::Opened(a), &log(&[&a, &a])).is_empty());
        // A database from before the method: none committed, none held.
        let old = vec![entry(1, "init", "x=1")];
        assert!(verify_cellkey(CellKeyState::Absent, &old).is_empty());
        // Replaced, removed, or not opening.
        assert_eq!(
            kinds(verify_cellkey(CellKeyState::Opened(b), &log(&[&a]))),
            [("content_differs", Some(1))]
        );
        assert_eq!(
            kinds(verify_cellkey(CellKeyState::Absent, &log(&[&a, &a]))),
            [("content_differs", Some(3))]
        );
        assert_eq!(
            kinds(verify_cellkey(CellKeyState::NotAuthentic, &log(&[&a]))),
            [("content_differs", Some(1))]
        );
        // Planted where none was committed.
        assert_eq!(
            kinds(verify_cellkey(CellKeyState::Opened(b), &old)),
            [("not_committed", None)]
        );
        // Replaced with a signed entry committing to the new one: the change itself is named.
        assert_eq!(
            kinds(verify_cellkey(CellKeyState::Opened(b), &log(&[&a, &b]))),
            [("content_differs", Some(3))]
        );
    }
}
