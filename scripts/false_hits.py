"""False hits on ordinary news from outside the region (issue 13).

Resolves every document of eval/out-of-region/corpus with `entity-resolver
batch` and compares each mention with the hand-checked list
eval/out-of-region/mentions.tsv, where every mention the resolver has made on
this corpus was judged once by a person: `right` (a real mention of that
table entity: Washington, the UN) or `false` (anything else).

    python3 scripts/false_hits.py [--bin target/release/entity-resolver] [--aliases DIR]
                                  [--max-per-10k-words 1.0]
    python3 scripts/false_hits.py --list > /tmp/mentions.tsv   # every mention, to check by hand

A mention not in the list yet counts as false until somebody checks it, so a
table change that adds hits cannot pass unseen. Prints one JSON line of
figures; exits 1 above the limit.
"""

import argparse
import csv
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
EVAL = ROOT / "eval/out-of-region"
COLUMNS = ["file", "start", "end", "text", "entity_id", "verdict", "context"]
CONTEXT_CHARS = 40


def documents(corpus):
    for path in sorted(corpus.glob("*.txt")):
        yield path.name, path.read_text(encoding="utf-8")


def resolve(binary, corpus, aliases):
    texts = dict(documents(corpus))
    with tempfile.TemporaryDirectory() as tmp:
        source = pathlib.Path(tmp) / "in.jsonl"
        with open(source, "w", encoding="utf-8") as out:
            for name, text in texts.items():
                out.write(json.dumps({"id": name, "text": text}, ensure_ascii=False) + "\n")
        command = [str(binary), "batch", "--input", str(source)]
        if aliases:
            command += ["--aliases", str(aliases)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    mentions = []
    for line in output.splitlines():
        answer = json.loads(line)
        text = texts[answer["id"]]
        for mention in answer.get("mentions", []):
            start, end = mention.get("char_start", 0), mention["char_end"]
            context = text[max(0, start - CONTEXT_CHARS) : end + CONTEXT_CHARS].replace("\n", " ")
            mentions.append(
                {
                    "file": answer["id"],
                    "start": str(start),
                    "end": str(end),
                    "text": mention["text"],
                    "entity_id": mention["entity_id"],
                    "context": context.replace("\t", " "),
                }
            )
    words = sum(len(text.split()) for text in texts.values())
    return mentions, words, len(texts)


def key(row):
    return (row["file"], row["start"], row["end"], row["entity_id"])


def load_checked(path):
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    bad = [row for row in rows if row["verdict"] not in ("right", "false")]
    if bad:
        sys.exit(f"{path}: verdict must be right or false, not {bad[0]['verdict']!r} ({key(bad[0])})")
    return {key(row): row for row in rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=ROOT / "target/release/entity-resolver", type=pathlib.Path)
    parser.add_argument("--aliases", type=pathlib.Path)
    parser.add_argument("--corpus", default=EVAL / "corpus", type=pathlib.Path)
    parser.add_argument("--checked", default=EVAL / "mentions.tsv", type=pathlib.Path)
    parser.add_argument("--max-per-10k-words", type=float, default=1.0)
    parser.add_argument("--list", action="store_true", help="print every mention as TSV (verdicts kept where known)")
    args = parser.parse_args()

    mentions, words, files = resolve(args.bin, args.corpus, args.aliases)
    checked = load_checked(args.checked)
    # A verdict belongs to the text it was given on: a document edited since
    # leaves rows that would judge other words.
    texts = dict(documents(args.corpus))
    for row in checked.values():
        text = texts.get(row["file"])
        if text is None or text[int(row["start"]) : int(row["end"])] != row["text"]:
            sys.exit(f"{args.checked}: stale row {key(row)}: the corpus no longer has {row['text']!r} there")

    if args.list:
        writer = csv.DictWriter(sys.stdout, COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for mention in mentions:
            verdict = checked.get(key(mention), {}).get("verdict", "")
            writer.writerow({**mention, "verdict": verdict})
        return 0

    right, false, unchecked = [], [], []
    for mention in mentions:
        row = checked.get(key(mention))
        if row is None:
            unchecked.append(mention)
        elif row["verdict"] == "right":
            right.append(mention)
        else:
            false.append(mention)
    wrong = len(false) + len(unchecked)
    per_10k = 10_000 * wrong / max(words, 1)
    report = {
        "files": files,
        "words": words,
        "mentions": len(mentions),
        "right": len(right),
        "false": len(false),
        "unchecked": len(unchecked),
        "false_per_10k_words": round(per_10k, 3),
        "limit_per_10k_words": args.max_per_10k_words,
    }
    print(json.dumps(report))
    for mention in false + unchecked:
        state = "unchecked" if mention in unchecked else "false"
        print(f"  {state}: {mention['file']} {mention['text']!r} -> {mention['entity_id']}: ...{mention['context']}...",
              file=sys.stderr)
    return 1 if per_10k > args.max_per_10k_words else 0


if __name__ == "__main__":
    sys.exit(main())
