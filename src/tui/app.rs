//! The interface's state, without drawing: which screen is up, what the forms hold, the
//! cached figures, and how each [`Action`] changes them. Everything the screens show is read
//! from here by `ui`; everything the keys do arrives here from `event`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Datelike;
use tui_input::{Input, InputRequest};
use zeroize::Zeroizing;

use super::form::{contact_type_for, ContactForm, Field, NightForm};
use super::statistics::{year_of, StatsView, YearTyped};
use crate::crypto::Passphrase;
use crate::domain::{
    Attributes, Date, FieldNight, FieldNightDetails, NewContact, PersonCode, StaffRole,
};
use crate::error::Error;
use crate::i18n::Lang;
use crate::stats::overview::Overview;
use crate::vault::{Permission, PersonIndex, PersonSummary, StatsPurpose, Vault};

/// How long the interface stays unlocked without a key press, unless configured.
pub const DEFAULT_LOCK_AFTER: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Unlock,
    Overview,
    Nights,
    NightForm,
    Contact,
    Statistics,
    Person,
    Merge,
    Audit,
    Users,
}

/// A popup over the screen. A question carries what it asks about, so that answering it does
/// exactly what was shown, whatever happens to the screen's state in between.
#[derive(Debug)]
pub enum Popup {
    Help,
    Confirm(Confirm),
    /// Why the contact is edited or deleted: the chosen line of `ChangeReason::ALL`.
    Reason {
        change: Change,
        selected: usize,
    },
}

/// A yes/no question and what "yes" does.
#[derive(Debug)]
pub enum Confirm {
    Quit,
    /// Close the form of the screen that is up without saving it.
    Discard,
    /// Disable this user.
    Disable {
        name: String,
    },
    /// Save this field night, though one like it (same date, kind and district) is logged.
    DuplicateNight {
        date: Date,
        details: FieldNightDetails,
    },
    /// Declare these two codes one person.
    Merge {
        a: PersonCode,
        b: PersonCode,
    },
    /// Undo that for this code.
    Unmerge {
        code: PersonCode,
    },
}

/// A change to a logged contact that needs a reason.
#[derive(Debug)]
pub enum Change {
    /// Store these values for the contact.
    Edit { id: i64, contact: NewContact },
    /// Delete the contact (the date and attributes name it in the question).
    Delete {
        id: i64,
        date: Date,
        attributes: Attributes,
    },
}

/// What a key asks for, decided by `event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Back,
    Yes,
    No,
    Edit(InputRequest),
    /// Text pasted into the field being typed in.
    Paste(String),
    NextField,
    PreviousField,
    Up,
    Down,
    Submit,
    Save,
    GoOverview,
    GoNights,
    NewNight,
    NewContact,
    Prefill,
    TakeSuggestion,
    /// Focus straight to a field of the contact form.
    Jump(Field),
    GoStatistics,
    Left,
    Right,
    /// A digit typed outside a text field: on the statistics screen, a year.
    Digit(char),
    /// All time as the statistics period.
    AllTime,
    Toggle,
    TogglePublished,
    OpenPerson,
    EditContact,
    DeleteContact,
    Undo,
    GoMerge,
    GoAudit,
    GoUsers,
    NewUser,
    DisableUser,
}

/// A message on the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Info(String),
    Error(String),
}

/// Figures of the overview, computed once after unlocking and after a change, never per key:
/// the figures (the statistics door's [`Overview`]) and the latest field nights.
#[derive(Debug, Clone, Default)]
pub struct OverviewData {
    pub figures: Overview,
    pub latest_nights: Vec<FieldNight>,
}

impl std::ops::Deref for OverviewData {
    type Target = Overview;
    fn deref(&self) -> &Overview {
        &self.figures
    }
}

/// What the code field knows about the typed code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PersonInfo {
    #[default]
    None,
    New,
    Known(PersonSummary),
}

/// Known codes one edit away from a new code, offered once the code is complete (when the
/// code field is left), each with what its person's latest contact says, so that `Ctrl-D`
/// never files a new person under someone else unseen.
#[derive(Debug, Clone, Default)]
pub struct Suggestions {
    /// The code as typed, which `Ctrl-D` comes back to after the last suggestion.
    pub typed: Zeroizing<String>,
    pub list: Vec<(Zeroizing<String>, Option<PersonSummary>)>,
    /// The suggestion in the code field now, if any.
    pub at: Option<usize>,
}

