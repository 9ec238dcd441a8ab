#!/usr/bin/env python3
"""Suppression against the cell key method on the demo data (docs/statistics.md, "Choosing
between them"): for ten tables of one year, how many figures suppression hides, and how far the
cell key method moves them.

Usage: bench/compare_methods.py DEMO_DB [--year Y]
  DEMO_DB  a database made by `uppsok --db DEMO_DB demo --no-tui` (user and passphrase `demo`)
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLES = ["role", "gender", "age_band", "district", "contact_type", "role,gender",
          "gender,district", "role,district", "age_band,gender", "role,gender,counterpart"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--year", default="2025")
    a = ap.parse_args()
    binary = os.path.join(ROOT, "target", "release", "uppsok")
    env = dict(os.environ, UPPSOK_PASSPHRASE="demo")
    # One copy of the database per method: the publication register refuses one period
    # published by both methods (docs/statistics.md), as a unit would choose one.
    tmp = tempfile.mkdtemp()
    copies = {}
    for method in ("suppress", "cellkey"):
        copies[method] = os.path.join(tmp, method + ".db")
        for suffix in ("", ".keys"):
            if os.path.exists(a.db + suffix):
                shutil.copyfile(a.db + suffix, copies[method] + suffix)

    def run(args, method="suppress"):
        r = subprocess.run([binary, "--db", copies[method], "--user", "demo", "stats",
                            "--format", "json", "--year", a.year] + args,
                           capture_output=True, text=True, env=env)
        if r.returncode:
            sys.exit(r.stderr)
        return json.loads(r.stdout)

    print("| table | figures | suppression: hidden | cell key: mean absolute deviation "
          "| cell key: changed | cell key: largest change |")
    print("|---|---:|---:|---:|---:|---:|")
    all_cells = all_hidden = all_changed = 0
    all_dev = 0
    for t in TABLES:
        e = run(["--by", t])
        s = run(["--by", t, "--publish", "--method", "suppress"])
        c = run(["--by", t, "--publish", "--method", "cellkey"], "cellkey")
        cells = hidden = 0
        dev = []
        for ge, gs, gc in list(zip(e["groups"], s["groups"], c["groups"])) + [(e, s, c)]:
            for f in ("contacts", "individuals"):
                cells += 1
                hidden += gs[f] is None
                dev.append(abs(gc[f] - ge[f]))
        changed = sum(1 for d in dev if d)
        print("| %s | %d | %d (%.0f %%) | %.2f | %d | %d |" % (
            t, cells, hidden, 100 * hidden / cells, sum(dev) / len(dev), changed, max(dev)))
        all_cells += cells
        all_hidden += hidden
        all_changed += changed
        all_dev += sum(dev)
    print("| all | %d | %d (%.0f %%) | %.2f | %d | |" % (
        all_cells, all_hidden, 100 * all_hidden / all_cells, all_dev / all_cells, all_changed))
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
