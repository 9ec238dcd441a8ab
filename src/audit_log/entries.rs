//! What an entry of the log records, and the bytes its MAC covers.

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Init,
    UserAdd,
    UserDisable,
    Passwd,
    ContactAdd,
    Import,
    IdentifierOverride,
    FieldNightAdd,
    Export,
    Stats,
    Backup,
    Refused,
    Rekey,
    Forget,
    Purge,
    Recover,
    RecoveryKey,
    KeySlotUpgrade,
    /// `uppsok upgrade`: the database brought from an older format to this one.
    Upgrade,
    Audit,
    AccessLog,
    Estimate,
    Report,
    /// The interface showed a person's contacts with notes, or one contact to edit.
    PersonView,
    ContactEdit,
    ContactDelete,
    PersonMerge,
    PersonUnmerge,
    /// A user signed in to the terminal interface (commands log their own action instead).
    Unlock,
    /// `audit --rescan-notes`: the identifier detector run over every note, its findings
    /// recorded (contact ids and kinds) for those who hold no note key.
    NotesRescan,
    /// The interface showed that a code is known (how often, when, the latest categories), or
    /// suggested known codes one edit away: the persons by id, never a code. Once per person
    /// and sign-in.
    PersonLookup,
    /// A funded project added (`project:ID`, committing to every project).
    ProjectAdd,
    /// A project's period closed (`project:ID`, committing to every project).
    ProjectClose,
    /// An information or training activity logged (`activity:ID`, committing to every one).
    ActivityAdd,
    /// Activities listed (with their notes, for a role that holds the notes key).
    ActivityView,
    /// The cell key secret made in a database from before the cell key method
    /// (`meta:cellkey_secret`, committing to it with `cellkey=`).
    CellKeyCreate,
    /// A setting of the unit changed (`meta:publish_method`, detail `publish_method=VALUE`:
    /// the new value, which the audit holds `meta` to).
    ConfigSet,
    /// A unit of the city named or added (`unit:N`, detail `name=NAME`): what the log grants
    /// (audit_log::authority).
    UnitAdd,
    /// On a server, a database role made a unit's (`unit:N`, detail `role=NAME`): what the log
    /// grants (audit_log::authority), and the audit holds the server's `unit_roles` to.
    UnitRole,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Init => "init",
            Action::UserAdd => "user_add",
            Action::UserDisable => "user_disable",
            Action::Passwd => "passwd",
            Action::ContactAdd => "contact_add",
            Action::Import => "import",
            Action::IdentifierOverride => "identifier_override",
            Action::FieldNightAdd => "field_night_add",
            Action::Export => "export",
            Action::Stats => "stats",
            Action::Backup => "backup",
            Action::Refused => "refused",
            Action::Rekey => "rekey",
            Action::Forget => "forget",
            Action::Purge => "purge",
            Action::Recover => "recover",
            Action::RecoveryKey => "recovery_key",
            Action::KeySlotUpgrade => "key_slot_upgrade",
            Action::Upgrade => "upgrade",
            Action::Audit => "audit",
            Action::AccessLog => "access_log",
            Action::Estimate => "estimate",
            Action::Report => "report",
            Action::PersonView => "person_view",
            Action::ContactEdit => "contact_edit",
            Action::ContactDelete => "contact_delete",
            Action::PersonMerge => "person_merge",
            Action::PersonUnmerge => "person_unmerge",
            Action::Unlock => "unlock",
            Action::NotesRescan => "notes_rescan",
            Action::PersonLookup => "person_lookup",
            Action::ProjectAdd => "project_add",
            Action::ProjectClose => "project_close",
            Action::ActivityAdd => "activity_add",
            Action::ActivityView => "activity_view",
            Action::CellKeyCreate => "cellkey_create",
            Action::ConfigSet => "config_set",
            Action::UnitAdd => "unit_add",
            Action::UnitRole => "unit_role",
        }
    }
}

/// The bytes an entry's MAC covers: every field, length-prefixed so that none can bleed into
/// another.
pub fn entry_bytes(
    seq: i64,
    at: &str,
    user_id: Option<i64>,
    action: &str,
    objects: &str,
    detail: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + objects.len() + detail.len());
    out.extend_from_slice(b"uppsok/audit/1");
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&user_id.unwrap_or(-1).to_le_bytes());
    for field in [at, action, objects, detail] {
        out.extend_from_slice(&(field.len() as u64).to_le_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

/// Actions whose entries create contacts: their objects (`contact:ID`, `contacts:FIRST-LAST`)
/// name the contacts they created. The audit's `audit_log` check requires every existing
/// contact to be named by one of these.
pub fn creates_contacts(action: &str) -> bool {
    matches!(action, "contact_add" | "import")
}

/// THE CONVENTION FOR DELETIONS (read by the audit's `audit_log` check): an action listed here
/// deletes every contact its entry's objects name (`contact:ID` or `contacts:FIRST-LAST`,
/// comma-separated), and the entry is appended in the transaction that deletes them. A contact
/// that was logged as created must either still exist or be named by one of these actions;
/// if it exists, it must not be named by one. So whoever adds an action that removes contacts
/// (`forget`, a deletion in the interface, a merge that drops rows, ...) adds its name here and
/// names the removed contacts' ids in its objects, never a code or a note. Actions that only
/// change contacts (edit, purge of note text, rekey) are not listed.
pub fn deletes_contacts(action: &str) -> bool {
    matches!(action, "contact_delete" | "forget")
}