/// What a user had typed and not saved when another user signed in at the locked screen:
/// kept in memory (never written anywhere) until that user signs in again.
#[derive(Default)]
pub struct Draft {
    form: Option<ContactForm>,
    night_form: Option<NightForm>,
    editing: Option<i64>,
    parked_form: Option<ContactForm>,
    saved_count: u32,
    night_base: usize,
}

impl Draft {
    fn is_empty(&self) -> bool {
        self.form.is_none() && self.night_form.is_none() && self.parked_form.is_none()
    }

    fn unsaved(&self) -> bool {
        [&self.form, &self.parked_form]
            .iter()
            .any(|f| f.as_ref().is_some_and(|f| f.dirty))
            || self.night_form.as_ref().is_some_and(|f| f.dirty)
    }
}

/// How long to wait after `failures` wrong sign-ins in a row before the next: nothing for the
/// first three (typos happen), then 2, 4, 8 … seconds, at most a minute. Each try also costs
/// the key derivation's time; this makes guessing at an unattended screen slower still.
pub fn unlock_delay(failures: u32) -> Duration {
    match failures {
        0..=3 => Duration::ZERO,
        n => Duration::from_secs((1u64 << (n - 3).min(6)).min(60)),
    }
}

/// An unlocked session.
pub struct Session {
    pub vault: Vault,
    pub overview: Option<OverviewData>,
    pub nights: Vec<FieldNight>,
    pub person_index: Option<PersonIndex>,
}

pub struct App {
    pub lang: Lang,
    pub db: PathBuf,
    pub today: Date,
    pub screen: Screen,
    pub popup: Option<Popup>,
    pub quit: bool,
    pub session: Option<Session>,
    pub message: Option<Message>,
    // unlock
    pub user: Input,
    pub pass: Input,
    pub unlock_focus: usize,
    /// Set when the screen was locked for idleness.
    pub locked: bool,
    user_before_lock: Option<String>,
    /// Wrong sign-ins in a row, and when the next try may be made.
    pub failed_unlocks: u32,
    pub unlock_not_before: Option<Instant>,
    /// Other users' unsaved forms, by user name, while someone else is signed in.
    drafts: std::collections::HashMap<String, Draft>,
    pub lock_after: Duration,
    pub last_key: Instant,
    // field nights
    pub night_selected: usize,
    pub night_form: Option<NightForm>,
    // contact form
    pub form: Option<ContactForm>,
    pub person: PersonInfo,
    /// "Did you mean" for a complete new code.
    pub suggestions: Option<Suggestions>,
    /// Contacts saved since the form was opened.
    pub saved_count: u32,
    /// The contacts the form's field night held when the form was opened.
    pub night_base: usize,
    /// The id of the contact saved last.
    pub last_saved: Option<i64>,
    pub stats: Option<StatsView>,
    /// The person whose history is shown.
    pub history: Option<super::person::History>,
    /// The contact the form edits (instead of logging a new one).
    pub editing: Option<i64>,
    pub merge: Option<super::person::MergeForm>,
    /// The logging form, kept while a contact from the history is edited.
    pub parked_form: Option<ContactForm>,
    pub audit: Option<crate::audit::AuditReport>,
    pub audit_scroll: usize,
    pub users: Option<super::admin::UsersView>,
}

impl Drop for App {
    fn drop(&mut self) {
        wipe(&mut self.pass);
    }
}

/// Room for a passphrase typed on the unlock screen: reserved up front so that typing never
/// moves the text (which would leave a copy behind in freed memory).
const PASSPHRASE_ROOM: usize = 1024;

/// An empty passphrase field with its room reserved.
fn passphrase_input() -> Input {
    Input::new(String::with_capacity(PASSPHRASE_ROOM))
}

/// Empties a passphrase field, overwriting what was typed.
fn wipe(input: &mut Input) {
    use zeroize::Zeroize;
    let mut typed: String = std::mem::replace(input, passphrase_input()).into();
    typed.zeroize();
}

