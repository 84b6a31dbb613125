#!/usr/bin/env python3
"""Adversarial replay: the attacks of the hardening issue against a release
server on 127.0.0.1, each with a bound it must stay within.

    target/ci-tools/venv/bin/python scripts/adversarial.py --bin target/release/entity-resolver [--short]

Needs the Python gRPC stubs (clients/python/generate.py) and the h2 package
(scripts/requirements-adversarial.txt) for the raw HTTP/2 attacks. Starts its
own servers on free 127.0.0.1 ports, with test-sized timeouts where an attack
would otherwise wait minutes for a default, and ends every process it started
whatever happens.

Each attack prints one JSON line of figures to standard error; a JSON summary
of all of them goes to standard output. Exit 1 when any bound is broken.
--short (CI) uses fewer connections and calls; the texts and documents stay
full size, so the worst-case figures are the same in both forms.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "clients" / "python"))

import grpc  # noqa: E402
import h2.config  # noqa: E402
import h2.connection  # noqa: E402
import h2.events  # noqa: E402
from entity_resolver_client import MAX_MESSAGE_BYTES, pb, pb_grpc  # noqa: E402

MIB = 1024 * 1024
SERVICE = "/entityresolution.v1.EntityResolverService"


class Broken(Exception):
    """A bound was broken."""


def expect(condition, message):
    if not condition:
        raise Broken(message)


def log(message):
    print(f"adversarial: {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """`entity-resolver serve` on free ports; stopped (SIGKILL if need be) on exit."""

    def __init__(self, binary, *flags, nofile=None, aliases=None, token=None):
        self.port = free_port()
        self.metrics_port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="adversarial-serve-", suffix=".log", delete=False)
        command = [
            str(binary),
            "serve",
            "--addr",
            f"127.0.0.1:{self.port}",
            "--metrics-addr",
            f"127.0.0.1:{self.metrics_port}",
            *flags,
        ]
        if aliases:
            command += ["--aliases", str(aliases)]
        if token:
            command += ["--admin-token-file", str(token)]
        if nofile:
            # Through the shell, not a preexec_fn: forking this process (which
            # runs gRPC's threads) to run Python in the child broke the
            # child's start now and then.
            command = ["sh", "-c", f'ulimit -n {int(nofile)} && exec "$@"', "sh", *command]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self.target = f"127.0.0.1:{self.port}"
        self.channel = channel(self.target)
        self.stub = pb_grpc.EntityResolverServiceStub(self.channel)
        deadline = time.monotonic() + 60
        while True:
            try:
                grpc.channel_ready_future(self.channel).result(timeout=1)
                break
            except grpc.FutureTimeoutError:
                expect(self.process.poll() is None, f"the server exited at start: {self.log_text()}")
                expect(time.monotonic() < deadline, "the server did not start in 60 s")

    @property
    def pid(self):
        return self.process.pid

    def log_text(self):
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.channel.close()
        os.unlink(self.log.name)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()


def channel(target):
    return grpc.insecure_channel(
        target,
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            # A new TCP connection per channel: the per-connection limits
            # must see two clients as two.
            ("grpc.use_local_subchannel_pool", 1),
        ],
    )


def code_of(call):
    try:
        call()
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as error:
        return error.code(), error.details() or ""


# Pathological texts of 1 MiB: shapes that make a matcher's work grow faster
# than the text (one endless word, CamelCase, digits inside words, stacked
# combining marks, Arabic letters with no spaces, a million capitalised
# unknown words, a mention every four bytes).
def pathological_texts():
    def fill(unit):
        return (unit * (MIB // len(unit.encode()) + 1)).encode()[:MIB].decode(errors="ignore")

    words = " ".join(f"Qw{n:06x}z".replace("0", "o") for n in range(MIB // 10))
    return {
        "one_word": fill("Ab"),
        "camel_case": fill("KhanZadaFarooqi"),
        "digits_inside": fill("Ab1"),
        "combining_marks": fill("A\u0301\u0301\u0301b"),
        "arabic_no_spaces": fill("طالبانپاکستان"),
        "capitalised_unknowns": words[:MIB],
        "mention_every_4_bytes": fill("TTP "),
    }


def news_document(size):
    corpus = sorted((ROOT / "eval" / "own" / "corpus").glob("*.txt"))
    text = "\n\n".join(p.read_text() for p in corpus)
    return (text * (size // len(text.encode()) + 1)).encode()[:size].decode(errors="ignore")


def attack_pathological_texts(binary, short, bounds):
    figures = {}
    with Server(binary) as server:
        for name, text in pathological_texts().items():
            started = time.monotonic()
            code, details = code_of(
                lambda: server.stub.Resolve(pb.ResolveRequest(id=name, text=text), timeout=bounds.text_seconds * 2)
            )
            seconds = time.monotonic() - started
            figures[name] = {"seconds": round(seconds, 3), "code": code.name}
            expect(
                code in (grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED),
                f"{name}: {code.name} {details}",
            )
            expect(seconds <= bounds.text_seconds, f"{name}: 1 MiB took {seconds:.1f} s")
        # Lookup: a name of 2 MiB is refused, one of 1,000 pathological bytes is cheap.
        code, details = code_of(lambda: server.stub.Lookup(pb.LookupRequest(name="Ab" * MIB)))
        expect(code == grpc.StatusCode.INVALID_ARGUMENT, f"Lookup of 2 MiB: {code.name} {details}")
        started = time.monotonic()
        code, details = code_of(lambda: server.stub.Lookup(pb.LookupRequest(name="Ab" * 500), timeout=30))
        figures["lookup_1000_bytes_seconds"] = round(time.monotonic() - started, 3)
        expect(code in (grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT), f"Lookup: {code.name} {details}")
        expect(figures["lookup_1000_bytes_seconds"] <= 1.0, f"Lookup took {figures['lookup_1000_bytes_seconds']} s")
    return figures


def attack_small_call_during_large(binary, short, bounds):
    """Latency of a small Resolve while large ones (1 MiB of news, the costliest
    real text, and 1 MiB of distinct capitalised words, the costliest shape)
    keep both cores busy."""
    texts = [news_document(MIB), pathological_texts()["capitalised_unknowns"]]
    with Server(binary) as server:
        stop = threading.Event()

        def keep_busy(large):
            busy = pb_grpc.EntityResolverServiceStub(channel(server.target))
            while not stop.is_set():
                code_of(lambda: busy.Resolve(pb.ResolveRequest(text=large), timeout=60))

        workers = [threading.Thread(target=keep_busy, args=(texts[i % 2],)) for i in range(4)]
        for worker in workers:
            worker.start()
        time.sleep(0.5)
        latencies = []
        try:
            for _ in range(10 if short else 50):
                started = time.monotonic()
                response = server.stub.Resolve(pb.ResolveRequest(text="The TTP attacked near Torkham."), timeout=30)
                latencies.append(time.monotonic() - started)
                expect([m.entity_id for m in response.mentions] == ["ttp", "torkham"], "small call answered wrongly")
        finally:
            stop.set()
            for worker in workers:
                worker.join()
        latencies.sort()
        figures = {
            "calls": len(latencies),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
            "max_ms": round(latencies[-1] * 1000, 1),
        }
        expect(latencies[-1] <= bounds.small_call_seconds, f"a small call waited {latencies[-1]:.1f} s")
        # Metrics still answer under the load.
        started = time.monotonic()
        urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=10).read()
        figures["metrics_ms"] = round((time.monotonic() - started) * 1000, 1)
    return figures


def attack_short_texts(binary, short, bounds):
    """4 KiB of each pathological shape: short texts are resolved on the async
    thread they arrived on, so their worst case must stay at milliseconds."""
    figures = {}
    texts = {name: text.encode()[:4096].decode(errors="ignore") for name, text in pathological_texts().items()}
    texts["news"] = news_document(4096)
    with Server(binary) as server:
        for name, text in texts.items():
            latencies = []
            for _ in range(50 if short else 200):
                started = time.monotonic()
                code, details = code_of(lambda: server.stub.Resolve(pb.ResolveRequest(text=text), timeout=10))
                latencies.append(time.monotonic() - started)
                expect(code in (grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED), f"{name}: {code.name} {details}")
            latencies.sort()
            figures[name] = {"p50_ms": round(latencies[len(latencies) // 2] * 1000, 2), "max_ms": round(latencies[-1] * 1000, 2)}
            expect(latencies[-1] <= bounds.short_text_seconds, f"{name}: 4 KiB took {latencies[-1] * 1000:.0f} ms")
    return figures


def attack_answers(binary, short, bounds):
    """Requests inside every limit whose answers would be huge; memory after a spike."""
    figures = {}
    with Server(binary) as server:
        idle_mb = rss_mb(server.pid)
        document = news_document(16 * 1024)
        batch = pb.ResolveBatchRequest(
            documents=[pb.ResolveRequest(id=str(i), text=document) for i in range(1000)]
        )
        started = time.monotonic()
        response = server.stub.ResolveBatch(batch, timeout=300)
        figures["batch_16mb_seconds"] = round(time.monotonic() - started, 2)
        expect(len(response.results) == 1000, f"{len(response.results)} results for 1000 documents")
        figures["batch_documents_with_errors"] = len(response.errors)
        figures["batch_peak_rss_mb"] = round(rss_mb(server.pid, "VmHWM"), 1)
        time.sleep(2)
        figures["rss_after_batch_mb"] = round(rss_mb(server.pid), 1)
        figures["idle_rss_mb"] = round(idle_mb, 1)
        expect(figures["batch_peak_rss_mb"] <= bounds.peak_rss_mb, f"peak RSS {figures['batch_peak_rss_mb']} MB")
        expect(
            figures["rss_after_batch_mb"] <= idle_mb + bounds.kept_rss_mb,
            f"RSS {figures['rss_after_batch_mb']} MB after the batch (idle {idle_mb:.0f} MB)",
        )
        # One oversized answer ends neither the stream nor the batch.
        texts = ["TTP", "TTP " * 262_144, "Imran Khan"]
        answers = list(
            server.stub.ResolveStream(
                iter([pb.ResolveStreamRequest(document=pb.ResolveRequest(id=str(i), text=t)) for i, t in enumerate(texts)]),
                timeout=120,
            )
        )
        outcomes = [a.WhichOneof("outcome") for a in answers]
        figures["stream_outcomes"] = outcomes
        expect(outcomes == ["result", "error", "result"], f"stream outcomes {outcomes}")
        expect(answers[1].error.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], f"{answers[1].error}")
        response = server.stub.ResolveBatch(
            pb.ResolveBatchRequest(documents=[pb.ResolveRequest(id=str(i), text=t) for i, t in enumerate(texts)]),
            timeout=120,
        )
        failed = [e.index for e in response.errors]
        figures["batch_failed_documents"] = failed
        expect(failed == [1], f"batch per-document errors at {failed}")
        expect([m.entity_id for m in response.results[2].mentions] == ["imran-khan"], "the third batch document")
    return figures


def attack_streams_and_connections(binary, short, bounds):
    """One connection holding every stream slot; idle and half-open connections."""
    figures = {}
    flags = [
        "--stream-idle-seconds",
        "2",
        "--idle-timeout-seconds",
        "3",
        "--header-timeout-seconds",
        "2",
        "--request-timeout-seconds",
        "2",
    ]
    with Server(binary, *flags) as server:
        # 100 streams on one connection, sending nothing.
        hog = pb_grpc.EntityResolverServiceStub(channel(server.target))
        held = threading.Event()
        hogged = []

        def silent():
            held.wait()
            return
            yield  # noqa: unreachable; makes this a generator

        for _ in range(100):
            hogged.append(hog.ResolveStream(silent(), timeout=30))
        time.sleep(0.5)
        other = pb_grpc.EntityResolverServiceStub(channel(server.target))
        answers = list(
            other.ResolveStream(iter([pb.ResolveStreamRequest(document=pb.ResolveRequest(text="TTP"))]), timeout=10)
        )
        expect(answers and answers[0].WhichOneof("outcome") == "result", "another client could not open a stream")
        refused = 0
        ended = 0
        for call in hogged:
            try:
                for _ in call:
                    pass
                ended += 1
            except grpc.RpcError as error:
                if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    refused += 1
                else:
                    ended += 1
        held.set()
        figures["hog_streams_refused"] = refused
        figures["hog_streams_ended_idle"] = ended

        # Idle TCP connections are closed by the idle timeout.
        count = 200 if short else 5000
        idle = open_sockets(server.port, count)
        figures["idle_connections_opened"] = len(idle)
        closed = wait_closed(idle, 15)
        figures["idle_connections_closed"] = closed
        expect(closed == len(idle), f"{len(idle) - closed} idle connections still open")

        # Half-sent HTTP requests on the metrics port are closed by the header timeout.
        half = open_sockets(server.metrics_port, 200 if short else 10_000)
        for sock in half:
            sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        closed = wait_closed(half, 15)
        figures["half_sent_metrics_closed"] = f"{closed}/{len(half)}"
        expect(closed == len(half), f"{len(half) - closed} half-sent metrics requests still open")

        # Unary calls whose request never finishes are reset.
        count = 100 if short else 10_000
        unfinished = [h2_open_unfinished(server.port) for _ in range(min(count, 500))]
        closed = wait_h2_ended(unfinished, 15)
        figures["unfinished_calls_ended"] = f"{closed}/{len(unfinished)}"
        expect(closed == len(unfinished), f"{len(unfinished) - closed} unfinished calls still open")
        expect(server.process.poll() is None, "the server died")
    return figures


def open_sockets(port, count):
    opened = []
    for _ in range(count):
        try:
            opened.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            break
    return opened


def wait_closed(sockets, seconds):
    """How many of `sockets` the server closed within `seconds`."""
    deadline = time.monotonic() + seconds
    closed = set()
    while time.monotonic() < deadline and len(closed) < len(sockets):
        for i, sock in enumerate(sockets):
            if i in closed:
                continue
            sock.settimeout(0)
            try:
                if sock.recv(65536) == b"":
                    closed.add(i)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)
        time.sleep(0.2)
    for sock in sockets:
        sock.close()
    return len(closed)


class H2Call:
    """A raw HTTP/2 connection with one gRPC call on it, for requests no client
    library would send."""

    def __init__(self, port, path=f"{SERVICE}/Resolve"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
        self.conn.initiate_connection()
        self.stream = self.conn.get_next_available_stream_id()
        self.conn.send_headers(
            self.stream,
            [
                (":method", "POST"),
                (":scheme", "http"),
                (":path", path),
                (":authority", f"127.0.0.1:{port}"),
                ("content-type", "application/grpc"),
                ("te", "trailers"),
            ],
        )
        self.flush()
        self.headers = {}
        self.ended = False

    def flush(self):
        self.sock.sendall(self.conn.data_to_send())

    def send(self, data, end=False):
        self.conn.send_data(self.stream, data, end_stream=end)
        self.flush()

    def poll(self, timeout):
        """Reads what has arrived; True once the call or connection ended."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, socket.timeout):
            return self.ended
        except OSError:
            self.ended = True
            return True
        if not data:
            self.ended = True
            return True
        for event in self.conn.receive_data(data):
            if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                self.headers.update({k.decode(): v.decode() for k, v in event.headers})
            if isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset, h2.events.ConnectionTerminated)):
                self.ended = True
        try:
            self.flush()
        except OSError:
            self.ended = True
        return self.ended


