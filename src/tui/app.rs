//! The interface's state, without drawing: the session, the language, the message, the popup
//! and the screen that is up (a [`Screen`] whose variant owns that screen's state), with the
//! screens to come back to under it. What each key does is the screen's own business
//! (`screens/`); the app routes an [`Action`] to the screen that is up, or to the popup, and
//! moves between screens as the screen says ([`Go`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::form::ContactForm;
use super::statistics::StatsView;
use crate::domain::{
    Attributes, Date, FieldNight, FieldNightDetails, NewContact, PersonCode, StaffRole,
};
use crate::i18n::Lang;
use crate::stats::overview::Overview;
use crate::vault::{ChangeReason, Permission, PersonIndex, Vault};

pub use super::form::Field;
pub use super::screens::contact::{PersonInfo, Suggestions};
pub use super::screens::unlock::unlock_delay;
pub use super::screens::{Screen, ScreenId};

/// How long the interface stays unlocked without a key press, unless configured.
pub const DEFAULT_LOCK_AFTER: Duration = Duration::from_secs(10 * 60);

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
    Edit(tui_input::InputRequest),
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
    /// The information and training activities.
    GoActivities,
    NewActivity,
}

/// Where the interface goes after a screen handled a key (or an answer to its question).
pub enum Go {
    /// This screen stays up.
    Stay,
    /// Another screen takes this one's place.
    To(Screen),
    /// Another screen goes over this one; going back returns here.
    Over(Screen),
    /// Back to the screen under this one (the overview when there is none).
    Back,
    /// Back, after a change was saved: the screen under this one reads its data again.
    BackChanged,
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

/// An unlocked session, and what was read with its keys that more than one screen uses. All of
/// it goes when the screen locks.
pub struct Session {
    pub vault: Vault,
    pub overview: Option<OverviewData>,
    pub nights: Vec<FieldNight>,
    pub person_index: Option<PersonIndex>,
    /// The statistics screen's choices and figures while another screen is up, so that
    /// coming back shows them again.
    pub statistics: Option<Box<StatsView>>,
}

pub struct App {
    pub lang: Lang,
    pub db: PathBuf,
    pub today: Date,
    /// The screen that is up.
    pub screen: Screen,
    /// The screens to come back to, the last one next: the field nights under a night's
    /// contact form, the form under a person's history, the history under an edit; while
    /// locked, the forms kept for the user who typed them.
    stack: Vec<Screen>,
    pub popup: Option<Popup>,
    pub quit: bool,
    pub session: Option<Session>,
    pub message: Option<Message>,
    /// Other users' unsaved forms (their screens), by user name, while someone else is signed
    /// in: kept in memory, never written anywhere, until that user signs in again.
    drafts: HashMap<String, Vec<Screen>>,
    pub lock_after: Duration,
    pub last_key: Instant,
}

impl App {
    pub fn new(lang: Lang, db: PathBuf, user: Option<String>, today: Date) -> App {
        App {
            lang,
            db,
            today,
            screen: Screen::Unlock(super::screens::unlock::Unlock::new(user)),
            stack: Vec::new(),
            popup: None,
            quit: false,
            session: None,
            message: None,
            drafts: HashMap::new(),
            lock_after: DEFAULT_LOCK_AFTER,
            last_key: Instant::now(),
        }
    }

