//! The library's error type. Every message says what was wrong and what to do, in one or two
//! plain sentences, and never carries a secret, a code, a note or a category value of a record.
//! The variant is the exit status's class; the situation is a [`Msg`], told in either
//! language by [`Error::message`].

use crate::msg::Msg;
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
    #[error("wrong passphrase for user '{name}', or there is no active user '{name}' in this database (none of that name, or disabled); nothing was done. Check both and try again (if you are sure of both, the key file beside the database was changed outside uppsok: restore it from a backup).")]
    WrongCredentials { name: String },
    /// The passphrase was right but the user is disabled. Exit status 1.
    #[error("user '{name}' is disabled; ask an administrator if you need access again.")]
    UserDisabled { name: String },
    /// The signed-in role may not do this (written to the audit log). Exit status 1.
    #[error("user '{name}' has role {role} and may not {what}; only {who} may. Ask a unit lead or an administrator.")]
    RoleMayNot {
        name: String,
        role: crate::domain::StaffRole,
        what: &'static str,
        who: String,
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
        use crate::i18n::Lang;
        match (lang, self) {
            (_, Error::Input(m) | Error::Refused(m) | Error::Failed(m)) => m.text(lang),
            (_, Error::Import(e)) => e.text(lang),
            (_, Error::Storage(e)) => crate::msg::storage(e, lang),
            (Lang::Sv, Error::WrongCredentials { name }) => format!(
                "fel lösenfras för användaren '{name}', eller så finns ingen aktiv användare '{name}' i databasen (ingen med det namnet, eller avstängd); inget gjordes. Kontrollera båda och försök igen (är du säker på båda har nyckelfilen bredvid databasen ändrats utanför uppsok: återställ den från en säkerhetskopia)."
            ),
            (Lang::Sv, Error::UserDisabled { name }) => format!(
                "användaren '{name}' är avstängd; be en administratör om du behöver tillgång igen."
            ),
            (Lang::Sv, Error::RoleMayNot { name, role, .. }) => format!(
                "användaren '{name}' har rollen {} och får inte göra detta; inget gjordes. Be en enhetsledare eller en administratör.",
                role.label(lang)
            ),
            _ => self.to_string(),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
