//! SQLCipher's own cost, apart from uppsok's: the same bulk insert and the same GROUP BY on a
//! plain SQLite database and on one encrypted by SQLCipher, with the very library build uppsok
//! links (rusqlite's bundled SQLCipher and OpenSSL). Used by bench/run.py; see
//! docs/performance.md.
//!
//! Usage: sqlcipher_overhead ROWS DIR  (prints one line of JSON)

use std::time::Instant;

use rusqlite::Connection;

fn run(path: &std::path::Path, key: Option<&str>, rows: u64) -> (f64, f64) {
    let _ = std::fs::remove_file(path);
    let conn = Connection::open(path).expect("open");
    if let Some(k) = key {
        conn.execute_batch(&format!("PRAGMA key = \"x'{k}'\";"))
            .expect("key");
    }
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE contacts (id INTEGER PRIMARY KEY, date TEXT NOT NULL, person INTEGER,
                                attributes BLOB NOT NULL, note BLOB NOT NULL);",
    )
    .expect("schema");
    let started = Instant::now();
    {
        let tx = conn.unchecked_transaction().expect("begin");
        let mut st = tx
            .prepare(
                "INSERT INTO contacts (date, person, attributes, note) VALUES (?1, ?2, ?3, ?4)",
            )
            .expect("prepare");
        // Rows shaped like uppsok's: a date, a person, a 42-byte and a 65-byte envelope.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..rows {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let date = format!(
                "{:04}-{:02}-{:02}",
                2004 + x % 21,
                1 + (x >> 8) % 12,
                1 + (x >> 16) % 28
            );
            let attributes: Vec<u8> = (0..42).map(|j| (x >> (j % 8)) as u8).collect();
            let note: Vec<u8> = (0..65).map(|j| (x >> (j % 7)) as u8 ^ i as u8).collect();
            st.execute(rusqlite::params![
                date,
                (x % (rows / 8 + 1)) as i64,
                attributes,
                note
            ])
            .expect("insert");
        }
        drop(st);
        tx.commit().expect("commit");
    }
    // Closing checkpoints the WAL into the database: part of what a write costs.
    drop(conn);
    let insert = started.elapsed().as_secs_f64();
    let conn = Connection::open(path).expect("open");
    if let Some(k) = key {
        conn.execute_batch(&format!("PRAGMA key = \"x'{k}'\";"))
            .expect("key");
    }
    let started = Instant::now();
    let mut st = conn
        .prepare(
            "SELECT substr(date, 1, 4), count(*), count(DISTINCT person) FROM contacts GROUP BY 1",
        )
        .expect("prepare");
    let n = st.query_map([], |_| Ok(())).expect("query").count();
    assert!(n > 0);
    let query = started.elapsed().as_secs_f64();
    (insert, query)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows: u64 = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(100_000);
    let dir = std::path::PathBuf::from(args.get(2).cloned().unwrap_or_else(|| ".".into()));
    let (pi, pq) = run(&dir.join("overhead-plain.db"), None, rows);
    let key = "5a".repeat(32);
    let (ci, cq) = run(&dir.join("overhead-sqlcipher.db"), Some(&key), rows);
    for f in ["overhead-plain.db", "overhead-sqlcipher.db"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    println!(
        "{{\"rows\":{rows},\"insert_plain\":{pi:.3},\"insert_sqlcipher\":{ci:.3},\"group_by_plain\":{pq:.3},\"group_by_sqlcipher\":{cq:.3}}}"
    );
}
