//! Every message in English.

use super::*;
use crate::i18n::Lang::En;

fn source(s: &Source) -> String {
    match s {
        Source::PassphraseFile(p) => format!("the passphrase file {}", p.display()),
        Source::PassphraseTerminal => "the passphrase from the terminal".into(),
        Source::UserName => "the user name".into(),
        Source::Stdin(what) => format!("{} from standard input", what.name(En)),
        Source::CodeTerminal => "the code from the terminal".into(),
        Source::RecoveryKeyFile(p) => format!("the recovery key file {}", p.display()),
        Source::RecoveryKey => "the recovery key".into(),
        Source::ImportFile(p) => format!("{}", p.display()),
        Source::CsvFile => "the CSV file".into(),
        Source::CsvHeader => "the CSV header".into(),
    }
}

fn refusing(r: Refusing) -> &'static str {
    match r {
        Refusing::Rekey => "rekey",
        Refusing::Purge => "purge",
        Refusing::Merges => "the change of merged persons",
        Refusing::Forget => "forget",
    }
}

const RESTORE: &str = "Restore a backup that passes `uppsok audit`.";

pub(super) fn filter(p: &FilterProblem) -> String {
    match p {
        FilterProblem::NotAFilter(s) => format!(
            "'{s}' is not a filter; write it as DIMENSION=VALUE[,VALUE...], for example role=sells"
        ),
        FilterProblem::NotADimension(s) => format!(
            "'{s}' is not a dimension; use one of {}",
            crate::stats::Dimension::ALL.map(|d| d.as_str()).join(", ")
        ),
        FilterProblem::NoValue(s) => format!("the filter '{s}' names no value"),
        FilterProblem::NotAValue {
            value,
            dimension,
            why,
        } => {
            let why = match why {
                ValueWhy::Expected(e) => e.text(En),
                ValueWhy::ExpectedOrNone(e) => format!("{}, or none", e.text(En)),
                ValueWhy::Year => "expected a year as YYYY".into(),
                ValueWhy::Month => "expected a month as YYYY-MM".into(),
                ValueWhy::Project => "expected the name of one of the unit's projects (see `uppsok project list`), or none".into(),
                ValueWhy::Unit => "expected the name of one of the city's units (see `uppsok unit list`)".into(),
            };
            format!("'{value}' is not a value of {dimension}: {why}")
        }
    }
}

/// A role as someone to ask ("a unit lead").
fn someone(r: crate::domain::StaffRole) -> String {
    use crate::domain::StaffRole::*;
    let article = match r {
        Outreach | Auditor | Admin => "an",
        Lead => "a",
    };
    format!("{article} {}", r.label(En))
}

pub(super) fn door(d: Door<'_>) -> String {
    match d {
        Door::Wrong(name) => format!(
            "wrong passphrase for user '{name}', or there is no active user '{name}' in this database (none of that name, or disabled); nothing was done. Check both and try again (if you are sure of both, the key file beside the database was changed outside uppsok: restore it from a backup)."
        ),
        Door::Disabled(name) => format!(
            "user '{name}' is disabled; ask an administrator if you need access again."
        ),
        Door::MayNot { name, role, what, allowed } => {
            let spelled: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
            let ask: Vec<String> = allowed.iter().map(|r| someone(*r)).collect();
            format!(
                "user '{name}' has role {role} and may not {}; only {} may. Nothing was done. Ask {}.",
                what[0],
                join(&spelled, " and "),
                join(&ask, " or ")
            )
        }
    }
}

/// "a, b and c" (or "or").
fn join<S: AsRef<str>>(items: &[S], last: &str) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., end] => format!("{}{last}{end}", init.join(", ")),
    }
}

