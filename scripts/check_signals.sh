#!/usr/bin/env bash
# Shutdown keeps its promise (issue 11, section 1): with a call held open,
# SIGTERM exits 0 by the end of a 2 s drain (bound: 20 s, ten times it);
# a second SIGTERM or Ctrl-C exits at once with 128 + its number (bound 3 s).
# Uses ports 50571-50572 and curl. BIN=path/to/binary.
set -u
BIN=${BIN:-target/release/entity-resolver}
for case in "TERM 0" "TERM TERM 143" "INT INT 130" "TERM INT 130"; do
  set -- $case
  "$BIN" serve --addr 127.0.0.1:50571 --metrics-addr 127.0.0.1:50572 --drain-seconds 2 2>/tmp/signals-serve.log & PID=$!
  for _ in $(seq 100); do grep -q 'serving entityresolution' /tmp/signals-serve.log && break; sleep 0.1; done
  # A call held open: a stream whose input does not end for 30 s.
  (timeout 30 sleep 30 | "$BIN" batch --server http://127.0.0.1:50571 >/dev/null 2>&1) &
  for _ in $(seq 100); do curl -s 127.0.0.1:50572/metrics | grep -q '^entity_resolver_open_streams 1' && break; sleep 0.1; done
  START=$(date +%s)
  kill -$1 $PID
  if [ $# -eq 3 ]; then
    for _ in $(seq 50); do grep -q 'received' /tmp/signals-serve.log && break; sleep 0.1; done
    kill -$2 $PID; EXPECT=$3; BOUND=3
  else
    EXPECT=$2; BOUND=20   # 10x the 2 s drain
  fi
  wait $PID; CODE=$?
  ELAPSED=$(( $(date +%s) - START ))
  echo "signals $case: exit $CODE after ${ELAPSED}s"
  [ "$CODE" -eq "$EXPECT" ] && [ "$ELAPSED" -le "$BOUND" ] || { cat /tmp/signals-serve.log; exit 1; }
done
