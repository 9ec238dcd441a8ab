//! The unit's work besides contacts: funded projects and information and training activities.
//!
//! A project's name, funder and period are one envelope under the categories key (an auditor
//! makes a funder's report); a contact names its projects inside its own attributes. An
//! activity's kind, audience and participants are under the categories key (the yearly report
//! counts them), its note under the notes key. Each change is a signed entry that commits to
//! the whole table it changed (`projects=`, `activities=`; of several units, an activity's
//! entry its own unit's activities, `activities_uN=`, all a unit's role on a server reads), and
//! the audit holds the tables to the last such entry and each entry to its signer's role.

use zeroize::Zeroizing;

use super::contacts::{decode_note, encode_note};
use super::*;
use crate::domain::{
    today, Activity, ActivityDetails, ActivityField, Attributes, Date, Project, ProjectDetails,
    Projects, StaffRole,
};
use crate::msg::NoteAdvice;
use crate::storage::{ActivityRow, ProjectRow};

/// The projects a read session sees, decrypted. A project whose envelope does not open (a
/// change outside uppsok) is left out rather than locking everyone out: `audit` names it.
pub(super) fn load_projects(reads: &dyn Reads, keys: &Keys) -> Result<Projects> {
    Ok(Projects::new(
        reads
            .projects()?
            .into_iter()
            .filter_map(|r| {
                let plain = keys.open(Place::ProjectDetails(r.id), &r.details).ok()?;
                Some(Project {
                    id: r.id,
                    details: ProjectDetails::decode(&plain)?,
                })
            })
            .collect(),
    ))
}

/// Whether an entry's signer held a role that may make the change it records (the audit's
/// check of `project_*` and `activity_add` entries, see [`audit_log::verify_projects`]).
pub(super) fn signer_may(
    authority: &audit_log::Authority,
    permission: Permission,
) -> impl Fn(&AuditRow) -> bool + '_ {
    move |r: &AuditRow| {
        r.user_id
            .and_then(|u| authority.users().get(&u))
            .and_then(|g| g.role.parse::<StaffRole>().ok())
            .is_some_and(|role| permission.allowed(role))
    }
}

/// A project's name and period as the command line or the interface gives them, checked.
pub struct NewProject {
    pub details: ProjectDetails,
}

