#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on the embedded default: a demo
# province is generated, submitted to a fresh ledger, verified, and its head printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >&2
bash scripts/build.sh >&2
BIN=build/bin/smeledger
DATA=${DEMO_DIR:-demo-data}
rm -rf "$DATA" && mkdir -p "$DATA"
echo "== generate: 300 institutions, 20000 enterprises, 2019" >&2
$BIN generate --institutions 300 --enterprises 20000 --year 2019 --seed 1 > "$DATA/province-2019.jsonl"
wc -l "$DATA/province-2019.jsonl" >&2
echo "== submit" >&2
$BIN --db "$DATA/ledger" submit "$DATA/province-2019.jsonl" --outcomes "$DATA/outcomes.jsonl"
echo "== verify" >&2
VERIFY=$($BIN --db "$DATA/ledger" --format json verify)
echo "$VERIFY"
echo "== head" >&2
POS=$(echo "$VERIFY" | sed -E 's/.*"position":([0-9]+).*/\1/')
$BIN --db "$DATA/ledger" show "$POS"
echo "== quarterly notice 2019-Q3 (季通报)" >&2
$BIN --db "$DATA/ledger" --format table report quarterly --period 2019-Q3
echo "== annual evaluation 2019 (年评价): grades" >&2
$BIN --db "$DATA/ledger" --format table report annual --year 2019
