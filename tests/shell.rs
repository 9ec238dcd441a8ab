//! `uppsok completions` and `uppsok man`, as a user installs them.

mod common;

use common::{stderr, stdout, Db};

#[test]
fn completions_are_written_for_every_shell_and_bash_loads_them() {
    let db = Db::empty();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = db.bare().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for word in ["stats", "import", "passphrase-file", "lang"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    // Loaded into a real bash, the function completes `uppsok st` to `stats`.
    let out = db.bare().args(["completions", "bash"]).output().unwrap();
    let script = db.file("uppsok.bash", &stdout(&out));
    let probe = format!(
        "source {}; COMP_WORDS=(uppsok st); COMP_CWORD=1; COMP_LINE='uppsok st'; COMP_POINT=9; _uppsok uppsok st uppsok; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &probe])
        .output()
        .unwrap();
    let words = String::from_utf8_lossy(&out.stdout);
    assert!(words.lines().any(|w| w == "stats"), "{words}");
    // A shell uppsok does not know is refused by the argument parser (exit 2).
    let out = db.bare().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_is_written_to_standard_output_or_one_page_per_command_to_a_directory() {
    let db = Db::empty();
    let out = db.bare().arg("man").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH uppsok 1"), "{page}");
    assert!(page.contains("stats"), "the commands are listed");
    let dir = db.dir.path().join("man1");
    std::fs::create_dir(&dir).unwrap();
    let out = db.bare().args(["man", "--dir"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    for name in [
        "uppsok.1",
        "uppsok-stats.1",
        "uppsok-add.1",
        "uppsok-audit.1",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(text.contains(".SH NAME"), "{name}");
    }
    let add = std::fs::read_to_string(dir.join("uppsok-add.1")).unwrap();
    assert!(
        add.contains("\\-\\-concern"),
        "every option of the command is on its page"
    );
    // A directory that is not there: a clear error, exit 1, nothing written.
    let out = db
        .bare()
        .args(["man", "--dir"])
        .arg(db.dir.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Cannot write"), "{}", stderr(&out));
}
