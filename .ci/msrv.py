#!/usr/bin/env python3
"""The true minimum Rust version of uppsok: the highest `rust-version` any crate in the locked
dependency tree of a user's build declares (normal and build dependencies, on this platform),
and uppsok's own. Fails when Cargo.toml's `rust-version` says less (a false promise) or more
(a needless one). `cargo +MSRV check` would need that toolchain, which this machine cannot
fetch; the declared minimums of the locked crates are what decides it, and clippy's
`incompatible_msrv` lint (in `cargo clippy -D warnings`) checks uppsok's own code against
the standard library of that version."""
import json
import subprocess
import sys


def version(v):
    parts = [int(p) for p in v.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


meta = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
root = meta["resolve"]["root"]

# Walk what a `cargo install` builds: every dependency edge that is not dev-only.
seen, todo = set(), [root]
while todo:
    pid = todo.pop()
    if pid in seen:
        continue
    seen.add(pid)
    for dep in nodes[pid]["deps"]:
        kinds = {k["kind"] for k in dep["dep_kinds"]}
        if kinds - {"dev"}:
            todo.append(dep["pkg"])

needed = max(
    (version(packages[p]["rust_version"]), packages[p]["name"])
    for p in seen
    if p != root and packages[p].get("rust_version")
)
declared = packages[root].get("rust_version")
need = ".".join(str(x) for x in needed[0][:2]) if needed[0][2] == 0 else ".".join(
    str(x) for x in needed[0]
)
if declared is None or version(declared) != needed[0]:
    print(
        f"Cargo.toml says rust-version = {declared!r}, but the locked tree needs {need} "
        f"({needed[1]} asks for it); set rust-version = \"{need}\"",
        file=sys.stderr,
    )
    sys.exit(1)
print(f"rust-version {declared} is the true minimum ({needed[1]} needs it)")
