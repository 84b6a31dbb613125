#!/usr/bin/env python3
"""Scores a gold file of eval/news per language, over the Arabic-script documents together, and
overall, with `entity-resolver eval` on each part.

    python3 scripts/eval_by_language.py eval/news/dev.jsonl [--bin target/release/entity-resolver]
        [--corpus eval/news/corpus] [--min-f1 0.95] [--min-f1-arabic 0.92] [--errors]

Documents are named NNN_<lang>_slug; ur, ps, prs and ar are Arabic script. Only figures are printed
unless --errors is given (the test half is run without it: its errors are not looked at while
tuning). Exits 1 when the overall or Arabic-script F1 is below its limit.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ARABIC_SCRIPT = ("ur", "ps", "prs", "ar")
ORDER = ("en", "ur", "ps", "prs", "ar")


def score(binary, corpus, lines):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
        path = f.name
    try:
        out = subprocess.run([binary, "eval", "--gold", path, "--corpus", corpus, "--json"],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold")
    ap.add_argument("--bin", default="target/release/entity-resolver")
    ap.add_argument("--corpus", default="eval/news/corpus")
    ap.add_argument("--min-f1", type=float)
    ap.add_argument("--min-f1-arabic", type=float)
    ap.add_argument("--errors", action="store_true", help="also list misses and false hits")
    args = ap.parse_args()
    with open(args.gold, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    by_lang = {}
    for line in lines:
        lang = json.loads(line)["doc"].split("_")[1]
        by_lang.setdefault(lang, []).append(line)
    parts = [(lang, by_lang[lang]) for lang in ORDER if lang in by_lang]
    arabic = [l for lang in ARABIC_SCRIPT for l in by_lang.get(lang, [])]
    if arabic:
        parts.append(("arabic-script", arabic))
    parts.append(("all", lines))
    figures = {}
    print(f"{'part':14s} {'docs':>4s} {'gold':>5s} {'tp':>5s} {'fp':>4s} {'fn':>4s} "
          f"{'P':>6s} {'R':>6s} {'F1':>6s}")
    for name, part in parts:
        r = score(args.bin, args.corpus, part)
        figures[name] = r
        print(f"{name:14s} {r['documents']:4d} {r['gold']:5d} {r['true_positives']:5d} "
              f"{r['false_positives']:4d} {r['false_negatives']:4d} {r['precision']:6.4f} "
              f"{r['recall']:6.4f} {r['f1']:6.4f}")
    if args.errors:
        r = figures["all"]
        for m in r["misses"]:
            print(f"miss  {m['doc']}: {m['text']!r} -> {m['entity']}")
        for m in r["false_hits"]:
            print(f"false {m['doc']}: {m['text']!r} -> {m['entity']}")
    failed = []
    if args.min_f1 is not None and figures["all"]["f1"] < args.min_f1:
        failed.append(f"F1 {figures['all']['f1']:.4f} < {args.min_f1}")
    if args.min_f1_arabic is not None and "arabic-script" in figures \
            and figures["arabic-script"]["f1"] < args.min_f1_arabic:
        failed.append(f"Arabic-script F1 {figures['arabic-script']['f1']:.4f} < {args.min_f1_arabic}")
    if failed:
        print("below the limit: " + "; ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
