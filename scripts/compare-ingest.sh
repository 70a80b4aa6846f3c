#!/usr/bin/env bash
# Compares `bench ingest` of two or more smeledger binaries fairly on a machine whose speed
# drifts (this project's VM measures 10–25% apart from one hour to the next): the binaries take
# turns, ROUNDS times, and the medians are printed. Copy a build aside before changing the
# code, then compare:
#
#   cp build/bin/smeledger /tmp/before
#   ... change, build ...
#   scripts/compare-ingest.sh 5 /tmp/before build/bin/smeledger
#   scripts/compare-ingest.sh 3 /tmp/before build/bin/smeledger -- --events 200000 --batch 8192
#
# Each run's JSON goes to stderr as it comes; stdout gets one line per binary: median and range
# of events/s, median CPU µs per event and each pipeline thread's CPU seconds.
set -euo pipefail

if [[ $# -lt 3 || ! "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 ROUNDS BINARY BINARY... [-- bench-ingest-options]" >&2
  exit 2
fi
rounds=$1
shift
bins=()
while [[ $# -gt 0 && "$1" != "--" ]]; do
  bins+=("$1")
  shift
done
[[ $# -gt 0 ]] && shift  # the --
opts=("$@")
[[ ${#opts[@]} -eq 0 ]] && opts=(--events 1000000)

# The value of a numeric "key" in a one-line JSON object.
field() { grep -o "\"$2\":[0-9.]*" <<<"$1" | head -1 | cut -d: -f2; }
# The median of numbers, one per line.
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

declare -A eps cpu parse validate write
for ((r = 1; r <= rounds; r++)); do
  for b in "${bins[@]}"; do
    out=$("$b" -q bench ingest "${opts[@]}")
    echo "round $r $b $out" >&2
    eps[$b]+="$(field "$out" events_per_second)"$'\n'
    cpu[$b]+="$(field "$out" cpu_us_per_event)"$'\n'
    parse[$b]+="$(field "$out" parse)"$'\n'
    validate[$b]+="$(field "$out" validate)"$'\n'
    write[$b]+="$(field "$out" write)"$'\n'
  done
done
for b in "${bins[@]}"; do
  e=$(printf '%s' "${eps[$b]}")
  printf '%s: %s events/s median (%s–%s), %s µs CPU/event; CPU s parse %s validate %s write %s\n' \
    "$b" "$(median <<<"$e")" "$(sort -g <<<"$e" | head -1)" "$(sort -g <<<"$e" | tail -1)" \
    "$(printf '%s' "${cpu[$b]}" | median)" "$(printf '%s' "${parse[$b]}" | median)" \
    "$(printf '%s' "${validate[$b]}" | median)" "$(printf '%s' "${write[$b]}" | median)"
done
