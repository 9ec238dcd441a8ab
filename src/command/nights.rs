//! `night add`, `night list`: field nights.

use clap::Subcommand;

use super::{lang, unlock};
use crate::cli::Global;
use crate::domain::{today, FieldNightInput};
use crate::error::{Error, Result};
use crate::i18n::cli::Says;
use crate::msg::Msg;
use crate::vault::Permission;

#[derive(Debug, Subcommand)]
pub enum NightCommand {
    /// Record a field night; log its contacts with `uppsok add --field-night ID`
    Add {
        /// YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// What kind of night (police: a joint police operation)
        #[arg(long, value_parser = crate::cli::Values(crate::domain::FieldNightKind::CHOICES))]
        kind: String,
        /// A district from the configured list
        #[arg(long)]
        district: String,
        /// How many staff were out (1 to 99)
        #[arg(long)]
        staff: String,
        /// The funded project the night's contacts belong to unless told otherwise (it must run on the night's date; see `uppsok project list`)
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
    },
    /// List the latest field nights
    List {
        /// How many to show
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

pub fn run(g: &Global, cmd: NightCommand) -> Result<()> {
    let l = lang(g);
    let mut vault = unlock(g)?;
    vault.require(Permission::WriteContacts)?;
    match cmd {
        NightCommand::Add {
            date,
            kind,
            district,
            staff,
            project,
        } => {
            // The one parser the interface's form uses too.
            let input = FieldNightInput {
                date: &date,
                kind: &kind,
                district: &district,
                staff: &staff,
            };
            let (d, details) = input
                .parse(vault.districts(), today())
                .map_err(|problems| {
                    Error::Input(Msg::NightRefused {
                        problems: problems
                            .into_iter()
                            .map(|(f, e)| (f, input.raw(f).to_string(), e))
                            .collect(),
                    })
                })?;
            let mut details = details;
            if let Some(name) = project.as_deref() {
                // The vault checks the period against the night's date.
                let p = vault
                    .projects()
                    .by_name(name)
                    .ok_or(Error::Input(Msg::NightProjectUnknown))?;
                details.project = Some(p.id);
            }
            let id = vault.contacts().add_night(d, &details)?;
            println!("{}", l.says(Says::NightRecorded { id }));
        }
        NightCommand::List { limit } => {
            let nights = vault.contacts().nights(limit.max(1))?;
            let projects = vault.projects().clone();
            let cells: Vec<[String; 6]> = nights
                .iter()
                .map(|n| {
                    [
                        format!("{:>6}", n.id),
                        n.date.to_string(),
                        n.details.kind.label(l).to_string(),
                        n.details.district.label(l),
                        n.details.staff.to_string(),
                        n.details
                            .project
                            .map(|id| match projects.by_id(id) {
                                Some(p) => p.details.name.to_string(),
                                None => format!("#{id}"),
                            })
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            let rows: Vec<[&str; 6]> = cells
                .iter()
                .map(|r| r.each_ref().map(|c| c.as_str()))
                .collect();
            let mut header = l.cli().night_header;
            let id = format!("{:>6}", header[0]);
            header[0] = &id;
            print!("{}", super::admin::table(&header, &rows));
        }
    }
    Ok(())
}
