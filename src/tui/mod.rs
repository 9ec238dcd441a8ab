//! The terminal interface (ratatui), layered as gitui and ratatui's examples are:
//! `app` holds the state and what each action does (no drawing), `event` turns key presses
//! into actions, `ui` draws the state (no logic), one file per screen; `form` is the forms'
//! logic. The main loop is generic over ratatui's `Backend`, so tests drive it with
//! `TestBackend`; the real terminal is always restored, also after an error or a panic.

pub mod admin;
pub mod app;
pub mod event;
pub mod form;
pub mod person;
pub mod statistics;
pub mod ui;

use std::time::{Duration, Instant};

use crossterm::event::Event;
use ratatui::backend::Backend;
use ratatui::Terminal;

pub use app::App;

use crate::error::{Error, Result};

/// Runs the interface until the user quits: draw, wait for an event (or a second, to lock an
/// idle screen), act. `next_event` returns `None` when there was no event in the time given.
pub fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut next_event: impl FnMut(Duration) -> Result<Option<Event>>,
) -> Result<()> {
    let failed = |e: std::io::Error| Error::Failed(format!("cannot draw the interface: {e}."));
    while !app.quit {
        terminal.draw(|f| ui::draw(f, app)).map_err(failed)?;
        match next_event(Duration::from_secs(1))? {
            Some(ev) => {
                if let Some(action) = event::action_for(app, &ev) {
                    app.update(action);
                }
            }
            None => app.tick(Instant::now()),
        }
    }
    Ok(())
}

/// Reads the next terminal event, waiting at most `timeout`.
pub fn read_terminal_event(timeout: Duration) -> Result<Option<Event>> {
    let failed = |e: std::io::Error| Error::Failed(format!("cannot read the keyboard: {e}."));
    if crossterm::event::poll(timeout).map_err(failed)? {
        Ok(Some(crossterm::event::read().map_err(failed)?))
    } else {
        Ok(None)
    }
}

/// Runs the interface in the real terminal. ratatui's `init` switches to the alternate screen
/// and raw mode and installs a panic hook that restores the terminal; `restore` is called on
/// every way out of the loop.
pub fn run(mut app: App) -> Result<()> {
    let mut terminal = ratatui::try_init()
        .map_err(|e| Error::Failed(format!("cannot open the terminal interface: {e}.")))?;
    let result = run_loop(&mut terminal, &mut app, read_terminal_event);
    ratatui::restore();
    result
}