    /// An app already signed in (a passphrase given by flag or environment, or the demo).
    pub fn signed_in(lang: Lang, db: PathBuf, vault: Vault, today: Date) -> App {
        let mut app = App::new(lang, db, Some(vault.user().name.clone()), today);
        app.start_session(vault);
        app.screen = Screen::Overview;
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

    /// Says that the role signed in may not do that.
    pub(super) fn refuse(&mut self) {
        self.message = Some(Message::Error(self.text().not_allowed.into()));
    }

    /// Shows an error in the interface's language.
    pub(super) fn error(&mut self, e: &crate::error::Error) {
        self.message = Some(Message::Error(e.message(self.lang)));
    }

    /// The screens from the one up down to the bottom one.
    fn screens(&self) -> impl Iterator<Item = &Screen> {
        std::iter::once(&self.screen).chain(self.stack.iter().rev())
    }

    /// The contact form being typed in: the one of the uppermost contact screen (also one
    /// kept under the locked screen), not one waiting under an edit.
    pub fn form(&self) -> Option<&ContactForm> {
        self.screens().find_map(|s| match s {
            Screen::Contact(c) => Some(&c.form),
            _ => None,
        })
    }

    /// Whether some form holds input that is not saved: the screen's, one waiting under it
    /// (the logging form under an edit), another user's kept draft.
    pub fn unsaved(&self) -> bool {
        self.drafts.values().flatten().any(Screen::unsaved)
            || self.screens().any(Screen::unsaved)
            || match &self.screen {
                Screen::Merge(m) => m.dirty(),
                Screen::Users(u) => u.adding.is_some(),
                _ => false,
            }
    }

    /// Whether a text field has the keyboard (so letters are typed, not commands).
    pub fn typing(&self) -> bool {
        self.screen.typing() && self.popup.is_none()
    }

    /// Signs in: the session starts (logged) and the cached figures and lists are read.
    pub(super) fn start_session(&mut self, mut vault: Vault) {
        // Who signed in to the interface, and when, goes to the access log (`uppsok log`).
        if let Err(e) = vault.record_sign_in() {
            self.error(&e);
        }
        self.session = Some(Session {
            vault,
            overview: None,
            nights: Vec::new(),
            person_index: None,
            statistics: None,
        });
        self.refresh();
    }

    /// A form kept over a lock belongs to the user who typed it: when another user signs in,
    /// the screens kept for the one before are put aside and `name`'s come back, if any.
    pub(super) fn switch_drafts(&mut self, before: Option<&str>, name: &str) {
        let mine = std::mem::take(&mut self.stack);
        if let Some(before) = before {
            if !mine.is_empty() {
                self.drafts.insert(before.to_string(), mine);
            }
        }
        self.stack = self.drafts.remove(name).unwrap_or_default();
        for s in &mut self.stack {
            if let Screen::Contact(c) = s {
                c.forget_person();
            }
        }
    }

    /// Recomputes the cached figures and lists (after unlocking and after a change).
    pub fn refresh(&mut self) {
        let today = self.today;
        let may_log = self.may_log();
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let mut failed = None;
        match overview(&mut s.vault, today) {
            Ok(o) => s.overview = Some(o),
            Err(e) => failed = Some(e),
        }
        if may_log {
            match s.vault.contacts().nights(200) {
                Ok(n) => s.nights = n,
                Err(e) => failed = Some(e),
            }
            // The stored pseudonyms for "did you mean", read once here rather than on the
            // first key typed into a code (then kept up to date as contacts are saved).
            if s.person_index.is_none() {
                match s.vault.persons().index() {
                    Ok(i) => s.person_index = Some(i),
                    Err(e) => failed = Some(e),
                }
            }
        }
        if let Some(e) = failed {
            self.error(&e);
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
        let name = match self.session.take() {
            Some(s) => Some(s.vault.user().name.clone()),
            None => match &self.screen {
                Screen::Unlock(u) => Some(u.user.value().to_string()),
                _ => None,
            },
        };
        // What was read with the keys goes with them: notes of a history, figures, findings,
        // users. Only half-typed forms stay (hidden), for the user who typed them.
        let mut all = std::mem::take(&mut self.stack);
        all.push(std::mem::replace(&mut self.screen, Screen::Overview));
        self.stack = all.into_iter().filter(Screen::kept_over_lock).collect();
        self.popup = None;
        self.screen = Screen::Unlock(super::screens::unlock::Unlock::locked(name));
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
            _ => self.with_screen(|screen, app| screen.update(app, action)),
        }
    }

    /// Lets the screen that is up act (it is taken out of the app meanwhile, and gets the app:
    /// session, language, message, popup), then goes where it says.
    fn with_screen(&mut self, f: impl FnOnce(&mut Screen, &mut App) -> Go) {
        let mut screen = std::mem::replace(&mut self.screen, Screen::Overview);
        let go = f(&mut screen, self);
        self.screen = screen;
        self.go(go);
    }

    fn go(&mut self, go: Go) {
        match go {
            Go::Stay => {}
            Go::To(next) => {
                let before = std::mem::replace(&mut self.screen, next);
                self.leave(before);
            }
            Go::Over(next) => {
                let before = std::mem::replace(&mut self.screen, next);
                self.stack.push(before);
            }
            Go::Back | Go::BackChanged => {
                let next = match self.stack.pop() {
                    Some(s) => s,
                    None => {
                        let screen = std::mem::replace(&mut self.screen, Screen::Overview);
                        let next = screen.fallback(self);
                        self.screen = screen;
                        next
                    }
                };
                let before = std::mem::replace(&mut self.screen, next);
                self.leave(before);
                let changed = matches!(go, Go::BackChanged);
                self.with_screen(|screen, app| screen.resume(app, changed));
            }
        }
    }

    /// A screen that goes away: the statistics screen's choices are kept for coming back.
    fn leave(&mut self, screen: Screen) {
        if let (Screen::Statistics(v), Some(s)) = (screen, self.session.as_mut()) {
            s.statistics = Some(v.view);
        }
    }

    /// A key while a popup is up: the popup answers it, and stays unless it closes.
    fn update_popup(&mut self, p: Popup, action: Action) {
        match (p, action) {
            (Popup::Help, Action::Back | Action::Help | Action::Submit) => {}
            (Popup::Help, Action::Quit) => self.update(Action::Quit),
            (Popup::Confirm(_) | Popup::Reason { .. }, Action::No | Action::Back) => {}
            (Popup::Confirm(Confirm::Quit), Action::Yes) => self.quit = true,
            // The screen that asked does what it asked about.
            (Popup::Confirm(c), Action::Yes) => {
                self.with_screen(|screen, app| screen.confirmed(app, c))
            }
            (Popup::Reason { change, selected }, Action::Up) => {
                self.popup = Some(Popup::Reason {
                    change,
                    selected: selected.saturating_sub(1),
                })
            }
            (Popup::Reason { change, selected }, Action::Down) => {
                let last = ChangeReason::ALL.len() - 1;
                self.popup = Some(Popup::Reason {
                    change,
                    selected: (selected + 1).min(last),
                })
            }
            (Popup::Reason { change, selected }, Action::Submit) => {
                let reason = ChangeReason::ALL[selected];
                self.with_screen(|screen, app| screen.change(app, change, reason))
            }
            (p, _) => self.popup = Some(p),
        }
    }

    /// The contact screen, if it is up.
    pub fn contact(&self) -> Option<&super::screens::contact::Contact> {
        match &self.screen {
            Screen::Contact(c) => Some(c),
            _ => None,
        }
    }

    /// The history screen (a person's or a field night's contacts), if it is up.
    pub fn history(&self) -> Option<&super::screens::history::History> {
        match &self.screen {
            Screen::Person(h) => Some(h),
            _ => None,
        }
    }

    /// The statistics screen's choices and figures, if it is up.
    pub fn stats(&self) -> Option<&StatsView> {
        match &self.screen {
            Screen::Statistics(s) => Some(&*s.view),
            _ => None,
        }
    }

    /// The merge form, if it is up.
    pub fn merge(&self) -> Option<&super::screens::merge::Merge> {
        match &self.screen {
            Screen::Merge(m) => Some(m),
            _ => None,
        }
    }

    /// The audit screen, if it is up.
    pub fn audit(&self) -> Option<&super::screens::audit::Audit> {
        match &self.screen {
            Screen::Audit(a) => Some(a),
            _ => None,
        }
    }

    /// The users screen, if it is up.
    pub fn users(&self) -> Option<&super::screens::users::Users> {
        match &self.screen {
            Screen::Users(u) => Some(u),
            _ => None,
        }
    }

    /// The unlock screen, if it is up.
    pub fn unlock(&self) -> Option<&super::screens::unlock::Unlock> {
        match &self.screen {
            Screen::Unlock(u) => Some(u),
            _ => None,
        }
    }

    /// The unlock screen, to change, if it is up.
    pub fn unlock_mut(&mut self) -> Option<&mut super::screens::unlock::Unlock> {
        match &mut self.screen {
            Screen::Unlock(u) => Some(u),
            _ => None,
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
