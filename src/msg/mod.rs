//! What the program tells a person when something goes wrong: one variant per situation, each
//! rendered in full (what went wrong, and what to do) by one function per language,
//! [`en::text`] and [`sv::text`]. The compiler sees to it that no situation lacks a language.
//!
//! A message carries only what may be shown: ids, user names, paths, flags, counts and the
//! value a person typed that is no value at all. Never a code, a note or a category value of a
//! record (CONTRACT.md).

mod en;
mod sv;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crate::domain::{
    ActivityField, ContactField, FieldProblem, InvalidValue, NightField, ProjectField,
};
use crate::i18n::Lang;
use crate::pii::IdentifierKind;

/// What a command was reading when reading failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    PassphraseFile(PathBuf),
    PassphraseTerminal,
    UserName,
    Stdin(Piped),
    CodeTerminal,
    RecoveryKeyFile(PathBuf),
    RecoveryKey,
    ImportFile(PathBuf),
    CsvFile,
    CsvHeader,
}

/// What a command reads from standard input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piped {
    Code,
    Note,
    CodeAndNote,
}

impl Piped {
    /// How the text is named in `lang` ("the code", "koden").
    pub fn name(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, Piped::Code) => "the code",
            (Lang::En, Piped::Note) => "the note",
            (Lang::En, Piped::CodeAndNote) => "the code (first line) and the note (the rest)",
            (Lang::Sv, Piped::Code) => "koden",
            (Lang::Sv, Piped::Note) => "anteckningen",
            (Lang::Sv, Piped::CodeAndNote) => "koden (första raden) och anteckningen (resten)",
        }
    }
}

/// What the terminal interface could not do with the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalOp {
    Open,
    Draw,
    ReadKeys,
    WatchSignals,
}

/// What was written to a file when writing failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Export,
    Stdout,
    File(PathBuf),
    MakePrivate(PathBuf),
}

/// Which contact change the note check stopped, for what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteAdvice {
    /// Remove it.
    Remove,
    /// Remove it, or give `--allow-identifiers` (the command line).
    RemoveOrAllow,
}

/// Why `--filter` or `--by` did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterProblem {
    NotAFilter(String),
    NotADimension(String),
    NoValue(String),
    NotAValue {
        value: String,
        dimension: &'static str,
        why: ValueWhy,
    },
}

/// Why a filter value is not a value of its dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueWhy {
    Expected(InvalidValue),
    ExpectedOrNone(InvalidValue),
    Year,
    Month,
    /// Not one of the unit's projects (nor `none`).
    Project,
    /// Not the name of one of the city's units.
    Unit,
}

/// Which copy of a key file is the other one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Age {
    Older,
    Newer,
}

