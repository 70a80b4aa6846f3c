#!/usr/bin/env bash
# A real Apache Kafka (KRaft, no ZooKeeper) for development and tests, assembled from Maven
# Central through scripts/kafka/pom.xml (the pinned version lives there). See
# scripts/kafka/README.md for the settings, the versions checked and the measured start times.
#
#   kafka-dev.sh start [--nodes 1|3] [--dir DIR] [--set KEY=VALUE]... [--wipe] [--timeout S]
#       Starts the cluster in DIR and waits until every node answers a metadata request. A fresh
#       DIR gets configs, a cluster id, free loopback ports and formatted storage; a DIR that
#       already holds a cluster is restarted as it is (same ports, same data, not reformatted;
#       running nodes are left alone). --set adds a broker property when the DIR is created.
#       --wipe first stops the DIR's cluster and deletes its data. Prints exactly one line on
#       stdout, `bootstrap=HOST:PORT[,HOST:PORT...]`; everything else goes to stderr.
#   kafka-dev.sh stop [--dir DIR] [--wipe]
#       SIGTERM to the processes `start` recorded for DIR (each checked to still be that
#       broker), SIGKILL after KAFKA_DEV_STOP_TIMEOUT (30 s). Data stays unless --wipe.
#       Exit 0 when nothing runs.
#   kafka-dev.sh status [--dir DIR]
#       Prints `bootstrap=...` and exits 0 when every node runs and answers; exits 3 (and still
#       prints the line) when only some nodes run; exits 1 when none runs or DIR holds no cluster.
#   kafka-dev.sh kill-node N [--dir DIR] [--signal KILL|TERM]
#       Ends node N (TERM: clean shutdown, KILL by default: a crash) and waits until it is gone.
#   kafka-dev.sh start-node N [--dir DIR] [--timeout S]
#       Starts node N again with its own config and data, waits until it is back in the
#       cluster's metadata, prints `bootstrap=...`.
#   kafka-dev.sh leader TOPIC [PARTITION] [--dir DIR]
#       Prints the node id that leads the partition (default 0); exit 1 if it has no leader.
#   kafka-dev.sh bootstrap [--dir DIR]
#       Prints the bootstrap list (HOST:PORT,...) without the `bootstrap=` prefix.
#   kafka-dev.sh run-class CLASS [ARGS...]
#       Runs any Kafka class with the assembled classpath, e.g.
#       org.apache.kafka.tools.TopicCommand --bootstrap-server B --list,
#       kafka.tools.DumpLogSegments --files F --print-data-log. ARGS are passed verbatim.
#   kafka-dev.sh classpath
#       Resolves the jars if needed and prints the classpath.
#
# DIR defaults to $SMELEDGER_KAFKA_DIR, else ${TMPDIR:-/tmp}/smeledger-kafka. DIR holds:
#   cluster.env (node count, cluster id, ports), bootstrap (HOST:PORT,...), node-N/server.properties,
#   node-N/data (log.dirs), node-N.pid, logs/node-N/{server,controller,state-change}.log and
#   logs/node-N/stdout.log (the JVM's own output).
# Jars: ${XDG_CACHE_HOME:-$HOME/.cache}/smeledger/kafka-VERSION-POMHASH/libs (Maven's ~/.m2 too).
# Environment: KAFKA_DEV_HEAP (512m), KAFKA_DEV_JVM_OPTS (extra JVM options for the brokers,
# after the script's own), KAFKA_DEV_GC_OPTS (-XX:+UseSerialGC), KAFKA_DEV_CDS (1: class data
# sharing archive in the cache), KAFKA_DEV_START_TIMEOUT (120 s), KAFKA_DEV_STOP_TIMEOUT (30 s),
# SMELEDGER_KAFKA_DIR, JAVA_HOME, XDG_CACHE_HOME.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAFKA_CONF_DIR=$HERE/kafka
POM=$KAFKA_CONF_DIR/pom.xml
LOG4J_CONF=$KAFKA_CONF_DIR/log4j2.properties
TOOLS_LOG4J_CONF=$KAFKA_CONF_DIR/tools-log4j2.properties
HOST=127.0.0.1

