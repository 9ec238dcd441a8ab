//! The question before a command that erases or rewrites (`purge`, `forget`, `user disable`,
//! `rekey`): `--dry-run` only says what would happen, `--yes` acts without asking; otherwise
//! the command says what it will do and asks at a terminal, and refuses without one.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;

use crate::error::{Error, Result};
use crate::msg::Msg;

/// `--yes` and `--dry-run`.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct Confirm {
    /// Do it without asking first (needed where there is no terminal to ask at)
    #[arg(long)]
    pub yes: bool,
    /// Only say what would be done; change nothing (not even the audit log)
    #[arg(long)]
    pub dry_run: bool,
}

impl Confirm {
    /// Says what the command will do and whether to go ahead. `say` gives the plan in one
    /// sentence with the auxiliary it is given (`will` or `would`). A dry run prints the plan
    /// and returns false; `--yes` prints it and returns true; at a terminal (standard input
    /// and standard error) the plan and "Continue? [y/N]" go to standard error and only `y`
    /// or `yes` goes ahead (any other answer fails, exit 1, nothing done); without a terminal
    /// it refuses (exit 2, nothing done).
    pub fn go_ahead(self, say: impl Fn(&str) -> String) -> Result<bool> {
        if self.dry_run {
            println!("{}", say("would"));
            println!("Dry run: nothing was changed.");
            return Ok(false);
        }
        if self.yes {
            println!("{}", say("will"));
            return Ok(true);
        }
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            return Err(Error::Input(Msg::NoTerminalToConfirm {
                plan: say("would"),
            }));
        }
        eprintln!("{}", say("will"));
        eprint!("Continue? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
            Ok(true)
        } else {
            Err(Error::Failed(Msg::NotConfirmed))
        }
    }
}

/// `n thing` or `n things`.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}
