//! The unit's settings: for now its default disclosure-control method (`stats --publish` and
//! `report` without `--method`).
//!
//! Kept in `meta.publish_method` (absent: `suppress`). Only a lead or an administrator sets it
//! ([`Permission::Configure`]); each change is a signed `config_set` entry written in the same
//! transaction, committing to the new value (`publish_method=VALUE`), and every snapshot
//! (rekey, purge, upgrade) commits to the value it found. The audit holds `meta` to the last
//! such entry and each entry to its signer's role ([`audit_log::verify_publish_method`]).

use super::*;
use crate::stats::publish::Method;

/// The `meta` key the default method is kept under.
pub(super) const PUBLISH_METHOD_KEY: &str = "publish_method";

/// The default method as `meta` keeps it: `suppress` when it was never set. A value uppsok
/// does not know was written outside uppsok: an error that names it, never a silent default.
pub(super) fn stored_publish_method<R: Reads + ?Sized>(reads: &R) -> Result<Method> {
    match reads.meta(PUBLISH_METHOD_KEY)? {
        None => Ok(Method::default()),
        Some(v) => Method::parse(&v).ok_or(Error::Failed(Msg::PublishMethodUnknown)),
    }
}

/// The detail a snapshot carries for the default method: `publish_method=VALUE` when it is
/// set, nothing while it never was.
pub(super) fn snapshot_detail<R: Reads + ?Sized>(reads: &R) -> Result<Option<String>> {
    Ok(reads
        .meta(PUBLISH_METHOD_KEY)?
        .map(|v| audit_log::publish_method_detail(&v)))
}

/// The default method against the log (see the module documentation).
pub(super) fn verify<R: Reads + ?Sized>(
    reads: &R,
    rows: &[AuditRow],
    authority: &audit_log::Authority,
) -> Result<Vec<audit_log::ContentFinding>> {
    let may = super::work::signer_may(authority, Permission::Configure);
    Ok(audit_log::verify_publish_method(
        reads.meta(PUBLISH_METHOD_KEY)?.as_deref(),
        &|v| Method::parse(v).is_some(),
        rows,
        &may,
    ))
}

impl Vault {
    /// The unit's default disclosure-control method, for `stats --publish` and `report` when
    /// `--method` is not given (every role that may count statistics may know it): `suppress`
    /// until a lead or an administrator sets another. Read from the database each time, so a
    /// change by someone else is seen at once.
    ///
    /// Fails (exit 1) when the stored value is not one uppsok knows: the file was changed
    /// outside uppsok, and the message names `publish_method` and `uppsok audit`.
    pub fn publish_method(&self) -> Result<Method> {
        stored_publish_method(&*self.store.read()?)
    }
}

impl Config<'_> {
    /// `config publish-method` (every role that may count statistics): the current default.
    pub fn publish_method(&mut self) -> Result<Method> {
        self.0.require(Permission::Stats)?;
        self.0.publish_method()
    }

    /// `config publish-method VALUE` (lead, admin): sets the unit's default, with a signed
    /// `config_set` entry in the same transaction. Returns false, writing nothing, when it is
    /// already that value (absent counts as `suppress`).
    pub fn set_publish_method(&mut self, method: Method) -> Result<bool> {
        self.0.require(Permission::Configure)?;
        let tx = self.0.change()?;
        // Read in the change that writes it, so that nothing comes between.
        if stored_publish_method(&*tx)? == method {
            return Ok(false);
        }
        tx.set_meta(PUBLISH_METHOD_KEY, method.as_str())?;
        tx.log(
            Action::ConfigSet,
            audit_log::PUBLISH_METHOD_RECORD,
            &audit_log::publish_method_detail(method.as_str()),
        )?;
        tx.commit()?;
        Ok(true)
    }
}
