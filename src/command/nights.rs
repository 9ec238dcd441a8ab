//! `night add`, `night list`: field nights.

use clap::Subcommand;

use super::unlock;
use crate::cli::Global;
use crate::domain::{parse_contact_date, today, FieldNightDetails, FieldNightKind};
use crate::error::{Error, Result};
use crate::vault::Permission;

#[derive(Debug, Subcommand)]
pub enum NightCommand {
    /// Record a field night; log its contacts with `uppsok add --field-night ID`
    Add {
        /// YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// street, online or police (a joint police operation night)
        #[arg(long)]
        kind: String,
        /// A district from the configured list
        #[arg(long)]
        district: String,
        /// How many staff were out
        #[arg(long)]
        staff: String,
    },
    /// List the latest field nights
    List {
        /// How many to show
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

pub fn run(g: &Global, cmd: NightCommand) -> Result<()> {
    let mut vault = unlock(g)?;
    vault.require(Permission::WriteContacts)?;
    match cmd {
        NightCommand::Add {
            date,
            kind,
            district,
            staff,
        } => {
            let mut problems = Vec::new();
            let d = parse_contact_date(&date, today())
                .map_err(|e| problems.push(format!("--date '{date}': {e}")))
                .ok();
            let k = kind
                .parse::<FieldNightKind>()
                .map_err(|e| problems.push(format!("--kind '{kind}': {e}")))
                .ok();
            let dist = vault
                .districts()
                .parse(&district)
                .map_err(|e| problems.push(format!("--district '{district}': {e}")))
                .ok();
            let s = staff
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=50).contains(n))
                .or_else(|| {
                    problems.push(format!("--staff '{staff}': expected a number from 1 to 50"));
                    None
                });
            let (Some(d), Some(kind), Some(district), Some(staff)) = (d, k, dist, s) else {
                return Err(Error::Input(format!(
                    "the field night was not recorded: {}.",
                    problems.join("; ")
                )));
            };
            let id = vault.contacts().add_night(
                d,
                &FieldNightDetails {
                    kind,
                    district,
                    staff,
                },
            )?;
            println!("Recorded field night {id}. Log its contacts with `uppsok add --field-night {id} ...`.");
        }
        NightCommand::List { limit } => {
            println!(
                "{:>6}  {:<10}  {:<7}  {:<22}  staff",
                "id", "date", "kind", "district"
            );
            for n in vault.contacts().nights(limit.max(1))? {
                println!(
                    "{:>6}  {}  {:<7}  {:<22}  {}",
                    n.id, n.date, n.details.kind, n.details.district, n.details.staff
                );
            }
        }
    }
    Ok(())
}
