//! The `uppsok` binary: parse arguments, run, map errors to exit statuses (CONTRACT.md).

use clap::Parser;

fn main() {
    // No core dumps, not dumpable, private files: before anything is read or opened.
    uppsok::harden_process();
    #[cfg(unix)]
    // `uppsok export | head` ends quietly when the reader goes away, as other command-line
    // tools do, instead of failing to print.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = uppsok::cli::Cli::parse();
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
