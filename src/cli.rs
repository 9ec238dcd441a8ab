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
    after_help = "Exit status: 0 done; 1 refused or failed (a wrong passphrase, a role that may not, a file changed outside uppsok, a failed audit check); 2 bad usage or input (nothing was changed).\n\nEvery command: uppsok COMMAND --help. Manual pages: uppsok man. Documentation: docs/commands.md.",
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
    #[arg(
        long,
        global = true,
        env = "UPPSOK_DB",
        // A server's address may hold a password: help never shows the value.
        hide_env_values = true,
        value_name = "PATH",
        help_heading = "Global options"
    )]
    pub db: Option<PathBuf>,
    /// User name to sign in as (prompted for when not given)
    #[arg(
        long,
        global = true,
        env = "UPPSOK_USER",
        value_name = "NAME",
        help_heading = "Global options"
    )]
    pub user: Option<String>,
    /// Read the passphrase from this file (all of it, without a final line break); UPPSOK_PASSPHRASE also works
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        help_heading = "Global options"
    )]
    pub passphrase_file: Option<PathBuf>,
    /// Read the new passphrase (user add, passwd, recover) from this file; UPPSOK_NEW_PASSPHRASE also works.
    /// Shown in the help of those commands only.
    #[arg(long, global = true, value_name = "PATH", hide = true)]
    pub new_passphrase_file: Option<PathBuf>,
    /// Interface language [default: UPPSOK_LANG, then LC_ALL, LC_MESSAGES or LANG (sv_* gives Swedish), then en]
    #[arg(
        long,
        global = true,
        value_name = "sv|en",
        help_heading = "Global options"
    )]
    pub lang: Option<Lang>,
    /// Show no progress bar for long work (a bar is shown only on a terminal anyway)
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new database and its first user (role admin)
    #[command(after_help = "Examples:
  uppsok --db ~/uppsok/enheten.db --user anna init
  UPPSOK_DB=/srv/uppsok/enheten.db uppsok --user anna --passphrase-file pass.txt init")]
    Init,
    /// Log one contact
    Add(command::contacts::AddArgs),
    /// One contact by its number: show it, correct it or delete it, with a reason (logged)
    #[command(subcommand)]
    Contact(command::contact::ContactCommand),
    /// Import contacts from CSV, all or nothing
    #[command(after_help = "Examples:
  uppsok import kontakter.csv --dry-run      # check every row, import nothing
  uppsok import kontakter.csv                # ',' or ';' (Excel) files, BOM or not

The columns and values: docs/csv-format.md.")]
    Import(command::contacts::ImportArgs),
    /// Export decrypted records (roles lead and admin)
    #[command(after_help = "Examples:
  uppsok export -o kontakter.csv
  uppsok export -o kontakter.csv --csv-separator ';' --bom   # for Swedish Excel
  uppsok export -f json | jq length")]
    Export(command::contacts::ExportArgs),
    /// Statistics: contacts, individuals, new individuals, by any dimension
    #[command(after_help = "Examples:
  uppsok stats --by year
  uppsok stats --year 2024 --by role,gender --publish
  uppsok stats --from 2004-01-01 --to 2009-12-31 --filter contact_type=counselling -f csv

Dimensions: role, gender, age_band, counterpart, district, contact_type, referral, trafficking, concern, project, unit (with --city), year, month.")]
    Stats(command::stats::StatsArgs),
    /// Population size estimate: how many individuals there are, reached or not (Chao1)
    #[command(after_help = "Examples:
  uppsok estimate --year 2024
  uppsok estimate --by year -f json")]
    Estimate(command::estimate::EstimateArgs),
    /// Publishable report of a period: summary, tables, charts, under disclosure control
    #[command(after_help = "Examples:
  uppsok report --year 2024 --lang sv -f html -o rapport-2024.html
  uppsok report --from 2004-01-01 --to 2009-12-31
  uppsok report --project Köparprojektet -f html -o köparprojektet.html")]
    Report(command::report::ReportArgs),
    /// Field nights: record one, or list the latest
    #[command(subcommand)]
    Night(command::nights::NightCommand),
    /// Funded projects: add one, list them, close one (lead, admin)
    #[command(subcommand)]
    Project(command::work::ProjectCommand),
    /// Information and training activities: record one, or list a period's
    #[command(subcommand)]
    Activity(command::work::ActivityCommand),
    /// The unit's settings: its default disclosure-control method (set: lead, admin)
    #[command(subcommand)]
    Config(command::config::ConfigCommand),
    /// Staff accounts (admin)
    #[command(subcommand)]
    User(command::admin::UserCommand),
    /// The city's units sharing this database: name the first, add one, list them (admin)
    #[command(subcommand)]
    Unit(command::admin::UnitCommand),
    /// Change your own passphrase
    #[command(after_help = "Examples:
  uppsok --user anna passwd\n\nThe new passphrase comes from --new-passphrase-file PATH, UPPSOK_NEW_PASSPHRASE, or a prompt that asks twice.")]
    Passwd,
    /// Write a consistent, still encrypted copy of the live database (admin)
    #[command(after_help = "Examples:
  uppsok backup /mnt/usb/uppsok-2025-01-31.db   # writes FILE and FILE.keys

