//! The keys each screen answers to, as data in one place: the help popup (`F1`) lists them,
//! and `tests/tui_snapshots.rs` presses every one of them on its screen to prove it does
//! something there, so the help cannot drift from what the keys do (`event` and `app`).

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Screen};
use crate::vault::Permission;

/// A key as the help names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    F(u8),
    Char(char),
    Ctrl(char),
    Tab,
    BackTab,
    Enter,
    Esc,
    Up,
    Down,
    Left,
    Right,
    Space,
    /// A year's digits (the statistics period).
    Digits,
    /// Ordinary typing into a field.
    Typing,
}

impl Key {
    /// The key's name in the help.
    pub fn label(self, t: &crate::i18n::TuiText) -> String {
        match self {
            Key::F(n) => format!("F{n}"),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Tab => "Tab".into(),
            Key::BackTab => "Shift-Tab".into(),
            Key::Enter => "Enter".into(),
            Key::Esc => "Esc".into(),
            Key::Up => "↑".into(),
            Key::Down => "↓".into(),
            Key::Left => "←".into(),
            Key::Right => "→".into(),
            Key::Space => t.key_space.into(),
            Key::Digits => "0–9".into(),
            Key::Typing => t.key_typing.into(),
        }
    }

    /// The terminal events of pressing it (an example year for the digits, a letter for
    /// typing).
    pub fn events(self) -> Vec<Event> {
        let key = |code, modifiers| Event::Key(KeyEvent::new(code, modifiers));
        let none = KeyModifiers::NONE;
        let code = match self {
            Key::F(n) => KeyCode::F(n),
            Key::Char(c) => KeyCode::Char(c),
            Key::Ctrl(c) => return vec![key(KeyCode::Char(c), KeyModifiers::CONTROL)],
            Key::Tab => KeyCode::Tab,
            Key::BackTab => return vec![key(KeyCode::BackTab, KeyModifiers::SHIFT)],
            Key::Enter => KeyCode::Enter,
            Key::Esc => KeyCode::Esc,
            Key::Up => KeyCode::Up,
            Key::Down => KeyCode::Down,
            Key::Left => KeyCode::Left,
            Key::Right => KeyCode::Right,
            Key::Space => KeyCode::Char(' '),
            Key::Digits => {
                return "2025"
                    .chars()
                    .map(|c| key(KeyCode::Char(c), none))
                    .collect()
            }
            Key::Typing => KeyCode::Char('s'),
        };
        vec![key(code, none)]
    }
}

pub use crate::i18n::Does;

/// One line of a screen's help.
pub struct Help {
    pub keys: &'static [Key],
    pub does: Does,
    /// Listed only for the roles that may do it.
    pub needs: Option<Permission>,
    /// Listed only when the screen's state lets the key do something (a list long enough
    /// to move in).
    pub when: Option<fn(&App) -> bool>,
}

const fn h(keys: &'static [Key], does: Does) -> Help {
    Help {
        keys,
        does,
        needs: None,
        when: None,
    }
}

const fn needs(keys: &'static [Key], does: Does, p: Permission) -> Help {
    Help {
        keys,
        does,
        needs: Some(p),
        when: None,
    }
}

const fn when(keys: &'static [Key], does: Does, w: fn(&App) -> bool) -> Help {
    Help {
        keys,
        does,
        needs: None,
        when: Some(w),
    }
}

use Key::*;

const HELP: Help = h(&[F(1), Char('?')], Does::Help);
const HELP_TYPING: Help = h(&[F(1)], Does::Help);
const QUIT: Help = h(&[Char('q'), Ctrl('q')], Does::Quit);
const QUIT_TYPING: Help = h(&[Ctrl('q')], Does::Quit);
const CLEAR: Help = h(&[Ctrl('u')], Does::ClearField);

static UNLOCK: &[Help] = &[
    h(&[Tab, BackTab, Up, Down], Does::UnlockSwitch),
    h(&[Enter, F(2)], Does::Unlock),
    CLEAR,
    when(&[Esc], Does::UnlockQuit, |app| !app.locked),
    HELP_TYPING,
    QUIT_TYPING,
];

static OVERVIEW: &[Help] = &[
    needs(&[Char('n')], Does::NewNight, Permission::WriteContacts),
    needs(&[Char('f')], Does::Nights, Permission::WriteContacts),
    needs(&[Char('c')], Does::NewContact, Permission::WriteContacts),
    h(&[Char('s')], Does::Statistics),
    needs(&[Char('m')], Does::Merge, Permission::MergePersons),
    needs(&[Char('a')], Does::Audit, Permission::Audit),
    needs(&[Char('u')], Does::Users, Permission::Administer),
    HELP,
    QUIT,
];

static NIGHTS: &[Help] = &[
    when(&[Up, Down], Does::ChooseNight, |app| {
        app.session.as_ref().is_some_and(|s| s.nights.len() > 1)
    }),
    h(&[Enter], Does::LogNight),
    h(&[Char('e'), Ctrl('o')], Does::NightContacts),
    h(&[Char('n')], Does::NewNight),
    h(&[Char('c')], Does::NewContact),
    h(&[Char('s')], Does::Statistics),
    h(&[Char('o'), Esc], Does::Overview),
    HELP,
    QUIT,
];

static NIGHT_FORM: &[Help] = &[
    h(&[Tab, BackTab], Does::NextPreviousField),
    h(&[Typing], Does::TypePicks),
    h(&[Up, Down], Does::StepValues),
    h(&[Enter, Ctrl('s'), F(2)], Does::SaveNight),
    CLEAR,
    h(&[Esc], Does::CloseForm),
    HELP_TYPING,
    QUIT_TYPING,
];

