//! `init`, `user add/list/disable`, `passwd`, `backup`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::confirm::Confirm;
use super::{db_path, lang, new_passphrase, passphrase, unlock, user_name};
use crate::cli::Global;
use crate::domain::StaffRole;
use crate::error::{Error, Result};
use crate::i18n::cli::{Plan, Says};
use crate::i18n::Lang;
use crate::msg::Msg;
use crate::vault::{check_new_passphrase, Permission, Vault};

pub fn init(g: &Global) -> Result<()> {
    let path = db_path(g)?;
    let server = crate::storage::is_server(&path);
    if !server && path.exists() {
        return Err(crate::storage::StorageError::AlreadyExists(path).into());
    }
    // A directory given with --db must exist (a mistyped path is not made silently); the
    // platform's data directory of the default path is made on first use.
    if g.db.is_some() && !server {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(Error::Input(Msg::NoSuchDirectory {
                    path: dir.to_path_buf(),
                }));
            }
        }
    }
    let name = user_name(g)?;
    crate::vault::check_user_name(&name)?;
    let pass = passphrase(g, &name, true)?;
    check_new_passphrase(&pass)?;
    let (vault, recovery) = Vault::create_with_recovery(&path, &name, &pass)?;
    let fingerprint = vault.fingerprint()?;
    let l = lang(g);
    let created = if server {
        l.says(Says::CreatedOnServer {
            db: &vault.location(),
            admin: &name,
        })
    } else {
        l.says(Says::Created {
            db: &path.display().to_string(),
            keys: &crate::storage::key_file_path(&path).display().to_string(),
            admin: &name,
        })
    };
    println!("{created}");
    println!(
        "{}",
        l.says(Says::RecoveryKey {
            key: recovery.display().as_str()
        })
    );
    println!(
        "{}",
        l.says(Says::Fingerprint {
            fingerprint: &fingerprint.to_string()
        })
    );
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff account; its passphrase comes from --new-passphrase-file, UPPSOK_NEW_PASSPHRASE or a double prompt
    #[command(
        after_help = "Examples:\n  uppsok user add omar --role outreach\n  uppsok user add lena --role lead --new-passphrase-file lena.txt\n\nThe new passphrase comes from --new-passphrase-file PATH, UPPSOK_NEW_PASSPHRASE, or a prompt that asks twice."
    )]
    Add {
        /// The new user's name (lower-case letters, digits, . _ -)
        name: String,
        /// What the user may do (docs/commands.md)
        #[arg(long)]
        role: StaffRole,
        /// The unit the user belongs to (see `uppsok unit list`) [default: yours]
        #[arg(long, value_name = "NAME")]
        unit: Option<String>,
    },
    /// List staff accounts
    List {
        /// text or json
        #[arg(short, long, default_value = "text")]
        format: ListFormat,
    },
    /// Disable a staff account: its key slot is removed and the database rekeyed, so it can no longer unlock
    #[command(
        after_help = "Examples:\n  uppsok user disable omar --dry-run\n  uppsok user disable omar --yes"
    )]
    Disable {
        /// The user to disable (their key slot is removed; the database is rekeyed)
        name: String,
        #[command(flatten)]
        confirm: Confirm,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

impl clap::ValueEnum for StaffRole {
    fn value_variants<'a>() -> &'a [Self] {
        StaffRole::ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

pub fn user(g: &Global, cmd: UserCommand) -> Result<()> {
    let l = lang(g);
    let mut vault = unlock(g)?;
    match cmd {
        UserCommand::Add { name, role, unit } => {
            vault.require(Permission::Administer)?;
            crate::vault::check_user_name(&name)?;
            let unit = match unit {
                None => vault.user().unit,
                Some(u) => vault.staff().unit_named(&u)?,
            };
            let pass = new_passphrase(g, &name)?;
            check_new_passphrase(&pass)?;
            vault.staff().add_in(&name, role, unit, &pass)?;
            println!(
                "{}",
                l.says(Says::UserAdded {
                    name: &name,
                    role: role.label(l)
                })
            );
        }
        UserCommand::List { format } => {
            let users = vault.staff().list()?;
            match format {
                ListFormat::Json => println!(
                    "{}",
                    serde_json::to_string(&users).expect("users serialise")
                ),
                ListFormat::Text => print!("{}", user_table(&users, l)),
            }
        }
        UserCommand::Disable { name, confirm } => {
            let plan = vault.staff().plan_disable(&name)?;
            let disable = Plan::DisableUser {
                name: &name,
                rekey: super::lifecycle::rekeyed(&plan),
            };
            if !confirm.go_ahead(l, &disable)? {
                return Ok(());
            }
            let pages = vault.staff().disable(&name)?;
            println!("{}", l.says(Says::UserDisabled { name: &name }));
            if !pages {
                println!("{}", l.cli().pages_later);
            }
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum UnitCommand {
    /// Name the database's first unit (every user and contact so far is in it), or add a unit to the city
    #[command(
        after_help = "Examples:\n  uppsok unit add stockholm      # the first: names the unit everyone is in\n  uppsok unit add goteborg       # a second unit\n  uppsok user add sara --role outreach --unit goteborg\n\nA unit sees its own contacts; `stats --city` and `report --city` count the whole city, where a person met by two units counts once (docs/units.md)."
    )]
    Add {
        /// The unit's name: lower-case letters, digits, - and _ (for example stockholm)
        name: String,
    },
    /// On a PostgreSQL server: make a database role the unit's, so the server shows it only the unit's rows (run connected as the schema's owner)
    #[command(
        after_help = "Examples:\n  UPPSOK_DB=postgres://uppsok_owner@... uppsok unit role goteborg uppsok_goteborg\n\nIt grants the role what the application needs, of the units' tables only the unit's own (docs/deploy.md, \"A role per unit\"). The change is logged, and `uppsok audit` fails if the server's list of unit roles is changed outside uppsok."
    )]
    Role {
        /// The unit's name (from `uppsok unit list`)
        unit: String,
        /// The database role: lower-case letters, digits and _ (for example uppsok_goteborg)
        role: String,
    },
    /// List the city's units and how many active users each has
    List {
        /// text or json
        #[arg(short, long, default_value = "text")]
        format: ListFormat,
    },
}

pub fn unit(g: &Global, cmd: UnitCommand) -> Result<()> {
    let l = lang(g);
    let mut vault = unlock(g)?;
    match cmd {
        UnitCommand::Add { name } => {
            let number = vault.staff().add_unit(&name)?;
            println!(
                "{}",
                l.says(Says::UnitAdded {
                    name: &name,
                    first: number == crate::domain::FIRST_UNIT,
                })
            );
        }
        UnitCommand::Role { unit, role } => {
            vault.staff().set_unit_role(&unit, &role)?;
            println!(
                "{}",
                l.says(Says::UnitRoleSet {
                    unit: &unit,
                    role: &role
                })
            );
        }
        UnitCommand::List { format } => {
            let units = vault.staff().units()?;
            match format {
                ListFormat::Json => println!(
                    "{}",
                    serde_json::to_string(&units).expect("units serialise")
                ),
                ListFormat::Text if units.is_empty() => println!("{}", l.cli().unit_none),
                ListFormat::Text => {
                    let numbers: Vec<String> = units.iter().map(|u| u.number.to_string()).collect();
                    let counts: Vec<String> = units.iter().map(|u| u.users.to_string()).collect();
                    let rows: Vec<[&str; 3]> = units
                        .iter()
                        .zip(numbers.iter().zip(&counts))
                        .map(|(u, (n, c))| [n.as_str(), u.name.as_str(), c.as_str()])
                        .collect();
                    print!("{}", table(&l.cli().unit_header, &rows));
                }
            }
        }
    }
    Ok(())
}

/// `user list` as a table for people: roles and states as words of `lang`.
fn user_table(users: &[crate::vault::UserInfo], l: Lang) -> String {
    let t = l.cli();
    let rows: Vec<[&str; 5]> = users
        .iter()
        .map(|u| {
            let state = if u.disabled {
                t.user_disabled
            } else {
                t.user_active
            };
            let role = u
                .role
                .parse::<StaffRole>()
                .map_or(u.role.as_str(), |r| r.label(l));
            let unit = u.unit.as_deref().unwrap_or("-");
            [u.name.as_str(), role, unit, state, u.created_at.as_str()]
        })
        .collect();
    table(&t.user_header, &rows)
}

/// Columns padded to their widest cell (counted in characters), two spaces apart; the last
/// column is not padded.
pub(super) fn table<const N: usize>(header: &[&str; N], rows: &[[&str; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < N {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn passwd(g: &Global) -> Result<()> {
    let mut vault = unlock(g)?;
    let name = vault.user().name.clone();
    let new = new_passphrase(g, &name)?;
    check_new_passphrase(&new)?;
    vault.staff().change_passphrase(&new)?;
    println!("{}", lang(g).says(Says::PassphraseChanged { name: &name }));
    Ok(())
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy (must not exist yet)
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The new database: postgres://USER@HOST/DATABASE (USER owns it; docs/deploy.md)
    #[arg(long)]
    pub to: PathBuf,
}

/// `uppsok migrate --to postgres://...`: the database copied onto a server.
pub fn migrate(g: &Global, a: MigrateArgs) -> Result<()> {
    let mut vault = unlock(g)?;
    vault.require(Permission::Administer)?;
    let done = vault.lifecycle().migrate_to(&a.to)?;
    println!(
        "{}",
        lang(g).says(Says::Migrated {
            to: &done.location,
            users: done.users as u64,
            persons: done.persons as u64,
            contacts: done.contacts as u64,
            nights: done.field_nights as u64,
            entries: done.log_entries as u64,
        })
    );
    Ok(())
}

pub fn backup(g: &Global, a: BackupArgs) -> Result<()> {
    let mut vault = unlock(g)?;
    vault.require(Permission::Administer)?;
    if a.file.exists() {
        return Err(Error::Input(Msg::BackupExists {
            path: a.file.clone(),
        }));
    }
    vault.lifecycle().backup(&a.file)?;
    let l = lang(g);
    println!(
        "{}",
        l.says(Says::BackupWritten {
            file: &a.file.display().to_string(),
            keys: &crate::storage::key_file_path(&a.file).display().to_string(),
        })
    );
    println!(
        "{}",
        l.says(Says::BackupCheckpoint {
            checkpoint: &vault.checkpoint()?.to_string()
        })
    );
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct UpgradeArgs {
    /// Read the recovery key from this file (UPPSOK_RECOVERY_KEY also works), so that it can
    /// still restore administrators after the upgrade
    #[arg(long, value_name = "PATH")]
    pub recovery_key_file: Option<std::path::PathBuf>,
    /// Upgrade without the recovery key (it is lost): it restores no one afterwards
    #[arg(long, conflicts_with = "recovery_key_file")]
    pub without_recovery_key: bool,
}

/// `uppsok upgrade`: a database of an older format brought to this one.
pub fn upgrade(g: &Global, a: UpgradeArgs) -> Result<()> {
    let path = db_path(g)?;
    if !crate::storage::is_server(&path) && !path.is_file() {
        return Err(crate::storage::StorageError::Missing(path).into());
    }
    let name = user_name(g)?;
    let pass = passphrase(g, &name, false)?;
    let key = if a.without_recovery_key {
        None
    } else {
        super::lifecycle::given_recovery_key(a.recovery_key_file.as_deref())?
    };
    let choice = match (&key, a.without_recovery_key) {
        (Some(k), _) => crate::vault::RecoveryChoice::Key(k),
        (None, true) => crate::vault::RecoveryChoice::GiveUp,
        (None, false) => crate::vault::RecoveryChoice::NotGiven,
    };
    let done = Vault::upgrade(&path, &name, &pass, choice)?;
    let l = lang(g);
    let db = path.display().to_string();
    let to = crate::storage::FORMAT_VERSION.to_string();
    if done.from == "1" {
        println!(
            "{}",
            l.says(Says::UpgradedFrom1 {
                db: &db,
                to: &to,
                keys: &crate::storage::key_file_path(&path).display().to_string(),
                users: done.users as u64,
                carried: done.carried as u64,
            })
        );
    } else {
        println!(
            "{}",
            l.says(Says::Upgraded {
                db: &db,
                from: &done.from,
                to: &to
            })
        );
    }
    println!(
        "{}",
        l.says(Says::UpgradeSigningKeys {
            pending: done.pending as u64
        })
    );
    if !done.keys_per_role {
        println!("{}", l.cli().upgrade_shared_keys);
    }
    if !done.recovery_kept {
        println!("{}", l.cli().upgrade_recovery_lost);
    }
    println!(
        "{}",
        l.says(Says::UpgradeFingerprint {
            fingerprint: &done.fingerprint.to_string()
        })
    );
    println!(
        "{}",
        l.says(Says::UpgradeKept {
            backup: &done.backup.display().to_string()
        })
    );
    Ok(())
}
