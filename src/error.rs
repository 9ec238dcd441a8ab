//! The library's error type. Every message says what was wrong and what to do, in one or two
//! plain sentences, and never carries a secret, a code, a note or a category value of a record.

use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad usage or bad input: exit status 2.
    #[error("{0}")]
    Input(String),
    /// Refused: wrong passphrase, unknown or disabled user, a role without the right, a
    /// tampered record. Exit status 1.
    #[error("{0}")]
    Refused(String),
    /// The command could not do its job. Exit status 1.
    #[error("{0}")]
    Failed(String),
    /// An import with invalid rows: exit status 2, nothing imported.
    #[error("{0}")]
    Import(#[from] crate::csv_io::ImportErrors),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Error {
    /// The process exit status for this error (CONTRACT.md).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::Import(_) => 2,
            Error::Refused(_) | Error::Failed(_) | Error::Storage(_) => 1,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
