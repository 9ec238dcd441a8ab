//! Progress on a terminal: a bar (or, when the amount is not known, a spinner with a count)
//! on standard error, cleared when the work ends. Set up only when standard error is a
//! terminal and `--quiet` is not given, so nothing reaches a pipe, a file or a script's log.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::i18n::Lang;
use crate::progress::{Sink, Task};

struct Bar {
    lang: Lang,
    bar: Mutex<Option<ProgressBar>>,
}

fn name(task: Task, lang: Lang) -> &'static str {
    match (lang, task) {
        (Lang::En, Task::Import) => "Importing",
        (Lang::En, Task::Export) => "Exporting",
        (Lang::En, Task::Rekey) => "Re-encrypting",
        (Lang::En, Task::Audit) => "Auditing",
        (Lang::En, Task::Purge) => "Purging notes",
        (Lang::En, Task::Backup) => "Backing up",
        (Lang::En, Task::Upgrade) => "Upgrading",
        (Lang::En, Task::Demo) => "Building the demo",
        (Lang::Sv, Task::Import) => "Importerar",
        (Lang::Sv, Task::Export) => "Exporterar",
        (Lang::Sv, Task::Rekey) => "Krypterar om",
        (Lang::Sv, Task::Audit) => "Granskar",
        (Lang::Sv, Task::Purge) => "Gallrar anteckningar",
        (Lang::Sv, Task::Backup) => "Säkerhetskopierar",
        (Lang::Sv, Task::Upgrade) => "Uppgraderar",
        (Lang::Sv, Task::Demo) => "Bygger demon",
    }
}

impl Sink for Bar {
    fn begin(&self, task: Task, total: Option<u64>) {
        let target = ProgressDrawTarget::stderr_with_hz(10);
        let bar = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), target).with_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {human_pos}/{human_len} ({eta})")
                    .expect("a valid template")
                    .progress_chars("=> "),
            ),
            None => ProgressBar::with_draw_target(None, target).with_style(
                ProgressStyle::with_template("{spinner} {msg} {human_pos} ({elapsed})")
                    .expect("a valid template"),
            ),
        };
        bar.set_message(name(task, self.lang));
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        if let Ok(mut b) = self.bar.lock() {
            *b = Some(bar);
        }
    }

    fn add(&self, n: u64) {
        if let Ok(b) = self.bar.lock() {
            if let Some(bar) = b.as_ref() {
                bar.inc(n);
            }
        }
    }

    fn end(&self) {
        if let Ok(mut b) = self.bar.lock() {
            if let Some(bar) = b.take() {
                bar.finish_and_clear();
            }
        }
    }
}

/// Shows progress on standard error when it is a terminal, unless `quiet`.
pub fn set_up(lang: Lang, quiet: bool) {
    if !quiet && std::io::stderr().is_terminal() {
        crate::progress::set(Box::new(Bar {
            lang,
            bar: Mutex::new(None),
        }));
    }
}