log() { echo "kafka-dev: $*" >&2; }
die() { echo "kafka-dev: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit "${1:-2}"
}

# ---------------------------------------------------------------------------------------------
# Java, Maven and the classpath

find_java() { # sets JAVA (Java 17 or newer) and JAVA_ID (names the CDS archive)
  local c v out
  for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null || true)" \
      /usr/lib/jvm/java-17-openjdk-*/bin/java /usr/lib/jvm/*/bin/java; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    out=$("$c" -version 2>&1) || continue
    v=$(sed -n 's/.*version "\([0-9]*\).*/\1/p' <<<"$out" | head -n1)
    if [ -n "$v" ] && [ "$v" -ge 17 ]; then
      JAVA=$c
      JAVA_ID=$( { readlink -f "$c"; echo "$out"; } | sha256sum | cut -c1-10)
      return 0
    fi
  done
  die "no Java 17 or newer found (Kafka 4 needs it): run scripts/install-deps.sh (installs openjdk-17-jdk-headless and maven) or set JAVA_HOME"
}

# Sets KAFKA_VERSION and LIBS; copies the pom's runtime classpath into the cache once per pom hash.
ensure_libs() {
  [ -f "$POM" ] || die "missing $POM"
  KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)
  [ -n "$KAFKA_VERSION" ] || die "no <kafka.version> in $POM"
  local hash cache_root cache
  hash=$(sha256sum "$POM" | cut -c1-12)
  cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/smeledger
  cache=$cache_root/kafka-$KAFKA_VERSION-$hash
  LIBS=$cache/libs
  KAFKA_CACHE=$cache
  [ -f "$cache/complete" ] && return 0
  command -v mvn >/dev/null 2>&1 ||
    die "no mvn found (needed once to fetch Kafka $KAFKA_VERSION): run scripts/install-deps.sh"
  mkdir -p "$cache"
  (
    flock 9
    [ -f "$cache/complete" ] && exit 0
    log "resolving Apache Kafka $KAFKA_VERSION from Maven Central into $LIBS (once per pom version)"
    rm -rf "$cache/libs.tmp" "$LIBS"
    if ! mvn -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$cache/libs.tmp" >"$cache/mvn.log" 2>&1 </dev/null; then
      grep -E "ERROR|FAIL" "$cache/mvn.log" | head -n 30 >&2 || true
      rm -rf "$cache/libs.tmp"
      die "mvn could not resolve $POM (full output: $cache/mvn.log); offline? the first run needs Maven Central"
    fi
    mv "$cache/libs.tmp" "$LIBS"
    cp "$POM" "$cache/pom.xml"
    touch "$cache/complete"
  ) 9>"$cache.lock"
  [ -f "$cache/complete" ] || exit 1
}

# ---------------------------------------------------------------------------------------------
# DIR state

# Reads DIR/cluster.env if present: NODES, CLUSTER_ID, PORTS, CONTROLLER_PORTS, KAFKA_VERSION_FORMATTED.
load_cluster() {
  HAVE_CLUSTER=0
  if [ -f "$DIR/cluster.env" ]; then
    # shellcheck disable=SC1091
    . "$DIR/cluster.env"
    HAVE_CLUSTER=1
    read -r -a PORT_ARR <<<"$PORTS"
    read -r -a CPORT_ARR <<<"$CONTROLLER_PORTS"
  fi
}

bootstrap_of() {
  local out="" p
  for p in "${PORT_ARR[@]}"; do out+="${out:+,}$HOST:$p"; done
  echo "$out"
}

node_pid() { # prints the pid of node N if that process is our broker, else nothing
  local n=$1 f=$DIR/node-$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  is_our_broker "$pid" "$n" || return 1
  echo "$pid"
}

