//! `project add/list/close` and `activity add/list`: the unit's funded projects, and its
//! information and training work.

use clap::Subcommand;

use super::{lang, unlock};
use crate::cli::{Global, Values};
use crate::domain::{
    parse_date, today, ActivityInput, ActivityKind, Audience, ProjectField, ProjectInput,
};
use crate::error::{Error, Result};
use crate::i18n::cli::Says;
use crate::msg::Msg;
use crate::vault::NewProject;

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Add a funded project (lead, admin); contacts name it with `add --projects NAME`
    #[command(after_help = "Examples:
  uppsok project add Köparprojektet --funder Socialstyrelsen --from 2009-01-01 --to 2009-12-31
  uppsok project add 'Människohandel 75 %' --funder 'Länsstyrelsen i Stockholms län' --from 2009-03-01")]
    Add {
        /// The project's name, as contacts and reports name it (at most 60 characters, no `;`)
        name: String,
        /// Who funds it (named in the heading of its report)
        #[arg(long)]
        funder: String,
        /// First day, YYYY-MM-DD
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD; leave out while it runs on
        #[arg(long, default_value = "", hide_default_value = true)]
        to: String,
    },
    /// List the projects, with funder and period (lead, admin)
    List,
    /// Set a project's last day (lead, admin); refused while a contact of it lies after that day
    #[command(after_help = "Examples:
  uppsok project close Köparprojektet --to 2009-12-31")]
    Close {
        /// The project's name
        name: String,
        /// Its last day, YYYY-MM-DD
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ActivityCommand {
    /// Record an information or training activity (not a contact with a person)
    #[command(after_help = "Examples:
  uppsok activity add --date 2025-03-12 --kind lecture --audience school --participants 28
  uppsok --lang sv activity add --date 2025-04-02 --kind utbildning --audience socialtjänst --participants 15 --note 'Halvdag om köp av sex'")]
    Add {
        /// YYYY-MM-DD (not in the future)
        #[arg(long)]
        date: String,
        /// What kind of work it was
        #[arg(long, value_parser = Values(ActivityKind::CHOICES))]
        kind: String,
        /// Whom it was for
        #[arg(long, value_parser = Values(Audience::CHOICES))]
        audience: String,
        /// How many took part (1 to 100000)
        #[arg(long)]
        participants: String,
        /// Free text, stored encrypted; must not identify anyone
        #[arg(long, default_value = "", hide_default_value = true)]
        note: String,
    },
    /// List the activities of a period, oldest first
    List {
        #[command(flatten)]
        period: super::PeriodArgs,
    },
}

pub fn project(g: &Global, cmd: ProjectCommand) -> Result<()> {
    let l = lang(g);
    let mut vault = unlock(g)?;
    match cmd {
        ProjectCommand::Add {
            name,
            funder,
            from,
            to,
        } => {
            let input = ProjectInput {
                name: &name,
                funder: &funder,
                from: &from,
                to: &to,
            };
            let details = input.parse().map_err(|problems| {
                Error::Input(Msg::ProjectRefused {
                    problems: problems
                        .into_iter()
                        .map(|(f, e)| (f, shown(&input, f), e))
                        .collect(),
                })
            })?;
            let id = vault.work().add_project(NewProject { details })?;
            println!("{}", l.says(Says::ProjectAdded { id }));
        }
        ProjectCommand::List => {
            let projects = vault.work().list_projects()?;
            let t = l.cli();
            let cells: Vec<[String; 5]> = projects
                .iter()
                .map(|p| {
                    [
                        format!("{:>4}", p.id),
                        p.details.name.to_string(),
                        p.details.funder.to_string(),
                        p.details.from.to_string(),
                        p.details
                            .to
                            .map_or_else(|| t.project_running.to_string(), |d| d.to_string()),
                    ]
                })
                .collect();
            let rows: Vec<[&str; 5]> = cells
                .iter()
                .map(|r| r.each_ref().map(|c| c.as_str()))
                .collect();
            let mut header = t.project_header;
            let id = format!("{:>4}", header[0]);
            header[0] = &id;
            print!("{}", super::admin::table(&header, &rows));
        }
        ProjectCommand::Close { name, to } => {
            let day = parse_date(&to).map_err(|error| {
                Error::Input(Msg::ProjectRefused {
                    problems: vec![(ProjectField::To, to.clone(), error)],
                })
            })?;
            let p = vault.work().close_project(&name, day)?;
            println!(
                "{}",
                l.says(Says::ProjectClosed {
                    id: p.id,
                    to: &day.to_string()
                })
            );
        }
    }
    Ok(())
}

/// What a refusal may repeat of a field: dates, never a name.
fn shown(input: &ProjectInput<'_>, f: ProjectField) -> String {
    if f.may_show_value() {
        input.raw(f).to_string()
    } else {
        String::new()
    }
}

pub fn activity(g: &Global, cmd: ActivityCommand) -> Result<()> {
    let l = lang(g);
    let mut vault = unlock(g)?;
    match cmd {
        ActivityCommand::Add {
            date,
            kind,
            audience,
            participants,
            note,
        } => {
            let input = ActivityInput {
                date: &date,
                kind: &kind,
                audience: &audience,
                participants: &participants,
            };
            let (day, details) = input.parse(today()).map_err(|problems| {
                Error::Input(Msg::ActivityRefused {
                    problems: problems
                        .into_iter()
                        .map(|(f, e)| (f, input.raw(f).to_string(), e))
                        .collect(),
                })
            })?;
            let id = vault.work().add_activity(day, details, &note)?;
            println!("{}", l.says(Says::ActivityRecorded { id }));
        }
        ActivityCommand::List { period } => {
            let q = period.query(&[], &[], vault.lists())?;
            let activities = vault.work().activities(q.from, q.to)?;
            let t = l.cli();
            let cells: Vec<[String; 6]> = activities
                .iter()
                .map(|a| {
                    [
                        format!("{:>4}", a.id),
                        a.date.to_string(),
                        a.details.kind.label(l).to_string(),
                        a.details.audience.label(l).to_string(),
                        format!("{:>5}", a.details.participants),
                        a.note
                            .as_ref()
                            .map(|n| n.replace(['\n', '\r'], " "))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            let rows: Vec<[&str; 6]> = cells
                .iter()
                .map(|r| r.each_ref().map(|c| c.as_str()))
                .collect();
            let mut header = t.activity_header;
            let (id, n) = (format!("{:>4}", header[0]), format!("{:>5}", header[4]));
            header[0] = &id;
            header[4] = &n;
            print!("{}", super::admin::table(&header, &rows));
        }
    }
    Ok(())
}
