#!/usr/bin/env bash
# At the open-file limit (ulimit -n 64) the accept loop pauses instead of
# spinning a core, logs it, and the server answers again once descriptors
# free up (issue 11, section 3). Bounded: about 10 s. BIN=path/to/binary;
# ADDR=host:port to pin the port (default: any free port, read from the log).
set -euo pipefail
BIN=${BIN:-target/release/entity-resolver}
LOG=$(mktemp)
( ulimit -n 64; exec "$BIN" serve --addr "${ADDR:-127.0.0.1:0}" ) 2>"$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 100); do grep -q 'serving entityresolution' "$LOG" && break; sleep 0.1; done
BOUND=$(grep -o ' addr=127.0.0.1:[0-9]*' "$LOG" | tail -1 | cut -d= -f2)
python3 - "$BOUND" "$PID" <<'PY'
import socket, sys, time
host, port = sys.argv[1].split(':'); pid = sys.argv[2]
def ticks():
    fields = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])   # utime + stime
held = []
for _ in range(200):   # far past 64 descriptors; the rest wait in the backlog
    try:
        held.append(socket.create_connection((host, int(port)), timeout=0.5))
    except OSError:
        break   # the backlog is full too
print(f'{len(held)} connections open or waiting')
assert len(held) > 64
before = ticks(); time.sleep(3); spent = ticks() - before
hz = 100
print(f'CPU while out of descriptors: {spent / hz:.2f} s of 3 s')
assert spent < 0.5 * 3 * hz, f'the accept loop spins: {spent} ticks in 3 s'
for s in held: s.close()
time.sleep(1.5)   # the pause, and the closes
s = socket.create_connection((host, int(port)), timeout=5)
s.settimeout(5)
assert s.recv(9)[3] == 4, 'no HTTP/2 SETTINGS: the server does not answer'
print('answers again after the descriptors freed up')
PY
grep -q 'out of file descriptors' "$LOG" && echo 'logged: out of file descriptors'
[ "$(grep -c 'out of file descriptors' "$LOG")" -le 5 ] || { echo 'logged more than once a second'; exit 1; }
