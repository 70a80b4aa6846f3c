#!/usr/bin/env bash
# Kafka mode end to end on this machine: installs what is missing and builds, starts a
# development broker (Apache Kafka, KRaft, from Maven Central: scripts/kafka-dev.sh), the ledger
# as a service (`serve`) and a read replica (`project`), produces the demo province and waits
# for every line's outcome (`produce --wait`), prints the 2019-Q3 quarterly notice from the
# replica with the notice digests of the replica, of the served ledger and of an embedded
# ledger fed the same file (all three equal), and stops everything it started.
#
#   scripts/kafka-demo.sh                     # ~1M events (300 institutions, 20000 enterprises)
#   DEMO_INSTITUTIONS=40 DEMO_ENTERPRISES=2000 scripts/kafka-demo.sh   # a smaller province
#   KEEP=1 scripts/kafka-demo.sh              # keep the directory (ledgers, logs) afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >&2
bash scripts/build.sh >&2
BIN=build/bin/smeledger
WORK=$(mktemp -d /tmp/smeledger-kafka-demo-XXXXXX)
KAFKA_DIR=$WORK/kafka
PIDS=()

cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/kafka-dev.sh stop --dir "$KAFKA_DIR" --wipe >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" = 1 ]; then
    echo "kept: $WORK (serve.log, project.log, ledger, replica, embedded)" >&2
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT INT TERM

echo "== broker: Apache Kafka (KRaft), one node" >&2
BOOTSTRAP=$(scripts/kafka-dev.sh start --dir "$KAFKA_DIR" | sed -n 's/^bootstrap=//p')
echo "bootstrap=$BOOTSTRAP" >&2

echo "== generate: ${DEMO_INSTITUTIONS:-300} institutions, ${DEMO_ENTERPRISES:-20000} enterprises, 2019" >&2
$BIN generate --institutions "${DEMO_INSTITUTIONS:-300}" --enterprises "${DEMO_ENTERPRISES:-20000}" \
  --year 2019 --seed 1 > "$WORK/province-2019.jsonl"
wc -l "$WORK/province-2019.jsonl" >&2

echo "== serve (the ledger) and project (a read replica)" >&2
$BIN --db "$WORK/ledger" serve --bootstrap "$BOOTSTRAP" 2> "$WORK/serve.log" &
PIDS+=($!)
$BIN --db "$WORK/replica" project --bootstrap "$BOOTSTRAP" 2> "$WORK/project.log" &
PIDS+=($!)

echo "== produce --wait: every line to the submissions topic, every outcome back" >&2
$BIN produce --bootstrap "$BOOTSTRAP" "$WORK/province-2019.jsonl" --wait \
  --outcomes "$WORK/outcomes.jsonl" 2> "$WORK/produce.log" || { cat "$WORK/produce.log" >&2; exit 1; }
tail -n 1 "$WORK/produce.log" >&2
HEAD=$(sed -nE 's/.*head at position ([0-9]+).*/\1/p' "$WORK/produce.log" | tail -n 1)

echo "== waiting for the replica to hold record $HEAD" >&2
for _ in $(seq 1 600); do
  [ -n "$($BIN --db "$WORK/replica" export --from "$HEAD" --to "$HEAD" 2>/dev/null)" ] && break
  sleep 0.2
done

echo "== quarterly notice 2019-Q3 (季通报), from the replica" >&2
$BIN --db "$WORK/replica" --format table report quarterly --period 2019-Q3

echo "== the same file submitted to an embedded ledger" >&2
$BIN -q --db "$WORK/embedded" submit "$WORK/province-2019.jsonl"

digest() { $BIN --db "$1" --format json report quarterly --period 2019-Q3 | grep -o '"digest":"[0-9a-f]*"' | head -n 1; }
R=$(digest "$WORK/replica"); L=$(digest "$WORK/ledger"); E=$(digest "$WORK/embedded")
echo "notice digest, replica (project):   $R"
echo "notice digest, ledger (serve):      $L"
echo "notice digest, embedded (submit):   $E"
if [ "$R" = "$L" ] && [ "$L" = "$E" ] && [ -n "$R" ]; then
  echo "== equal: Kafka mode and the embedded ledger agree" >&2
else
  echo "== DIFFERENT digests" >&2
  exit 1
fi
