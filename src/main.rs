//! The `uppsok` binary: parse arguments, run, map errors to exit statuses (CONTRACT.md).

use clap::FromArgMatches;

/// mimalloc: an import and a statistics run allocate and free per row on two threads, which
/// glibc's allocator serialises (a fifth of an import's client time, docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // No core dumps, not dumpable, private files: before anything is read or opened.
    uppsok::harden_process();
    #[cfg(unix)]
    // `uppsok export | head` ends quietly when the reader goes away, as other command-line
    // tools do, instead of failing to print.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // The argument parser's own errors carry the same `uppsok:` prefix as the program's
    // (exit status 2); help and version go to standard output as usual.
    let parsed = uppsok::cli::command(uppsok::cli::help_lang())
        .try_get_matches()
        .and_then(|m| uppsok::cli::Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            let text = e.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            eprint!("uppsok: {}", capitalise(text));
            std::process::exit(2);
        }
    };
    if cli.global.lang.is_none() {
        if let Err(e) = uppsok::i18n::Lang::check_env() {
            eprintln!("uppsok: {e}");
            std::process::exit(2);
        }
    }
    let lang = uppsok::command::lang(&cli.global);
    if let Err(e) = uppsok::cli::run(cli) {
        let text = e.message(lang);
        let text = text.trim_end();
        eprintln!("uppsok: {}", capitalise(text));
        std::process::exit(e.exit_code());
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