impl App {
    pub fn new(lang: Lang, db: PathBuf, user: Option<String>, today: Date) -> App {
        App {
            lang,
            db,
            today,
            screen: Screen::Unlock,
            popup: None,
            quit: false,
            session: None,
            message: None,
            user: Input::new(user.clone().unwrap_or_default()),
            pass: passphrase_input(),
            unlock_focus: usize::from(user.is_some()),
            locked: false,
            user_before_lock: None,
            drafts: Default::default(),
            failed_unlocks: 0,
            unlock_not_before: None,
            lock_after: DEFAULT_LOCK_AFTER,
            last_key: Instant::now(),
            night_selected: 0,
            night_form: None,
            form: None,
            person: PersonInfo::None,
            suggestions: None,
            saved_count: 0,
            night_base: 0,
            last_saved: None,
            stats: None,
            history: None,
            editing: None,
            merge: None,
            parked_form: None,
            audit: None,
            audit_scroll: 0,
            users: None,
        }
    }

    /// An app already signed in (a passphrase given by flag or environment, or the demo).
    pub fn signed_in(lang: Lang, db: PathBuf, vault: Vault, today: Date) -> App {
        let mut app = App::new(lang, db, Some(vault.user().name.clone()), today);
        app.start_session(vault);
        app
    }

