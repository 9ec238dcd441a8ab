//! The question before a command that erases or rewrites (`purge`, `forget`, `user disable`,
//! `rekey`): `--dry-run` only says what would happen, `--yes` acts without asking; otherwise
//! the command says what it will do and asks at a terminal, and refuses without one.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;

use crate::error::{Error, Result};
use crate::i18n::cli::{Mood, Plan};
use crate::i18n::Lang;
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
    /// Says what the command will do and whether to go ahead. `plan` is said in `lang`, as
    /// what will happen or (a dry run) what would. A dry run prints the plan and returns
    /// false; `--yes` prints it and returns true; at a terminal (standard input and standard
    /// error) the plan and "Continue? [y/N]" go to standard error and only `y` or `yes` (`j`,
    /// `ja`) goes ahead (any other answer fails, exit 1, nothing done); without a terminal it
    /// refuses (exit 2, nothing done).
    pub fn go_ahead(self, lang: Lang, plan: &Plan<'_>) -> Result<bool> {
        let t = lang.cli();
        if self.dry_run {
            println!("{}", plan.say(lang, Mood::Would));
            println!("{}", t.dry_run_done);
            return Ok(false);
        }
        if self.yes {
            println!("{}", plan.say(lang, Mood::Will));
            return Ok(true);
        }
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            return Err(Error::Input(Msg::NoTerminalToConfirm {
                plan: plan.say(lang, Mood::Would),
            }));
        }
        eprintln!("{}", plan.say(lang, Mood::Will));
        eprint!("{}", t.continue_question);
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if matches!(
            answer.trim().to_lowercase().as_str(),
            "y" | "yes" | "j" | "ja"
        ) {
            Ok(true)
        } else {
            Err(Error::Failed(Msg::NotConfirmed))
        }
    }
}
