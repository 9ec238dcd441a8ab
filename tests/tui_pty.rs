//! The main path, end to end, in a real pseudo-terminal: the real binary draws with crossterm
//! into a pty, a vt100 parser reads the screen back, and keys are typed as bytes. Builds the
//! demo, starts a field night, logs three contacts (a new person, the same person returning
//! with prefill, an unidentified under-18 contact), quits, then checks that `uppsok stats` and
//! `uppsok export` see exactly those three.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Db;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use serde_json::Value;

struct Pty {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Pty {
    fn spawn(db: &Db, args: &[&str]) -> Pty {
        Self::spawn_with(db, args, &[])
    }

    fn spawn_with(db: &Db, args: &[&str], env: &[(&str, &str)]) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_uppsok"));
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", db.dir.path());
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C");
        cmd.env("UPPSOK_INSECURE_TEST_KDF", "1");
        cmd.env("UPPSOK_DB", &db.path);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(args);
        let child = pty.slave.spawn_command(cmd).expect("spawn uppsok");
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let writer: Arc<Mutex<Box<dyn Write + Send>>> =
            Arc::new(Mutex::new(pty.master.take_writer().expect("writer")));
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let (s, w) = (screen.clone(), writer.clone());
        std::thread::spawn(move || {
            // Keeps the master open as long as the reader runs.
            let _master = pty.master;
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let chunk = &buf[..n];
                        // The terminal may be asked where the cursor is: answer as a terminal would.
                        if chunk.windows(4).any(|x| x == b"\x1b[6n") {
                            let mut w = w.lock().unwrap();
                            let _ = w.write_all(b"\x1b[1;1R");
                            let _ = w.flush();
                        }
                        s.lock().unwrap().process(chunk);
                    }
                }
            }
        });
        Pty {
            screen,
            writer,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text`.
    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if self.contents().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the screen never showed {text:?}; it shows:\n{}",
            self.contents()
        );
    }

    fn send(&self, bytes: &str) {
        let mut w = self.writer.lock().unwrap();
        w.write_all(bytes.as_bytes()).unwrap();
        w.flush().unwrap();
        drop(w);
        // A lone Esc must not run into the next key (it would read as Alt+key).
        std::thread::sleep(Duration::from_millis(120));
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return s;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!(
            "uppsok did not exit; the screen shows:\n{}",
            self.contents()
        );
    }
}

const TAB: &str = "\t";
const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const CTRL_S: &str = "\x13";
const CTRL_P: &str = "\x10";

fn demo_json(db: &Db, args: &[&str]) -> Value {
    let out = db.cmd_as("demo", "demo").args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn n(v: &Value, k: &str) -> i64 {
    v[k].as_i64().unwrap_or_else(|| panic!("{k} in {v}"))
}

#[test]
fn a_field_night_logged_in_the_interface_is_what_stats_and_export_see() {
    let db = Db::empty();
    // Without a terminal `demo` builds, prints and ends (it opens the interface only at one).
    let built = db.bare().arg("demo").output().expect("build the demo");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    assert!(String::from_utf8_lossy(&built.stdout).contains("passphrase: demo"));
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let stats_args = [
        "stats", "--from", &today, "--to", &today, "--format", "json",
    ];
    let before = demo_json(&db, &stats_args);
    let nights_before = demo_json(&db, &["export", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["field_night"].as_i64())
        .max()
        .unwrap_or(0);

    let mut ui = Pty::spawn(&db, &["demo"]);
    ui.wait_for("Overview");
    ui.wait_for("demo (admin)");
    // A new field night in Södermalm, today, two staff.
    ui.send("n");
    ui.wait_for("New field night");
    ui.send("sod");
    ui.send(TAB);
    ui.send(ENTER);
    ui.wait_for("field night");
    ui.wait_for("0 logged");
    // 1: a new person.
    ui.send("ZQ-e2e 1");
    ui.wait_for("new person");
    for (text, _field) in [
        ("s", "role"),
        ("w", "gender"),
        ("25", "age band"),
        ("m", "counterpart"),
    ] {
        ui.send(TAB);
        ui.send(text);
    }
    ui.send(CTRL_S);
    ui.wait_for("1 logged");
    // 2: the same person returns; the form says so and prefills.
    ui.send("zqe2e1");
    ui.wait_for("known person: 1 earlier contacts");
    ui.send(CTRL_P);
    ui.send(CTRL_S);
    ui.wait_for("2 logged");
    // 3: no code, under 18: the form asks whether a report of concern is made.
    for text in ["", "s", "w", "und", "will", "m"] {
        ui.send(text);
        ui.send(TAB);
    }
    ui.send(CTRL_S);
    ui.wait_for("3 logged");
    // Leave the form (nothing unsaved, so no question) and quit.
    ui.send(ESC);
    ui.wait_for("Field nights");
    ui.send("q");
    let status = ui.wait_exit();
    assert!(status.success(), "exit status {status:?}");

    let after = demo_json(&db, &stats_args);
    assert_eq!(n(&after, "contacts"), n(&before, "contacts") + 3);
    assert_eq!(
        n(&after, "unidentified_contacts"),
        n(&before, "unidentified_contacts") + 1
    );
    assert_eq!(n(&after, "individuals"), n(&before, "individuals") + 1);
    assert_eq!(
        n(&after, "new_individuals"),
        n(&before, "new_individuals") + 1
    );
    assert_eq!(n(&after, "field_nights"), n(&before, "field_nights") + 1);

    let export = demo_json(&db, &["export", "--format", "json"]);
    let ours: Vec<&Value> = export
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["field_night"].as_i64().is_some_and(|f| f > nights_before))
        .collect();
    assert_eq!(ours.len(), 3, "{ours:?}");
    for c in &ours {
        assert_eq!(c["date"], today.as_str());
        assert_eq!(c["district"], "sodermalm");
        assert_eq!(c["contact_type"], "outreach");
        assert_eq!(c["role"], "sells");
        assert_eq!(c["gender"], "woman");
        assert_eq!(c["counterpart"], "men");
    }
    let code = ours[0]["person_code"].as_str().unwrap();
    assert_eq!(code.len(), 64, "a pseudonym, never the code");
    assert_eq!(ours[1]["person_code"], code, "the same person returned");
    assert_eq!(ours[0]["age_band"], "25-34");
    assert_eq!(ours[1]["age_band"], "25-34", "prefilled");
    assert_eq!(ours[2]["person_code"], "");
    assert_eq!(ours[2]["age_band"], "under18");
}

#[test]
fn a_paste_stays_in_its_field_and_a_sigterm_restores_the_terminal() {
    // Seen: a pasted line break saved the contact; killing the process with SIGTERM or SIGHUP
    // left the terminal in the alternate screen.
    for signal in [libc::SIGTERM, libc::SIGHUP] {
        let db = Db::new();
        let mut ui = Pty::spawn_with(
            &db,
            &["tui"],
            &[
                ("UPPSOK_USER", common::ADMIN),
                ("UPPSOK_PASSPHRASE", common::PASS),
            ],
        );
        ui.wait_for("Overview");
        assert!(ui.screen.lock().unwrap().screen().alternate_screen());
        assert!(
            ui.screen.lock().unwrap().screen().bracketed_paste(),
            "bracketed paste is on"
        );
        ui.send("c");
        ui.wait_for("Person code");
        // A bracketed paste of two lines into the code field.
        ui.send("\x1b[200~ab85\r\nsecond\x1b[201~");
        ui.wait_for("ab85 second");
        assert!(!ui.contents().contains("Saved"), "{}", ui.contents());
        let pid = ui.child.process_id().expect("a pid") as libc::pid_t;
        // SAFETY: sends a signal to the child this test started.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let status = ui.wait_exit();
        assert!(!status.success(), "ended by the signal: {status:?}");
        // Give the reader thread a moment to take in the last bytes.
        std::thread::sleep(Duration::from_millis(200));
        let screen = ui.screen.lock().unwrap();
        assert!(
            !screen.screen().alternate_screen(),
            "signal {signal}: the terminal is back on its main screen"
        );
        assert!(!screen.screen().bracketed_paste());
        drop(screen);
        // Nothing was logged by the paste.
        let out = db
            .cmd()
            .args(["stats", "--format", "json"])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(n(&v, "contacts"), 0);
    }
}
