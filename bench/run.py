#!/usr/bin/env python3
"""Speed and memory of uppsok against plain SQLite on the same data.

Generates a contact CSV (deterministic), then measures in one run:
  * `uppsok import` against the sqlite3 shell's `.import` into a plain table;
  * `uppsok stats --by role,gender` against the equivalent GROUP BY with count(distinct)
    in plain SQLite;
  * `uppsok stats --by year,district,role` against the equivalent plain-SQLite GROUP BY;
  * `uppsok estimate --by year` against Chao1 per year computed in plain SQL;
  * `uppsok report --format html` (all years) against a plain `uppsok stats`;
  * SQLCipher's own cost (examples/sqlcipher_overhead.rs): the same bulk insert and GROUP BY on a
    plain and on an encrypted database, with the library build uppsok links;
  * disclosure control on a counted table (examples/publish_speed.rs): suppression with all its
    linked tables, and the cell key method, for one to four dimensions;
and prints wall time, peak memory (max RSS of the process) and the ratios.

Usage: bench/run.py [--rows N] [--smoke] [--keep DIR]
  --rows N   contacts to generate (default 1,000,000)
  --smoke    a quick run on 5,000 rows (CI); checks that everything works, figures mean little
"""
import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLUMNS = ["date", "person_code", "role", "gender", "age_band", "counterpart", "district",
           "contact_type", "referrals", "trafficking", "note"]
ROLES = ["sells"] * 8 + ["buys"] * 3 + ["other", "unknown"]
GENDERS = ["woman"] * 8 + ["man"] * 3 + ["trans", "nonbinary", "unknown"]
AGES = ["under18", "18-24", "25-34", "25-34", "35-44", "45-54", "55+", "unknown"]
COUNTERPARTS = ["men", "men", "men", "women", "both", "unknown"]
DISTRICTS = ["bromma", "enskede-arsta-vantor", "farsta", "hagersten-alvsjo", "hasselby-vallingby",
             "kungsholmen", "norrmalm", "rinkeby-kista", "skarholmen", "skarpnack", "spanga-tensta",
             "sodermalm", "ostermalm", "online", "outside", "unknown"]
TYPES = ["outreach", "outreach", "online", "counselling", "medical", "police", "other"]
REFERRALS = ["health", "addiction", "housing", "police", "migration", "legal", "shelter", "other"]
NOTES = ["", "", "samtal om boende", "delade ut kondomer och information",
         "bokade tid för samtalsstöd nästa vecka", "ville inte prata länge, återkommer kanske",
         "hänvisad till mottagningen för provtagning", "orolig för sin situation, erbjöds stöd"]