def h2_open_unfinished(port):
    call = H2Call(port)
    call.send(b"\x00\x00\x00\x00\x64")  # says 100 bytes follow; none do
    return call


def wait_h2_ended(calls, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not all(c.ended for c in calls):
        for call in calls:
            if not call.ended:
                call.poll(0.01)
    for call in calls:
        call.sock.close()
    return sum(c.ended for c in calls)


def attack_length_prefix(binary, short, bounds):
    """A message that says it is 4 GB long."""
    with Server(binary) as server:
        call = H2Call(server.port)
        call.send(b"\x00\xff\xff\xff\xff" + b"\x00" * 16)
        deadline = time.monotonic() + 10
        while not call.poll(0.2) and time.monotonic() < deadline:
            pass
        call.sock.close()
        status = call.headers.get("grpc-status")
        expect(status is not None, f"no grpc-status for a 4 GB length prefix: {call.headers}")
        return {"grpc_status": int(status), "message": call.headers.get("grpc-message", "")}


def attack_admin_guessing(binary, short, bounds):
    with tempfile.TemporaryDirectory() as scratch:
        token = Path(scratch) / "token"
        token.write_text("the-right-token-" + os.urandom(8).hex())
        with Server(binary, token=token) as server:
            admin = pb_grpc.AdminServiceStub(server.channel)
            tries = 50 if short else 500
            codes = {}
            started = time.monotonic()
            for i in range(tries):
                code, _ = code_of(
                    lambda: admin.ReloadTable(pb.ReloadTableRequest(), metadata=[("authorization", f"Bearer guess-{i}")], timeout=10)
                )
                codes[code.name] = codes.get(code.name, 0) + 1
            seconds = time.monotonic() - started
            figures = {"tries": tries, "codes": codes, "tries_per_second": round(tries / seconds, 1)}
            expect(
                codes.get("RESOURCE_EXHAUSTED", 0) >= tries - 10,
                f"failed admin authentications are not rate-limited: {codes}",
            )
            return figures


def attack_table_loader(binary, short, bounds):
    """Reloads of alias directories holding a FIFO, /dev/zero, or thousands of problems."""
    figures = {}
    with tempfile.TemporaryDirectory() as scratch:
        aliases = Path(scratch) / "aliases"
        shutil.copytree(ROOT / "aliases", aliases)
        token = Path(scratch) / "token"
        token.write_text("token-" + os.urandom(8).hex())
        with Server(binary, aliases=aliases, token=token) as server:
            admin = pb_grpc.AdminServiceStub(server.channel)
            auth = [("authorization", f"Bearer {token.read_text()}")]

            def reload(name):
                started = time.monotonic()
                code, details = code_of(lambda: admin.ReloadTable(pb.ReloadTableRequest(), metadata=auth, timeout=30))
                figures[name] = {"code": code.name, "seconds": round(time.monotonic() - started, 2), "message_bytes": len(details)}
                return code, details

            os.mkfifo(aliases / "fifo.toml")
            code, details = reload("fifo")
            expect(code == grpc.StatusCode.FAILED_PRECONDITION, f"FIFO: {code.name} {details[:200]}")
            (aliases / "fifo.toml").unlink()

            (aliases / "zero.toml").symlink_to("/dev/zero")
            code, details = reload("dev_zero")
            expect(code == grpc.StatusCode.FAILED_PRECONDITION, f"/dev/zero: {code.name} {details[:200]}")
            (aliases / "zero.toml").unlink()
            expect(rss_mb(server.pid) < 500, f"RSS {rss_mb(server.pid)} MB after the /dev/zero reload")

            broken = "\n".join(
                f'[[entity]]\nid = "x{i}"\nname = "Name \\u202E{i}"\ntype = "person"\n' for i in range(5000)
            )
            (aliases / "broken.toml").write_text(broken)
            code, details = reload("five_thousand_problems")
            expect(code == grpc.StatusCode.FAILED_PRECONDITION, f"5000 problems: {code.name} {details[:200]}")
            (aliases / "broken.toml").unlink()

            code, details = reload("repaired")
            expect(code == grpc.StatusCode.OK, f"the repaired table: {code.name} {details[:200]}")
    return figures


def attack_page_token(binary, short, bounds):
    with Server(binary) as server:
        code, details = code_of(lambda: server.stub.ListEntities(pb.ListEntitiesRequest(page_token="a€")))
        expect(code == grpc.StatusCode.INVALID_ARGUMENT, f"page token a€: {code.name} {details}")
        return {"code": code.name}


def attack_file_limit(binary, short, bounds):
    """At the open-file limit the accept loop backs off instead of spinning."""
    with Server(binary, nofile=64) as server:
        started = time.monotonic()
        held = open_sockets(server.port, 200)
        before = cpu_seconds(server.pid)
        time.sleep(3)
        spent = cpu_seconds(server.pid) - before
        for sock in held:
            sock.close()
        time.sleep(0.5)
        response = server.stub.Resolve(pb.ResolveRequest(text="TTP"), timeout=10)
        expect([m.entity_id for m in response.mentions] == ["ttp"], "the server does not answer after EMFILE")
        expect(spent <= 0.5, f"the server spent {spent:.2f} s of CPU in 3 s at the open-file limit")
        logged = server.log_text().count("out of file descriptors")
        seconds = time.monotonic() - started
        expect(1 <= logged <= seconds + 2, f"'out of file descriptors' logged {logged} times in {seconds:.1f} s")
        return {"connections_tried": len(held), "cpu_seconds_in_3s": round(spent, 3), "log_lines": logged}


def attack_shutdown(binary, short, bounds):
    """SIGTERM while large calls and a stream run, with --drain-seconds 2: exit 0
    by the end of the drain (bound: ten times it); a second SIGTERM or Ctrl-C
    exits at once with 128 + its number (bound 3 s)."""
    figures = {}
    large = news_document(MIB)
    cases = [("TERM", None, 0, 20.0), ("TERM", "TERM", 143, 3.0), ("INT", "INT", 130, 3.0), ("TERM", "INT", 130, 3.0)]
    for first, second, expected, bound in cases:
        name = f"{first}+{second}" if second else first
        server = Server(binary, "--drain-seconds", "2")
        try:
            busy = pb_grpc.EntityResolverServiceStub(channel(server.target))
            futures = [busy.Resolve.future(pb.ResolveRequest(text=large), timeout=120) for _ in range(8)]
            held = threading.Event()

            def silent():
                held.wait()
                return
                yield  # noqa: unreachable; makes this a generator

            stream = busy.ResolveStream(silent(), timeout=120)
            time.sleep(0.5)
            started = time.monotonic()
            server.process.send_signal(getattr(signal, f"SIG{first}"))
            if second:
                time.sleep(0.5)
                server.process.send_signal(getattr(signal, f"SIG{second}"))
            try:
                code = server.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                raise Broken(f"{name}: the server did not exit within 60 s")
            seconds = time.monotonic() - started
            figures[name] = {"exit_code": code, "seconds": round(seconds, 2)}
            expect(code == expected, f"{name}: exit code {code}, want {expected}")
            expect(seconds <= bound, f"{name}: exited after {seconds:.1f} s, bound {bound} s")
            held.set()
            stream.cancel()
            for future in futures:
                future.cancel()
        finally:
            server.stop()
    return figures


def attack_broken_pipe(binary, short, bounds):
    """`batch | head -1`: a closed standard output is a normal end."""
    lines = "".join(json.dumps({"id": str(i), "text": "The TTP attacked."}) + "\n" for i in range(20_000))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as source:
        source.write(lines)
        source.flush()
        pipeline = subprocess.run(
            ["bash", "-o", "pipefail", "-c", f"'{binary}' batch < '{source.name}' | head -1"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    expect(pipeline.returncode == 0, f"batch | head -1 exited {pipeline.returncode}: {pipeline.stderr.strip()}")
    expect("Broken pipe" not in pipeline.stderr, pipeline.stderr.strip())
    return {"exit_code": pipeline.returncode}


ATTACKS = {
    "pathological_texts": attack_pathological_texts,
    "short_texts": attack_short_texts,
    "small_call_during_large": attack_small_call_during_large,
    "answers": attack_answers,
    "streams_and_connections": attack_streams_and_connections,
    "length_prefix": attack_length_prefix,
    "admin_guessing": attack_admin_guessing,
    "table_loader": attack_table_loader,
    "page_token": attack_page_token,
    "file_limit": attack_file_limit,
    "shutdown": attack_shutdown,
    "broken_pipe": attack_broken_pipe,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=str(ROOT / "target" / "release" / "entity-resolver"))
    parser.add_argument("--short", action="store_true", help="fewer connections and calls (CI)")
    parser.add_argument("--only", nargs="*", choices=sorted(ATTACKS), help="run these attacks only")
    parser.add_argument("--text-seconds", type=float, default=4.0, help="bound on one 1 MiB pathological Resolve")
    parser.add_argument("--short-text-seconds", type=float, default=0.1, help="bound on one 4 KiB Resolve, any shape")
    parser.add_argument("--small-call-seconds", type=float, default=0.5, help="bound on a small call behind large ones")
    parser.add_argument("--peak-rss-mb", type=float, default=256.0, help="bound on peak RSS under the largest batch")
    parser.add_argument("--kept-rss-mb", type=float, default=64.0, help="bound on RSS kept after the batch, over idle")
    bounds = parser.parse_args()
    binary = Path(bounds.bin).resolve()
    summary, failures = {}, []
    for name, attack in ATTACKS.items():
        if bounds.only and name not in bounds.only:
            continue
        started = time.monotonic()
        try:
            figures = attack(binary, bounds.short, bounds)
            outcome = "held"
        except Broken as broken:
            figures, outcome = {"broken": str(broken)}, "BROKEN"
            failures.append(name)
        except (grpc.RpcError, OSError, subprocess.SubprocessError) as error:
            figures, outcome = {"error": repr(error)}, "BROKEN"
            failures.append(name)
        figures["attack_seconds"] = round(time.monotonic() - started, 1)
        summary[name] = {"outcome": outcome, **figures}
        log(json.dumps({name: summary[name]}, ensure_ascii=False))
    json.dump(summary, sys.stdout, indent=2, ensure_ascii=False)
    print()
    if failures:
        log(f"broken: {', '.join(failures)}")
        return 1
    log(f"all {len(summary)} attacks held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