static CONTACT: &[Help] = &[
    h(&[Tab, BackTab], Does::NextPreviousField),
    h(&[Typing], Does::TypePicks),
    h(&[Up, Down], Does::StepValues),
    h(&[Enter], Does::EnterNextOrSave),
    h(&[Ctrl('s'), F(2)], Does::SaveContact),
    CLEAR,
    h(&[Ctrl('p')], Does::Prefill),
    h(&[Ctrl('d')], Does::DidYouMean),
    h(&[Ctrl('t'), Ctrl('r'), Ctrl('n')], Does::JumpToField),
    h(&[Ctrl('o')], Does::History),
    h(&[Esc], Does::CloseForm),
    HELP_TYPING,
    QUIT_TYPING,
];

/// The form editing a logged contact: saving asks why, and there is no history to open.
static CONTACT_EDIT: &[Help] = &[
    h(&[Tab, BackTab], Does::NextPreviousField),
    h(&[Typing], Does::TypePicks),
    h(&[Up, Down], Does::StepValues),
    h(&[Enter], Does::EnterNext),
    h(&[Ctrl('s'), F(2)], Does::SaveEdit),
    CLEAR,
    h(&[Ctrl('p')], Does::Prefill),
    h(&[Ctrl('d')], Does::DidYouMean),
    h(&[Ctrl('t'), Ctrl('r'), Ctrl('n')], Does::JumpToField),
    h(&[Esc], Does::CloseForm),
    HELP_TYPING,
    QUIT_TYPING,
];

static STATISTICS: &[Help] = &[
    h(&[Tab, BackTab], Does::StatsRow),
    h(&[Left, Right], Does::StatsLeftRight),
    h(&[Digits], Does::StatsYear),
    h(&[Char('a')], Does::StatsAllTime),
    h(&[Space], Does::StatsToggle),
    h(&[Up, Down], Does::StatsUpDown),
    h(&[Enter, Ctrl('s'), F(2)], Does::StatsCompute),
    h(&[Char('p')], Does::StatsPublished),
    needs(&[Char('f')], Does::Nights, Permission::WriteContacts),
    h(&[Char('o'), Esc], Does::Overview),
    HELP,
    QUIT,
];

static PERSON: &[Help] = &[
    when(&[Up, Down], Does::ChooseContact, |app| {
        app.history.as_ref().is_some_and(|h| h.items.len() > 1)
    }),
    h(&[Char('e'), Enter], Does::EditContact),
    h(&[Char('d')], Does::DeleteContact),
    h(&[Esc], Does::Back),
    HELP,
    QUIT,
];

static MERGE: &[Help] = &[
    h(&[Tab, BackTab, Up, Down], Does::MergeSwitch),
    h(&[Ctrl('s'), F(2), Enter], Does::MergeDeclare),
    h(&[Ctrl('z')], Does::MergeUndo),
    CLEAR,
    h(&[Esc], Does::Back),
    HELP_TYPING,
    QUIT_TYPING,
];

static AUDIT: &[Help] = &[
    h(&[Char('r'), Enter, Ctrl('s')], Does::AuditRun),
    when(&[Up, Down], Does::AuditScroll, |app| {
        app.audit.as_ref().is_some_and(|a| a.findings.len() > 1)
    }),
    h(&[Char('o'), Esc], Does::Overview),
    HELP,
    QUIT,
];

static USERS: &[Help] = &[
    when(&[Up, Down], Does::ChooseUser, |app| {
        app.users.as_ref().is_some_and(|u| u.list.len() > 1)
    }),
    h(&[Char('a')], Does::AddUser),
    when(&[Char('x')], Does::DisableUser, |app| {
        app.users
            .as_ref()
            .is_some_and(|u| u.list.get(u.selected).is_some_and(|x| !x.disabled))
    }),
    h(&[Char('o'), Esc], Does::Overview),
    HELP,
    QUIT,
];

static USER_FORM: &[Help] = &[
    h(&[Tab, BackTab, Up, Down], Does::NextPreviousField),
    h(&[Enter], Does::EnterNextOrAdd),
    h(&[Ctrl('s'), F(2)], Does::SaveUser),
    CLEAR,
    h(&[Esc], Does::CloseForm),
    HELP_TYPING,
    QUIT_TYPING,
];

/// The help lines of the screen that is up, for the role signed in: exactly the keys that
/// do something there.
pub fn help(app: &App) -> Vec<&'static Help> {
    let all: &[Help] = match app.screen {
        Screen::Unlock => UNLOCK,
        Screen::Overview => OVERVIEW,
        Screen::Nights => NIGHTS,
        Screen::NightForm => NIGHT_FORM,
        Screen::Contact if app.editing.is_some() => CONTACT_EDIT,
        Screen::Contact => CONTACT,
        Screen::Statistics => STATISTICS,
        Screen::Person => PERSON,
        Screen::Merge => MERGE,
        Screen::Audit => AUDIT,
        Screen::Users if app.users.as_ref().is_some_and(|u| u.adding.is_some()) => USER_FORM,
        Screen::Users => USERS,
    };
    let role = app.role();
    all.iter()
        .filter(|h| match h.needs {
            Some(p) => role.is_some_and(|r| p.allowed(r)),
            None => true,
        })
        .filter(|h| match h.when {
            Some(w) => w(app),
            None => true,
        })
        .collect()
}