def generate(path, rows, seed=1):
    rnd = random.Random(seed)
    persons = max(rows // 8, 10)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for _ in range(rows):
            year = rnd.randint(2004, 2024)
            date = "%04d-%02d-%02d" % (year, rnd.randint(1, 12), rnd.randint(1, 28))
            code = "" if rnd.random() < 0.15 else "p%06d" % rnd.randrange(persons)
            refs = ";".join(sorted(rnd.sample(REFERRALS, rnd.choice([0, 0, 0, 1, 1, 2]))))
            note = rnd.choice(NOTES)
            w.writerow([date, code, rnd.choice(ROLES), rnd.choice(GENDERS), rnd.choice(AGES),
                        rnd.choice(COUNTERPARTS), rnd.choice(DISTRICTS), rnd.choice(TYPES),
                        refs, "yes" if rnd.random() < 0.03 else "no", note])


def measure(argv, env=None, stdin=None, stdout=subprocess.DEVNULL):
    """Runs a process; returns (seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    err = p.stderr.read().decode("utf-8", "replace")
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(argv), err))
    return elapsed, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--keep", help="keep the generated files in this directory")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median)")
    a = ap.parse_args()
    rows = 5000 if a.smoke else a.rows
    repeat = 1 if a.smoke else max(1, a.repeat)

    subprocess.run(["cargo", "build", "--release", "--quiet", "--locked"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--locked", "--example",
                    "sqlcipher_overhead"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--locked", "--example",
                    "publish_speed"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "uppsok")
    work = a.keep or tempfile.mkdtemp(prefix="uppsok-bench-")
    os.makedirs(work, exist_ok=True)
    csv_path = os.path.join(work, "contacts.csv")
    db = os.path.join(work, "uppsok.db")
    plain = os.path.join(work, "plain.db")
    for p in (db, db + "-wal", db + "-shm", db + ".keys", db + ".keys.prev", plain):
        if os.path.exists(p):
            os.remove(p)

    t0 = time.perf_counter()
    generate(csv_path, rows)
    print("generated %d contacts (%.1f MB) in %.1f s" % (rows, os.path.getsize(csv_path) / 1e6,
                                                        time.perf_counter() - t0))
    env = dict(os.environ, UPPSOK_DB=db, UPPSOK_USER="bench",
               UPPSOK_PASSPHRASE="benchmark passphrase")
    env.pop("UPPSOK_INSECURE_TEST_KDF", None)

    def fresh():
        for p in (db, db + "-wal", db + "-shm", db + ".keys", db + ".keys.prev", plain):
            if os.path.exists(p):
                os.remove(p)
        measure([binary, "init"], env)

    def median(runs):
        runs = sorted(runs)
        return runs[len(runs) // 2]

    imports, plain_imports = [], []
    for _ in range(repeat):
        fresh()
        imports.append(measure([binary, "import", csv_path], env))
        plain_imports.append(measure(["sqlite3", plain], stdin=open_script(
            work, ".mode csv\n.import '%s' contacts\n" % csv_path)))
    results = [("import",) + median(imports) + median(plain_imports)]

    query = ("SELECT role, gender, count(*), count(DISTINCT nullif(person_code, '')) "
             "FROM contacts GROUP BY role, gender;\n")
    stats = [measure([binary, "stats", "--by", "role,gender", "--format", "json"], env)
             for _ in range(repeat)]
    plain_stats = [measure(["sqlite3", plain], stdin=open_script(work, query))
                   for _ in range(repeat)]
    results.append(("stats --by role,gender",) + median(stats) + median(plain_stats))

    # Issue 5: stats by three dimensions, the population estimate per year, and the report.
    q3 = ("SELECT substr(date, 1, 4) AS y, district, role, count(*), "
          "count(DISTINCT nullif(person_code, '')) FROM contacts GROUP BY y, district, role;\n")
    t3 = [measure([binary, "stats", "--by", "year,district,role", "--format", "json"], env)
          for _ in range(repeat)]
    p3 = [measure(["sqlite3", plain], stdin=open_script(work, q3)) for _ in range(repeat)]
    results.append(("stats --by year,district,role",) + median(t3) + median(p3))

    # Chao1 per year in plain SQL: distinct dates per person and year, then S, f1, f2.
    qe = ("WITH occ AS (SELECT substr(date, 1, 4) AS y, person_code, count(DISTINCT date) AS k "
          "FROM contacts WHERE person_code != '' GROUP BY y, person_code) "
          "SELECT y, count(*) AS s, sum(k = 1) AS f1, sum(k = 2) AS f2, "
          "count(*) + sum(k = 1) * (sum(k = 1) - 1) / (2.0 * (sum(k = 2) + 1)) "
          "FROM occ GROUP BY y;\n")
    te = [measure([binary, "estimate", "--by", "year", "--format", "json"], env)
          for _ in range(repeat)]
    pe = [measure(["sqlite3", plain], stdin=open_script(work, qe)) for _ in range(repeat)]
    results.append(("estimate --by year",) + median(te) + median(pe))

    # The report for all years against a plain `stats` (the target is a ratio to uppsok itself).
    tr = [measure([binary, "report", "--format", "html"], env) for _ in range(repeat)]
    ts = [measure([binary, "stats", "--format", "json"], env) for _ in range(repeat)]
    results.append(("report (vs plain stats)",) + median(tr) + median(ts))

    print()
    print("%-30s %10s %10s %10s %10s %8s" % ("task", "uppsok s", "MiB", "sqlite s", "MiB", "ratio"))
    for name, t, m, ts, ms in results:
        print("%-30s %10.2f %10.1f %10.2f %10.1f %7.2fx" % (name, t, m, ts, ms, t / ts))
    print("\nrows: %d; median of %d runs; database %.1f MB, plain %.1f MB" % (
        rows, repeat, os.path.getsize(db) / 1e6, os.path.getsize(plain) / 1e6))

    # SQLCipher's own cost: plain SQLite and SQLCipher, same library build, same rows.
    overhead = os.path.join(ROOT, "target", "release", "examples", "sqlcipher_overhead")
    runs = []
    for _ in range(repeat):
        out = subprocess.run([overhead, str(rows), work], check=True, capture_output=True)
        runs.append(json.loads(out.stdout))
    o = {k: median([r[k] for r in runs]) for k in runs[0]}
    print("\nSQLCipher's own cost (same library, %d rows, median of %d):" % (rows, repeat))
    print("  bulk insert: plain %.2f s, SQLCipher %.2f s (%.2fx)" % (
        o["insert_plain"], o["insert_sqlcipher"], o["insert_sqlcipher"] / o["insert_plain"]))
    print("  GROUP BY:    plain %.2f s, SQLCipher %.2f s (%.2fx)" % (
        o["group_by_plain"], o["group_by_sqlcipher"],
        o["group_by_sqlcipher"] / max(o["group_by_plain"], 1e-6)))

    # Disclosure control on tables already counted (one year of the synthetic contacts).
    speed = os.path.join(ROOT, "target", "release", "examples", "publish_speed")
    out = subprocess.run([speed, str(min(rows, 200000)), str(3 if a.smoke else 9)], check=True,
                         capture_output=True)
    p = json.loads(out.stdout)
    print("\nPublishing a counted table (median, ms): suppression with all linked tables, "
          "cell key method; then suppression with the attacker's check (one run) and its verdict")
    for name, v in p.items():
        print("  %-30s %5d groups %10.3f %10.3f %10.1f  %s" % (
            name, v["groups"], v["suppress_ms"], v["cellkey_ms"], v["checked_ms"], v["verdict"]))
    if not a.keep:
        shutil.rmtree(work)


def open_script(work, text):
    path = os.path.join(work, "script.sql")
    with open(path, "w") as f:
        f.write(text)
    return open(path)


if __name__ == "__main__":
    main()
