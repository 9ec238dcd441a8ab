//! The access and change log: what happened, when, by whom, to which record ids; never a code,
//! a note or a category value. Each entry's MAC chains it to the one before it:
//! `mac_n = HMAC(audit key, mac_{n-1} || entry_n)`, with 32 zero bytes before the first, so an
//! entry edited, removed or reordered behind uppsok's back breaks the chain.
//!
//! - [`entries`]: what an entry records (the [`Action`]s, which of them create or delete
//!   contacts) and the bytes its MAC covers.
//! - [`chain`]: appending an entry to the chain, the sealed head, and verifying the chain.
//! - [`checkpoints`]: an entry's checkpoint (`SEQ-HEX`), to keep outside the file.
//!
//! The log sits below the vault: it is handed the keys and the transaction, and names neither
//! the vault nor a command. The checks that judge the log are in `crate::audit`.

pub mod chain;
pub mod checkpoints;
pub mod entries;

pub use chain::{append, head_seal, verify_chain, ChainBreak, HEAD_META_KEY};
pub use checkpoints::Checkpoint;
pub use entries::{creates_contacts, deletes_contacts, entry_bytes, Action};
