//! The access and change log: what happened, when, by whom, to which record ids; never a code,
//! a note or a category value. Every entry carries a running hash over every entry before it and
//! is signed by its author (see [`chain`]); who may sign what is replayed from the log itself
//! (see [`authority`]).
//!
//! - [`entries`]: what an entry records (the [`Action`]s, which of them create or delete
//!   contacts) and the bytes its hash covers.
//! - [`chain`]: appending a signed entry, the recorded head, and verifying the log.
//! - [`authority`]: the users, roles and signing keys the log grants; the fingerprint.
//! - [`checkpoints`]: a checkpoint (`SEQ-HEX`, the running hash at SEQ), to keep outside the
//!   file.
//!
//! The log sits below the vault: it is handed a signing key and the transaction, and names
//! neither the vault nor a command. The checks that judge the log are in `crate::audit`.

pub mod authority;
pub mod chain;
pub mod checkpoints;
pub mod content;
pub mod entries;

pub use authority::{fingerprint, normalise_fingerprint, Authority, Grant, Refusal};
pub use chain::{
    append, grants, head_text, link_row, verify_legacy_chain, verify_log, ChainBreak, Mark,
    Verified, HEAD_META_KEY,
};
pub use checkpoints::Checkpoint;
pub use content::{
    activities_detail, cellkey_detail, contact_hash, districts_detail, merges_detail, night_hash,
    projects_detail, publish_method_detail, unit_activities_detail, verify_activities,
    verify_cellkey, verify_content, verify_districts, verify_merges, verify_nights,
    verify_projects, verify_publish_method, CellKeyState, ContentFacts, ContentFinding, Running,
    PUBLISH_METHOD_RECORD,
};
pub use entries::{creates_contacts, deletes_contacts, entry_bytes, Action};