    pub fn text(&self) -> &'static crate::i18n::TuiText {
        self.lang.text().tui
    }

    pub fn role(&self) -> Option<StaffRole> {
        self.session.as_ref().map(|s| s.vault.user().role)
    }

    pub(super) fn may_log(&self) -> bool {
        self.role()
            .is_some_and(|r| Permission::WriteContacts.allowed(r))
    }

    /// Whether some form holds input that is not saved (also another user's kept draft).
    pub fn unsaved(&self) -> bool {
        self.drafts.values().any(Draft::unsaved)
            || self.form.as_ref().is_some_and(|f| f.dirty)
            || self.night_form.as_ref().is_some_and(|f| f.dirty)
            || self.merge.as_ref().is_some_and(|m| m.dirty())
            || self.users.as_ref().is_some_and(|u| u.adding.is_some())
    }

    /// Whether a text field has the keyboard (so letters are typed, not commands).
    pub fn typing(&self) -> bool {
        (matches!(
            self.screen,
            Screen::Unlock | Screen::NightForm | Screen::Contact | Screen::Merge
        ) || (self.screen == Screen::Users
            && self.users.as_ref().is_some_and(|u| u.adding.is_some())))
            && self.popup.is_none()
    }

    fn start_session(&mut self, mut vault: Vault) {
        wipe(&mut self.pass);
        // Who signed in to the interface, and when, goes to the access log (`uppsok log`).
        if let Err(e) = vault.record_sign_in() {
            self.message = Some(Message::Error(e.message(self.lang)));
        }
        self.session = Some(Session {
            vault,
            overview: None,
            nights: Vec::new(),
            person_index: None,
        });
        self.locked = false;
        self.refresh();
        // A form kept over a lock comes back; otherwise the overview.
        self.screen = if self.form.is_some() {
            Screen::Contact
        } else if self.night_form.is_some() {
            Screen::NightForm
        } else {
            Screen::Overview
        };
    }

    /// Recomputes the cached figures and lists (after unlocking and after a change).
    pub fn refresh(&mut self) {
        let today = self.today;
        let may_log = self.may_log();
        let Some(s) = self.session.as_mut() else {
            return;
        };
        match overview(&mut s.vault, today) {
            Ok(o) => s.overview = Some(o),
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
        if may_log {
            match s.vault.contacts().nights(200) {
                Ok(n) => s.nights = n,
                Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
            }
            // The stored pseudonyms for "did you mean", read once here rather than on the
            // first key typed into a code (then kept up to date as contacts are saved).
            if s.person_index.is_none() {
                match s.vault.persons().index() {
                    Ok(i) => s.person_index = Some(i),
                    Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
                }
            }
        }
    }

    /// Locks the screen if no key was pressed for `lock_after`. Unsaved form input is kept
    /// (hidden) and comes back after unlocking as the same user.
    pub fn tick(&mut self, now: Instant) {
        if self.session.is_some() && now.duration_since(self.last_key) >= self.lock_after {
            self.lock();
        }
    }

    pub fn lock(&mut self) {
        if let Some(s) = self.session.take() {
            self.user = Input::new(s.vault.user().name.clone());
            self.user_before_lock = Some(s.vault.user().name.clone());
        }
        // What was read with the keys goes with them: notes of a history, figures, findings,
        // users. Only half-typed forms stay (hidden), for the user who typed them.
        self.history = None;
        self.stats = None;
        self.audit = None;
        self.users = None;
        self.merge = None;
        wipe(&mut self.pass);
        self.unlock_focus = 1;
        self.popup = None;
        self.locked = true;
        self.screen = Screen::Unlock;
        self.message = Some(Message::Info(self.text().unlock_locked.into()));
    }

    /// Handles one action.
    pub fn update(&mut self, action: Action) {
        self.last_key = Instant::now();
        // A message stays until the next key.
        self.message = None;
        if let Some(p) = self.popup.take() {
            self.update_popup(p, action);
            return;
        }
        match action {
            Action::Help => self.popup = Some(Popup::Help),
            Action::Quit => {
                if self.unsaved() {
                    self.popup = Some(Popup::Confirm(Confirm::Quit));
                } else {
                    self.quit = true;
                }
            }
            _ => match self.screen {
                Screen::Unlock => self.update_unlock(action),
                Screen::Overview => self.update_overview(action),
                Screen::Nights => self.update_nights(action),
                Screen::NightForm => self.update_night_form(action),
                Screen::Contact => self.update_contact(action),
                Screen::Statistics => self.update_statistics(action),
                Screen::Person => self.update_person(action),
                Screen::Merge => self.update_merge(action),
                Screen::Audit => self.update_audit(action),
                Screen::Users => self.update_users(action),
            },
        }
    }

    /// A key while a popup is up: the popup answers it, and stays unless it closes.
    fn update_popup(&mut self, p: Popup, action: Action) {
        match (p, action) {
            (Popup::Help, Action::Back | Action::Help | Action::Submit) => {}
            (Popup::Help, Action::Quit) => self.update(Action::Quit),
            (Popup::Confirm(_) | Popup::Reason { .. }, Action::No | Action::Back) => {}
            (Popup::Confirm(c), Action::Yes) => self.confirmed(c),
            (Popup::Reason { change, selected }, Action::Up) => {
                self.popup = Some(Popup::Reason {
                    change,
                    selected: selected.saturating_sub(1),
                })
            }
            (Popup::Reason { change, selected }, Action::Down) => {
                let last = crate::vault::ChangeReason::ALL.len() - 1;
                self.popup = Some(Popup::Reason {
                    change,
                    selected: (selected + 1).min(last),
                })
            }
            (Popup::Reason { change, selected }, Action::Submit) => {
                self.apply_reason(change, crate::vault::ChangeReason::ALL[selected]);
            }
            (p, _) => self.popup = Some(p),
        }
    }

    /// Does what the question asked about, exactly as it was asked.
    fn confirmed(&mut self, c: Confirm) {
        match c {
            Confirm::Quit => self.quit = true,
            Confirm::Discard => {
                if self.screen == Screen::NightForm {
                    self.night_form = None;
                    self.screen = Screen::Overview;
                } else {
                    self.close_contact();
                }
            }
            Confirm::DuplicateNight { date, details } => self.save_night(date, details),
            Confirm::Merge { a, b } => self.merge_now(&a, &b),
            Confirm::Unmerge { code } => self.unmerge_now(&code),
            Confirm::Disable { name } => self.disable_user(&name),
        }
    }

    fn update_unlock(&mut self, action: Action) {
        match action {
            Action::Edit(req) => {
                if self.unlock_focus == 0 {
                    self.user.handle(req);
                } else {
                    self.pass.handle(req);
                }
            }
            Action::Paste(text) => {
                // A passphrase pasted from a password manager: its characters, never a line
                // break (which would sign in with half of it).
                let line = Zeroizing::new(super::form::pasted_line(&text));
                let input = if self.unlock_focus == 0 {
                    &mut self.user
                } else {
                    &mut self.pass
                };
                for c in line.chars() {
                    input.handle(InputRequest::InsertChar(c));
                }
            }
            Action::NextField | Action::PreviousField | Action::Up | Action::Down => {
                self.unlock_focus = 1 - self.unlock_focus
            }
            Action::Submit | Action::Save => {
                if self.unlock_focus == 0 && self.pass.value().is_empty() {
                    self.unlock_focus = 1;
                    return;
                }
                self.try_unlock();
            }
            Action::Back if !self.locked => self.quit = true,
            _ => {}
        }
    }

    fn try_unlock(&mut self) {
        let name = self.user.value().trim().to_string();
        if name.is_empty() || self.pass.value().is_empty() {
            self.message = Some(Message::Error(self.text().unlock_empty.into()));
            return;
        }
        // After a few wrong tries each next one waits longer; the passphrase typed stays.
        if let Some(at) = self.unlock_not_before {
            let now = Instant::now();
            if now < at {
                let secs = (at - now).as_secs_f64().ceil() as u64;
                self.message = Some(Message::Error(format!(
                    "{} {secs} s.",
                    self.text().unlock_wait
                )));
                return;
            }
        }
        let pass = Passphrase::new(std::mem::replace(&mut self.pass, passphrase_input()).into());
        match Vault::unlock(&self.db, &name, &pass) {
            Ok(v) => {
                // A form kept over a lock belongs to the user who typed it: another user
                // signing in puts it aside and gets their own back, if they left one.
                if self.locked && self.user_before_lock.as_deref() != Some(name.as_str()) {
                    self.switch_drafts(&name);
                }
                self.message = None;
                self.failed_unlocks = 0;
                self.unlock_not_before = None;
                self.start_session(v);
            }
            // Told apart by what happened, not by its words: only a wrong name or passphrase
            // counts as an attempt and slows the next one down.
            Err(Error::WrongCredentials { .. }) => {
                self.failed_unlocks += 1;
                let n = self.failed_unlocks;
                let delay = unlock_delay(n);
                self.unlock_not_before = (!delay.is_zero()).then(|| Instant::now() + delay);
                let t = self.text();
                let mut m = format!("{} ({} {n}).", t.unlock_wrong, t.unlock_attempt);
                if !delay.is_zero() {
                    m.push_str(&format!(" {} {} s.", t.unlock_wait, delay.as_secs()));
                }
                self.message = Some(Message::Error(m))
            }
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }

    /// Puts the unsaved forms of the user signed in before aside and takes out `name`'s.
    fn switch_drafts(&mut self, name: &str) {
        let mine = Draft {
            form: self.form.take(),
            night_form: self.night_form.take(),
            editing: self.editing.take(),
            parked_form: self.parked_form.take(),
            saved_count: std::mem::take(&mut self.saved_count),
            night_base: std::mem::take(&mut self.night_base),
        };
        if let Some(before) = self.user_before_lock.clone() {
            if !mine.is_empty() {
                self.drafts.insert(before, mine);
            }
        }
        if let Some(d) = self.drafts.remove(name) {
            self.form = d.form;
            self.night_form = d.night_form;
            self.editing = d.editing;
            self.parked_form = d.parked_form;
            self.saved_count = d.saved_count;
            self.night_base = d.night_base;
        }
        self.person = PersonInfo::None;
        self.suggestions = None;
    }

    fn update_overview(&mut self, action: Action) {
        match action {
            Action::GoNights => self.open_nights(),
            Action::NewNight => self.open_night_form(),
            Action::NewContact => self.open_contact(None),
            Action::GoStatistics => self.open_statistics(),
            Action::GoMerge => self.open_merge(),
            Action::GoAudit => self.open_audit(),
            Action::GoUsers => self.open_users(),
            _ => {}
        }
    }

    pub(super) fn refuse(&mut self) {
        self.message = Some(Message::Error(self.text().not_allowed.into()));
    }

    fn open_nights(&mut self) {
        if !self.may_log() {
            return self.refuse();
        }
        self.night_selected = 0;
        self.screen = Screen::Nights;
    }

    fn open_night_form(&mut self) {
        if !self.may_log() {
            return self.refuse();
        }
        self.night_form = Some(NightForm::new(self.today).in_lang(self.lang));
        self.screen = Screen::NightForm;
    }

    fn update_nights(&mut self, action: Action) {
        let n = self.session.as_ref().map_or(0, |s| s.nights.len());
        match action {
            Action::Up => self.night_selected = self.night_selected.saturating_sub(1),
            Action::Down if self.night_selected + 1 < n => self.night_selected += 1,
            Action::Submit => {
                let night = self
                    .session
                    .as_ref()
                    .and_then(|s| s.nights.get(self.night_selected).cloned());
                if let Some(night) = night {
                    self.open_contact(Some(&night));
                }
            }
            Action::OpenPerson | Action::EditContact => {
                let night = self
                    .session
                    .as_ref()
                    .and_then(|s| s.nights.get(self.night_selected).map(|n| n.id));
                if let Some(id) = night {
                    self.open_night_contacts(id);
                }
            }
            Action::NewNight => self.open_night_form(),
            Action::NewContact => self.open_contact(None),
            Action::GoStatistics => self.open_statistics(),
            Action::Back | Action::GoOverview => self.go_overview(),
            _ => {}
        }
    }

    fn go_overview(&mut self) {
        let stale = self.session.as_ref().is_some_and(|s| s.overview.is_none());
        if stale {
            self.refresh();
        }
        self.screen = Screen::Overview;
    }

    fn update_night_form(&mut self, action: Action) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let districts = s.vault.districts().clone();
        let Some(f) = self.night_form.as_mut() else {
            return;
        };
        match action {
            Action::Edit(req) => f.edit(req),
            Action::Paste(text) => f.paste(&text),
            Action::NextField => f.next(&districts, true),
            Action::PreviousField => f.next(&districts, false),
            Action::Up => f.cycle(&districts, false),
            Action::Down => f.cycle(&districts, true),
            Action::Back if f.dirty => self.popup = Some(Popup::Confirm(Confirm::Discard)),
            Action::Back => {
                self.night_form = None;
                self.screen = Screen::Overview;
            }
            Action::Submit | Action::Save => {
                let Some((date, details)) = f.values(&districts) else {
                    self.message = Some(Message::Error(self.lang.text().tui.fix_first.into()));
                    return;
                };
                // The same night twice (same date, kind and district) is asked about first.
                if s.nights.iter().any(|n| {
                    n.date == date
                        && n.details.kind == details.kind
                        && n.details.district == details.district
                }) {
                    self.popup = Some(Popup::Confirm(Confirm::DuplicateNight { date, details }));
                    return;
                }
                self.save_night(date, details);
            }
            _ => {}
        }
    }

    /// Saves a field night (the night form's) and opens the contact form for it.
    fn save_night(&mut self, date: Date, details: FieldNightDetails) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        match s.vault.contacts().add_night(date, &details) {
            Ok(id) => {
                let night = FieldNight { id, date, details };
                self.night_form = None;
                s.overview = None;
                self.message = Some(Message::Info(self.lang.text().tui.night_created.into()));
                self.refresh();
                self.open_contact(Some(&night));
            }
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }

    /// Opens the contact form, for a field night or on its own.
    pub fn open_contact(&mut self, night: Option<&FieldNight>) {
        if !self.may_log() {
            return self.refuse();
        }
        let form = match night {
            Some(n) => ContactForm::new(
                self.today,
                n.date,
                Some(n.details.district.as_str()),
                Some(contact_type_for(n.details.kind)),
                Some(n.id),
            ),
            None => ContactForm::new(self.today, self.today, None, None, None),
        };
        self.night_base = match (night, self.session.as_mut()) {
            (Some(n), Some(s)) => match s.vault.contacts().night_count(n.id) {
                Ok(count) => count,
                Err(e) => {
                    self.message = Some(Message::Error(e.message(self.lang)));
                    0
                }
            },
            _ => 0,
        };
        let districts = self
            .session
            .as_ref()
            .map(|s| s.vault.districts().clone())
            .unwrap_or_default();
        self.form = Some(form.in_lang(self.lang, &districts));
        self.person = PersonInfo::None;
        self.suggestions = None;
        self.saved_count = 0;
        self.screen = Screen::Contact;
    }

    fn close_contact(&mut self) {
        self.form = None;
        self.person = PersonInfo::None;
        self.suggestions = None;
        if self.editing.take().is_some() {
            self.form = self.parked_form.take();
            self.look_up_code();
            if self.history.is_some() {
                self.screen = Screen::Person;
                return;
            }
        }
        let back_to_nights = self.session.as_ref().is_some_and(|s| !s.nights.is_empty());
        if back_to_nights {
            self.screen = Screen::Nights;
        } else {
            self.go_overview();
        }
    }

    fn update_contact(&mut self, action: Action) {
        let Some(districts) = self.session.as_ref().map(|s| s.vault.districts().clone()) else {
            return;
        };
        let Some(f) = self.form.as_mut() else {
            return;
        };
        match action {
            Action::Edit(req) => {
                let changed = f.edit(req);
                if changed && f.focus == Field::Code {
                    self.suggestions = None;
                    self.look_up_code();
                }
            }
            Action::Paste(text) => {
                let changed = f.paste(&text);
                if changed && f.focus == Field::Code {
                    self.suggestions = None;
                    self.look_up_code();
                }
            }
            Action::NextField | Action::PreviousField | Action::Submit | Action::Jump(_)
                if f.focus == Field::Code =>
            {
                // The code is complete when its field is left: only now are neighbours offered.
                match action {
                    Action::PreviousField => f.previous(&districts),
                    Action::Jump(to) => f.jump(&districts, to),
                    _ => f.next(&districts),
                }
                self.suggest();
            }
            Action::Jump(to) => f.jump(&districts, to),
            Action::NextField => f.next(&districts),
            Action::PreviousField => f.previous(&districts),
            Action::Up => f.cycle(&districts, false),
            Action::Down => f.cycle(&districts, true),
            Action::Submit => {
                if f.focus == Field::Note && self.editing.is_none() {
                    self.save_contact();
                } else {
                    f.next(&districts);
                }
            }
            Action::Save if self.editing.is_some() => {
                if let (Some(id), Some(contact)) = (self.editing, f.values(&districts)) {
                    self.popup = Some(Popup::Reason {
                        change: Change::Edit { id, contact },
                        selected: 0,
                    });
                } else {
                    self.message = Some(Message::Error(self.lang.text().tui.fix_first.into()));
                }
            }
            Action::Save => self.save_contact(),
            // Not while editing: the logging form is parked under the edit already.
            Action::OpenPerson if self.editing.is_none() => self.open_person(),
            Action::Prefill => {
                if let PersonInfo::Known(p) = &self.person {
                    if let Some(a) = p.latest.clone() {
                        f.prefill(&a);
                    }
                }
            }
            Action::TakeSuggestion => {
                // Each Ctrl-D puts the next suggestion in; after the last, the code as typed.
                if let Some(sg) = self.suggestions.as_mut() {
                    let at = match sg.at {
                        None => Some(0),
                        Some(i) if i + 1 < sg.list.len() => Some(i + 1),
                        Some(_) => None,
                    };
                    sg.at = at;
                    let code = match at {
                        Some(i) => sg.list[i].0.clone(),
                        None => sg.typed.clone(),
                    };
                    f.set(Field::Code, &code);
                    self.look_up_code();
                }
            }
            Action::Back => {
                if f.dirty {
                    self.popup = Some(Popup::Confirm(Confirm::Discard));
                } else {
                    self.close_contact();
                }
            }
            _ => {}
        }
    }

    /// Looks the typed code up: known (how often, when), new, or close to known ones.
    pub(super) fn look_up_code(&mut self) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let Some(f) = self.form.as_ref() else {
            return;
        };
        // A code that looks like an identifier is never looked up (nor saved: see the form).
        if PersonCode::identifier_in(f.text(Field::Code)).is_some() {
            self.person = PersonInfo::None;
            return;
        }
        let Some(code) = PersonCode::normalise(f.text(Field::Code)) else {
            self.person = PersonInfo::None;
            return;
        };
        match s.vault.persons().lookup(&code) {
            Ok(Some(p)) => self.person = PersonInfo::Known(p),
            Ok(None) => self.person = PersonInfo::New,
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }

    /// For a complete code that is new: the known codes one edit away, with their persons'
    /// latest contacts.
    fn suggest(&mut self) {
        self.suggestions = None;
        if self.person != PersonInfo::New {
            return;
        }
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let Some(f) = self.form.as_ref() else {
            return;
        };
        let typed = Zeroizing::new(f.text(Field::Code).to_string());
        let Some(code) = PersonCode::normalise(&typed) else {
            return;
        };
        if s.person_index.is_none() {
            match s.vault.persons().index() {
                Ok(i) => s.person_index = Some(i),
                Err(e) => {
                    self.message = Some(Message::Error(e.message(self.lang)));
                    return;
                }
            }
        }
        let near = match s.person_index.as_ref() {
            Some(i) => match s.vault.persons().did_you_mean(i, &code, 3) {
                Ok(near) => near,
                Err(e) => {
                    self.message = Some(Message::Error(e.message(self.lang)));
                    return;
                }
            },
            None => Vec::new(),
        };
        let mut list = Vec::new();
        for v in near {
            let person =
                PersonCode::normalise(&v).and_then(|c| s.vault.persons().lookup(&c).ok().flatten());
            list.push((v, person));
        }
        if !list.is_empty() {
            self.suggestions = Some(Suggestions {
                typed,
                list,
                at: None,
            });
        }
    }

    fn save_contact(&mut self) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let districts = s.vault.districts().clone();
        let Some(f) = self.form.as_ref() else {
            return;
        };
        let Some(contact) = f.values(&districts) else {
            self.message = Some(Message::Error(self.lang.text().tui.fix_first.into()));
            return;
        };
        let pseudonym = contact
            .code
            .as_ref()
            .and_then(|c| s.vault.persons().pseudonym_of(c).ok());
        let concern = contact.attributes.concern;
        match s.vault.contacts().add_with_concern(contact, concern) {
            Ok(id) => {
                self.last_saved = Some(id);
                if let (Some(p), Some(index)) = (pseudonym, s.person_index.as_mut()) {
                    index.insert(p);
                }
                // The figures are recomputed when the overview is shown next, not per key.
                s.overview = None;
                let next = f.carried_over(&districts);
                self.form = Some(next);
                self.person = PersonInfo::None;
                self.suggestions = None;
                self.saved_count += 1;
                self.message = Some(Message::Info(self.lang.text().tui.contact_saved.into()));
            }
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }

    /// Opens the statistics screen; the first time, with this year's figures.
    pub fn open_statistics(&mut self) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        if self.stats.is_none() {
            let range = match s.vault.stats().date_range() {
                Ok(r) => r,
                Err(e) => {
                    self.message = Some(Message::Error(e.message(self.lang)));
                    return;
                }
            };
            let (first, last) = match &range {
                Some((f, l)) => (year_of(f), year_of(l)),
                None => (None, None),
            };
            self.stats = Some(StatsView::new(first, last, self.today.year()));
        }
        self.screen = Screen::Statistics;
        if self.stats.as_ref().is_some_and(|v| v.result.is_none()) {
            self.compute_statistics();
        }
    }

    /// Computes the chosen figures (Enter) through the vault's statistics door, as `uppsok
    /// stats` does; logged as the statistics screen's read.
    fn compute_statistics(&mut self) {
        let (Some(s), Some(v)) = (self.session.as_mut(), self.stats.as_mut()) else {
            return;
        };
        let q = match v.query(s.vault.districts()) {
            Ok(q) => q,
            Err(e) => {
                self.message = Some(Message::Error(e));
                return;
            }
        };
        let result = s
            .vault
            .stats()
            .open(StatsPurpose::Screen)
            .and_then(|door| door.count_one(&q));
        match result {
            Ok(r) => v.set_result(r),
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }

    fn update_statistics(&mut self, action: Action) {
        let Some(districts) = self.session.as_ref().map(|s| s.vault.districts().clone()) else {
            return;
        };
        let Some(v) = self.stats.as_mut() else {
            return;
        };
        if !matches!(action, Action::Digit(_)) {
            v.year_typed.clear();
        }
        match action {
            Action::Digit(d) => {
                if let YearTyped::NotAPeriod(y) = v.type_digit(d) {
                    let t = self.lang.text().tui;
                    let years = v
                        .years()
                        .map(|(a, b)| format!(" {} {a}–{b}.", t.stats_years))
                        .unwrap_or_default();
                    self.message = Some(Message::Error(format!("{} {y}.{years}", t.stats_no_year)));
                }
            }
            Action::AllTime => v.all_time(),
            Action::NextField => v.next_zone(true),
            Action::PreviousField => v.next_zone(false),
            Action::Left => v.left_right(&districts, false),
            Action::Right => v.left_right(&districts, true),
            Action::Up => v.up_down(false),
            Action::Down => v.up_down(true),
            Action::Toggle => v.toggle(&districts),
            Action::TogglePublished => v.toggle_published(),
            Action::Submit | Action::Save => self.compute_statistics(),
            Action::Back | Action::GoOverview => self.go_overview(),
            Action::GoNights => self.open_nights(),
            _ => {}
        }
    }

    pub fn go(&mut self, screen: Screen) {
        match screen {
            Screen::Overview => self.go_overview(),
            Screen::Nights => self.open_nights(),
            Screen::Statistics => self.open_statistics(),
            _ => self.screen = screen,
        }
    }
}

/// The overview's figures, counted by the vault's statistics door as `uppsok stats` counts,
/// and the latest field nights for the roles that log contacts.
pub fn overview(vault: &mut Vault, today: Date) -> crate::error::Result<OverviewData> {
    let o = vault.stats().overview(today)?;
    let latest_nights = if Permission::WriteContacts.allowed(vault.user().role) {
        vault.contacts().nights(5)?
    } else {
        Vec::new()
    };
    Ok(OverviewData {
        figures: o,
        latest_nights,
    })
}
