//! The command line: arguments (clap) and dispatch to one module per command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::command;
use crate::error::Result;
use crate::i18n::Lang;

#[derive(Debug, Parser)]
#[command(
    name = "uppsok",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("UPPSOK_BUILD_INFO"), ")"),
    about = "An anonymous, encrypted log of outreach contacts, and honest statistics from it.",
    long_about = "uppsok keeps an anonymous, encrypted log of social-services outreach contacts with people who sell or buy sex, recognises returning people by a keyed pseudonym of a code they give, and turns the log into statistics that never expose a small group.\n\nThe database is chosen with --db or UPPSOK_DB, the user with --user or UPPSOK_USER; the passphrase comes from --passphrase-file, UPPSOK_PASSPHRASE or a prompt."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Database file [default: uppsok.db in the platform data directory]
    #[arg(long, global = true, env = "UPPSOK_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// User name to sign in as (prompted for when not given)
    #[arg(long, global = true, env = "UPPSOK_USER", value_name = "NAME")]
    pub user: Option<String>,
    /// Read the passphrase from this file (all of it, without a final line break); UPPSOK_PASSPHRASE also works
    #[arg(long, global = true, value_name = "PATH")]
    pub passphrase_file: Option<PathBuf>,
    /// Read the new passphrase (user add, passwd) from this file; UPPSOK_NEW_PASSPHRASE also works
    #[arg(long, global = true, value_name = "PATH")]
    pub new_passphrase_file: Option<PathBuf>,
    /// Interface language [default: UPPSOK_LANG, then LC_ALL, LC_MESSAGES or LANG (sv_* gives Swedish), then en]
    #[arg(long, global = true, value_name = "sv|en")]
    pub lang: Option<Lang>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new database and its first user (role admin)
    Init,
    /// Log one contact
    Add(command::contacts::AddArgs),
    /// One contact by its number: show it, correct it or delete it, with a reason (logged)
    #[command(subcommand)]
    Contact(command::contact::ContactCommand),
    /// Import contacts from CSV, all or nothing
    Import(command::contacts::ImportArgs),
    /// Export decrypted records (roles lead and admin)
    Export(command::contacts::ExportArgs),
    /// Statistics: contacts, individuals, new individuals, by any dimension
    Stats(command::stats::StatsArgs),
    /// Population size estimate: how many individuals there are, reached or not (Chao1)
    Estimate(command::estimate::EstimateArgs),
    /// Publishable report of a period: summary, tables, charts, under disclosure control
    Report(command::report::ReportArgs),
    /// Field nights: record one, or list the latest
    #[command(subcommand)]
    Night(command::nights::NightCommand),
    /// Staff accounts (admin)
    #[command(subcommand)]
    User(command::admin::UserCommand),
    /// Change your own passphrase
    Passwd,
    /// Write a consistent, still encrypted copy of the live database (admin)
    Backup(command::admin::BackupArgs),
    /// Build a demo database of synthetic contacts from 2004 to today and show it
    Demo(command::demo::DemoArgs),
    /// New data keys: every value and pseudonym re-encrypted, every active key slot rewrapped (admin)
    Rekey(command::lifecycle::RekeyArgs),
    /// Erase every contact of one person's code and of codes declared the same person; logged without the code (admin)
    Forget(command::lifecycle::ForgetArgs),
    /// Retention: delete the note text of contacts before a date, then compact the file (admin)
    Purge(command::lifecycle::PurgeArgs),
    /// Restore an administrator with the recovery key shown at init
    Recover(command::lifecycle::RecoverArgs),
    /// Bring a database of an older format to this one, after a backup; all or nothing (admin)
    Upgrade(command::admin::UpgradeArgs),
    /// Open the terminal interface (also what `uppsok` alone does)
    Tui,
    /// Anonymisation and integrity report; exit status 1 if a check fails (lead, auditor, admin)
    Audit(command::audit::AuditArgs),
    /// The access and change log: who did what, when (auditor, admin)
    Log(command::log::LogArgs),
    /// Print the completion script for a shell (bash, zsh, fish, powershell, elvish)
    Completions(command::shell::CompletionsArgs),
    /// Print the man page (roff), or write every page into a directory
    Man(command::shell::ManArgs),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let global = cli.global;
    match cli.command {
        None | Some(Command::Tui) => command::tui::run(&global),
        Some(Command::Init) => command::admin::init(&global),
        Some(Command::Add(a)) => command::contacts::add(&global, a),
        Some(Command::Contact(c)) => command::contact::run(&global, c),
        Some(Command::Import(a)) => command::contacts::import(&global, a),
        Some(Command::Export(a)) => command::contacts::export(&global, a),
        Some(Command::Stats(a)) => command::stats::run(&global, a),
        Some(Command::Estimate(a)) => command::estimate::run(&global, a),
        Some(Command::Report(a)) => command::report::run(&global, a),
        Some(Command::Night(c)) => command::nights::run(&global, c),
        Some(Command::User(c)) => command::admin::user(&global, c),
        Some(Command::Passwd) => command::admin::passwd(&global),
        Some(Command::Backup(a)) => command::admin::backup(&global, a),
        Some(Command::Demo(a)) => command::demo::run(&global, a),
        Some(Command::Rekey(a)) => command::lifecycle::rekey(&global, a),
        Some(Command::Forget(a)) => command::lifecycle::forget(&global, a),
        Some(Command::Purge(a)) => command::lifecycle::purge(&global, a),
        Some(Command::Recover(a)) => command::lifecycle::recover(&global, a),
        Some(Command::Upgrade(a)) => command::admin::upgrade(&global, a),
        Some(Command::Audit(a)) => command::audit::run(&global, a),
        Some(Command::Log(a)) => command::log::run(&global, a),
        Some(Command::Completions(a)) => command::shell::completions(a),
        Some(Command::Man(a)) => command::shell::man(a),
    }
}