is_our_broker() { # PID N: /proc/PID/cmdline is kafka.Kafka with DIR/node-N/server.properties
  local cmdline
  cmdline=$({ tr '\0' '\n' <"/proc/$1/cmdline"; } 2>/dev/null) || return 1
  grep -qxF "kafka.Kafka" <<<"$cmdline" && grep -qxF "$DIR/node-$2/server.properties" <<<"$cmdline"
}

lock_dir() {
  mkdir -p "$DIR"
  exec 8>"$DIR/.lock"
  flock 8
}

# ---------------------------------------------------------------------------------------------
# Ports and ids

port_in_use() {
  local p=$1
  if [ -n "${USED_PORTS:-}" ] && grep -qx "$p" <<<"$USED_PORTS"; then return 0; fi
  (exec 3<>"/dev/tcp/$HOST/$p") 2>/dev/null && return 0
  return 1
}

# pick_ports COUNT: COUNT distinct free ports from 20000-32767 (below Linux's ephemeral range
# 32768-60999, so outgoing connections never take them), random so parallel starts rarely meet.
pick_ports() {
  local count=$1 picked=() p tries=0
  USED_PORTS=""
  if command -v ss >/dev/null 2>&1; then
    USED_PORTS=$(ss -Htan 2>/dev/null | awk '{n=split($4,a,":"); print a[n]}' | sort -u || true)
  fi
  while [ ${#picked[@]} -lt "$count" ]; do
    tries=$((tries + 1))
    [ $tries -lt 5000 ] || die "found no free loopback ports"
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
    [[ " ${picked[*]} " == *" $p "* ]] && continue
    port_in_use "$p" && continue
    picked+=("$p")
  done
  echo "${picked[*]}"
}

# Kafka's Uuid string form: 16 random bytes, base64url without padding, not starting with '-'.
new_cluster_id() {
  local id
  while :; do
    id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [ "${id:0:1}" != "-" ] && { echo "$id"; return; }
  done
}

# ---------------------------------------------------------------------------------------------
# Configs, format, launch, readiness

write_configs() { # uses NODES, PORT_ARR, CPORT_ARR, SETS
  local n rf minisr voters="" i
  if [ "$NODES" -ge 3 ]; then rf=3; minisr=2; else rf=1; minisr=1; fi
  for ((i = 0; i < NODES; i++)); do
    voters+="${voters:+,}$((i + 1))@$HOST:${CPORT_ARR[$i]}"
  done
  for ((i = 0; i < NODES; i++)); do
    n=$((i + 1))
    mkdir -p "$DIR/node-$n/data"
    {
      echo "# Written by scripts/kafka-dev.sh for a $NODES-node development cluster; node $n."
      echo "process.roles=broker,controller"
      echo "node.id=$n"
      echo "controller.quorum.voters=$voters"
      echo "listeners=PLAINTEXT://$HOST:${PORT_ARR[$i]},CONTROLLER://$HOST:${CPORT_ARR[$i]}"
      echo "advertised.listeners=PLAINTEXT://$HOST:${PORT_ARR[$i]}"
      echo "controller.listener.names=CONTROLLER"
      echo "inter.broker.listener.name=PLAINTEXT"
      echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
      echo "log.dirs=$DIR/node-$n/data"
      echo "num.partitions=1"
      echo "auto.create.topics.enable=true"
      echo "default.replication.factor=$rf"
      echo "min.insync.replicas=$minisr"
      echo "offsets.topic.replication.factor=$rf"
      echo "offsets.topic.num.partitions=10"
      echo "transaction.state.log.replication.factor=$rf"
      echo "transaction.state.log.min.isr=$minisr"
      echo "transaction.state.log.num.partitions=10"
      echo "share.coordinator.state.topic.replication.factor=$rf"
      echo "share.coordinator.state.topic.min.isr=$minisr"
      echo "group.initial.rebalance.delay.ms=0"
      echo "num.network.threads=2"
      echo "num.io.threads=4"
      echo "num.recovery.threads.per.data.dir=1"
      local kv
      for kv in "${SETS[@]+"${SETS[@]}"}"; do echo "$kv"; done
    } >"$DIR/node-$n/server.properties"
  done
}

format_storage() {
  local n pids=() rc=0 i
  tool_cds_opts
  for ((n = 1; n <= NODES; n++)); do
    "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${TOOL_CDS_OPTS[@]+"${TOOL_CDS_OPTS[@]}"}" \
      -Dlog4j2.configurationFile="$TOOLS_LOG4J_CONF" -cp "$LIBS/*" \
      kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$DIR/node-$n/server.properties" \
      >"$DIR/node-$n/format.log" 2>&1 </dev/null &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      rc=1
      log "formatting node $((i + 1)) failed:"
      cat "$DIR/node-$((i + 1))/format.log" >&2
    fi
  done
  [ $rc -eq 0 ] || die "could not format the storage in $DIR"
}

broker_jvm_opts() {
  local heap=${KAFKA_DEV_HEAP:-512m}
  # Serial GC and C1 only (TieredStopAtLevel=1): measured faster start-up and no lower
  # throughput for these short-lived brokers on 2 cores (scripts/kafka/README.md). A later
  # -XX:TieredStopAtLevel=4 in KAFKA_DEV_JVM_OPTS brings C2 back for long benchmarks.
  JVM_OPTS=(-Xmx"$heap" -Xms"$heap" ${KAFKA_DEV_GC_OPTS:--XX:+UseSerialGC} -XX:TieredStopAtLevel=1
    -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$LOG4J_CONF"
    ${KAFKA_DEV_JVM_OPTS:-}) # shellcheck disable=SC2206
}

# Class data sharing (AppCDS): the classes a broker loaded are archived once (dumped when the
# first broker without an archive exits normally, i.e. on stop) and mapped by every later
# broker start, which then starts ~20-30 % faster. Keyed by the Java build and the pom hash;
# KAFKA_DEV_CDS=0 turns it off. A dump is checked with -Xshare:on before it is used.
regex_quote() { sed 's/[][\\.^$*+?(){}|]/\\&/g' <<<"$1"; }

cds_opts() {
  CDS_OPTS=()
  [ "${KAFKA_DEV_CDS:-1}" = 1 ] || return 0
  local dir=$KAFKA_CACHE/cds f
  local archive=$dir/broker-$JAVA_ID.jsa
  mkdir -p "$dir"
  if [ ! -f "$archive" ]; then
    for f in "$dir"/broker-"$JAVA_ID"-*.dump; do
      [ -e "$f" ] || continue
      if pgrep -f -- "$(regex_quote "$f")" >/dev/null; then continue; fi # its broker still runs
      if "$JAVA" -XX:SharedArchiveFile="$f" -Xshare:on -Xlog:cds*=off -cp "$LIBS/*" -version \
          >/dev/null 2>&1; then
        mv -f "$f" "$archive" 2>/dev/null && log "class data sharing archive ready: $archive"
      else
        rm -f "$f"
      fi
    done
  fi
  if [ -f "$archive" ]; then
    CDS_OPTS=(-XX:SharedArchiveFile="$archive" -Xshare:auto -Xlog:cds*=off)
  elif ! pgrep -f -- "ArchiveClassesAtExit=$(regex_quote "$dir/broker-$JAVA_ID-")" >/dev/null; then
    CDS_OPTS=(-XX:ArchiveClassesAtExit="$dir/broker-$JAVA_ID-$$-$RANDOM.dump" -Xlog:cds*=off)
  fi
}

# Tools (format, run-class) map the brokers' archive when it exists (same classpath), never dump.
tool_cds_opts() {
  TOOL_CDS_OPTS=()
  local archive=$KAFKA_CACHE/cds/broker-$JAVA_ID.jsa
  if [ "${KAFKA_DEV_CDS:-1}" = 1 ] && [ -f "$archive" ]; then
    TOOL_CDS_OPTS=(-XX:SharedArchiveFile="$archive" -Xshare:auto -Xlog:cds*=off)
  fi
}

launch_node() { # N
  local n=$1 i=$(($1 - 1)) p
  for p in "${PORT_ARR[$i]}" "${CPORT_ARR[$i]}"; do
    if port_in_use "$p"; then
      die "node $n: port $p on $HOST is taken by another process; it is this cluster's port (kept so clients reconnect): free it, or wipe DIR (stop --wipe) to get new ports"
    fi
  done
  mkdir -p "$DIR/logs/node-$n"
  broker_jvm_opts
  cds_opts
  # setsid: the broker outlives this script and ignores the caller's terminal signals.
  # Every descriptor above 2 is closed first: the broker must hold no lock of ours (fd 8 is
  # DIR's lock) and nothing the caller left open — a broker holding a test's pipe would keep
  # the pipe's reader waiting for an end that never comes.
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
    done
    exec setsid "$JAVA" "${JVM_OPTS[@]}" "${CDS_OPTS[@]+"${CDS_OPTS[@]}"}" -Dkafka.logs.dir="$DIR/logs/node-$n" -cp "$LIBS/*" \
      kafka.Kafka "$DIR/node-$n/server.properties"
  ) </dev/null >>"$DIR/logs/node-$n/stdout.log" 2>&1 &
  echo $! >"$DIR/node-$n.pid"
  log "node $n: started pid $! (PLAINTEXT $HOST:${PORT_ARR[$i]}, CONTROLLER $HOST:${CPORT_ARR[$i]})"
}

show_logs() { # tail of every node's logs to stderr
  local n f
  for ((n = 1; n <= NODES; n++)); do
    for f in "$DIR/logs/node-$n/stdout.log" "$DIR/logs/node-$n/server.log"; do
      [ -s "$f" ] || continue
      echo "----- tail of $f" >&2
      tail -n 25 "$f" >&2
    done
  done
}

# The ids of the brokers the cluster's metadata lists (one per line), asked with kcat.
metadata_brokers() {
  timeout 10 kcat -L -b "$(bootstrap_of)" -m 3 2>/dev/null |
    sed -n 's/^ *broker \([0-9]*\) at .*/\1/p' | sort -n || true
}

wait_ready() { # NODE-IDS...: every listed node is alive and in the metadata
  local deadline=$((SECONDS + TIMEOUT)) n ids missing why=""
  while :; do
    for n in "$@"; do
      node_pid "$n" >/dev/null || { why="node $n exited during start-up"; break 2; }
    done
    ids=$(metadata_brokers)
    missing=""
    for n in "$@"; do grep -qx "$n" <<<"$ids" || missing+=" $n"; done
    [ -z "$missing" ] && return 0
    if [ $SECONDS -ge $deadline ]; then
      why="timed out after ${TIMEOUT}s waiting for node(s)$missing to answer at $(bootstrap_of)"
      break
    fi
    sleep 0.25
  done
  # Failed: show the logs and end the nodes this call started (their data stays for a look).
  show_logs
  for n in "${STARTED_NODES[@]+"${STARTED_NODES[@]}"}"; do end_node "$n" TERM 10; done
  die "$why (log tails above; all logs in $DIR/logs; the node(s) it started are stopped again)"
}

need_kcat() {
  command -v kcat >/dev/null 2>&1 || die "kcat not found (used to wait for the brokers): run scripts/install-deps.sh"
}

# ---------------------------------------------------------------------------------------------
# Subcommands

cmd_start() {
  need_kcat
  find_java
  ensure_libs
  lock_dir
  load_cluster
  if [ "$WIPE" = 1 ]; then
    stop_all
    wipe_dir
    load_cluster
  fi
  if [ "$HAVE_CLUSTER" = 1 ]; then
    if [ -n "$OPT_NODES" ] && [ "$OPT_NODES" != "$NODES" ]; then
      die "$DIR holds a $NODES-node cluster, --nodes $OPT_NODES asked: use another --dir, or --wipe"
    fi
    [ ${#SETS[@]} -eq 0 ] || log "warning: --set applies only when DIR is created; ignored for the existing cluster in $DIR"
    if [ "${KAFKA_VERSION_FORMATTED:-}" != "$KAFKA_VERSION" ]; then
      log "warning: $DIR was formatted by Kafka ${KAFKA_VERSION_FORMATTED:-?}, starting it with $KAFKA_VERSION"
    fi
  else
    NODES=${OPT_NODES:-1}
    case "$NODES" in 1 | 3) ;; *) die "--nodes must be 1 or 3" ;; esac
    rm -rf "$DIR"/node-* "$DIR/logs" "$DIR/bootstrap"
    local all
    read -r -a all <<<"$(pick_ports $((2 * NODES)))"
    PORT_ARR=("${all[@]:0:NODES}")
    CPORT_ARR=("${all[@]:NODES:NODES}")
    CLUSTER_ID=$(new_cluster_id)
    write_configs
    log "formatting $NODES node(s), cluster id $CLUSTER_ID, in $DIR"
    format_storage
    {
      echo "# Written by scripts/kafka-dev.sh: this DIR holds a formatted cluster."
      echo "NODES=$NODES"
      echo "CLUSTER_ID=$CLUSTER_ID"
      echo "PORTS=\"${PORT_ARR[*]}\""
      echo "CONTROLLER_PORTS=\"${CPORT_ARR[*]}\""
      echo "KAFKA_VERSION_FORMATTED=$KAFKA_VERSION"
    } >"$DIR/cluster.env"
  fi
  bootstrap_of >"$DIR/bootstrap"
  local n
  STARTED_NODES=()
  for ((n = 1; n <= NODES; n++)); do
    if node_pid "$n" >/dev/null; then
      log "node $n: already running (pid $(node_pid "$n"))"
    else
      launch_node "$n"
      STARTED_NODES+=("$n")
    fi
  done
  local t0=$SECONDS
  wait_ready $(seq 1 "$NODES")
  log "Kafka $KAFKA_VERSION: $NODES node(s) up in $DIR (waited $((SECONDS - t0)) s)"
  echo "bootstrap=$(bootstrap_of)"
}

# Sends SIG to node N and waits up to LIMIT seconds for it to be gone; KILL after that.
end_node() { # N SIG LIMIT
  local n=$1 sig=$2 limit=$3 pid deadline
  pid=$(node_pid "$n") || { rm -f "$DIR/node-$n.pid"; return 0; }
  kill -s "$sig" "$pid" 2>/dev/null || true
  deadline=$((SECONDS + limit))
  while is_our_broker "$pid" "$n"; do
    if [ $SECONDS -ge $deadline ]; then
      log "node $n (pid $pid) still running after ${limit}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 30))
      limit=30
    fi
    sleep 0.1
  done
  rm -f "$DIR/node-$n.pid"
}

stop_all() {
  local limit=${KAFKA_DEV_STOP_TIMEOUT:-30} n pid pids=() nodes=() deadline f
  for f in "$DIR"/node-*.pid; do
    [ -e "$f" ] || continue
    n=${f##*/node-}; n=${n%.pid}
    if pid=$(node_pid "$n"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); nodes+=("$n")
      log "node $n: SIGTERM to pid $pid"
    else
      rm -f "$f"
    fi
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  deadline=$((SECONDS + limit))
  local i alive noquorum_since=""
  while :; do
    alive=0
    for i in "${!pids[@]}"; do is_our_broker "${pids[$i]}" "${nodes[$i]}" && alive=$((alive + 1)); done
    [ $alive = 0 ] && break
    # A node still running once a majority of the controllers has exited cannot finish its
    # controlled shutdown (no active controller; Kafka would wait up to 5 minutes): after a short
    # grace (a resigning KRaft leader waits up to 5 s for its voters) it is killed.
    if [ "${NODES:-1}" -ge 3 ] && [ $((2 * alive)) -lt "${NODES:-1}" ]; then
      noquorum_since=${noquorum_since:-$SECONDS}
      if [ $((SECONDS - noquorum_since)) -ge "${KAFKA_DEV_NOQUORUM_GRACE:-6}" ]; then
        for i in "${!pids[@]}"; do
          if is_our_broker "${pids[$i]}" "${nodes[$i]}"; then
            log "node ${nodes[$i]} (pid ${pids[$i]}) cannot finish its shutdown without a controller quorum: SIGKILL"
            kill -KILL "${pids[$i]}" 2>/dev/null || true
          fi
        done
        noquorum_since=$((SECONDS + 30))
      fi
    fi
    if [ $SECONDS -ge $deadline ]; then
      for i in "${!pids[@]}"; do
        if is_our_broker "${pids[$i]}" "${nodes[$i]}"; then
          log "node ${nodes[$i]} (pid ${pids[$i]}) still running after ${limit}s: SIGKILL"
          kill -KILL "${pids[$i]}" 2>/dev/null || true
        fi
      done
      deadline=$((SECONDS + 30))
    fi
    sleep 0.1
  done
  for n in "${nodes[@]}"; do rm -f "$DIR/node-$n.pid"; done
}

wipe_dir() { # removes only what start created
  rm -rf "$DIR"/node-* "$DIR/logs" "$DIR/bootstrap" "$DIR/cluster.env"
  log "wiped $DIR"
}

cmd_stop() {
  [ -d "$DIR" ] || { log "nothing to stop in $DIR"; return 0; }
  lock_dir
  load_cluster
  stop_all
  if [ "$WIPE" = 1 ]; then
    wipe_dir
    rm -f "$DIR/.lock"
    rmdir "$DIR" 2>/dev/null || true
  fi
  log "stopped $DIR"
}

cmd_status() {
  load_cluster
  [ "$HAVE_CLUSTER" = 1 ] || { log "no cluster in $DIR"; exit 1; }
  local n up=() down=() pid
  for ((n = 1; n <= NODES; n++)); do
    if pid=$(node_pid "$n"); then up+=("$n"); log "node $n: running, pid $pid, port ${PORT_ARR[$((n - 1))]}"
    else down+=("$n"); log "node $n: stopped"; fi
  done
  [ ${#up[@]} -gt 0 ] || exit 1
  if [ ${#down[@]} -eq 0 ]; then
    command -v kcat >/dev/null 2>&1 || die "kcat not found: run scripts/install-deps.sh"
    local ids missing=""
    ids=$(metadata_brokers)
    for n in "${up[@]}"; do grep -qx "$n" <<<"$ids" || missing+=" $n"; done
    if [ -n "$missing" ]; then log "node(s)$missing run but do not answer (yet)"; exit 1; fi
    echo "bootstrap=$(bootstrap_of)"
    exit 0
  fi
  echo "bootstrap=$(bootstrap_of)"
  exit 3
}

cmd_kill_node() {
  local n=${ARGS[0]:-}
  load_cluster
  [ "$HAVE_CLUSTER" = 1 ] || die "no cluster in $DIR"
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$NODES" ] || die "kill-node needs a node id 1..$NODES"
  lock_dir
  node_pid "$n" >/dev/null || { log "node $n is not running"; return 0; }
  case "$SIGNAL" in KILL | TERM) ;; *) die "--signal must be KILL or TERM" ;; esac
  log "node $n: SIG$SIGNAL"
  end_node "$n" "$SIGNAL" "${KAFKA_DEV_STOP_TIMEOUT:-30}"
}

cmd_start_node() {
  local n=${ARGS[0]:-}
  need_kcat
  load_cluster
  [ "$HAVE_CLUSTER" = 1 ] || die "no cluster in $DIR (use start)"
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$NODES" ] || die "start-node needs a node id 1..$NODES"
  find_java
  ensure_libs
  lock_dir
  STARTED_NODES=()
  if node_pid "$n" >/dev/null; then
    log "node $n: already running"
  else
    launch_node "$n"
    STARTED_NODES=("$n")
  fi
  local t0=$SECONDS
  wait_ready "$n"
  log "node $n back in the cluster (waited $((SECONDS - t0)) s)"
  echo "bootstrap=$(bootstrap_of)"
}

cmd_leader() {
  local topic=${ARGS[0]:-} part=${ARGS[1]:-0} line leader
  [ -n "$topic" ] || die "leader needs a TOPIC"
  need_kcat
  load_cluster
  [ "$HAVE_CLUSTER" = 1 ] || die "no cluster in $DIR"
  line=$(timeout 15 kcat -L -b "$(bootstrap_of)" -m 5 -t "$topic" -X allow.auto.create.topics=false 2>/dev/null |
    grep -E "^ +partition $part, leader -?[0-9]+," | head -n1) || true
  [ -n "$line" ] || die "no metadata for $topic [$part]"
  leader=$(sed -n 's/.*leader \(-\{0,1\}[0-9]*\),.*/\1/p' <<<"$line")
  echo "$leader"
  [ "$leader" -ge 0 ] || exit 1
}

cmd_run_class() {
  [ ${#ARGS[@]} -ge 1 ] || die "run-class needs a CLASS"
  find_java
  ensure_libs
  tool_cds_opts
  exec "$JAVA" -Xmx${KAFKA_DEV_TOOL_HEAP:-256m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    "${TOOL_CDS_OPTS[@]+"${TOOL_CDS_OPTS[@]}"}" \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$TOOLS_LOG4J_CONF" \
    -cp "$LIBS/*" "${ARGS[@]}"
}

# ---------------------------------------------------------------------------------------------
# Command line

[ $# -ge 1 ] || usage 2
CMD=$1
shift
DIR=${SMELEDGER_KAFKA_DIR:-${TMPDIR:-/tmp}/smeledger-kafka}
OPT_NODES=""
WIPE=0
SIGNAL=KILL
TIMEOUT=${KAFKA_DEV_START_TIMEOUT:-120}
SETS=()
ARGS=()
if [ "$CMD" = run-class ]; then
  ARGS=("$@")
  set --
fi
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || die "--dir needs a value"; DIR=$2; shift 2 ;;
    --dir=*) DIR=${1#--dir=}; shift ;;
    --nodes) [ $# -ge 2 ] || die "--nodes needs a value"; OPT_NODES=$2; shift 2 ;;
    --nodes=*) OPT_NODES=${1#--nodes=}; shift ;;
    --signal) [ $# -ge 2 ] || die "--signal needs a value"; SIGNAL=${2#SIG}; shift 2 ;;
    --signal=*) SIGNAL=${1#--signal=}; SIGNAL=${SIGNAL#SIG}; shift ;;
    --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; TIMEOUT=$2; shift 2 ;;
    --timeout=*) TIMEOUT=${1#--timeout=}; shift ;;
    --set) [ $# -ge 2 ] || die "--set needs KEY=VALUE"; SETS+=("$2"); shift 2 ;;
    --set=*) SETS+=("${1#--set=}"); shift ;;
    --wipe) WIPE=1; shift ;;
    -h | --help) usage 0 ;;
    --*) die "unknown option $1 (see --help)" ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
mkdir -p "$(dirname "$DIR")"
DIR=$(realpath -m "$DIR")

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill-node) cmd_kill_node ;;
  start-node) cmd_start_node ;;
  leader) cmd_leader ;;
  bootstrap)
    load_cluster
    [ "$HAVE_CLUSTER" = 1 ] || die "no cluster in $DIR"
    bootstrap_of ;;
  run-class) cmd_run_class ;;
  classpath) find_java; ensure_libs; echo "$LIBS/*" ;;
  -h | --help | help) usage 0 ;;
  *) log "unknown command $CMD"; usage 2 ;;
esac
