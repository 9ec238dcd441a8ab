#!/usr/bin/env python3
"""uppsok on PostgreSQL against plain PostgreSQL on the same data and the same server.

Generates the contact CSV of bench/run.py (deterministic), then measures in one run:
  * `uppsok import` into a fresh database on the server  vs  psql's `\\copy` of the same CSV
    into a plain table (text columns, no index) in another database of the same server: once
    connected as the tables' owner, once as an application role with docs/deploy.md's grants
    (either one's bulk load drops the person index and the foreign keys and makes them again);
  * `uppsok stats --by year,role`    vs  the same GROUP BY with count(DISTINCT) on the plain table;
  * `uppsok stats --by role,gender`  vs  the same;
  * `uppsok audit`                   vs  a sequential read of the plain table (plain PostgreSQL
                                         has no MACs to check; the nearest equivalent);
and prints wall time, peak memory of the client process (max RSS; the server's own memory and
time are in the wall time only) and the ratios, and each database's size on the server.

The server is the one UPPSOK_TEST_POSTGRES names (its role must be able to create databases);
run it as `./.ci/with-postgres python3 bench/pg_compare.py`. Loopback or a Unix socket only.

Usage: bench/pg_compare.py [--rows N] [--repeat R] [--smoke]
  --rows N   contacts to generate (default 1,000,000)
  --smoke    a quick run on 5,000 rows (CI): checks that everything works, figures mean little
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import COLUMNS, generate, measure, ROOT  # noqa: E402
from scale import measure_status  # noqa: E402

PASSPHRASE = "benchmark passphrase for the server"


def with_database(url, name):
    """The URL with its database replaced by `name`."""
    p = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((p.scheme, p.netloc, "/" + name, p.query, p.fragment))


def psql(url, sql, capture=False):
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout if capture else None


def psql_script(url, script, work):
    path = os.path.join(work, "script.sql")
    with open(path, "w") as f:
        f.write(script)
    return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", path]


def deploy_grants():
    """The application role's grants, as docs/deploy.md gives them (for uppsok_app)."""
    with open(os.path.join(ROOT, "docs", "deploy.md")) as f:
        blocks = f.read().split("```sql\n")[1:]
    return next(b.split("```")[0] for b in blocks
                if b.startswith("GRANT USAGE ON SCHEMA uppsok TO uppsok_app;"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median)")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    rows = 5000 if a.smoke else a.rows
    repeat = 1 if a.smoke else max(1, a.repeat)
    server = os.environ.get("UPPSOK_TEST_POSTGRES")
    if not server:
        sys.exit("UPPSOK_TEST_POSTGRES is not set: run under ./.ci/with-postgres")

    subprocess.run(["cargo", "build", "--release", "--quiet", "--locked"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "uppsok")
    work = tempfile.mkdtemp(prefix="uppsok-pg-bench-")
    csv_path = os.path.join(work, "contacts.csv")
    generate(csv_path, rows)
    tag = "%d" % os.getpid()
    names = {"uppsok": "uppsok_bench_" + tag, "plain": "plain_bench_" + tag}
    db = with_database(server, names["uppsok"])
    plain = with_database(server, names["plain"])
    env = dict(os.environ, UPPSOK_DB=db, UPPSOK_USER="bench", UPPSOK_PASSPHRASE=PASSPHRASE)
    env.pop("UPPSOK_INSECURE_TEST_KDF", None)

    def fresh(which=("uppsok", "plain")):
        for name in (names[w] for w in which):
            psql(server, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
            psql(server, "CREATE DATABASE %s" % name)
        measure([binary, "init"], env)

    def median(runs):
        runs = sorted(runs)
        return runs[len(runs) // 2]

    columns = ", ".join("%s text" % c for c in COLUMNS)
    copy = ("CREATE TABLE contacts (%s);\n"
            "\\copy contacts FROM '%s' WITH (FORMAT csv, HEADER true)\n" % (columns, csv_path))
    try:
        imports, plain_imports = [], []
        for _ in range(repeat):
            fresh()
            imports.append(measure([binary, "import", csv_path], env))
            plain_imports.append(measure(psql_script(plain, copy, work)))
        results = [("import (tables' owner)",) + median(imports) + median(plain_imports)]

        # The same as the application's role of docs/deploy.md.
        app = "uppsok_bench_app"
        psql(server, "DO $$ BEGIN CREATE ROLE %s; EXCEPTION WHEN duplicate_object THEN NULL; "
                     "END $$" % app)
        sep = "&" if "?" in db else "?"
        app_env = dict(env, UPPSOK_DB=db + sep + "options=-c%20role%3D" + app)
        app_imports = []
        for _ in range(repeat):
            fresh(("uppsok",))
            # The grants of docs/deploy.md (storage::pg::app_grants; tests/docs.rs checks that
            # they are the same).
            psql(db, deploy_grants().replace("uppsok_app", app))
            app_imports.append(measure([binary, "import", csv_path], app_env))
        results.append(("import (application role)",) + median(app_imports)
                       + median(plain_imports))
        def stats(by, group, label):
            query = ("SELECT %s, count(*), count(DISTINCT nullif(person_code, '')) "
                     "FROM contacts GROUP BY %s;\n" % (group, group))
            ours = [measure([binary, "stats", "--by", by, "--format", "json"], env)
                    for _ in range(repeat)]
            theirs = [measure(psql_script(plain, query, work)) for _ in range(repeat)]
            results.append((label,) + median(ours) + median(theirs))

        # Straight after the load, before autovacuum has been: no planner statistics, and no
        # page marked all-visible (an index-only scan reads the table too).
        stats("year,role", "substr(date, 1, 4), role", "stats, before VACUUM")

        # What autovacuum does soon after a load, done now for both: the statistics the
        # planner uses, and the rows' visibility marked. The throwaway cluster commits
        # asynchronously (synchronous_commit=off): until the WAL holding a transaction's commit
        # (and any asynchronous commit of the 31 transaction ids beside it) is on disk, VACUUM
        # may not set the rows' hint bits and marks no page all-visible. A server that commits
        # synchronously has it there already; here the checkpoint puts the load's commit there,
        # and VACUUM's own commits (ANALYZE's) are made synchronous.
        psql(server, "CHECKPOINT")
        synchronous = dict(os.environ, PGOPTIONS="-c synchronous_commit=on")
        for url, tables in ((plain, "contacts"), (db, "uppsok.contacts, uppsok.persons")):
            subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c",
                            "VACUUM ANALYZE " + tables], check=True, env=synchronous)
        pages, visible = (int(x) for x in psql(
            db, "SELECT sum(relpages), sum(relallvisible) FROM pg_class WHERE relkind = 'r' "
                "AND relname IN ('contacts', 'persons') "
                "AND relnamespace::regnamespace::text LIKE 'uppsok%'",
            capture=True).split("|"))
        if visible < pages:
            sys.exit("VACUUM marked %d of %d pages all-visible: the figures after it would "
                     "not be what autovacuum leaves" % (visible, pages))

        for by, group in (("year,role", "substr(date, 1, 4), role"),
                          ("role,gender", "role, gender")):
            stats(by, group, "stats --by " + by)

        # The audit exits 1 when a check fails: on the bench's superuser connection the log
        # guards check does (the server's superuser could rewrite the log), by design.
        audits = []
        for _ in range(repeat):
            audits.append(measure_status([binary, "audit", "--format", "json"], env, (0, 1)))
        scans = [measure(psql_script(plain, "SELECT count(*), sum(length(note)) FROM contacts;\n",
                                     work)) for _ in range(repeat)]
        results.append(("audit (vs a full read)",) + median(audits) + median(scans))

        sizes = {k: int(psql(server, "SELECT pg_database_size('%s')" % n, capture=True).split()[0])
                 for k, n in names.items()}
        print()
        print("%-26s %10s %10s %10s %10s %8s" % ("task", "uppsok s", "MiB", "plain s", "MiB",
                                                 "ratio"))
        for name, t, m, ts, ms in results:
            print("%-26s %10.2f %10.1f %10.2f %10.1f %7.2fx" % (name, t, m, ts, ms, t / ts))
        print("\nrows: %d; median of %d runs; PostgreSQL databases: uppsok %.1f MB, plain %.1f MB"
              % (rows, repeat, sizes["uppsok"] / 1e6, sizes["plain"] / 1e6))
        print("(client MiB is the peak memory of the uppsok process or of psql; the server's "
              "time is in the wall time)")
    finally:
        for name in names.values():
            psql(server, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
