//! The command line's behaviour (arguments, output, exit status, messages in both languages),
//! pinned as declarative cases in `tests/cmd/` (trycmd): each `.trycmd` file is a console
//! session, run in a fresh copy of its `.in` directory when it has one, and each `.toml` file
//! one command with its own environment. Every command runs with the environment below: user
//! `admin`, a database `u.db` in its directory, cheap key derivation (a debug-build-only switch;
//! a release build uses the real settings), English unless `--lang` says otherwise (the cases
//! assume no UPPSOK_LANG or LC_ALL where the tests run, as in CI).
//! `TRYCMD=overwrite cargo test --test cli_cases` rewrites the expected output after a
//! deliberate change; read the diff before committing it.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin("uppsok", std::path::Path::new(env!("CARGO_BIN_EXE_uppsok")))
        .env("UPPSOK_DB", "u.db")
        .env("UPPSOK_USER", "admin")
        .env("UPPSOK_PASSPHRASE", "correct horse battery staple")
        .env("UPPSOK_INSECURE_TEST_KDF", "1")
        .env("HOME", "/nonexistent")
        .env("LANG", "C")
        .case("tests/cmd/*.trycmd")
        .case("tests/cmd/*.toml");
}
