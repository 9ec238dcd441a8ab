//! The interface from the command line: without a terminal `uppsok` and `uppsok tui` fail at
//! once with a clear message instead of waiting or drawing into a pipe.

mod common;

use common::Db;

#[test]
fn without_a_terminal_the_interface_fails_at_once_and_says_why() {
    let db = Db::new();
    for args in [vec![], vec!["tui"]] {
        let out = db.cmd().args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("needs a terminal"), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}
