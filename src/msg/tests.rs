//! Every message is told in both languages, and the Swedish is Swedish.

use super::*;
use crate::domain::NightField;
use crate::storage::StorageError;
use std::path::PathBuf;

/// One of every situation.
fn every_message() -> Vec<Msg> {
    vec![
        Msg::NoDataDir,
        Msg::DemoNoDataDir,
        Msg::NotADemo {
            path: PathBuf::from("/tmp/u.db"),
        },
        Msg::CannotRead {
            source: Source::CsvFile,
            error: "x".to_string(),
        },
        Msg::PassphraseFileEmpty {
            path: PathBuf::from("/tmp/u.db"),
        },
        Msg::PassphraseEmpty,
        Msg::PassphrasesDiffer,
        Msg::NoUserNoTerminal,
        Msg::NoUserName,
        Msg::NoPassphraseNoTerminal,
        Msg::NoNewPassphraseNoTerminal,
        Msg::NoRecoveryKeyNoTerminal,
        Msg::RecoveryKeyMistyped {
            error: "x".to_string(),
        },
        Msg::StdoutReadable {
            mode: 2,
            export: true,
        },
        Msg::StdinTooLarge {
            what: Piped::Code,
            kib: 4,
        },
        Msg::StdinNotUtf8 { what: Piped::Code },
        Msg::StdinCodeLines,
        Msg::StdinNoCode,
        Msg::CodeEmpty,
        Msg::EditCodeEmpty { id: 7 },
        Msg::CannotWrite {
            what: Written::Export,
            error: "x".to_string(),
        },
        Msg::ExportOntoDatabase {
            path: PathBuf::from("/tmp/u.db"),
        },
        Msg::ReportOntoDatabase {
            path: PathBuf::from("/tmp/u.db"),
        },
        Msg::BackupExists {
            path: PathBuf::from("/tmp/u.db"),
        },
        Msg::MigrateNeedsServer,
        Msg::NoSuchDirectory {
            path: PathBuf::from("/tmp/u.db"),
        },
        Msg::LockMinutes {
            value: "x".to_string(),
        },
        Msg::NoTerminal,
        Msg::Terminal {
            op: TerminalOp::Draw,
            error: "x".to_string(),
        },
        Msg::StoppedBySignal,
        Msg::NoTerminalToConfirm {
            plan: "x".to_string(),
        },
        Msg::NotConfirmed,
        Msg::NotesBefore {
            value: "x".to_string(),
        },
        Msg::DateFlag {
            flag: "role",
            value: "x".to_string(),
            error: "x".parse::<crate::domain::Role>().unwrap_err(),
        },
        Msg::UnusableYear { year: 2031 },
        Msg::EmptyPeriod {
            from: "x".to_string(),
            to: "x".to_string(),
        },
        Msg::By(FilterProblem::NoValue("role=".into())),
        Msg::ByTwice { dimension: "role" },
        Msg::Filter(FilterProblem::NoValue("role=".into())),
        Msg::EstimateBy {
            dimension: "x".to_string(),
        },
        Msg::CsvSeparator {
            value: "x".to_string(),
        },
        Msg::PublishTooManyDimensions { max: 4 },
        Msg::PublishNotSafe {
            by: "gender, district".to_string(),
            undecided: false,
        },
        Msg::PublishOverlaps {
            from: "2015-01-01".to_string(),
            to: "2015-12-31".to_string(),
            at: "2026-01-15".to_string(),
        },
        Msg::PublishChanged {
            at: "2026-01-15".to_string(),
        },
        Msg::PublishOtherFilters {
            at: "2026-01-15".to_string(),
        },
        Msg::PublishOtherThreshold {
            at: "2026-01-15".to_string(),
            threshold: 5,
        },
        Msg::PublishOtherMethod {
            at: "2026-01-15".to_string(),
        },
        Msg::PublishPeriodsOverlap,
        Msg::ProjectNameReserved,
        Msg::ThresholdTooLow {
            threshold: 3,
            min: 3,
        },
        Msg::NotACheckpoint {
            value: "x".to_string(),
        },
        Msg::NotAFingerprint {
            value: "x".to_string(),
        },
        Msg::AuditFailed {
            checks: vec!["integrity"],
        },
        Msg::ContactRefused {
            not_done: NotDone::NotLogged,
            problems: vec![],
        },
        Msg::NightRefused {
            problems: vec![(
                NightField::Staff,
                "0".into(),
                crate::domain::parse_staff("0").unwrap_err(),
            )],
        },
        Msg::NoSuchContact { id: 7 },
        Msg::ContactGone { id: 7 },
        Msg::NoSuchNight { id: 7 },
        Msg::NightNotWritten,
        Msg::NoteIdentifier {
            kind: IdentifierKind::Phone,
            advice: NoteAdvice::RemoveOrAllow,
        },
        Msg::NoteTooLong {
            error: "x".parse::<crate::domain::Role>().unwrap_err(),
        },
        Msg::LoadNoteIdentifier {
            index: 4,
            kind: IdentifierKind::Phone,
        },
        Msg::LoadNightMissing { index: 4 },
        Msg::ContactsOutOfOrder,
        Msg::ImportStopped,
        Msg::MergeUnknown,
        Msg::AlreadyOnePerson,
        Msg::CodeNotKnown,
        Msg::NotMerged,
        Msg::NoContactWithCode,
        Msg::ForgetRaced,
        Msg::KeysChangedSinceSignIn,
        Msg::UnknownDistrict {
            district: "x".to_string(),
        },
        Msg::DistrictsDamaged,
        Msg::PublishMethodUnknown,
        Msg::CsvHeaderNotUtf8,
        Msg::CsvColumnTwice {
            column: "x".to_string(),
        },
        Msg::CsvUnknownColumn {
            column: "x".to_string(),
            columns: "x".to_string(),
        },
        Msg::CsvMissingColumns {
            missing: "x".to_string(),
            required: "x".to_string(),
            optional: "x".to_string(),
        },
        Msg::CsvEmpty,
        Msg::CsvMixedSeparators {
            column: "x".to_string(),
        },
        Msg::StatsNotCounted,
        Msg::NoCellKeySecret,
        Msg::StatsThread,
        Msg::OverviewNotCounted,
        Msg::ReportEmpty,
        Msg::DemoSummary,
        Msg::BadUserName {
            name: "x".to_string(),
        },
        Msg::PassphraseTooShort { min: 4 },
        Msg::NoSuchUser {
            name: "x".to_string(),
        },
        Msg::AlreadyDisabled {
            name: "x".to_string(),
        },
        Msg::LastAdmin {
            name: "x".to_string(),
        },
        Msg::UserExists {
            name: "x".to_string(),
        },
        Msg::NotAnAdmin {
            name: "x".to_string(),
        },
        Msg::AuditorCannotRescan,
        Msg::RoleHoldsNoKey,
        Msg::UnsignedChange,
        Msg::CannotProtectKey {
            error: "x".to_string(),
        },
        Msg::CannotSeal {
            error: "x".to_string(),
        },
        Msg::NoAdministratorGranted,
        Msg::KeyFileOfAnotherDatabase {
            location: "x".to_string(),
        },
        Msg::KeysChangeUndone,
        Msg::KeyFileGeneration {
            location: "x".to_string(),
            age: Age::Older,
            file: 3,
            stored: 3,
        },
        Msg::KeyFileUnusable {
            path: PathBuf::from("/tmp/u.db"),
            error: "x".to_string(),
        },
        Msg::KeySlotsBelowMinimum {
            name: "x".to_string(),
        },
        Msg::KeySlotOutOfMemory {
            name: "x".to_string(),
        },
        Msg::KdfOutOfBounds {
            name: "x".to_string(),
        },
        Msg::SlotNotTheUsers {
            name: "x".to_string(),
        },
        Msg::SlotOpensSealDoesNot {
            name: "x".to_string(),
        },
        Msg::SlotWithoutUser {
            name: "x".to_string(),
        },
        Msg::DataKeyMismatch {
            name: "x".to_string(),
        },
        Msg::KeyVersion {
            opened: 2,
            stored: Some("1".into()),
        },
        Msg::UngrantedSlotKey {
            name: "x".to_string(),
        },
        Msg::ForgedSigningGrant {
            name: "x".to_string(),
        },
        Msg::UserRecordChanged {
            name: "x".to_string(),
        },
        Msg::ValueNotAuthentic {
            table: "role",
            id: 7,
            error: "x".to_string(),
        },
        Msg::ValueUnknownFormat {
            table: "role",
            id: 7,
        },
        Msg::PseudonymChain,
        Msg::NoFingerprint,
        Msg::LogEmpty,
        Msg::EntryUnmarked { seq: 7 },
        Msg::RecordNotAsLogged {
            record: "x".to_string(),
            kind: "x".to_string(),
            what: Refusing::Rekey,
        },
        Msg::LogDoesNotVerify {
            detail: "x".to_string(),
            what: Refusing::Rekey,
        },
        Msg::RekeyUserChanged {
            name: "x".to_string(),
        },
        Msg::RekeyOldSlots {
            names: vec!["ola".into()],
        },
        Msg::RekeySealNotGranted {
            name: "x".to_string(),
        },
        Msg::RekeyRecoveryNotGranted,
        Msg::RecoveryKeyNotThis,
        Msg::NoRecoveryKey,
        Msg::RecoveryKeyCannotSign,
        Msg::RecoveryKeyOfAnother,
        Msg::RecoveryKeyNeeded,
        Msg::RecoveryKeyDamaged,
        Msg::UpgradeLogDoesNotVerify {
            detail: "x".to_string(),
        },
        Msg::UpgradeRoleMayNot {
            name: "x".to_string(),
            role: crate::domain::StaffRole::Lead,
        },
        Msg::UpgradeWrongCredentials {
            name: "x".to_string(),
        },
        Msg::ConnectionOfAnotherUnit {
            name: "x".to_string(),
            connection: "x".to_string(),
            own: "y".to_string(),
        },
        Msg::NeedsCityConnection {
            what: ["run the audit", "köra granskningen"],
            unit: "x".to_string(),
        },
        Msg::BadDatabaseRole,
        Msg::UnitRoleNeedsServer,
        Msg::NoValidId { upgrading: true },
        Msg::UpgradeStuckSlots {
            names: vec!["ola".into()],
        },
        Msg::AlreadyFormat {
            path: PathBuf::from("/tmp/u.db"),
            format: "x".to_string(),
        },
        Msg::FormatOneSlot {
            name: "x".to_string(),
        },
    ]
}