Keep the two files together; the copy opens with the same users and passphrases.")]
    Backup(command::admin::BackupArgs),
    /// Copy the whole database, still encrypted, to a new database on a PostgreSQL server; all or nothing (admin)
    #[command(after_help = "Examples:
  uppsok --db uppsok.db migrate --to postgres://uppsok_owner@db.stad.example/uppsok

The server's database must be empty (docs/deploy.md); an interrupted migration is started over by running it again. The file is not changed.")]
    Migrate(command::admin::MigrateArgs),
    /// Build a demo database of synthetic contacts from 2004 to today and show it
    #[command(after_help = "Examples:
  uppsok demo
  uppsok demo --no-tui --db /tmp/demo.db")]
    Demo(command::demo::DemoArgs),
    /// New data keys: every value and pseudonym re-encrypted, every active key slot rewrapped (admin)
    #[command(after_help = "Examples:
  uppsok rekey --dry-run
  uppsok rekey --yes          # in a script")]
    Rekey(command::lifecycle::RekeyArgs),
    /// Erase every contact of one person's code and of codes declared the same person; logged without the code (admin)
    #[command(after_help = "Examples:
  uppsok forget --code -      # type the code; it is never on the command line")]
    Forget(command::lifecycle::ForgetArgs),
    /// Retention: delete the note text of contacts before a date, then compact the file (admin)
    #[command(after_help = "Examples:
  uppsok purge --notes-before 2020-01-01 --dry-run
  uppsok purge --notes-before 2020-01-01")]
    Purge(command::lifecycle::PurgeArgs),
    /// Restore an administrator with the recovery key shown at init
    #[command(after_help = "Examples:
  uppsok recover anna --recovery-key-file nyckel.txt\n\nThe new passphrase comes from --new-passphrase-file PATH, UPPSOK_NEW_PASSPHRASE, or a prompt that asks twice.")]
    Recover(command::lifecycle::RecoverArgs),
    /// Bring a database of an older format to this one, after a backup; all or nothing (admin)
    #[command(after_help = "Examples:
  uppsok --user anna upgrade --recovery-key-file nyckel.txt")]
    Upgrade(command::admin::UpgradeArgs),
    /// Open the terminal interface (also what `uppsok` alone does)
    Tui,
    /// Anonymisation and integrity report; exit status 1 if a check fails (lead, auditor, admin)
    #[command(after_help = "Examples:
  uppsok audit
  uppsok audit --checkpoint -f json > granskning-2025-01.json
  uppsok audit --since-checkpoint 1234-0123456789abcdef0123456789abcdef")]
    Audit(command::audit::AuditArgs),
    /// The access and change log: who did what, when (auditor, admin)
    #[command(after_help = "Examples:
  uppsok log --from 2025-01-01 --staff omar
  uppsok log -f json")]
    Log(command::log::LogArgs),
    /// Print the completion script for a shell (bash, zsh, fish, powershell, elvish)
    Completions(command::shell::CompletionsArgs),
    /// Print the man page (roff), or write every page into a directory
    Man(command::shell::ManArgs),
}

/// The command line's definition, its help in `lang` (the English is the doc comments here
/// and in `command/`; the Swedish is `i18n::help`).
pub fn command(lang: Lang) -> clap::Command {
    use clap::CommandFactory;
    match lang {
        Lang::En => Cli::command(),
        Lang::Sv => crate::i18n::help::in_swedish(Cli::command()),
    }
}

/// The language of the help, known before the arguments are parsed: `--lang sv` or
/// `--lang=sv` among them, else the environment (`UPPSOK_LANG`, the locale).
pub fn help_lang() -> Lang {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let given = args.iter().enumerate().find_map(|(i, a)| match a.as_str() {
        "--lang" => args.get(i + 1).cloned(),
        _ => a.strip_prefix("--lang=").map(str::to_string),
    });
    match given {
        Some(l) => l.parse().unwrap_or_default(),
        None => Lang::from_env(),
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let global = cli.global;
    command::progress::set_up(command::lang(&global), global.quiet);
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
        Some(Command::Project(c)) => command::work::project(&global, c),
        Some(Command::Activity(c)) => command::work::activity(&global, c),
        Some(Command::Config(c)) => command::config::run(&global, c),
        Some(Command::User(c)) => command::admin::user(&global, c),
        Some(Command::Unit(c)) => command::admin::unit(&global, c),
        Some(Command::Passwd) => command::admin::passwd(&global),
        Some(Command::Backup(a)) => command::admin::backup(&global, a),
        Some(Command::Migrate(a)) => command::admin::migrate(&global, a),
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

/// The value parser of a flag that takes one of a set of values: `--help` and the shell
/// completions list the values (`[possible values: sells, buys, ...]`), while the text itself
/// is checked by the one parser in `domain` (which also takes the Swedish labels, and names
/// every bad flag at once, in the chosen language).
#[derive(Debug, Clone, Copy)]
pub struct Values(pub &'static [(&'static str, &'static str)]);

impl clap::builder::TypedValueParser for Values {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(self.0.iter().map(|(spelling, swedish)| {
            let value = clap::builder::PossibleValue::new(*spelling);
            if spelling == swedish {
                value
            } else {
                value.help(format!("sv: {swedish}"))
            }
        })))
    }
}

/// `yes` and `no`, with their Swedish words.
pub const YES_NO: &[(&str, &str)] = &[("yes", "ja"), ("no", "nej")];
