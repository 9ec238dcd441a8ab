//! The unlock screen: user name and masked passphrase. The passphrase is typed into a buffer
//! reserved up front and overwritten when it is taken, when the screen goes and when the app
//! ends; wrong tries are counted and slowed down.

use std::time::{Duration, Instant};

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use tui_input::{Input, InputRequest};
use zeroize::Zeroizing;

use crate::crypto::Passphrase;
use crate::error::Error;
use crate::tui::app::{Action, App, Go, Message};
use crate::tui::keys::{clear, h, help_typing, quit_typing, when, Help, Key::*};
use crate::tui::ui::{centered, input_line, visible};
use crate::vault::Vault;

pub static HELP: &[Help<Unlock>] = &[
    h(&[Tab, BackTab, Up, Down], crate::i18n::Does::UnlockSwitch),
    h(&[Enter, F(2)], crate::i18n::Does::Unlock),
    clear(),
    when(&[Esc], crate::i18n::Does::UnlockQuit, |s, _| !s.locked),
    help_typing(),
    quit_typing(),
];

/// How long to wait after `failures` wrong sign-ins in a row before the next: nothing for the
/// first three (typos happen), then 2, 4, 8 … seconds, at most a minute. Each try also costs
/// the key derivation's time; this makes guessing at an unattended screen slower still.
pub fn unlock_delay(failures: u32) -> Duration {
    match failures {
        0..=3 => Duration::ZERO,
        n => Duration::from_secs((1u64 << (n - 3).min(6)).min(60)),
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

pub struct Unlock {
    pub user: Input,
    pub pass: Input,
    /// 0: the user name, 1: the passphrase.
    pub focus: usize,
    /// Set when the screen was locked for idleness (Esc does not quit then).
    pub locked: bool,
    /// Who was signed in before the lock: their kept forms come back only to them.
    before: Option<String>,
    /// Wrong sign-ins in a row, and when the next try may be made.
    pub failed: u32,
    pub not_before: Option<Instant>,
}

impl Drop for Unlock {
    fn drop(&mut self) {
        wipe(&mut self.pass);
    }
}

impl Unlock {
    /// The first screen: the user name given on the command line, if any.
    pub fn new(user: Option<String>) -> Unlock {
        Unlock {
            focus: usize::from(user.is_some()),
            user: Input::new(user.unwrap_or_default()),
            pass: passphrase_input(),
            locked: false,
            before: None,
            failed: 0,
            not_before: None,
        }
    }

    /// The screen locked for idleness, for the user who was signed in.
    pub fn locked(user: Option<String>) -> Unlock {
        Unlock {
            focus: 1,
            user: Input::new(user.clone().unwrap_or_default()),
            pass: passphrase_input(),
            locked: true,
            before: user,
            failed: 0,
            not_before: None,
        }
    }

    pub fn update(&mut self, app: &mut App, action: Action) -> Go {
        match action {
            Action::Edit(req) => {
                if self.focus == 0 {
                    self.user.handle(req);
                } else {
                    self.pass.handle(req);
                }
            }
            Action::Paste(text) => {
                // A passphrase pasted from a password manager: its characters, never a line
                // break (which would sign in with half of it).
                let line = Zeroizing::new(crate::tui::form::pasted_line(&text));
                let input = if self.focus == 0 {
                    &mut self.user
                } else {
                    &mut self.pass
                };
                for c in line.chars() {
                    input.handle(InputRequest::InsertChar(c));
                }
            }
            Action::NextField | Action::PreviousField | Action::Up | Action::Down => {
                self.focus = 1 - self.focus
            }
            Action::Submit | Action::Save => {
                if self.focus == 0 && self.pass.value().is_empty() {
                    self.focus = 1;
                    return Go::Stay;
                }
                return self.try_unlock(app);
            }
            Action::Back if !self.locked => app.quit = true,
            _ => {}
        }
        Go::Stay
    }

    fn try_unlock(&mut self, app: &mut App) -> Go {
        let name = self.user.value().trim().to_string();
        if name.is_empty() || self.pass.value().is_empty() {
            app.message = Some(Message::Error(app.text().unlock_empty.into()));
            return Go::Stay;
        }
        // After a few wrong tries each next one waits longer; the passphrase typed stays.
        if let Some(at) = self.not_before {
            let now = Instant::now();
            if now < at {
                let secs = (at - now).as_secs_f64().ceil() as u64;
                app.message = Some(Message::Error(format!(
                    "{} {secs} s.",
                    app.text().unlock_wait
                )));
                return Go::Stay;
            }
        }
        let pass = Passphrase::new(std::mem::replace(&mut self.pass, passphrase_input()).into());
        match Vault::unlock(&app.db, &name, &pass) {
            Ok(v) => {
                // A form kept over a lock belongs to the user who typed it: another user
                // signing in puts it aside and gets their own back, if they left one.
                if self.locked && self.before.as_deref() != Some(name.as_str()) {
                    app.switch_drafts(self.before.as_deref(), &name);
                }
                app.message = None;
                self.failed = 0;
                self.not_before = None;
                app.start_session(v);
                // A form kept over a lock comes back; otherwise the overview.
                Go::Back
            }
            // Told apart by what happened, not by its words: only a wrong name or passphrase
            // counts as an attempt and slows the next one down.
            Err(Error::WrongCredentials { .. }) => {
                self.failed += 1;
                let n = self.failed;
                let delay = unlock_delay(n);
                self.not_before = (!delay.is_zero()).then(|| Instant::now() + delay);
                let t = app.text();
                let mut m = format!("{} ({} {n}).", t.unlock_wrong, t.unlock_attempt);
                if !delay.is_zero() {
                    m.push_str(&format!(" {} {} s.", t.unlock_wait, delay.as_secs()));
                }
                app.message = Some(Message::Error(m));
                Go::Stay
            }
            Err(e) => {
                app.error(&e);
                Go::Stay
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame, app: &App, body: Rect) {
        let t = app.text();
        let area = centered(body, 64, 11);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", t.unlock_title));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let lw = t.user.chars().count().max(t.passphrase.chars().count());
        let width = (inner.width as usize).saturating_sub(lw + 6).max(1);
        let (user, user_cursor) = visible(&self.user, width);
        let masked: String = "•".repeat(self.pass.value().chars().count().min(width));
        let mut lines = vec![
            Line::from(format!(
                "  {}: {}",
                t.database,
                app.db
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            )),
            Line::from(""),
            input_line(t.user, lw, &user, self.focus == 0, vec![]),
            input_line(t.passphrase, lw, &masked, self.focus == 1, vec![]),
            Line::from(""),
        ];
        match &app.message {
            Some(Message::Error(m)) => lines.push(Line::from(Span::styled(
                format!("  {}: {m}", t.error),
                Style::new().add_modifier(Modifier::BOLD),
            ))),
            Some(Message::Info(m)) => lines.push(Line::from(format!("  {m}"))),
            None => lines.push(Line::from("")),
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!("  {}", t.unlock_hint),
            Style::new().add_modifier(Modifier::DIM),
        )));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if app.popup.is_none() {
            let (row, col) = if self.focus == 0 {
                (2, user_cursor)
            } else {
                (3, self.pass.value().chars().count().min(width))
            };
            frame.set_cursor_position((inner.x + (lw + 4 + col) as u16, inner.y + row));
        }
    }
}