/// Words that give away an English sentence left in the Swedish table.
const ENGLISH: &[&str] = &[
    " the ",
    "nothing was",
    " and ",
    "Restore",
    "Run `",
    " is not ",
    " cannot ",
    " was ",
    " with ",
    "choose",
    " give ",
];

/// Words that give away a Swedish sentence in the English table.
const SWEDISH: &[&str] = &[" och ", " inte ", " är ", "inget ", "å", "ä", "ö"];

/// The refusal of a table whose check ran out of time says so, in both languages (the sample
/// list above has one case per message: the refusal of a pinned count).
#[test]
fn a_check_out_of_time_is_told_as_such() {
    let m = Msg::PublishNotSafe {
        by: "role, gender, age band, district".to_string(),
        undecided: true,
    };
    let (en, sv) = (m.text(Lang::En), m.text(Lang::Sv));
    assert!(en.contains("did not finish in time"), "{en}");
    assert!(sv.contains("blev inte klar i tid"), "{sv}");
    assert!(en.contains("role, gender, age band, district") && sv.contains("role, gender"));
    assert!(!en.contains("would give away"), "{en}");
}

/// A period open at one end is told as such, not as an empty date.
#[test]
fn an_open_period_published_before_is_told_in_words() {
    let m = Msg::PublishOverlaps {
        from: String::new(),
        to: String::new(),
        at: "2026-01-15".to_string(),
    };
    let (en, sv) = (m.text(Lang::En), m.text(Lang::Sv));
    assert!(en.contains("from the start to now"), "{en}");
    assert!(sv.contains("från början till nu"), "{sv}");
}