/// Every situation, with what the message may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    // --- Finding the database, reading what is given ---
    NoDataDir,
    DemoNoDataDir,
    NotADemo {
        path: PathBuf,
    },
    CannotRead {
        source: Source,
        error: String,
    },
    PassphraseFileEmpty {
        path: PathBuf,
    },
    PassphraseEmpty,
    PassphrasesDiffer,
    NoUserNoTerminal,
    NoUserName,
    NoPassphraseNoTerminal,
    NoNewPassphraseNoTerminal,
    NoRecoveryKeyNoTerminal,
    RecoveryKeyMistyped {
        error: String,
    },
    StdoutReadable {
        mode: u32,
        export: bool,
    },
    StdinTooLarge {
        what: Piped,
        kib: usize,
    },
    StdinNotUtf8 {
        what: Piped,
    },
    StdinCodeLines,
    StdinNoCode,
    CodeEmpty,
    EditCodeEmpty {
        id: i64,
    },
    CannotWrite {
        what: Written,
        error: String,
    },
    ExportOntoDatabase {
        path: PathBuf,
    },
    ReportOntoDatabase {
        path: PathBuf,
    },
    BackupExists {
        path: PathBuf,
    },
    /// `migrate --to` names a file: a copy to a file is `backup`.
    MigrateNeedsServer,
    NoSuchDirectory {
        path: PathBuf,
    },
    LockMinutes {
        value: String,
    },
    NoTerminal,
    Terminal {
        op: TerminalOp,
        error: String,
    },
    StoppedBySignal,
    /// `plan` is what the command would do, already in the chosen language.
    NoTerminalToConfirm {
        plan: String,
    },
    NotConfirmed,
    NotesBefore {
        value: String,
    },

    // --- Flags of stats, log, estimate ---
    DateFlag {
        flag: &'static str,
        value: String,
        error: InvalidValue,
    },
    UnusableYear {
        year: i32,
    },
    EmptyPeriod {
        from: String,
        to: String,
    },
    By(FilterProblem),
    ByTwice {
        dimension: &'static str,
    },
    Filter(FilterProblem),
    EstimateBy {
        dimension: String,
    },
    CsvSeparator {
        value: String,
    },
    PublishTooManyDimensions {
        max: usize,
    },
    /// Suppression cannot publish this table: with its linked tables it would give away a
    /// hidden count (`undecided`: the check did not finish in time). `by`: dimension names.
    PublishNotSafe {
        by: String,
        undecided: bool,
    },
    /// The publication register: the period overlaps one published under suppression before
    /// for contacts this publication may count too (`from`, `to`: its bounds, empty where
    /// open; `at`: the day it was published) without being it.
    PublishOverlaps {
        from: String,
        to: String,
        at: String,
    },
    /// The publication register: the same period was published under suppression before (on
    /// `at`) with other contacts than it has now, or without recording them.
    PublishChanged {
        at: String,
    },
    /// The publication register: the same period was published under suppression before (on
    /// `at`) with other filters that may select some of the same contacts.
    PublishOtherFilters {
        at: String,
    },
    /// The publication register: the same period was published under suppression before (on
    /// `at`) under another threshold (`threshold`).
    PublishOtherThreshold {
        at: String,
        threshold: u64,
    },
    /// The publication register: the period, or one overlapping it, was published before (on
    /// `at`) by the other disclosure-control method.
    PublishOtherMethod {
        at: String,
    },
    /// The publication register: one publication under suppression of periods that overlap
    /// without being the same (its tables would subtract within it).
    PublishPeriodsOverlap,
    ThresholdTooLow {
        threshold: u64,
        min: u64,
    },
    NotACheckpoint {
        value: String,
    },
    NotAFingerprint {
        value: String,
    },
    AuditFailed {
        checks: Vec<&'static str>,
    },

    // --- Contacts and field nights ---
    /// Fields that did not parse (`--flag 'value': why`); `not_done` says what was not done.
    ContactRefused {
        not_done: NotDone,
        problems: Vec<ShownProblem>,
    },
    NightRefused {
        problems: Vec<(NightField, String, InvalidValue)>,
    },
    /// `night add --project` named none of the unit's projects (the name is never repeated).
    NightProjectUnknown,
    /// The night's project does not run on the night's date.
    NightProjectNotOnDate,

    // --- Projects and activities ---
    /// Fields of `project add` that did not parse; a name's text is never repeated.
    ProjectRefused {
        problems: Vec<(ProjectField, String, InvalidValue)>,
    },
    /// A period whose last day is before its first.
    PeriodBackwards,
    /// A funder's report asked for days outside the project's period.
    PeriodOutsideProject {
        from: String,
        to: String,
    },
    ProjectNameTaken,
    /// A project may not be named "none" or "ingen": the words for no project.
    ProjectNameReserved,
    NoSuchProject,
    /// `--unit` or a unit name that is none of the city's units.
    NoSuchUnit,
    /// `unit add` with a name that is not a unit name.
    BadUnitName {
        max: usize,
    },
    UnitExists {
        name: String,
    },
    /// `unit role` with a name that is not a database role's (docs/deploy.md).
    BadDatabaseRole,
    /// `unit role` on a file: only a server has database roles.
    UnitRoleNeedsServer,
    /// `unit` grouped or filtered without `--city`: a unit's own figures count only its own.
    UnitNeedsCity,
    /// A project cannot close before contacts that belong to it.
    ProjectHasLaterContacts {
        count: u64,
    },
    ActivityRefused {
        problems: Vec<(ActivityField, String, InvalidValue)>,
    },

    // --- The unit's settings ---
    /// `meta.publish_method` holds a value uppsok does not know: written outside uppsok.
    PublishMethodUnknown,

    NoSuchContact {
        id: i64,
    },
    ContactGone {
        id: i64,
    },
    NoSuchNight {
        id: i64,
    },
    NightNotWritten,
    NoteIdentifier {
        kind: IdentifierKind,
        advice: NoteAdvice,
    },
    NoteTooLong {
        error: InvalidValue,
    },
    LoadNoteIdentifier {
        index: usize,
        kind: IdentifierKind,
    },
    LoadNightMissing {
        index: usize,
    },
    ContactsOutOfOrder,
    ImportStopped,
    MergeUnknown,
    AlreadyOnePerson,
    CodeNotKnown,
    NotMerged,
    NoContactWithCode,
    ForgetRaced,
    KeysChangedSinceSignIn,
    UnknownDistrict {
        district: String,
    },
    DistrictsDamaged,

    // --- CSV ---
    CsvHeaderNotUtf8,
    CsvColumnTwice {
        column: String,
    },
    CsvUnknownColumn {
        column: String,
        columns: String,
    },
    CsvMissingColumns {
        missing: String,
        required: String,
        optional: String,
    },
    CsvEmpty,
    CsvMixedSeparators {
        column: String,
    },

    // --- Statistics ---
    StatsNotCounted,
    /// Keyed statistics (the cell key method) on a database without a cell key secret yet.
    NoCellKeySecret,
    StatsThread,
    OverviewNotCounted,
    ReportEmpty,
    DemoSummary,

    // --- Users ---
    BadUserName {
        name: String,
    },
    PassphraseTooShort {
        min: usize,
    },
    NoSuchUser {
        name: String,
    },
    AlreadyDisabled {
        name: String,
    },
    LastAdmin {
        name: String,
    },
    UserExists {
        name: String,
    },
    NotAnAdmin {
        name: String,
    },
    AuditorCannotRescan,
    RoleHoldsNoKey,

    // --- Keys, and what was changed outside uppsok ---
    UnsignedChange,
    CannotProtectKey {
        error: String,
    },
    CannotSeal {
        error: String,
    },
    NoAdministratorGranted,
    KeyFileOfAnotherDatabase {
        location: String,
    },
    KeysChangeUndone,
    KeyFileGeneration {
        location: String,
        age: Age,
        file: u64,
        stored: u64,
    },
    KeyFileUnusable {
        path: PathBuf,
        error: String,
    },
    KeySlotsBelowMinimum {
        name: String,
    },
    KeySlotOutOfMemory {
        name: String,
    },
    KdfOutOfBounds {
        name: String,
    },
    SlotNotTheUsers {
        name: String,
    },
    SlotOpensSealDoesNot {
        name: String,
    },
    SlotWithoutUser {
        name: String,
    },
    DataKeyMismatch {
        name: String,
    },
    KeyVersion {
        opened: u32,
        stored: Option<String>,
    },
    UngrantedSlotKey {
        name: String,
    },
    ForgedSigningGrant {
        name: String,
    },
    UserRecordChanged {
        name: String,
    },
    ValueNotAuthentic {
        table: &'static str,
        id: i64,
        error: String,
    },
    ValueUnknownFormat {
        table: &'static str,
        id: i64,
    },
    PseudonymChain,
    NoFingerprint,
    LogEmpty,
    EntryUnmarked {
        seq: i64,
    },
    /// A record differs from the log's signed entries; `what` was refused.
    RecordNotAsLogged {
        record: String,
        kind: String,
        what: Refusing,
    },
    LogDoesNotVerify {
        detail: String,
        what: Refusing,
    },
    RekeyUserChanged {
        name: String,
    },
    RekeyOldSlots {
        names: Vec<String>,
    },
    RekeySealNotGranted {
        name: String,
    },
    RekeyRecoveryNotGranted,

    // --- Recovery and upgrade ---
    RecoveryKeyNotThis,
    NoRecoveryKey,
    RecoveryKeyCannotSign,
    RecoveryKeyOfAnother,
    RecoveryKeyNeeded,
    RecoveryKeyDamaged,
    UpgradeLogDoesNotVerify {
        detail: String,
    },
    UpgradeRoleMayNot {
        name: String,
        role: crate::domain::StaffRole,
    },
    /// Signed in on a server connection that is another unit's role (it reads only that
    /// unit's rows).
    ConnectionOfAnotherUnit {
        name: String,
        connection: String,
        own: String,
    },
    /// A command that reads every unit's rows, on a unit's role (which reads only its own).
    NeedsCityConnection {
        what: [&'static str; 2],
        unit: String,
    },
    UpgradeWrongCredentials {
        name: String,
    },
    NoValidId {
        upgrading: bool,
    },
    UpgradeStuckSlots {
        names: Vec<String>,
    },
    AlreadyFormat {
        path: PathBuf,
        format: String,
    },
    FormatOneSlot {
        name: String,
    },
}

