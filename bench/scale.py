#!/usr/bin/env python3
"""How uppsok's cost grows with the size of the database, against plain SQLite.

For each size (cumulative: the database grows from one size to the next by importing more
contacts), measures in the same run:
  * `uppsok import` of the new rows   vs  sqlite3 `.import` of the same CSV into a plain table;
  * `uppsok stats --by year,role`     vs  the GROUP BY with count(DISTINCT) on the plain table;
  * `uppsok audit --format json`      vs  `PRAGMA integrity_check` on the plain table (the
                                          nearest plain equivalent: plain SQLite has no MACs);
  * `uppsok rekey`                    vs  an UPDATE rewriting every row of the plain table
                                          (`randomblob` of the same size) in one transaction;
with wall time and peak memory (max RSS, from wait4) of each process.

Usage: bench/scale.py [--sizes 1000000,3000000,10000000] [--keep DIR] [--smoke]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import generate, measure, open_script, ROOT  # noqa: E402


def measure_status(argv, env, ok):
    """Like run.measure, for a command whose exit status may be any of `ok` (audit: 1 when a
    check fails); returns (seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        sys.exit("failed: %s\n%s" % (" ".join(argv), p.stderr.read().decode("utf-8", "replace")))
    return elapsed, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000,3000000,10000000")
    ap.add_argument("--keep", help="keep the generated files in this directory")
    ap.add_argument("--smoke", action="store_true", help="sizes 2000,5000: checks the script")
    a = ap.parse_args()
    sizes = [2000, 5000] if a.smoke else [int(s) for s in a.sizes.split(",")]

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "uppsok")
    work = a.keep or tempfile.mkdtemp(prefix="uppsok-scale-")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "uppsok.db")
    plain = os.path.join(work, "plain.db")
    for p in (db, db + "-wal", db + "-shm", db + ".keys", db + ".keys.prev", plain):
        if os.path.exists(p):
            os.remove(p)
    env = dict(os.environ, UPPSOK_DB=db, UPPSOK_USER="bench",
               UPPSOK_PASSPHRASE="benchmark passphrase")
    env.pop("UPPSOK_INSECURE_TEST_KDF", None)
    measure([binary, "init"], env)

    rows = []
    have = 0
    for seed, size in enumerate(sizes, start=1):
        part = os.path.join(work, "part.csv")
        generate(part, size - have, seed=seed)
        have = size
        r = {"size": size}
        r["import"] = measure([binary, "import", part], env)
        r["import_plain"] = measure(["sqlite3", plain], stdin=open_script(
            work, ".mode csv\n.import '%s' contacts\n" % part))
        os.remove(part)
        r["stats"] = measure([binary, "stats", "--by", "year,role", "--format", "json"], env)
        r["stats_plain"] = measure(["sqlite3", plain], stdin=open_script(
            work, "SELECT substr(date, 1, 4) AS year, role, count(*), "
                  "count(DISTINCT nullif(person_code, '')) FROM contacts GROUP BY year, role;\n"))
        r["audit"] = measure_status([binary, "audit", "--format", "json"], env, (0, 1))
        r["audit_plain"] = measure(["sqlite3", plain], stdin=open_script(
            work, "PRAGMA integrity_check;\n"))
        r["rekey"] = measure([binary, "rekey", "--yes"], env)
        r["rekey_plain"] = measure(["sqlite3", plain], stdin=open_script(
            work, "BEGIN; UPDATE contacts SET note = randomblob(length(note) + 33), "
                  "role = randomblob(42); COMMIT;\n"))
        r["db_mb"] = os.path.getsize(db) / 1e6
        rows.append(r)
        print_table(rows)
    if not a.keep:
        shutil.rmtree(work)


def print_table(rows):
    print()
    print("%-10s %-22s %9s %8s %9s %8s %7s" % ("contacts", "task", "uppsok s", "MiB",
                                              "sqlite s", "MiB", "ratio"))
    for r in rows:
        for task, key in (("import (new rows)", "import"), ("stats --by year,role", "stats"),
                          ("audit", "audit"), ("rekey", "rekey")):
            (t, m), (ts, ms) = r[key], r[key + "_plain"]
            print("%-10d %-22s %9.2f %8.1f %9.2f %8.1f %6.2fx" % (
                r["size"], task, t, m, ts, ms, t / ts if ts else float("inf")))
        print("%-10d database %.1f MB" % (r["size"], r["db_mb"]))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