#[test]
fn every_message_is_told_in_swedish_and_in_english() {
    let all = every_message();
    let kinds: std::collections::HashSet<_> = all.iter().map(std::mem::discriminant).collect();
    assert_eq!(kinds.len(), all.len(), "one sample per situation");
    for m in &all {
        let (en, sv) = (m.text(Lang::En), m.text(Lang::Sv));
        assert_ne!(en, sv, "{m:?} is not translated");
        for w in ENGLISH {
            assert!(!sv.contains(w), "{m:?}: the Swedish has '{w}': {sv}");
        }
        for w in SWEDISH {
            assert!(!en.contains(w), "{m:?}: the English has '{w}': {en}");
        }
        for text in [&en, &sv] {
            assert!(!text.trim().is_empty());
            assert!(text.ends_with('.') || text.ends_with(')'), "{m:?}: {text}");
        }
    }
}

#[test]
fn a_message_shows_the_value_given_only_when_it_is_no_value() {
    // The one place a typed value appears: `--role 'seller'`, which is no value at all.
    let problem = crate::domain::FieldProblem {
        field: ContactField::Role,
        error: crate::domain::FieldError::Invalid(
            "seller".parse::<crate::domain::Role>().unwrap_err(),
        ),
    };
    let m = Msg::ContactRefused {
        not_done: NotDone::NotLogged,
        problems: vec![ShownProblem {
            field: ContactField::Role,
            given: Some("seller".into()),
            problem,
        }],
    };
    assert_eq!(
        m.text(Lang::Sv),
        "kontakten loggades inte: --role 'seller': måste vara en av säljer, köper, annan, okänt."
    );
    assert_eq!(
        m.text(Lang::En),
        "the contact was not logged: --role 'seller': expected one of sells, buys, other, unknown."
    );
}

