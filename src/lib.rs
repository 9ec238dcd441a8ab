//! uppsok: an anonymous, encrypted log of social-services outreach contacts, and honest
//! statistics from it. See docs/architecture.md for how the modules fit together.

pub mod audit;
pub mod audit_log;
pub mod cli;
pub mod command;
pub mod crypto;
pub mod csv_io;
pub mod demo;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod msg;
pub mod pii;
pub mod process;
pub mod progress;
pub mod report;
pub mod stats;
pub mod storage;
pub mod tui;
pub mod vault;

pub use error::{Error, Result};
pub use process::harden_process;
