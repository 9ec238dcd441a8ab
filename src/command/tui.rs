//! `uppsok` and `uppsok tui`: open the terminal interface.

use std::io::IsTerminal;

use super::{db_path, lang};
use crate::cli::Global;
use crate::domain::today;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::tui::{app::DEFAULT_LOCK_AFTER, App};
use crate::vault::Vault;

/// The idle time after which the screen locks: `UPPSOK_LOCK_MINUTES`, else 10 minutes.
pub fn lock_after() -> Result<std::time::Duration> {
    match std::env::var("UPPSOK_LOCK_MINUTES") {
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(m) if m >= 1 => Ok(std::time::Duration::from_secs(m * 60)),
            _ => Err(Error::Input(Msg::LockMinutes { value: v })),
        },
        Err(_) => Ok(DEFAULT_LOCK_AFTER),
    }
}

/// Fails at once, with what to do, when there is no terminal to draw on.
pub fn require_terminal() -> Result<()> {
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        Ok(())
    } else {
        Err(Error::Input(Msg::NoTerminal))
    }
}

/// Opens the interface. With a passphrase given by file or environment it starts signed in;
/// otherwise it asks on its unlock screen.
pub fn run(g: &Global) -> Result<()> {
    require_terminal()?;
    let path = db_path(g)?;
    if !crate::storage::is_server(&path) && !path.is_file() {
        return Err(crate::storage::StorageError::Missing(path).into());
    }
    let lock = lock_after()?;
    let given = g.passphrase_file.is_some()
        || std::env::var("UPPSOK_PASSPHRASE").is_ok_and(|p| !p.is_empty());
    let mut app = match (&g.user, given) {
        (Some(user), true) => {
            let pass = super::passphrase(g, user, false)?;
            let vault = Vault::unlock(&path, user, &pass)?;
            App::signed_in(lang(g), path, vault, today())
        }
        _ => App::new(lang(g), path, g.user.clone(), today()),
    };
    app.lock_after = lock;
    crate::tui::run(app)
}

/// Opens the interface on an unlocked vault (the demo).
pub fn run_signed_in(g: &Global, path: std::path::PathBuf, vault: Vault) -> Result<()> {
    let mut app = App::signed_in(lang(g), path, vault, today());
    app.lock_after = lock_after()?;
    crate::tui::run(app)
}
