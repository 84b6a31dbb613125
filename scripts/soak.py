#!/usr/bin/env python3
"""Soak test: a server under steady load while its alias table is reloaded
again and again.

Starts `entity-resolver serve` on a copy of aliases/ (free ports, metrics and
admin calls on), drives `entity-resolver-tools loadgen` (found beside the
server's binary) at a fixed Resolve rate for the whole run, adds short
ResolveStream runs every few seconds, and every --reload-every
seconds edits an alias file of the copy and reloads the table, by SIGHUP and
by `entity-resolver reload` in turn. The server's resident memory is sampled
every second.

It checks, and exits 1 when any check fails:
- no failed request: no error in any loadgen report, and no call the server
  counted with a code other than OK;
- every stream run ended cleanly, with every answer, in order;
- the server counted as many successful reloads as were done (none refused),
  and each one changed the table version;
- resident memory stayed flat: after the warm-up, the median of the last
  third of the samples is within 20 % + 16 MB of the median of the first.

Bounded: it stops after --duration, and whatever happens (a failed check,
an error, Ctrl-C, SIGTERM) it ends every process it started. A JSON summary
goes to standard output; progress to standard error. Standard library only.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def log(message):
    print(f"soak: {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scrape(metrics_url):
    """The samples of one scrape: {series: value}."""
    with urllib.request.urlopen(metrics_url, timeout=10) as response:
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        series, _, value = line.rpartition(" ")
        samples[series] = float(value)
    return samples


def table_version(samples):
    prefix = 'entity_resolver_table_info{version="'
    for series in samples:
        if series.startswith(prefix):
            return series[len(prefix) : -2]
    return None


def reloads(samples, outcome):
    return samples.get(f'entity_resolver_table_reloads_total{{outcome="{outcome}"}}', 0.0)


def failed_calls(samples):
    """Calls the server ended with a code other than OK, by series."""
    return {
        series: value
        for series, value in samples.items()
        if series.startswith("entity_resolver_grpc_requests_total{")
        and 'code="OK"' not in series
        and value > 0
    }


def rss_bytes(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class Started:
    """Every process this script starts, ended on exit whatever happens."""

    def __init__(self):
        self.processes = []
        self.lock = threading.Lock()
        self.ended = False

    def start(self, command, **options):
        with self.lock:
            # A thread may still try to start one after the end.
            if self.ended:
                raise RuntimeError("stopping: no new process")
            process = subprocess.Popen(command, **options)
            self.processes.append(process)
        return process

    def end_all(self):
        with self.lock:
            self.ended = True
            processes = list(self.processes)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class AliasEditor:
    """Rewrites one file of the table copy with a made-up entity whose alias
    changes on each edit, so each reload reads a different table."""

    def __init__(self, directory):
        self.path = directory / "armed_groups.toml"
        self.original = self.path.read_text()
        self.edits = 0

    def edit(self):
        self.edits += 1
        # Letters only: a name spelt like those of the real table.
        n, word = self.edits, ""
        while n:
            n, digit = divmod(n - 1, 26)
            word = chr(ord("a") + digit) + word
        block = (
            "\n[[entity]]\n"
            'id = "soak-test-front"\n'
            'name = "Soak Test Front"\n'
            'type = "organization"\n'
            f'aliases = ["Soak Front {word.capitalize()}"]\n'
        )
        self.path.write_text(self.original + block)


def run_streams(tools_path, target, every, seconds, stop, reports, started):
    """A short ResolveStream run every `every` seconds until `stop`."""
    while not stop.wait(every):
        command = [
            str(tools_path), "loadgen", "--target", target, "--rpc", "stream",
            "--connections", "1", "--duration", f"{seconds}s", "--warmup", "0s", "--json",
        ]
        process = started.start(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        out, _ = process.communicate(timeout=seconds + 60)
        runs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        reports.append({"exit": process.returncode, "runs": runs})


def median_mb(samples):
    return round(statistics.median(samples) / MB, 1) if samples else None


def soak(args, started, workdir):
    bin_path = Path(args.bin).resolve()
    tools_path = Path(args.tools_bin).resolve()
    aliases = workdir / "aliases"
    shutil.copytree(ROOT / "aliases", aliases)
    token_file = workdir / "admin-token"
    token_file.write_text(secrets.token_hex(32) + "\n")
    token_file.chmod(0o600)
    grpc_port, metrics_port = free_port(), free_port()
    target = f"http://127.0.0.1:{grpc_port}"
    metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    server_log = open(workdir / "server.log", "w")
    server = started.start(
        [
            str(bin_path), "serve", "--addr", f"127.0.0.1:{grpc_port}",
            "--aliases", str(aliases), "--metrics-addr", f"127.0.0.1:{metrics_port}",
            "--admin-token-file", str(token_file),
        ],
        stdout=server_log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}: see {workdir / 'server.log'}")
        try:
            with socket.create_connection(("127.0.0.1", grpc_port), timeout=1):
                pass
            first = scrape(metrics_url)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not come up within 60 s")
            time.sleep(0.1)
    version = table_version(first)
    log(f"server {server.pid} up at {target}, table {version}; {args.duration} s at {args.rate} Resolve/s")

    resolve = started.start(
        [
            str(tools_path), "loadgen", "--target", target, "--rpc", "resolve",
            "--rate", str(args.rate), "--connections", "2",
            "--duration", f"{args.duration}s", "--warmup", "1s", "--json",
        ],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    stop_streams = threading.Event()
    stream_reports = []
    streams = threading.Thread(
        target=run_streams,
        args=(tools_path, target, args.stream_every, args.stream_seconds, stop_streams, stream_reports, started),
        daemon=True,
    )
    streams.start()

    editor = AliasEditor(aliases)
    failures = []
    rss = []
    reloads_done = {"signal": 0, "rpc": 0}
    versions = [version]
    pending = None  # (done count, version before, started) of the reload being confirmed
    refused = reloads(first, "refused")
    start = time.monotonic()
    next_reload = start + args.reload_every
    # The load runs one second of warm-up, then --duration, then drains.
    end = start + args.duration + 1
    while time.monotonic() < end:
        if server.poll() is not None:
            failures.append(f"the server exited with {server.returncode} during the run")
            break
        now = time.monotonic()
        sample = rss_bytes(server.pid)
        if sample is not None:
            rss.append((now - start, sample))
        samples = scrape(metrics_url)
        if pending is not None:
            done, before, since = pending
            seen = reloads(samples, "ok")
            current = table_version(samples)
            if reloads(samples, "refused") > refused:
                refused = reloads(samples, "refused")
                failures.append(f"reload {done} was refused: see {workdir / 'server.log'}")
                pending = None
            elif seen >= done:
                if current == before:
                    failures.append(f"reload {done} left the table version at {before}")
                versions.append(current)
                pending = None
            elif now - since > 30:
                failures.append(f"reload {done} not seen in the metrics after 30 s")
                pending = None
        if pending is None and now >= next_reload:
            editor.edit()
            done = sum(reloads_done.values()) + 1
            before = table_version(samples)
            if done % 2:
                server.send_signal(signal.SIGHUP)
                reloads_done["signal"] += 1
            else:
                reload = subprocess.run(
                    [str(bin_path), "reload", "--server", target, "--token-file", str(token_file)],
                    capture_output=True, text=True, timeout=60,
                )
                reloads_done["rpc"] += 1
                if reload.returncode != 0:
                    first_line = (reload.stderr.strip().splitlines() or [""])[0]
                    failures.append(f"reload {done} by RPC exited {reload.returncode}: {first_line}")
            pending = (done, before, now)
            next_reload = now + args.reload_every
        time.sleep(max(0.0, 1.0 - (time.monotonic() - now)))

    stop_streams.set()
    out, _ = resolve.communicate(timeout=120)
    streams.join(timeout=args.stream_seconds + 90)
    # The last reload may still be on its way.
    confirm_until = time.monotonic() + 30
    samples = scrape(metrics_url)
    def settled(samples):
        return reloads(samples, "ok") >= pending[0] or reloads(samples, "refused") > refused

    while pending is not None and not settled(samples) and time.monotonic() < confirm_until:
        time.sleep(0.2)
        samples = scrape(metrics_url)
    if pending is not None and reloads(samples, "ok") >= pending[0]:
        if table_version(samples) == pending[1]:
            failures.append(f"reload {pending[0]} left the table version at {pending[1]}")
        versions.append(table_version(samples))

    # Checks.
    resolve_runs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if resolve.returncode != 0 or len(resolve_runs) != 1:
        failures.append(f"loadgen resolve exited {resolve.returncode} with {len(resolve_runs)} reports")
    for run in resolve_runs:
        if run["error_count"]:
            failures.append(f"resolve: {run['error_count']} failed requests {run['errors']}")
        if run["requests"] == 0:
            failures.append("resolve: no request counted")
    stream_documents = 0
    for report in stream_reports:
        runs = report["runs"]
        if report["exit"] != 0 or len(runs) != 1:
            failures.append(f"a stream run exited {report['exit']} with {len(runs)} reports")
        for run in runs:
            stream_documents += run["requests"]
            if run["error_count"]:
                failures.append(f"stream: {run['error_count']} errors {run['errors']}")
            if run["requests"] == 0:
                failures.append("stream: a run had no answer")
    if not stream_reports:
        failures.append("no stream run happened: --duration is shorter than --stream-every")
    server_failed = failed_calls(samples)
    if server_failed:
        failures.append(f"the server counted failed calls: {server_failed}")
    total_reloads = sum(reloads_done.values())
    if reloads(samples, "ok") != total_reloads or reloads(samples, "refused") != 0:
        failures.append(
            f"{total_reloads} reloads done, the server counted {reloads(samples, 'ok'):.0f} ok "
            f"and {reloads(samples, 'refused'):.0f} refused"
        )
    if total_reloads == 0:
        failures.append("no reload happened: --duration is shorter than --reload-every")

    warmup = max(10.0, args.duration / 10)
    steady = [value for at, value in rss if at >= warmup]
    third = len(steady) // 3
    first_mb, last_mb = median_mb(steady[:third]), median_mb(steady[-third:] if third else [])
    limit_mb = round(first_mb * 1.2 + 16, 1) if first_mb is not None else None
    if third == 0:
        failures.append(f"too few memory samples after the {warmup:.0f} s warm-up: {len(steady)}")
    elif last_mb > limit_mb:
        failures.append(f"resident memory grew: median {first_mb} MB in the first third, {last_mb} MB in the last")

    run = resolve_runs[0] if resolve_runs else {}
    return {
        "ok": not failures,
        "failures": failures,
        "duration_s": args.duration,
        "resolve": {
            "target_rate": args.rate,
            "requests": run.get("requests"),
            "requests_per_second": run.get("requests_per_second"),
            "errors": run.get("error_count"),
            "late": run.get("late"),
            "unsent": run.get("unsent"),
            "latency_ms": run.get("latency_ms"),
        },
        "streams": {"runs": len(stream_reports), "documents": stream_documents},
        "reloads": {
            "done": total_reloads,
            "by_signal": reloads_done["signal"],
            "by_rpc": reloads_done["rpc"],
            "seen_ok": reloads(samples, "ok"),
            "seen_refused": reloads(samples, "refused"),
            "distinct_versions": len(set(versions)),
            "last_load_seconds": samples.get("entity_resolver_table_load_seconds"),
        },
        "server_calls": {
            series.split("{", 1)[1].rstrip("}"): value
            for series, value in samples.items()
            if series.startswith("entity_resolver_grpc_requests_total{") and value > 0
        },
        "rss_mb": {
            "samples": len(rss),
            "warmup_s": warmup,
            "first_third_median": first_mb,
            "last_third_median": last_mb,
            "limit": limit_mb,
            "max": round(max(value for _, value in rss) / MB, 1) if rss else None,
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default="target/release/entity-resolver", help="the entity-resolver binary (not built here)")
    parser.add_argument(
        "--tools-bin",
        help="the entity-resolver-tools binary, for loadgen (default: beside --bin)",
    )
    parser.add_argument("--duration", type=int, default=300, help="seconds of load (default 300)")
    parser.add_argument("--rate", type=float, default=200, help="Resolve requests per second (default 200)")
    parser.add_argument("--reload-every", type=float, default=5, help="seconds between reloads (default 5)")
    parser.add_argument("--stream-every", type=float, default=15, help="seconds between stream runs (default 15)")
    parser.add_argument("--stream-seconds", type=int, default=2, help="length of each stream run (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (server log, table copy)")
    args = parser.parse_args()
    if not Path(args.bin).is_file():
        parser.error(f"{args.bin} does not exist: build it first (cargo build --release)")
    if args.tools_bin is None:
        args.tools_bin = str(Path(args.bin).with_name("entity-resolver-tools"))
    if not Path(args.tools_bin).is_file():
        parser.error(f"{args.tools_bin} does not exist: build it first (cargo build --release --workspace)")

    started = Started()
    # SIGTERM and SIGINT end the run through the cleanup below; SIGINT too
    # when a shell started the script in the background, ignoring it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        summary = soak(args, started, workdir)
    except BaseException as error:
        started.end_all()
        log(f"stopped: {error!r}; server log in {workdir / 'server.log'}")
        raise
    started.end_all()
    print(json.dumps(summary, indent=2))
    if summary["ok"]:
        log("all checks passed")
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    else:
        log(f"FAILED; server log kept in {workdir / 'server.log'}")
        for failure in summary["failures"]:
            log(f"  {failure}")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
