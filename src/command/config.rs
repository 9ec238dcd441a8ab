//! `config`: the unit's settings. For now its default disclosure-control method, which `stats
//! --publish` and `report` use when `--method` is not given.

use clap::Subcommand;

use super::{lang, unlock};
use crate::cli::Global;
use crate::error::Result;
use crate::i18n::cli::Says;
use crate::stats::publish::Method;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// The unit's default disclosure-control method for `stats --publish` and `report`: show it (any role), or set it (lead, admin)
    #[command(
        name = "publish-method",
        after_help = "Examples:
  uppsok config publish-method              # show the current default
  uppsok config publish-method cellkey      # from now on, unless --method is given

Until a lead or an administrator sets it, the default is suppress. Each change is logged and signed; `uppsok audit` fails if the stored value differs from the last change. The two methods compared: docs/statistics.md."
    )]
    PublishMethod {
        /// The new default; leave it out to show the current one
        #[arg(value_enum)]
        method: Option<Method>,
    },
}

pub fn run(g: &Global, cmd: ConfigCommand) -> Result<()> {
    let l = lang(g);
    let mut vault = unlock(g)?;
    match cmd {
        ConfigCommand::PublishMethod { method: None } => {
            let method = vault.config().publish_method()?;
            println!("{}", l.says(Says::PublishMethodIs { method }));
        }
        ConfigCommand::PublishMethod {
            method: Some(method),
        } => {
            let changed = vault.config().set_publish_method(method)?;
            println!("{}", l.says(Says::PublishMethodSet { method, changed }));
        }
    }
    Ok(())
}
