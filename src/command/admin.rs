//! `init`, `user add/list/disable`, `passwd`, `backup`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::confirm::Confirm;
use super::{db_path, new_passphrase, passphrase, unlock, user_name};
use crate::cli::Global;
use crate::domain::StaffRole;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::vault::{check_new_passphrase, Permission, Vault};

pub fn init(g: &Global) -> Result<()> {
    let path = db_path(g)?;
    if path.exists() {
        return Err(crate::storage::StorageError::AlreadyExists(path).into());
    }
    // A directory given with --db must exist (a mistyped path is not made silently); the
    // platform's data directory of the default path is made on first use.
    if g.db.is_some() {
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
    println!(
        "Created {} with administrator '{name}', and its key file {}: the two belong together (copy, back up and restore them together). Add staff with `uppsok user add NAME --role outreach|lead|auditor|admin`.",
        path.display(),
        crate::storage::key_file_path(&path).display()
    );
    println!(
        "\nRecovery key (shown only now; write it on paper and lock it away; with it, `uppsok recover NAME` restores an administrator when every admin passphrase is lost):\n\n    {}\n",
        recovery.display().as_str()
    );
    println!(
        "Fingerprint of the database (not a secret; write it beside the recovery key, and give it to whoever audits: `uppsok audit --fingerprint` proves with it that the log was not rewritten from the start):\n\n    {fingerprint}\n"
    );
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff account; its passphrase comes from --new-passphrase-file, UPPSOK_NEW_PASSPHRASE or a double prompt
    Add {
        /// The new user's name (lower-case letters, digits, . _ -)
        name: String,
        /// outreach, lead, auditor or admin
        #[arg(long)]
        role: StaffRole,
    },
    /// List staff accounts
    List {
        /// text or json
        #[arg(long, default_value = "text")]
        format: ListFormat,
    },
    /// Disable a staff account: its key slot is removed and the database rekeyed, so it can no longer unlock
    Disable {
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
    let mut vault = unlock(g)?;
    match cmd {
        UserCommand::Add { name, role } => {
            vault.require(Permission::Administer)?;
            crate::vault::check_user_name(&name)?;
            let pass = new_passphrase(g, &name)?;
            check_new_passphrase(&pass)?;
            vault.staff().add(&name, role, &pass)?;
            println!("Added user '{name}' with role {role}.");
        }
        UserCommand::List { format } => {
            let users = vault.staff().list()?;
            match format {
                ListFormat::Json => println!(
                    "{}",
                    serde_json::to_string(&users).expect("users serialise")
                ),
                ListFormat::Text => {
                    let w = users.iter().map(|u| u.name.len()).max().unwrap_or(4).max(4);
                    println!("{:<w$}  {:<8}  {:<8}  created", "name", "role", "state");
                    for u in users {
                        println!(
                            "{:<w$}  {:<8}  {:<8}  {}",
                            u.name,
                            u.role,
                            if u.disabled { "disabled" } else { "active" },
                            u.created_at
                        );
                    }
                }
            }
        }
        UserCommand::Disable { name, confirm } => {
            let plan = vault.staff().plan_disable(&name)?;
            let say = |aux: &str| {
                format!(
                    "User '{name}' {aux} be disabled (their key slot removed) and the database rekeyed: {}.",
                    super::lifecycle::rekey_sentence(&plan)
                )
            };
            if !confirm.go_ahead(say)? {
                return Ok(());
            }
            let pages = vault.staff().disable(&name)?;
            println!("Disabled user '{name}' and rekeyed the database: their passphrase, and any copy of their key, opens nothing written from now on.");
            if !pages {
                println!("{}", super::lifecycle::PAGES_LATER);
            }
        }
    }
    Ok(())
}

pub fn passwd(g: &Global) -> Result<()> {
    let mut vault = unlock(g)?;
    let name = vault.user().name.clone();
    let new = new_passphrase(g, &name)?;
    check_new_passphrase(&new)?;
    vault.staff().change_passphrase(&new)?;
    println!("Changed the passphrase of '{name}'.");
    Ok(())
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy (must not exist yet)
    pub file: PathBuf,
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
    println!(
        "Wrote a consistent copy to {} and its key file to {}; both are encrypted and open with the same users and passphrases. Keep and restore the two together.",
        a.file.display(),
        crate::storage::key_file_path(&a.file).display()
    );
    println!(
        "Checkpoint: {}\nKeep it with the backup's label: `uppsok audit --since-checkpoint` proves later that the log up to it was not changed.",
        vault.checkpoint()?
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
    if !path.is_file() {
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
    if done.from == "1" {
        println!(
            "Upgraded {} from format 1 to format {}: the file is now encrypted as a whole, and its key file is {}. {} user(s) have a key slot; {} of them get theirs rewritten at their next sign-in.",
            path.display(),
            crate::storage::FORMAT_VERSION,
            crate::storage::key_file_path(&path).display(),
            done.users,
            done.carried
        );
    } else {
        println!(
            "Upgraded {} from format {} to format {}: every change is now signed by its author.",
            path.display(),
            done.from,
            crate::storage::FORMAT_VERSION,
        );
    }
    println!(
        "Your signing key is in your key slot; {} other user(s) take theirs at their next sign-in (until then `uppsok audit` warns).",
        done.pending
    );
    if !done.keys_per_role {
        println!(
            "Every role still holds every key (an auditor could read notes outside uppsok) until `uppsok rekey`: run it once every user has signed in since this upgrade."
        );
    }
    if !done.recovery_kept {
        println!(
            "The recovery key, if the database had one, restores no administrator from now on."
        );
    }
    println!(
        "Fingerprint of the database: {}\nWrite it down beside the recovery key: `uppsok audit --fingerprint` proves later that the log was not rewritten from the start.",
        done.fingerprint
    );
    println!(
        "The database as it was is kept at {}. Once `uppsok audit` passes, delete it (with its key file, if it has one), or keep it where only administrators can read it.",
        done.backup.display()
    );
    Ok(())
}
