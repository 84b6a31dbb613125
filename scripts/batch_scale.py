"""Pushes a large JSONL input through `entity-resolver batch` and checks what
a pipeline needs at scale: one output line per document, input order kept,
and the peak memory the summary line reports.

    python3 scripts/batch_scale.py --size-mb 1024 [--bin target/release/entity-resolver] [-- extra batch args]

The input is generated (deterministically) from the paragraphs of eval/own/corpus,
each document one paragraph, ids numbered from 0, written to a temporary file.
The output is streamed through this script and checked line by line, never stored.
Prints one JSON line of figures; exits 1 when a check fails.
"""

import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUMMARY = re.compile(r"batch: (\d+) documents resolved, (\d+) skipped.* ([\d.]+) MB/s, peak memory (\d+) MB")
ID = re.compile(rb'^\{"id":"(\d+)"')


def paragraphs():
    found = []
    for path in sorted((ROOT / "eval/own/corpus").glob("*.txt")):
        found += [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return found


def write_input(path, size_bytes):
    texts = paragraphs()
    documents, written = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        while written < size_bytes:
            line = json.dumps({"id": str(documents), "text": texts[documents % len(texts)]}, ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
            documents += 1
    return documents, written


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=float, required=True)
    parser.add_argument("--bin", default=str(ROOT / "target/release/entity-resolver"))
    parser.add_argument("extra", nargs="*", help="more arguments for batch (after --)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        source = pathlib.Path(scratch) / "input.jsonl"
        documents, size = write_input(source, int(args.size_mb * 1e6))
        started = time.monotonic()
        child = subprocess.Popen(
            [args.bin, "batch", "--input", str(source), *args.extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        expected, out_of_order = 0, None
        for line in child.stdout:
            found = ID.match(line)
            if found is None or int(found.group(1)) != expected:
                out_of_order = out_of_order or (expected, line[:60])
            expected += 1
        stderr = child.stderr.read().decode()
        code = child.wait()
        seconds = time.monotonic() - started

    summary = SUMMARY.search(stderr)
    figures = {
        "input_mb": round(size / 1e6, 1),
        "documents": documents,
        "output_lines": expected,
        "seconds": round(seconds, 1),
        "mb_per_s": float(summary.group(3)) if summary else None,
        "peak_memory_mb": int(summary.group(4)) if summary else None,
        "extra_args": args.extra,
    }
    print(json.dumps(figures))
    failures = []
    if code != 0:
        failures.append(f"batch exited {code}: {stderr.strip()}")
    if expected != documents:
        failures.append(f"{expected} output lines for {documents} documents")
    if out_of_order:
        failures.append(f"order broken at document {out_of_order[0]}: {out_of_order[1]!r}")
    if summary is None:
        failures.append(f"no summary line with peak memory in: {stderr.strip()!r}")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