/// What a refusal of a contact's fields did not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotDone {
    NotLogged,
    NotChanged { id: i64 },
}

/// What a refusal for a changed record stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusing {
    Rekey,
    Purge,
    /// A merge or unmerge of persons (its entry commits to every merge).
    Merges,
    Forget,
}

/// A field problem as a message shows it: the field, what was given (only when it may be
/// shown) and why it is not a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownProblem {
    pub field: ContactField,
    pub given: Option<String>,
    pub problem: FieldProblem,
}

impl Msg {
    /// The whole message in `lang`: what went wrong and what to do.
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::En => en::text(self),
            Lang::Sv => sv::text(self),
        }
    }
}

impl FilterProblem {
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::En => en::filter(self),
            Lang::Sv => sv::filter(self),
        }
    }
}

impl std::fmt::Display for FilterProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// The situations at the door, which `Error` holds as its own variants.
pub enum Door<'a> {
    Wrong(&'a str),
    Disabled(&'a str),
    MayNot {
        name: &'a str,
        role: crate::domain::StaffRole,
        what: [&'static str; 2],
        allowed: &'a [crate::domain::StaffRole],
    },
}

/// A situation at the door in `lang`.
pub fn door(lang: Lang, d: Door<'_>) -> String {
    match lang {
        Lang::En => en::door(d),
        Lang::Sv => sv::door(d),
    }
}

/// A storage error in `lang`.
pub fn storage(e: &crate::storage::StorageError, lang: Lang) -> String {
    match lang {
        Lang::En => e.to_string(),
        Lang::Sv => sv::storage(e),
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}
