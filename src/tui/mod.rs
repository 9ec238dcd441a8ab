//! The terminal interface (ratatui), layered as gitui and ratatui's examples are: `app` holds
//! the session, the popup and the screen that is up, and routes each action; `event` turns
//! key presses into actions; `screens/` has one file per screen, each owning its state, what
//! its keys do, its drawing (`draw(&self)`, no logic) and the keys its help lists; `ui` draws
//! the frame around them; `form` and `statistics` are the forms' and the statistics
//! choices' logic. The main loop is generic over ratatui's `Backend`, so tests drive it with
//! `TestBackend`; the real terminal is always restored, also after an error or a panic.

pub mod app;
pub mod event;
pub mod form;
pub mod keys;
pub mod screens;
pub mod statistics;
pub mod ui;

use std::time::{Duration, Instant};

use crossterm::event::Event;
use ratatui::backend::Backend;
use ratatui::Terminal;

pub use app::App;

use crate::error::{Error, Result};
use crate::msg::{Msg, TerminalOp};

/// Runs the interface until the user quits: draw, wait for an event (or a second, to lock an
/// idle screen), act. `next_event` returns `None` when there was no event in the time given.
pub fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut next_event: impl FnMut(Duration) -> Result<Option<Event>>,
) -> Result<()> {
    let failed = |e: B::Error| {
        Error::Failed(Msg::Terminal {
            op: TerminalOp::Draw,
            error: e.to_string(),
        })
    };
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
    let failed = |e: std::io::Error| {
        Error::Failed(Msg::Terminal {
            op: TerminalOp::ReadKeys,
            error: e.to_string(),
        })
    };
    if crossterm::event::poll(timeout).map_err(failed)? {
        Ok(Some(crossterm::event::read().map_err(failed)?))
    } else {
        Ok(None)
    }
}

/// Runs the interface in the real terminal. ratatui's `init` switches to the alternate screen
/// and raw mode and installs a panic hook that restores the terminal; `restore` is called on
/// every way out of the loop. Bracketed paste is on, so a paste arrives as text and a line
/// break in it never acts as Enter. SIGTERM and SIGHUP (a `kill`, a closed terminal window or
/// ssh session) end the loop like quitting does: the vault is closed, the terminal restored,
/// and only then does the process end by that signal.
pub fn run(mut app: App) -> Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // The interface owns the terminal: no progress bar may draw on it.
    crate::progress::silence();
    use std::sync::Arc;
    let signalled = Arc::new(AtomicUsize::new(0));
    let mut hooks = Vec::new();
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        let flag = Arc::clone(&signalled);
        // SAFETY: the handler only stores into an atomic, which is async-signal-safe.
        let id = unsafe {
            signal_hook::low_level::register(sig, move || {
                flag.store(sig as usize, Ordering::SeqCst)
            })
        }
        .map_err(|e| {
            Error::Failed(Msg::Terminal {
                op: TerminalOp::WatchSignals,
                error: e.to_string(),
            })
        })?;
        hooks.push(id);
    }
    let mut terminal = ratatui::try_init().map_err(|e| {
        Error::Failed(Msg::Terminal {
            op: TerminalOp::Open,
            error: e.to_string(),
        })
    })?;
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste);
    let result = run_loop(&mut terminal, &mut app, |timeout| {
        if signalled.load(Ordering::SeqCst) != 0 {
            return Err(Error::Failed(Msg::StoppedBySignal));
        }
        // Short waits, so that a signal is seen within a fraction of a second.
        let event = read_terminal_event(timeout.min(Duration::from_millis(250)))?;
        if signalled.load(Ordering::SeqCst) != 0 {
            return Err(Error::Failed(Msg::StoppedBySignal));
        }
        Ok(event)
    });
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
    ratatui::restore();
    for id in hooks {
        signal_hook::low_level::unregister(id);
    }
    let sig = signalled.load(Ordering::SeqCst);
    if sig != 0 {
        // Everything is closed and restored: end as the signal asked, with its status.
        drop(app);
        let _ = signal_hook::low_level::emulate_default_handler(sig as i32);
    }
    result
}