impl Work<'_> {
    /// `project add` (lead, admin): a new project. Refused when its name is taken (names
    /// compare without case, accents, spaces and hyphens, look-alike letters as the same:
    /// `domain::work::name_key`) or its period ends before it begins.
    pub fn add_project(&mut self, p: NewProject) -> Result<i64> {
        self.0.require(self.0.projects_permission())?;
        let d = p.details;
        if d.to.is_some_and(|to| to < d.from) {
            return Err(Error::Input(Msg::PeriodBackwards));
        }
        // "none" is no project in filters and contacts, "ingen" in Swedish tables: a project of
        // either name could never be told from no project.
        let key = crate::domain::name_key(d.name.as_str());
        if key == "none" || key == "ingen" {
            return Err(Error::Input(Msg::ProjectNameReserved));
        }
        let user_id = self.0.user.id;
        let tx = self.0.change()?;
        // The name against the table as this transaction sees it.
        if load_projects(&*tx, tx.keys)?
            .by_name(d.name.as_str())
            .is_some()
        {
            return Err(Error::Input(Msg::ProjectNameTaken));
        }
        let id = tx.take_id(Sequence::Projects)?;
        tx.insert_project(&ProjectRow {
            id,
            created_by: user_id,
            created_at: now_timestamp(),
            details: tx
                .keys
                .seal(Place::ProjectDetails(id), &d.encode())
                .map_err(not_held)?,
        })?;
        tx.log(
            Action::ProjectAdd,
            &format!("project:{id}"),
            &audit_log::projects_detail(&tx.projects()?),
        )?;
        tx.commit()?;
        self.reload()?;
        Ok(id)
    }

    /// `project close NAME --to D` (lead, admin): the project's last day. Refused when a
    /// contact of the project lies after that day (it would fall outside its project), or the
    /// day is before the project began.
    pub fn close_project(&mut self, name: &str, to: Date) -> Result<Project> {
        self.0.require(self.0.projects_permission())?;
        let tx = self.0.change()?;
        let projects = load_projects(&*tx, tx.keys)?;
        let mut project = projects
            .by_name(name)
            .cloned()
            .ok_or(Error::Input(Msg::NoSuchProject))?;
        if to < project.details.from {
            return Err(Error::Input(Msg::PeriodBackwards));
        }
        // Contacts of the project dated after the new last day.
        let last = to.format("%Y-%m-%d").to_string();
        let mut after = 0u64;
        let mut failed = None;
        tx.scan_stored_contacts(&mut |c| {
            if c.date > last {
                let unit = tx.unit_of(c.created_by);
                match open_in_at(tx.keys, unit, Place::ContactAttributes(c.id), &c.attributes)
                    .ok()
                    .and_then(|plain| Attributes::decode(&plain, tx.districts))
                {
                    Some(a) if a.projects.contains(project.id) => after += 1,
                    Some(_) => {}
                    None => failed = Some(c.id),
                }
            }
            NEXT
        })?;
        if let Some(id) = failed {
            return Err(damaged_value("contacts", id));
        }
        if after > 0 {
            return Err(Error::Input(Msg::ProjectHasLaterContacts { count: after }));
        }
        project.details.to = Some(to);
        tx.update_project_details(
            project.id,
            &tx.keys
                .seal(Place::ProjectDetails(project.id), &project.details.encode())
                .map_err(not_held)?,
        )?;
        tx.log(
            Action::ProjectClose,
            &format!("project:{}", project.id),
            &audit_log::projects_detail(&tx.projects()?),
        )?;
        tx.commit()?;
        self.reload()?;
        Ok(project)
    }

    /// `project list` (lead, admin): every project, in the order they were added.
    pub fn list_projects(&mut self) -> Result<Vec<Project>> {
        self.0.require(Permission::ManageProjects)?;
        self.reload()?;
        Ok(self.0.projects.all().to_vec())
    }

    /// The projects open on `date`, for a contact of that day (anyone who logs contacts).
    pub fn projects_open_on(&mut self, date: Date) -> Result<Vec<Project>> {
        self.0.require(Permission::WriteContacts)?;
        Ok(self.0.projects.open_on(date).cloned().collect())
    }

    fn reload(&mut self) -> Result<()> {
        let reads = self.0.store.read()?;
        self.0.projects = load_projects(&*reads, &self.0.keys)?;
        Ok(())
    }

    /// `activity add` (outreach, lead, admin): one information or training activity. The
    /// date is not in the future; the note holds no personal identifier (it is refused, and
    /// nothing is written).
    pub fn add_activity(
        &mut self,
        date: Date,
        details: ActivityDetails,
        note: &str,
    ) -> Result<i64> {
        self.0.require(Permission::LogActivities)?;
        // The caller parsed the date (`ActivityInput`); a day after today is still refused.
        if date > today() {
            let error = crate::domain::parse_contact_date(&date.to_string(), today())
                .expect_err("a date after today");
            return Err(Error::Input(Msg::ActivityRefused {
                problems: vec![(ActivityField::Date, date.to_string(), error)],
            }));
        }
        crate::domain::check_note_length(note)
            .map_err(|error| Error::Input(Msg::NoteTooLong { error }))?;
        if let Some(&kind) = crate::pii::find_identifiers(note).first() {
            return Err(Error::Input(Msg::NoteIdentifier {
                kind,
                advice: NoteAdvice::Remove,
            }));
        }
        let user_id = self.0.user.id;
        let tx = self.0.change()?;
        let id = tx.take_id(Sequence::Activities)?;
        tx.insert_activity(&ActivityRow {
            id,
            date: date.format("%Y-%m-%d").to_string(),
            created_by: user_id,
            created_at: now_timestamp(),
            details: tx
                .keys
                .seal_in(
                    tx.unit_of(user_id),
                    Place::ActivityDetails(id),
                    &details.encode(),
                )
                .map_err(not_held)?,
            note: tx
                .keys
                .seal_in(
                    tx.unit_of(user_id),
                    Place::ActivityNote(id),
                    &encode_note(note),
                )
                .map_err(not_held)?,
        })?;
        // Of several units, the author's own unit's (all a unit's role on a server reads).
        let activities = tx.activities(None, None)?;
        let committed = match tx.several_units() {
            false => audit_log::activities_detail(&activities),
            true => {
                let unit = tx.unit_of(user_id);
                let own: Vec<_> = activities
                    .into_iter()
                    .filter(|a| tx.unit_of(a.created_by) == unit)
                    .collect();
                audit_log::unit_activities_detail(unit, &own)
            }
        };
        tx.log(Action::ActivityAdd, &format!("activity:{id}"), &committed)?;
        tx.commit()?;
        Ok(id)
    }

    /// `activity list` (outreach, lead, admin): the activities of a period, oldest first,
    /// with their notes; logged as a view. In a city, the user's own unit's.
    pub fn activities(&mut self, from: Option<Date>, to: Option<Date>) -> Result<Vec<Activity>> {
        self.0.require(Permission::LogActivities)?;
        let day = |d: Option<Date>| d.map(|d| d.format("%Y-%m-%d").to_string());
        let (from, to) = (day(from), day(to));
        let rows = self
            .0
            .store
            .read()?
            .activities(from.as_deref(), to.as_deref())?;
        let keys = &self.0.keys;
        let vault = &*self.0;
        let out = rows
            .iter()
            .filter(|r| vault.own_unit(r.created_by))
            .map(|r| {
                let damaged = || damaged_value("activities", r.id);
                let unit = vault.units.of_user(r.created_by);
                let plain = open_in_at(keys, unit, Place::ActivityDetails(r.id), &r.details)?;
                let details = ActivityDetails::decode(&plain).ok_or_else(damaged)?;
                let note = if keys.holds_notes_of(unit) {
                    let plain = open_in_at(keys, unit, Place::ActivityNote(r.id), &r.note)?;
                    Some(Zeroizing::new(
                        decode_note(&plain).ok_or_else(damaged)?.to_string(),
                    ))
                } else {
                    None
                };
                Ok(Activity {
                    id: r.id,
                    date: crate::domain::parse_date(&r.date).map_err(|_| damaged())?,
                    details,
                    note,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let objects = format!("activities:{}", out.len());
        self.0.log_read(
            Action::ActivityView,
            &objects,
            &format!(
                "from={} to={}",
                from.as_deref().unwrap_or("-"),
                to.as_deref().unwrap_or("-")
            ),
        )?;
        Ok(out)
    }
}

/// The activities of a period, without notes: what the yearly report counts (anyone who may
/// make a report; an auditor holds no notes key and needs none here). Those of the unit counted
/// (`scope`, as a statistics code), or every unit's (none: the city's report).
pub(super) fn activity_details(
    reads: &dyn Reads,
    vault: &Vault,
    (from, to): (Option<&str>, Option<&str>),
    scope: Option<u32>,
) -> Result<Vec<ActivityDetails>> {
    reads
        .activities(from, to)?
        .iter()
        .filter(|r| scope.is_none_or(|s| s == vault.unit_code_of(r.created_by)))
        .map(|r| {
            let unit = vault.units.of_user(r.created_by);
            let plain = open_in_at(&vault.keys, unit, Place::ActivityDetails(r.id), &r.details)?;
            ActivityDetails::decode(&plain).ok_or_else(|| damaged_value("activities", r.id))
        })
        .collect()
}
