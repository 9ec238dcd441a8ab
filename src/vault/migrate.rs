//! `uppsok migrate --to postgres://...`: a unit's database copied, as stored, onto a server.
//!
//! Every row is copied as it is, still encrypted (envelopes, pseudonyms, the key file, the
//! signed log): the copy opens with the same passphrases and the recovery key, its figures and
//! exports are the source's, and its audit verifies the same log. Nothing is decrypted, and the
//! source is not changed but for one log entry saying the copy was made (written before the copy,
//! so both logs hold it).
//!
//! All or nothing: the rows go in one write transaction on the target, committed after the last
//! one. A migration interrupted before that leaves an empty schema without a format marker,
//! which the next `migrate` (or `init`) to the same place replaces: running it again resumes it
//! by starting it over.

use std::path::Path;

use super::{Lifecycle, Permission, Result};
use crate::audit_log::Action;
use crate::error::Error;
use crate::msg::Msg;
use crate::storage::prelude::*;
use crate::storage::{Sequence, StorageError, NEXT, STOP};

/// What a migration copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Migrated {
    pub location: String,
    pub users: usize,
    pub persons: usize,
    pub contacts: usize,
    pub field_nights: usize,
    pub log_entries: usize,
}

impl Lifecycle<'_> {
    /// Copies the whole database to a new one on a server at `target` (admin only; logged).
    pub fn migrate_to(&mut self, target: &Path) -> Result<Migrated> {
        self.0.require(Permission::Administer)?;
        if !crate::storage::is_server(target) {
            return Err(Error::Input(Msg::MigrateNeedsServer));
        }
        self.0.log_read(Action::Backup, "database", "migrate")?;
        let mut dest = crate::storage::create(target, self.0.page_key.expose())?;
        let copied = {
            let from = self.0.store.read()?;
            copy_all(&*from, &mut *dest)
        };
        match copied {
            Ok(mut done) => {
                done.location = dest.location();
                Ok(done)
            }
            Err(e) => {
                dest.discard();
                Err(e)
            }
        }
    }
}

/// Runs a scan that writes each row it visits; the first failed write stops it and is returned.
fn copy_rows<T>(
    scan: impl FnOnce(&mut dyn FnMut(T) -> crate::storage::Visit) -> crate::storage::Result<()>,
    mut write: impl FnMut(T) -> crate::storage::Result<()>,
) -> Result<usize> {
    let (mut n, mut failed) = (0, None);
    scan(&mut |row| match write(row) {
        Ok(()) => {
            n += 1;
            NEXT
        }
        Err(e) => {
            failed = Some(e);
            STOP
        }
    })?;
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(n),
    }
}

/// Every row of `from` into the empty database `to`, in one transaction, then checked.
fn copy_all(from: &dyn Reads, to: &mut dyn Backend) -> Result<Migrated> {
    let mut done = Migrated::default();
    {
        let tx = to.write()?;
        tx.begin_bulk_load()?;
        for (key, value) in from.meta_entries()? {
            tx.set_meta(&key, &value)?;
        }
        for sequence in Sequence::ALL {
            tx.set_next_id(sequence, from.peek_next_id(sequence)?)?;
        }
        tx.write_key_file(&from.key_file()?)?;
        let users = from.users()?;
        for u in &users {
            tx.insert_user(u)?;
        }
        for u in &users {
            if let Some(w) = from.master_wrap(u.id)? {
                tx.put_master_wrap(&w)?;
            }
        }
        done.users = users.len();
        // Each user's unit, as the log grants it, for the server's row-level guards.
        let units = crate::audit_log::grants(|v| from.scan_audit_log(v))?.units();
        // Each unit's own tables on a server, before any of its rows.
        for (unit, _) in units.named() {
            tx.make_unit(*unit)?;
        }
        for (user, unit) in units.members() {
            if unit != crate::domain::FIRST_UNIT {
                tx.set_user_unit(user, unit)?;
            }
        }
        if let Some(r) = from.recovery_key()? {
            tx.put_recovery_key(&r)?;
        }
        tx.replace_pseudonym_chain(&from.pseudonym_chain()?)?;
        done.persons = copy_rows(
            |v| from.scan_persons(i64::MIN, &mut |id, p| v((id, p.to_vec()))),
            |(id, p)| tx.insert_person(id, &p),
        )?;
        let nights = from.field_nights(i64::MAX)?;
        for n in &nights {
            tx.insert_field_night(n)?;
        }
        done.field_nights = nights.len();
        done.contacts = copy_rows(|v| from.scan_stored_contacts(v), |c| tx.insert_contact(&c))?;
        for m in from.merges()? {
            tx.insert_merge(&m)?;
        }
        for p in from.projects()? {
            tx.insert_project(&p)?;
        }
        for a in from.activities(None, None)? {
            tx.insert_activity(&a)?;
        }
        done.log_entries = copy_rows(|v| from.scan_audit_log(v), |e| tx.insert_audit(&e))?;
        tx.end_bulk_load()?;
        tx.commit()?;
    }
    // What was committed is what was read.
    let check = to.read()?;
    let same = check.contact_count()? == from.contact_count()?
        && check.audit_head()? == from.audit_head()?
        && check.meta_entries()? == from.meta_entries()?
        && check.key_file()? == from.key_file()?;
    if !same {
        return Err(
            StorageError::Changed("the copy on the server differs from its source".into()).into(),
        );
    }
    Ok(done)
}
