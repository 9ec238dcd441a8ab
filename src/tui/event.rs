//! Input to actions: which [`Action`] a key press asks for on the screen that is up: the keys
//! that mean the same everywhere, then the popup's, then the screen's own (`Screen::key`),
//! then typing or the common letters. Only key presses count (not releases or repeats of
//! modifier keys), as in ratatui's examples.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::backend::crossterm::to_input_request;

use super::app::{Action, App, Popup};

/// The action for a terminal event, if any.
pub fn action_for(app: &App, event: &Event) -> Option<Action> {
    let key = match event {
        Event::Key(key) => key,
        // A paste (the terminal's bracketed paste) is text for the field being typed in, never
        // keys: a line break in it neither moves on nor saves.
        Event::Paste(text) if app.typing() => return Some(Action::Paste(text.clone())),
        _ => return None,
    };
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    // Everywhere, also while typing.
    match key.code {
        KeyCode::Char('q') | KeyCode::Char('c') if ctrl => return Some(Action::Quit),
        KeyCode::Char('s') if ctrl => return Some(Action::Save),
        KeyCode::Char('p') if ctrl => return Some(Action::Prefill),
        KeyCode::Char('d') if ctrl => return Some(Action::TakeSuggestion),
        KeyCode::Char('o') if ctrl => return Some(Action::OpenPerson),
        KeyCode::F(1) => return Some(Action::Help),
        KeyCode::F(2) => return Some(Action::Save),
        KeyCode::Esc => return Some(Action::Back),
        KeyCode::Tab => return Some(Action::NextField),
        KeyCode::BackTab => return Some(Action::PreviousField),
        KeyCode::Up => return Some(Action::Up),
        KeyCode::Down => return Some(Action::Down),
        KeyCode::Enter => return Some(Action::Submit),
        _ => {}
    }
    if let Some(p) = &app.popup {
        return popup_key(p, key);
    }
    // The screen's own keys (the contact form's Ctrl-T, the statistics' digits …), also
    // while typing.
    if let Some(action) = app.screen.key(key) {
        return Some(action);
    }
    if app.typing() {
        return to_input_request(event).map(Action::Edit);
    }
    match key.code {
        KeyCode::Char('?') => Some(Action::Help),
        KeyCode::Char('q') => Some(Action::Quit),
        KeyCode::Char('o') => Some(Action::GoOverview),
        KeyCode::Char('f') => Some(Action::GoNights),
        KeyCode::Char('n') => Some(Action::NewNight),
        KeyCode::Char('c') => Some(Action::NewContact),
        KeyCode::Char('s') => Some(Action::GoStatistics),
        KeyCode::Char('m') => Some(Action::GoMerge),
        KeyCode::Char('x') => Some(Action::DisableUser),
        KeyCode::Char('a') => Some(Action::GoAudit),
        KeyCode::Char('u') => Some(Action::GoUsers),
        KeyCode::Char('i') => Some(Action::GoActivities),
        KeyCode::Char('e') => Some(Action::EditContact),
        KeyCode::Char('d') => Some(Action::DeleteContact),
        KeyCode::Char('p') => Some(Action::TogglePublished),
        KeyCode::Char(' ') => Some(Action::Toggle),
        KeyCode::Left | KeyCode::Char('h') => Some(Action::Left),
        KeyCode::Right | KeyCode::Char('l') => Some(Action::Right),
        KeyCode::Char('k') => Some(Action::Up),
        KeyCode::Char('j') => Some(Action::Down),
        _ => None,
    }
}

fn popup_key(p: &Popup, key: &KeyEvent) -> Option<Action> {
    match (p, key.code) {
        (Popup::Help, KeyCode::Char('?')) => Some(Action::Help),
        (Popup::Help, KeyCode::Char('q')) => Some(Action::Quit),
        (_, KeyCode::Char('y' | 'j' | 'Y' | 'J')) => Some(Action::Yes),
        (_, KeyCode::Char('n' | 'N')) => Some(Action::No),
        _ => None,
    }
}
