//! Crash safety: `import`, `rekey`, `forget` and `purge` killed with SIGKILL at random moments
//! leave the database exactly as it was before or as it is after, every contact still decrypts
//! (export succeeds), statistics run, `uppsok audit` passes, and the audit chain verifies.
//!
//! The moments are drawn from a seed printed by each test (set UPPSOK_CRASH_SEED to replay).

mod common;
use common::*;

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use uppsok::crypto::Passphrase;

fn seed() -> u64 {
    let s = std::env::var("UPPSOK_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("UPPSOK_CRASH_SEED={s}");
    s
}

fn std_cmd(db: &Db) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("uppsok"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", db.dir.path())
        .env("UPPSOK_INSECURE_TEST_KDF", "1")
        .env("UPPSOK_DB", &db.path)
        .env("LANG", "C")
        .env("UPPSOK_USER", ADMIN)
        .env("UPPSOK_PASSPHRASE", PASS)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

/// Runs the command to the end; returns how long it took.
fn time_it(db: &Db, args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = std_cmd(db).args(args).status().unwrap();
    assert!(status.success(), "{args:?} failed");
    start.elapsed()
}

/// Starts the command and kills it with SIGKILL after `after`. True if it was killed before
/// it finished.
fn kill_after(db: &Db, args: &[&str], after: Duration) -> bool {
    let mut child = std_cmd(db).args(args).spawn().unwrap();
    let deadline = Instant::now() + after;
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            return false;
        }
        if Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    let _ = child.wait();
    true
}

/// What a database holds, as the admin sees it: the export (without pseudonyms, which a rekey
/// changes on purpose), the key version, and the audit chain verified. Panics if anything
/// does not decrypt or verify.
fn state(db: &Db) -> (Vec<serde_json::Value>, String) {
    let o = db
        .cmd()
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "export failed: {}", stderr(&o));
    let mut rows: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    for r in &mut rows {
        r.as_object_mut().unwrap().remove("person_code");
    }
    db.cmd().arg("stats").assert().success();
    let audit = db
        .cmd()
        .args(["audit", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        audit.status.success(),
        "the audit fails after the crash: {}",
        String::from_utf8_lossy(&audit.stdout)
    );
    let mut v = uppsok::vault::Vault::unlock(&db.path, ADMIN, &Passphrase::new(PASS.into()))
        .expect("unlock after the crash");
    v.audit()
        .verify_chain()
        .unwrap()
        .expect("the audit chain verifies after the crash");
    let kv = db
        .sql_value("SELECT value FROM meta WHERE key = 'key_version'")
        .expect("the key version");
    (rows, kv)
}

fn contacts_csv(rows: usize, seed: u64) -> String {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut s = HEADER.to_string();
    for i in 0..rows {
        let year = rng.gen_range(2005..2024);
        let code = if rng.gen_bool(0.15) {
            String::new()
        } else {
            format!("p{}", rng.gen_range(0..rows / 6 + 1))
        };
        s.push_str(&format!(
            "{year}-0{}-1{},{code},sells,woman,25-34,men,norrmalm,outreach,,no,anteckning nummer {i}\n",
            rng.gen_range(1..10),
            rng.gen_range(0..10)
        ));
    }
    s
}

/// Kills `args` at random moments on copies of `base`; each time the state must be `before`
/// or `after` (as `state` sees it).
fn crash_at_random(base: &Db, args: &[&str], rounds: usize, rng: &mut impl Rng) {
    let before = state(&base.copy());
    let full = {
        let db = base.copy();
        let t = time_it(&db, args);
        (state(&db), t)
    };
    let (after, took) = full;
    assert_ne!(
        before, after,
        "{args:?} changed nothing: the test would prove nothing"
    );
    let mut killed = 0;
    for _ in 0..rounds {
        let db = base.copy();
        let at = Duration::from_secs_f64(took.as_secs_f64() * rng.gen_range(0.05..1.1));
        if kill_after(&db, args, at) {
            killed += 1;
        }
        let now = state(&db);
        assert!(
            now == before || now == after,
            "{args:?} killed after {at:?}: the database is neither the state before nor after"
        );
    }
    eprintln!("{args:?}: {killed} of {rounds} runs killed mid-way (full run {took:?})");
}

#[test]
fn import_killed_at_random_leaves_before_or_after() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed());
    let base = Db::new();
    base.import(&contacts_csv(300, 1));
    let f = base.file("more.csv", &contacts_csv(30_000, 2));
    let args = ["import", f.to_str().unwrap()];
    crash_at_random(&base, &args, 6, &mut rng);
}

#[test]
fn rekey_forget_and_purge_killed_at_random_leave_before_or_after() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed());
    let base = Db::new();
    base.add_user("olle", "outreach");
    let o = base.import(&contacts_csv(12_000, 3));
    assert!(o.status.success(), "{}", stderr(&o));
    crash_at_random(&base, &["rekey", "--yes"], 5, &mut rng);
    crash_at_random(&base, &["user", "disable", "olle", "--yes"], 3, &mut rng);
    crash_at_random(&base, &["forget", "--code", "p7", "--yes"], 3, &mut rng);
    crash_at_random(
        &base,
        &["purge", "--notes-before", "2015-01-01", "--yes"],
        5,
        &mut rng,
    );
}