pub(super) fn text(m: &Msg) -> String {
    match m {
        Msg::NoDataDir => "cannot find a data directory for the database; give one with --db PATH or UPPSOK_DB.".into(),
        Msg::DemoNoDataDir => "cannot find a data directory for the demo database; give one with --db PATH.".into(),
        Msg::NotADemo { path } => format!(
            "the database {} exists and is not a demo database (it does not open as user '{}' with passphrase '{}' and role admin); choose another with --db PATH.",
            path.display(),
            crate::demo::USER,
            crate::demo::PASSPHRASE
        ),
        Msg::CannotRead { source: Source::ImportFile(p), error } => {
            format!("cannot open {}: {error}.", p.display())
        }
        Msg::CannotRead { source: s, error } => format!("cannot read {}: {error}.", source(s)),
        Msg::PassphraseFileEmpty { path } => format!("the passphrase file {} is empty.", path.display()),
        Msg::PassphraseEmpty => "the passphrase is empty; nothing was done.".into(),
        Msg::PassphrasesDiffer => "the two passphrases differ; nothing was done. Try again.".into(),
        Msg::NoUserNoTerminal => "no user given; pass --user NAME or set UPPSOK_USER (there is no terminal to ask at).".into(),
        Msg::NoUserName => "no user name given; nothing was done.".into(),
        Msg::NoPassphraseNoTerminal => "no passphrase given and no terminal to ask at; pass --passphrase-file PATH or set UPPSOK_PASSPHRASE.".into(),
        Msg::NoNewPassphraseNoTerminal => "no new passphrase given and no terminal to ask at; pass --new-passphrase-file PATH or set UPPSOK_NEW_PASSPHRASE.".into(),
        Msg::NoRecoveryKeyNoTerminal => "no recovery key given and no terminal to ask at; pass --recovery-key-file PATH or set UPPSOK_RECOVERY_KEY.".into(),
        Msg::RecoveryKeyMistyped { error } => format!("{error}; check what you typed against the paper copy."),
        Msg::StdoutReadable { mode, export } => format!(
            "standard output is a file that others can read (mode {mode:04o}), so the {} (decrypted records) would be readable by other users of this computer; nothing was written. Use --out FILE (created with mode 0600), or make the file private first (chmod 600 FILE, or umask 077 before redirecting).",
            if *export { "export" } else { "contact" }
        ),
        Msg::StdinTooLarge { what, kib } => format!(
            "standard input holds more than {kib} KiB, far more than {} can be; nothing was done. Check what is piped in.",
            what.name(En)
        ),
        Msg::StdinNotUtf8 { what } => format!(
            "{} read from standard input is not valid UTF-8; nothing was done. Save or pipe it as UTF-8.",
            what.name(En)
        ),
        Msg::StdinCodeLines => "standard input holds more than one line for --code -, and a code is one line; nothing was logged. To pipe a note as well, add --note - (the first line is then the code, the rest the note).".into(),
        Msg::StdinNoCode => "no code was read from standard input (--code -); nothing was logged. Pipe the code in as the first line, or leave out --code for an unidentified contact.".into(),
        Msg::CodeEmpty => "the code is empty; give the code the person uses with --code (or --code - and the code on standard input).".into(),
        Msg::EditCodeEmpty { id } => format!(
            "contact {id} was not changed: --code is empty; give the code of the person the contact belongs to."
        ),
        Msg::CannotWrite { what: Written::Export, error } => format!("cannot write the export: {error}."),
        Msg::CannotWrite { what: Written::Stdout, error } => format!("cannot write to standard output: {error}."),
        Msg::CannotWrite { what: Written::File(p), error } => format!("cannot write {}: {error}.", p.display()),
        Msg::CannotWrite { what: Written::MakePrivate(p), error } => format!("cannot make {} private: {error}.", p.display()),
        Msg::ExportOntoDatabase { path } => format!(
            "the export file {} is the database itself (or one of its files); writing the export there would destroy it. Choose another file.",
            path.display()
        ),
        Msg::ReportOntoDatabase { path } => format!(
            "--out {} is the database itself; choose another file for the report.",
            path.display()
        ),
        Msg::MigrateNeedsServer => "migrate copies the database to a PostgreSQL server: give --to postgres://USER@HOST/DATABASE (docs/deploy.md); a copy to a file is `uppsok backup FILE`.".into(),
        Msg::BackupExists { path } => format!(
            "there is a file {} already; choose a new file name for the backup.",
            path.display()
        ),
        Msg::NoSuchDirectory { path } => format!(
            "there is no directory {}; create it first, or give another path with --db.",
            path.display()
        ),
        Msg::LockMinutes { value } => format!(
            "UPPSOK_LOCK_MINUTES '{value}' is not a whole number of minutes from 1 up."
        ),
        Msg::NoTerminal => "the terminal interface needs a terminal, and there is none here; run a command instead (see `uppsok --help`).".into(),
        Msg::Terminal { op, error } => {
            let what = match op {
                TerminalOp::Open => "open the terminal interface",
                TerminalOp::Draw => "draw the interface",
                TerminalOp::ReadKeys => "read the keyboard",
                TerminalOp::WatchSignals => "watch for signals",
            };
            format!("cannot {what}: {error}.")
        }
        Msg::StoppedBySignal => "stopped by a signal.".into(),
        Msg::NoTerminalToConfirm { plan } => format!(
            "{plan} Nothing was done, as there is no terminal to ask at; add --yes to do it without a question (or --dry-run to only see what would happen)."
        ),
        Msg::NotConfirmed => "not confirmed; nothing was changed.".into(),
        Msg::NotesBefore { value } => format!("'{value}' is not a date; give --notes-before as YYYY-MM-DD."),

        Msg::DateFlag { flag, value, error } => format!("--{flag} '{value}': {}.", error.text(En)),
        Msg::UnusableYear { year } => format!("--year {year} is not a usable year."),
        Msg::EmptyPeriod { from, to } => format!("the period is empty: --from {from} is after --to {to}."),
        Msg::By(p) => format!("--by: {}.", filter(p)),
        Msg::ByTwice { dimension } => format!("--by names {dimension} twice."),
        Msg::Filter(p) => format!("--filter: {}.", filter(p)),
        Msg::EstimateBy { dimension } => format!(
            "--by {dimension}: the estimate can only be split by year (--by year)."
        ),
        Msg::CsvSeparator { value } => format!(
            "--csv-separator '{value}' is not one uppsok writes; use ',', ';' or tab."
        ),
        Msg::PublishTooManyDimensions { max } => format!(
            "--publish groups by at most {max} dimensions: a table of more is nearly all small counts, and it is protected against every table of fewer of its dimensions; leave some out of --by."
        ),
        Msg::PublishNotSafe { by, undecided } => format!(
            "The table by {by} cannot be published with suppression: {} Publish it with --method cellkey, or group by fewer dimensions.",
            if *undecided {
                "the check that it gives away no hidden count together with tables anyone may publish (those of fewer of its dimensions, and those sharing a hidden figure with it) did not finish in time."
            } else {
                "together with tables anyone may publish (those of fewer of its dimensions, or one sharing a hidden figure with it), it would give away a hidden count."
            }
        ),
        Msg::PublishOverlaps { from, to, at } => format!(
            "This period overlaps the period {} to {}, published with suppression on {at} counting contacts this publication may count too, without being the same period: subtracting one from the other would show the contacts of the days only one of them covers exactly, however few. Publish that same period, or one that does not overlap it. (A unit that needs overlapping periods publishes them all by the cell key method, whose noise does not subtract away.)",
            if from.is_empty() { "from the start" } else { from },
            if to.is_empty() { "now" } else { to },
        ),
        Msg::PublishChanged { at } => format!(
            "This period was published with suppression on {at} counting contacts this publication may count too, and its contacts are not what they were then (late entries, corrections or merges), or that publication did not record them: subtracting one from the other would show the changes exactly. Keep to the earlier publication. (A unit that publishes corrected figures publishes by the cell key method.)"
        ),
        Msg::PublishOtherFilters { at } => format!(
            "This period was published with suppression on {at} with other filters, which may count some of the same contacts: a filtered table is a slice of a bigger one, and two slices of one period subtract to a third, exactly. Publish with the same filters as then, or group by the dimension instead of filtering by it (--by)."
        ),
        Msg::PublishOtherThreshold { at, threshold } => format!(
            "This period was published with suppression on {at} under --threshold {threshold}, with filters that may count the same contacts: a count hidden under one threshold and shown under the other, or the hidden sums of the two, give each other away. Publish with --threshold {threshold} again."
        ),
        Msg::PublishOtherMethod { at } => format!(
            "This period, or one overlapping it, was published on {at} by the other disclosure-control method, with filters that may count the same contacts: a figure moved by the cell key method beside the exact bounds suppression gives of it can leave one value. Publish by the method used then."
        ),
        Msg::PublishPeriodsOverlap => "Periods that overlap without being the same cannot be published together with suppression: subtracting one table from the other would show the contacts of the days only one of them covers exactly. Publish one of them, or use --method cellkey.".to_string(),
        Msg::ThresholdTooLow { threshold: t, min } => format!(
            "--threshold {t} protects nobody (with {t}, '<{t}' tells the count); use {min} or more, 5 is the default."
        ),
        Msg::NotACheckpoint { value } => format!(
            "'{value}' is not a checkpoint; give one exactly as `uppsok audit --checkpoint` printed it (a number, '-', 32 hex digits)."
        ),
        Msg::NotAFingerprint { value } => format!(
            "'{value}' is not a fingerprint; give it as `uppsok init` printed it (32 hex digits, in groups of four)."
        ),
        Msg::AuditFailed { checks } => format!(
            "the audit failed ({}); see the findings above. A failed encryption, audit_log or integrity check means the file was changed outside uppsok: keep the report and restore from a backup that passes.",
            checks.join(", ")
        ),

        Msg::ContactRefused { not_done, problems } => {
            let not_done = match not_done {
                NotDone::NotLogged => "the contact was not logged".to_string(),
                NotDone::NotChanged { id } => format!("contact {id} was not changed"),
            };
            let named: Vec<String> = problems
                .iter()
                .map(|p| match &p.given {
                    Some(v) => format!("--{} '{v}': {}", p.field.flag(), p.problem.error.text(En)),
                    None => format!("--{}: {}", p.field.flag(), p.problem.error.text(En)),
                })
                .collect();
            format!("{not_done}: {}.", named.join("; "))
        }
        Msg::NightRefused { problems } => {
            let named: Vec<String> = problems
                .iter()
                .map(|(f, v, e)| format!("--{} '{v}': {}", f.flag(), e.text(En)))
                .collect();
            format!("the field night was not recorded: {}.", named.join("; "))
        }
        Msg::NightProjectUnknown => "the field night was not recorded: --project names none of the unit's projects (see uppsok project list).".into(),
        Msg::NightProjectNotOnDate => "the field night was not recorded: the project given with --project does not run on the night's date; choose one whose period covers it (see uppsok project list).".into(),
        Msg::ProjectRefused { problems } => {
            let named: Vec<String> = problems
                .iter()
                .map(|(f, v, e)| match f.may_show_value() {
                    true => format!("--{} '{v}': {}", f.flag(), e.text(En)),
                    false => format!("{}: {}", f.flag().to_uppercase(), e.text(En)),
                })
                .collect();
            format!("the project was not added: {}.", named.join("; "))
        }
        Msg::PeriodBackwards => "the period ends before it begins: --to must not be before the project's first day.".into(),
        Msg::PeriodOutsideProject { from, to } => format!("the period asked for lies outside the project's ({from} – {to}); give a year or period within it, or leave it out for the whole project."),
        Msg::ProjectNameReserved => "a project cannot be called 'none' or 'ingen': the word means no project in --projects, --filter project= and the tables; choose another name.".into(),
        Msg::ProjectNameTaken => "the unit already has a project of that name (names are compared without case, accents, spaces or hyphens, and letters that only look alike count as the same); choose another name.".into(),
        Msg::NoSuchUnit => "the city has no unit of that name; list them with `uppsok unit list`.".into(),
        Msg::BadUnitName { max } => format!("a unit's name is 1 to {max} lower-case letters, digits, '-' and '_', beginning with a letter or a digit (for example stockholm or mika-goteborg)."),
        Msg::BadDatabaseRole => "a unit's database role is named by 1 to 63 lower-case ASCII letters, digits and '_', beginning with a letter or '_' (for example uppsok_goteborg).".into(),
        Msg::UnitRoleNeedsServer => "only a database on a PostgreSQL server has roles per unit; a file is opened by its users' passphrases alone (docs/deploy.md, \"A role per unit\").".into(),
        Msg::UnitExists { name } => format!("the city already has a unit named {name}; list them with `uppsok unit list`."),
        Msg::UnitNeedsCity => "figures by unit, or of another unit, are the city's: give --city (an administrator may). Without it you see your own unit's figures.".into(),
        Msg::NoSuchProject => "the unit has no project of that name; list them with `uppsok project list`.".into(),
        Msg::ProjectHasLaterContacts { count } => format!(
            "the project was not closed: {} of its contacts {} after that day; close it on a later day, or correct those contacts first.",
            count,
            if *count == 1 { "is dated" } else { "are dated" }
        ),
        Msg::ActivityRefused { problems } => {
            let named: Vec<String> = problems
                .iter()
                .map(|(f, v, e)| format!("--{} '{v}': {}", f.flag(), e.text(En)))
                .collect();
            format!("the activity was not recorded: {}.", named.join("; "))
        }
        Msg::PublishMethodUnknown => "the unit's default disclosure-control method stored in the database (publish_method) is not one uppsok knows: the file was changed outside uppsok. Run `uppsok audit` and restore a backup that passes it; until then, give `--method suppress` or `--method cellkey`.".into(),
        Msg::NoSuchContact { id } => format!("there is no contact {id}."),
        Msg::ContactGone { id } => format!("contact {id} is gone; nothing was changed."),
        Msg::NoSuchNight { id } => format!("there is no field night {id}; list them with `uppsok night list`."),
        Msg::NightNotWritten => "the field night just written is not there.".into(),
        Msg::NoteIdentifier { kind, advice } => format!(
            "the note contains what looks like {}; notes must not identify anyone. {}",
            kind_named(*kind, En),
            match advice {
                NoteAdvice::Remove => "Remove it.",
                NoteAdvice::RemoveOrAllow => "Remove it, or give --allow-identifiers if it is really needed (this is written to the audit log).",
            }
        ),
        Msg::NoteTooLong { error } => format!("the note is too long: {}.", error.text(En)),
        Msg::LoadNoteIdentifier { index, kind } => format!(
            "the note of contact {index} of the load contains what looks like {}; nothing was written.",
            kind_named(*kind, En)
        ),
        Msg::LoadNightMissing { index } => format!(
            "contact {index} of the load names a field night that is not in it; nothing was written."
        ),
        Msg::ContactsOutOfOrder => "contacts reached the writer out of order; nothing was written.".into(),
        Msg::ImportStopped => "the import stopped unexpectedly; nothing was imported.".into(),
        Msg::MergeUnknown => "both codes must belong to known persons; nothing was changed.".into(),
        Msg::AlreadyOnePerson => "the two codes are already one person; nothing was changed.".into(),
        Msg::CodeNotKnown => "the code is not known; nothing was changed.".into(),
        Msg::NotMerged => "that code was not declared to be another person; nothing was changed.".into(),
        Msg::NoContactWithCode => "no contact has this code (after normalising it); nothing was erased. Check the code as the person gives it.".into(),
        Msg::KeysChangedSinceSignIn => "an administrator changed the database's keys (a rekey, a disabled user or a purge) since you signed in; nothing was saved. Sign in again and do it once more.".into(),
        Msg::ForgetRaced => "this person's contacts or merges changed since you were told what would be erased; nothing was erased. Run forget again.".into(),
        Msg::UnknownDistrict { district } => format!("the district '{district}' is not in this database's district list."),
        Msg::DistrictsDamaged => "the district list stored in the database is damaged.".into(),

        Msg::CsvHeaderNotUtf8 => "the CSV header (line 1) is not valid UTF-8; save the file as UTF-8.".into(),
        Msg::CsvColumnTwice { column } => format!("the CSV header (line 1) names column '{column}' twice; keep one."),
        Msg::CsvUnknownColumn { column, columns } => format!(
            "the CSV header (line 1) has an unknown column '{column}'; the columns are {columns} (id and field_night are ignored)."
        ),
        Msg::CsvMissingColumns { missing, required, optional } => format!(
            "the CSV header (line 1) lacks column(s) {missing}; the file needs all of {required} ({optional} may be left out)."
        ),
        Msg::CsvMixedSeparators { column } => format!(
            "the CSV header (line 1) mixes separators ('{column}' holds one of ',', ';' or a tab besides the one that separates the columns); save the file with one separator, ',' or ';'."
        ),
        Msg::CsvEmpty => "the CSV file is empty; it needs a header row naming the columns.".into(),

        Msg::StatsNotCounted => "the statistics could not be counted.".into(),
        Msg::NoCellKeySecret => "this database has no cell key secret yet, so the cell key method cannot be used (it was made before the method). It is made at the next sign-in of an outreach worker, a unit lead or an administrator: ask one of them to sign in once (any command), then try again. If someone signed in since and it is still missing, run `uppsok audit`.".into(),
        Msg::StatsThread => "counting the statistics failed on its second thread; nothing was written.".into(),
        Msg::OverviewNotCounted => "the overview's figures could not be counted.".into(),
        Msg::ReportEmpty => "the report has no tables to count.".into(),
        Msg::DemoSummary => "cannot build the demo summary.".into(),

        Msg::BadUserName { name } => format!(
            "'{name}' is not a valid user name; use 1 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter."
        ),
        Msg::PassphraseTooShort { min } => format!(
            "the new passphrase is too short; use at least {min} characters (a few words are easy to remember)."
        ),
        Msg::NoSuchUser { name } => format!("there is no user '{name}'."),
        Msg::AlreadyDisabled { name } => format!("user '{name}' is already disabled."),
        Msg::LastAdmin { name } => format!("'{name}' is the last active administrator; add another admin first."),
        Msg::UserExists { name } => format!("there is already a user '{name}'; choose another name."),
        Msg::NotAnAdmin { name } => format!(
            "user '{name}' is not an active administrator; the recovery key restores administrators only. Give a new name to create a new administrator."
        ),
        Msg::AuditorCannotRescan => "only a lead or an administrator can rescan the notes: an auditor holds no note key. Ask one of them to run `uppsok audit --rescan-notes`.".into(),
        Msg::RoleHoldsNoKey => "your role holds no key for notes or person codes (only outreach, lead and admin do); nothing was done.".into(),

        Msg::UnsignedChange => "a change without a signing key cannot be logged; nothing was written.".into(),
        Msg::CannotProtectKey { error } => format!("cannot protect the key: {error}."),
        Msg::CannotSeal { error } => format!("cannot seal a value: {error}."),
        Msg::NoAdministratorGranted => format!(
            "the log grants no administrator (it was cut or changed outside uppsok); nothing was done. {RESTORE}"
        ),
        Msg::KeyFileOfAnotherDatabase { location } => format!(
            "the key file beside {location} belongs to another database; put back this database's own key file, or restore both from a backup that passes `uppsok audit`."
        ),
        Msg::KeysChangeUndone => "the last change to the keys (a passphrase, a user, the recovery key or a rekey) stopped before it was saved, and has now been undone; nothing else changed. Sign in with the passphrase from before that change, and repeat it.".into(),
        Msg::KeyFileGeneration { location, age, file, stored } => format!(
            "the key file beside {location} is {} than the database (generation {file} where the database says {stored}): one of the two was replaced by another copy. Put back the pair that belongs together, or restore both from a backup that passes `uppsok audit`.",
            match age {
                Age::Older => "older",
                Age::Newer => "newer",
            }
        ),
        Msg::KeyFileUnusable { path, error } => format!(
            "the key file {} cannot be used: {error}. It was changed outside uppsok, or it is not an uppsok key file; restore the database with its key file from a backup that passes `uppsok audit`.",
            path.display()
        ),
        Msg::KeySlotsBelowMinimum { name } => format!(
            "the key slots of this database use key-derivation settings below the minimum this build accepts; they were made by a test build and cannot be used (user '{name}')."
        ),
        Msg::KeySlotOutOfMemory { name } => format!(
            "the key slot of user '{name}' needs more memory to open than this computer can give; nothing was done. Close other programs and try again, or open the database on a computer with more memory."
        ),
        Msg::KdfOutOfBounds { name } => format!(
            "the key slot of user '{name}' has key-derivation settings outside what uppsok accepts; it was changed outside uppsok. Nothing was done. {RESTORE}"
        ),
        Msg::SlotNotTheUsers { name } => format!(
            "the key slot of user '{name}' is not the one the database has for them (it was changed outside uppsok); nothing was done. Restore the database with its key file from a backup that passes `uppsok audit`."
        ),
        Msg::SlotOpensSealDoesNot { name } => format!(
            "the key slot of user '{name}' opens, but the database key sealed to it does not (it was changed outside uppsok, or written by a rekey that never finished); nothing was done. Run `uppsok audit`, or restore from a backup."
        ),
        Msg::SlotWithoutUser { name } => format!(
            "the key file has a slot for '{name}' but the database has no such user: the two do not belong together; restore both from a backup that passes `uppsok audit`."
        ),
        Msg::DataKeyMismatch { name } => format!(
            "the database key that user '{name}''s key slot opens does not open this database's data: the key sealed to the user, or the data, was replaced outside uppsok. Nothing was done. {RESTORE}"
        ),
        Msg::KeyVersion { opened, stored } => format!(
            "the database key opened is of key version {opened}, but the database says it is under key version {}: the key sealed to the user, or the database, was changed outside uppsok. Nothing was done. {RESTORE}",
            stored.as_deref().unwrap_or("(none)")
        ),
        Msg::UngrantedSlotKey { name } => format!(
            "the key slot of user '{name}' holds a key that no administrator granted them (the slot was written outside uppsok); nothing was done. Run `uppsok audit` and restore the database with its key file from a backup."
        ),
        Msg::ForgedSigningGrant { name } => format!(
            "the log grants user '{name}' a signing key that their key slot does not hold: someone registered a key in their name outside uppsok. Nothing was done. Tell an administrator; run `uppsok audit` and restore from a backup."
        ),
        Msg::UserRecordChanged { name } => format!(
            "the record of user '{name}' was changed outside uppsok (its role or state does not match its seal); nothing was done. Run `uppsok audit` and restore from a backup."
        ),
        Msg::ValueNotAuthentic { table, id, error } => format!(
            "an encrypted value of {table} record {id} does not authenticate ({error}); the file was changed outside uppsok. Run `uppsok audit` and restore from a backup."
        ),
        Msg::ValueUnknownFormat { table, id } => format!(
            "an encrypted value of {table} record {id} decrypts but is not in a known format; run `uppsok audit`."
        ),
        Msg::PseudonymChain => "the pseudonym key chain stored in the database does not open with its key; the file was changed outside uppsok. Run `uppsok audit` and restore from a backup.".into(),
        Msg::NoFingerprint => "the database has no fingerprint (no id, or a log without its first administrator); run `uppsok audit`.".into(),
        Msg::LogEmpty => "the log is empty; run `uppsok audit`.".into(),
        Msg::EntryUnmarked { seq } => format!(
            "log entry {seq} carries no mark; the log was changed outside uppsok. Run `uppsok audit`."
        ),
        Msg::RecordNotAsLogged { record, kind, what } => format!(
            "{record} is not what the log's signed entries say ({kind}); {} refused, nothing was changed. Run `uppsok audit` and restore from a backup.",
            refusing(*what)
        ),
        Msg::LogDoesNotVerify { detail, what } => format!(
            "the audit log does not verify ({detail}); {} refused, nothing was changed. Run `uppsok audit` and restore from a backup.",
            refusing(*what)
        ),
        Msg::RekeyUserChanged { name } => format!(
            "the record of user '{name}' was changed outside uppsok; rekey refused, nothing was changed. Run `uppsok audit`."
        ),
        Msg::RekeyOldSlots { names } => format!(
            "user(s) {} have a key slot from an earlier version of uppsok, which a rekey cannot rewrap; each must sign in once (any command) to upgrade it, or be disabled. Nothing was changed.",
            names.join(", ")
        ),
        Msg::RekeySealNotGranted { name } => format!(
            "the key the database seals to user '{name}' is not the one the log grants them (it was changed outside uppsok); rekey refused, nothing was changed. Run `uppsok audit` and restore from a backup."
        ),

        Msg::RekeyRecoveryNotGranted => "the database's recovery key is not the one the log grants (it was removed or changed outside uppsok); rekey refused, nothing was changed. Run `uppsok audit` and restore from a backup.".into(),
        Msg::RecoveryKeyNotThis => "this recovery key does not open this database (it belongs to another one, or the key sealed to it was changed); nothing was done.".into(),
        Msg::NoRecoveryKey => "this database has no recovery key (it was made by `demo`, or without one); nothing was done.".into(),
        Msg::RecoveryKeyCannotSign => "the log grants this recovery key no right to sign (it was made before format 3 and not given to `uppsok upgrade`, or the grant was changed outside uppsok); nothing was done. An administrator can run `uppsok upgrade --recovery-key-file` on a backup, or restore one that passes `uppsok audit`.".into(),
        Msg::RecoveryKeyOfAnother => "this recovery key does not belong to this database; nothing was changed.".into(),
        Msg::RecoveryKeyNeeded => "this database has a recovery key: give it (--recovery-key-file PATH or UPPSOK_RECOVERY_KEY) so that it can still restore administrators after the upgrade, or pass --without-recovery-key to give that up; nothing was changed.".into(),
        Msg::RecoveryKeyDamaged => "the recovery key stored in the database is damaged; nothing was changed.".into(),
        Msg::UpgradeLogDoesNotVerify { detail } => format!(
            "the audit log of the old database does not verify ({detail}); nothing was changed. Run `uppsok audit` with the previous version and restore a backup that passes."
        ),
        Msg::UpgradeRoleMayNot { name, role } => format!(
            "user '{name}' has role {role} and may not upgrade the database; only admin may."
        ),
        Msg::ConnectionOfAnotherUnit { name, connection, own } => format!(
            "this connection to the server is the database role of unit {connection}, which reads only that unit's rows, and user '{name}' is in unit {own}; nothing was done. Connect with your own unit's role (docs/deploy.md, \"A role per unit\")."
        ),
        Msg::NeedsCityConnection { what, unit } => format!(
            "to {} uppsok must read every unit's rows, and this connection to the server is the database role of unit {unit}, which reads only that unit's; nothing was done. Connect as the city's role (docs/deploy.md, \"A role per unit\").",
            what[0]
        ),
        Msg::UpgradeWrongCredentials { name } => format!(
            "wrong passphrase for user '{name}', or there is no active user '{name}' in this database; nothing was changed. Check both and try again."
        ),
        Msg::NoValidId { upgrading: true } => "the database has no valid id; nothing was changed.".into(),
        Msg::NoValidId { upgrading: false } => "the database has no valid id; run `uppsok audit` with the previous version.".into(),
        Msg::UpgradeStuckSlots { names } => format!(
            "user(s) {} have a key slot that cannot be carried over (made by an early version, or damaged): each signs in once with the previous version of uppsok, or an administrator disables them there; nothing was changed.",
            names.join(", ")
        ),
        Msg::AlreadyFormat { path, format } => format!(
            "the database {} is of format {format} already; there is nothing to upgrade.",
            path.display()
        ),
        Msg::FormatOneSlot { name } => format!(
            "user '{name}' has a key slot carried over from format 1: sign in once with the previous version first (any command), then upgrade; nothing was changed."
        ),
    }
}

/// The kind of identifier in words, and its id as `audit` and scripts name it.
fn kind_named(kind: IdentifierKind, lang: crate::i18n::Lang) -> String {
    format!("{} ({})", kind.label(lang), kind.as_str())
}
