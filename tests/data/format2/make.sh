#!/bin/bash
# Makes tests/data/format2/ with the release build of b977827 (the last release of format 2).
set -euo pipefail
umask 077
HERE=$(cd "$(dirname "$0")" && pwd)
U=${U:-/tmp/f2target/release/uppsok}
OUT=${OUT:-/tmp/f2fix}
rm -rf $OUT && mkdir -p $OUT && cd $OUT
export UPPSOK_DB=$OUT/uppsok.db UPPSOK_USER=admin UPPSOK_PASSPHRASE="correct horse battery staple" UPPSOK_NEW_PASSPHRASE="correct horse battery staple" LANG=C
$U init > init.txt
grep -E '^    [A-Z0-9]{5}-' init.txt | tr -d ' ' > recovery-key.txt
$U user add olle --role outreach
$U user add rut --role auditor
$U user add stina --role lead
$U user disable stina --yes
A="--role sells --gender woman --age-band 25-34 --counterpart men --district norrmalm --contact-type outreach"
$U add --date 2024-03-01 $A --code zx77
$U add --date 2024-03-08 $A --code zx77 --note "second visit, asked about housing"
$U add --date 2024-04-01 $A --code qq12
$U add --date 2024-04-02 $A
cp "$HERE/../format1/import.csv" .
$U import import.csv
UPPSOK_USER=olle $U add --date 2024-05-01 $A --code ee55
$U night add --date 2024-02-03 --kind street --district norrmalm --staff 2
$U stats --format json > stats.json
$U export --format json --out export.json
rm -f init.txt uppsok.db-wal uppsok.db-shm
ls -la
