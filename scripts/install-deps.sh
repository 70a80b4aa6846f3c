#!/usr/bin/env bash
# Installs the Debian 12 packages smeledger builds and runs with (see README, "Dependencies").
# Idempotent: does nothing when all are present. Needs root (or sudo).
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config git
  librocksdb-dev rocksdb-tools          # the ledger's storage; ldb / sst_dump for operators
  librdkafka-dev kcat                   # Kafka mode and the development broker; kcat to inspect
  openjdk-17-jdk-headless maven         # the development Kafka broker (scripts/kafka-dev.sh)
  capnproto libcapnp-dev                # record encoding; `capnp convert` to read a record
  libspdlog-dev libfmt-dev              # logging
  catch2                                # tests (v2)
  libcli11-dev                          # command line
  libsimdjson-dev nlohmann-json3-dev    # JSON in (fast, strict) and out
  libtomlplusplus-dev                   # rule sets and calendar files
  libssl-dev                            # SHA-256
  libabsl-dev                           # flat hash maps for the in-memory state
  libbenchmark-dev                      # micro-benchmarks
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
