//! The library's error type. Every message says what was wrong and what to do, in one or two
//! plain sentences, and never carries a secret, a code, a note or a category value of a record.
//! The variant is the exit status's class; the situation is a [`Msg`], told in either
//! language by [`Error::message`].

use crate::msg::{Door, Msg};
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad usage or bad input: exit status 2.
    #[error("{0}")]
    Input(Msg),
    /// Refused: wrong passphrase, unknown or disabled user, a role without the right, a
    /// tampered record. Exit status 1.
    #[error("{0}")]
    Refused(Msg),
    /// No key slot opens for this name and passphrase: a wrong passphrase, no such user, or a
    /// disabled user's removed slot. Deliberately one situation, so that no one learns which
    /// names exist. Exit status 1.
    #[error("{}", self.message(crate::i18n::Lang::En))]
    WrongCredentials { name: String },
    /// The passphrase was right but the user is disabled. Exit status 1.
    #[error("{}", self.message(crate::i18n::Lang::En))]
    UserDisabled { name: String },
    /// The signed-in role may not do this (written to the audit log). Exit status 1.
    #[error("{}", self.message(crate::i18n::Lang::En))]
    RoleMayNot {
        name: String,
        role: crate::domain::StaffRole,
        /// What was refused, in English and in Swedish ("export decrypted records").
        what: [&'static str; 2],
        /// The roles that may.
        allowed: Vec<crate::domain::StaffRole>,
    },
    /// The command could not do its job. Exit status 1.
    #[error("{0}")]
    Failed(Msg),
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
            Error::Refused(_)
            | Error::Failed(_)
            | Error::Storage(_)
            | Error::WrongCredentials { .. }
            | Error::UserDisabled { .. }
            | Error::RoleMayNot { .. } => 1,
        }
    }

    /// The message in `lang`: what went wrong and what to do.
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        match (lang, self) {
            (_, Error::Input(m) | Error::Refused(m) | Error::Failed(m)) => m.text(lang),
            (_, Error::Import(e)) => e.text(lang),
            (_, Error::Storage(e)) => crate::msg::storage(e, lang),
            (_, Error::WrongCredentials { name }) => crate::msg::door(lang, Door::Wrong(name)),
            (_, Error::UserDisabled { name }) => crate::msg::door(lang, Door::Disabled(name)),
            (
                _,
                Error::RoleMayNot {
                    name,
                    role,
                    what,
                    allowed,
                },
            ) => crate::msg::door(
                lang,
                Door::MayNot {
                    name,
                    role: *role,
                    what: *what,
                    allowed,
                },
            ),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
