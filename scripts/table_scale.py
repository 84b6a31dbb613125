"""Measures how the resolver scales with the alias table: for synthetic tables
of 100, 10k, 100k and 1M aliases (`entity-resolver-tools synth-table`), the time and
peak memory to load the table (`check`), and resolve throughput on one core
(`batch` with RAYON_NUM_THREADS=1) over news text plus text naming the
synthetic entities.

    python3 scripts/table_scale.py [--sizes 100,10000,100000,1000000] [--text-mb 4]

Prints one JSON line per size. Release build of both binaries expected at target/release
(cargo build --release --workspace).
"""

import argparse
import json
import os
import pathlib
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = ROOT / "target/release/entity-resolver"
TOOLS = ROOT / "target/release/entity-resolver-tools"
SUMMARY = re.compile(r"([\d.]+) MB/s, peak memory (\d+) MB")


def news_paragraphs():
    shared = ROOT.parent / "shared/eval/corpus"
    corpus = shared if shared.is_dir() else ROOT / "eval/own/corpus"
    found = []
    for path in sorted(corpus.glob("*.txt")):
        found += [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return found


def run_measured(command, env=None):
    """Runs `command`; returns (seconds, peak RSS in MB of that child, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} failed: {done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest of any child so far: only a new
    # maximum is this child's own.
    return seconds, (peak / 1024 if peak > before else None), done.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,10000,100000,1000000")
    parser.add_argument("--text-mb", type=float, default=4)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    news = news_paragraphs()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        for size in sorted(sizes):
            table = scratch / f"table-{size}"
            subprocess.run(
                [TOOLS, "synth-table", "--aliases", str(size), "--out", table, "--text-mb", str(args.text_mb / 2)],
                check=True,
                capture_output=True,
            )
            synthetic = (table / "text.txt").read_text(encoding="utf-8").split(". ")
            documents = scratch / "docs.jsonl"
            with open(documents, "w", encoding="utf-8") as out:
                written, i = 0, 0
                while written < args.text_mb * 1e6:
                    if i % 2 == 0:
                        text = news[(i // 2) % len(news)]
                    else:
                        start = (i * 7) % max(1, len(synthetic) - 12)
                        text = ". ".join(synthetic[start : start + 12])
                    line = json.dumps({"id": str(i), "text": text}, ensure_ascii=False)
                    out.write(line + "\n")
                    written += len(line)
                    i += 1
            load_seconds, load_peak, _ = run_measured([BIN, "check", "--aliases", table])
            env = dict(os.environ, RAYON_NUM_THREADS="1")
            _, _, stderr = run_measured(
                [BIN, "batch", "--aliases", table, "--input", documents, "--output", "/dev/null"], env=env
            )
            found = SUMMARY.search(stderr)
            print(
                json.dumps(
                    {
                        "aliases": size,
                        "load_seconds": round(load_seconds, 2),
                        "load_peak_mb": round(load_peak) if load_peak else None,
                        "batch_one_core_mb_per_s": float(found.group(1)) if found else None,
                        "batch_peak_mb": int(found.group(2)) if found else None,
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
