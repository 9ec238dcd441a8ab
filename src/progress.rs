//! Progress of long work (an import, an export, a rekey, an audit, ...), told to whatever the
//! command line set up: a bar on a terminal's standard error, nothing when piped or `--quiet`.
//! The work reports where it is; it never knows how, or whether, that is shown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// What is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Import,
    Export,
    Rekey,
    Audit,
    Purge,
    Backup,
    Upgrade,
    Demo,
}

/// Where progress goes.
pub trait Sink: Send + Sync {
    /// Work of `total` steps (unknown: `None`) begins.
    fn begin(&self, task: Task, total: Option<u64>);
    /// `n` more steps are done.
    fn add(&self, n: u64);
    /// The work is over (done or failed).
    fn end(&self);
}

static SINK: OnceLock<Box<dyn Sink>> = OnceLock::new();

/// Set when the terminal interface takes the screen: nothing may draw on it from then on.
static SILENT: AtomicBool = AtomicBool::new(false);

/// From now on no progress is shown (the terminal interface owns the terminal).
pub fn silence() {
    SILENT.store(true, Ordering::SeqCst);
}

fn sink() -> Option<&'static dyn Sink> {
    if SILENT.load(Ordering::SeqCst) {
        return None;
    }
    SINK.get().map(|s| s.as_ref())
}

/// Sets, once per process, where progress goes; without it, progress goes nowhere.
pub fn set(sink: Box<dyn Sink>) {
    let _ = SINK.set(sink);
}

/// Work begins; it ends when the returned guard is dropped.
#[must_use]
pub fn begin(task: Task, total: Option<u64>) -> Running {
    if let Some(s) = sink() {
        s.begin(task, total);
    }
    Running(())
}

/// `n` more steps of the work under way are done.
pub fn add(n: u64) {
    if let Some(s) = sink() {
        s.add(n);
    }
}

/// Work under way; dropping it ends it.
pub struct Running(());

impl Drop for Running {
    fn drop(&mut self) {
        // Ended even when silenced since it began, so a bar never stays behind.
        if let Some(s) = SINK.get() {
            s.end();
        }
    }
}
