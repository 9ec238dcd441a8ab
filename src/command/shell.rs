//! `uppsok completions SHELL` and `uppsok man`: what a shell and `man` need, generated from the
//! same argument definitions the program parses, so they cannot drift from it.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};

use crate::error::{Error, Result};
use crate::msg::{Msg, Written};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  uppsok completions bash > ~/.local/share/bash-completion/completions/uppsok
  uppsok completions zsh > ~/.zfunc/_uppsok     # with fpath+=(~/.zfunc) in ~/.zshrc
  uppsok completions fish > ~/.config/fish/completions/uppsok.fish")]
pub struct CompletionsArgs {
    /// The shell to complete for
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  uppsok man | man -l -                              # read it now
  uppsok man --dir ~/.local/share/man/man1           # install uppsok.1 and a page per command")]
pub struct ManArgs {
    /// Write uppsok.1 and one page per command (uppsok-add.1, ...) into this directory instead
    /// of uppsok.1 to standard output
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Writes the completion script for `shell` to standard output.
pub fn completions(a: CompletionsArgs) -> Result<()> {
    let mut cmd = crate::cli::Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(a.shell, &mut cmd, "uppsok", &mut out);
    out.flush().map_err(|e| cannot_write(Written::Stdout, e))
}

/// Writes the man page, or every page into a directory.
pub fn man(a: ManArgs) -> Result<()> {
    let cmd = crate::cli::Cli::command();
    match a.dir {
        None => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .and_then(|_| out.flush())
                .map_err(|e| cannot_write(Written::Stdout, e))
        }
        Some(dir) => {
            write_page(&dir, "uppsok", cmd.clone())?;
            for sub in cmd.get_subcommands() {
                let name = format!("uppsok-{}", sub.get_name());
                write_page(&dir, &name, sub.clone().name(name.clone()))?;
            }
            println!("Wrote the man pages to {}.", dir.display());
            Ok(())
        }
    }
}

fn write_page(dir: &Path, name: &str, cmd: clap::Command) -> Result<()> {
    let path = dir.join(format!("{name}.1"));
    let mut bytes = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut bytes)
        .map_err(|e| cannot_write(Written::File(path.clone()), e))?;
    std::fs::write(&path, bytes).map_err(|e| cannot_write(Written::File(path.clone()), e))
}

fn cannot_write(what: Written, e: std::io::Error) -> Error {
    Error::Failed(Msg::CannotWrite {
        what,
        error: e.to_string(),
    })
}
