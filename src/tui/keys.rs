//! Keys as the help names them, and help lines as data: each screen lists the keys it answers
//! to beside the code that answers them (`HELP` in `screens/*.rs`); the help popup (`F1`)
//! shows them, and `tests/tui_snapshots.rs` presses every one of them on its screen to prove
//! it does something there, so the help cannot drift from what the keys do.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::app::App;
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

/// One line of a screen's help, for a screen whose state is `S`.
pub struct Help<S: 'static> {
    pub keys: &'static [Key],
    pub does: Does,
    /// Listed only for the roles that may do it.
    pub needs: Option<Permission>,
    /// Listed only when the screen's state lets the key do something (a list long enough
    /// to move in).
    pub when: Option<fn(&S, &App) -> bool>,
}

/// A help line as the help popup shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelpLine {
    pub keys: &'static [Key],
    pub does: Does,
}

pub const fn h<S>(keys: &'static [Key], does: Does) -> Help<S> {
    Help {
        keys,
        does,
        needs: None,
        when: None,
    }
}

pub const fn needs<S>(keys: &'static [Key], does: Does, p: Permission) -> Help<S> {
    Help {
        keys,
        does,
        needs: Some(p),
        when: None,
    }
}

pub const fn when<S>(keys: &'static [Key], does: Does, w: fn(&S, &App) -> bool) -> Help<S> {
    Help {
        keys,
        does,
        needs: None,
        when: Some(w),
    }
}

/// F1 and `?`: this help (on a screen without a text field).
pub const fn help_key<S>() -> Help<S> {
    h(&[Key::F(1), Key::Char('?')], Does::Help)
}

/// F1: this help (on a screen with a text field, where `?` is typed).
pub const fn help_typing<S>() -> Help<S> {
    h(&[Key::F(1)], Does::Help)
}

pub const fn quit<S>() -> Help<S> {
    h(&[Key::Char('q'), Key::Ctrl('q')], Does::Quit)
}

pub const fn quit_typing<S>() -> Help<S> {
    h(&[Key::Ctrl('q')], Does::Quit)
}

/// Ctrl-U: empties the field (tui-input's key, in every text field).
pub const fn clear<S>() -> Help<S> {
    h(&[Key::Ctrl('u')], Does::ClearField)
}

/// The lines of `all` that apply: for the role signed in, in the screen's state `s`.
pub fn lines<S>(all: &'static [Help<S>], s: &S, app: &App) -> Vec<HelpLine> {
    let role = app.role();
    all.iter()
        .filter(|h| match h.needs {
            Some(p) => role.is_some_and(|r| p.allowed(r)),
            None => true,
        })
        .filter(|h| match h.when {
            Some(w) => w(s, app),
            None => true,
        })
        .map(|h| HelpLine {
            keys: h.keys,
            does: h.does,
        })
        .collect()
}

/// The help lines of the screen that is up (each screen keeps its own, beside what its keys
/// do), for the role signed in: exactly the keys that do something there.
pub fn help(app: &App) -> Vec<HelpLine> {
    app.screen.help(app)
}