#[test]
fn every_storage_error_is_told_in_swedish() {
    let p = || PathBuf::from("/tmp/u.db");
    for e in [
        StorageError::Missing(p()),
        StorageError::AlreadyExists(p()),
        StorageError::NotUppsok(p(), "x".into()),
        StorageError::Format(p(), "9".into()),
        StorageError::Busy,
        StorageError::Backend("x".into()),
        StorageError::Create(p(), "x".into()),
        StorageError::KeyFileMissing(p()),
        StorageError::KeyFileRead(p(), "x".into()),
        StorageError::WrongKey(p()),
        StorageError::Changed("x".into()),
        StorageError::NeedsUpgrade(p()),
        StorageError::NeedsUpgradeInPlace(p()),
        StorageError::ServerBackup("postgres://u@h/d".into()),
    ] {
        let (en, sv) = (storage(&e, Lang::En), storage(&e, Lang::Sv));
        assert_ne!(en, sv);
        for w in ENGLISH {
            assert!(!sv.contains(w), "the Swedish has '{w}': {sv}");
        }
    }
}

#[test]
fn filter_problems_are_told_in_either_language() {
    let districts = crate::domain::Districts::default();
    for f in [
        "role",
        "colour=red",
        "role=seller",
        "year=20x0",
        "concern=yes",
        "role=",
    ] {
        let e = crate::stats::Filter::parse(f, &districts).unwrap_err();
        let (en, sv) = (e.text(Lang::En), e.text(Lang::Sv));
        assert_ne!(en, sv, "{f}");
        for w in ENGLISH {
            assert!(!sv.contains(w), "{f}: the Swedish has '{w}': {sv}");
        }
    }
}
