//! What each check found, as counts and states: the summary a check gives, before it is put
//! into words. The words of each language are in `crate::i18n::audit`; `--format json`
//! carries the English sentence (CONTRACT.md), the text report the sentence in `--lang`.

use super::{CheckpointState, HeadState, PiiSource};
use crate::audit_log::ChainBreak;
use crate::i18n::Lang;

/// One check's summary: counts and states only, never a stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Summary {
    Encryption(EncryptionSummary),
    Pseudonyms(PseudonymSummary),
    Pii(PiiSummary),
    KAnonymity(KAnonymitySummary),
    AuditLog(LogSummary),
    Integrity(IntegritySummary),
}

impl Summary {
    /// The summary as a sentence in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::En => crate::i18n::audit::en(self),
            Lang::Sv => crate::i18n::audit::sv(self),
        }
    }
}

/// How many findings of a check were listed, when not all of them were (the cap
/// `MAX_FINDINGS_PER_CHECK`): `Some(listed)`, else `None`.
pub type Listed = Option<usize>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionSummary {
    /// Values opened where they are stored.
    pub opened: u64,
    /// Values that failed (malformed, not authentic, undecodable, old key version).
    pub failed: usize,
    pub nonce_reuses: usize,
    pub key_version: u32,
    /// Whether the database records the same key version.
    pub meta_ok: bool,
    pub slots: usize,
    /// Slots below the documented minimum.
    pub weak: usize,
    /// The minimum: memory in MiB and passes.
    pub min_mib: u32,
    pub min_passes: u32,
    /// Slots whose Argon2 settings lie outside what uppsok accepts, and those bounds.
    pub out_of_bounds: usize,
    pub max_mib: u32,
    pub max_passes: u32,
    pub max_lanes: u32,
    /// Notes not opened: this role holds no note key.
    pub not_held: u64,
    /// Every role still holds every key (upgraded, not rekeyed since).
    pub shared_scheme: bool,
    /// Slots with the cheap settings of a debug build's tests.
    pub test_slots: usize,
    pub listed: Listed,
}

/// What the sampled codes showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampled {
    /// `unkeyed` pseudonyms equal an unkeyed SHA-256 of one of `codes` sampled codes.
    Compared { unkeyed: usize, codes: u64 },
    /// No pseudonyms to compare.
    Nothing,
}

/// How many pseudonyms are the keyed form of a guessable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guessable {
    /// `found` of `persons` are, out of `keyed` such codes tried.
    Found {
        found: u64,
        persons: usize,
        keyed: u64,
    },
    /// None is, out of `keyed` codes tried.
    NoneOf { keyed: u64 },
    /// This role holds no pseudonym key, so it was not measured.
    NotMeasured,
    /// No pseudonyms.
    NoPersons,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PseudonymSummary {
    pub persons: usize,
    /// Pseudonyms that are not 32 bytes.
    pub bad_length: usize,
    pub sampled: Sampled,
    pub guessable: Guessable,
    pub listed: Listed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiSummary {
    pub source: PiiSource,
    /// Notes scanned now (with [`PiiSource::Scanned`]).
    pub scanned: u64,
    /// Notes that hold what looks like an identifier.
    pub flagged: usize,
    pub listed: Listed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KAnonymitySummary {
    NoIndividuals,
    Groups {
        individuals: usize,
        groups: usize,
        smallest: usize,
        /// Groups smaller than the threshold and the individuals in them (none: `0, 0`).
        small_groups: usize,
        in_small: usize,
        threshold: usize,
    },
}

/// The database's fingerprint, as the log check found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FingerprintSeen {
    /// No fingerprint (no root in the log) and none asked for.
    None,
    /// This one, none asked for.
    Shown(String),
    /// This one, as asked for.
    AsGiven(String),
    /// Another than asked for (or none at all).
    Differs(Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSummary {
    /// Entries verified, or where the chain breaks.
    pub chain: Result<i64, ChainBreak>,
    pub head: HeadState,
    /// User records or keys that differ from what the log grants.
    pub users_differ: usize,
    /// Contact records not as their signed entry says, and contacts checked.
    pub content_differ: usize,
    pub content_rows: u64,
    /// Stored contacts, those not logged as created, and those logged deleted yet present.
    pub contacts: usize,
    pub unlogged: usize,
    pub deleted_but_present: usize,
    /// Logged creations, those missing without a logged deletion, and those deleted.
    pub created: usize,
    pub missing: usize,
    pub deleted: usize,
    pub checkpoint: Option<CheckpointState>,
    pub fingerprint: FingerprintSeen,
    /// Users who hold no signing key yet.
    pub pending_keys: usize,
    pub listed: Listed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegritySummary {
    /// SQLite's `integrity_check` says ok.
    pub sound: bool,
    pub foreign_keys: usize,
    pub bad_seals: usize,
    pub users_checked: usize,
    pub listed: Listed,
}
