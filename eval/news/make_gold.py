#!/usr/bin/env python3
"""Build eval/news/{dev,test}.jsonl from the hand-written annotations in annotations/*.tsv.

Each annotation line is tab-separated:

    doc <TAB> mention <TAB> occurrence <TAB> entity id | IGNORE [<TAB> also ids, comma-separated]

`mention` is the exact text as printed. Where a proclitic or particle is glued to the name
(the و of "وکابل", the ب of "بكابل", a Pashto د written together with a place), the glued
string is written with the name in square brackets: `و[کابل]`. The whole string (without the
brackets) is searched for, the span is the bracketed part. Occurrence numbers count
case-sensitive matches of the whole string that are not glued to a letter or digit on either
side, including matches nested inside longer names.

Split rule (fixed before annotation): within each language, documents in the order of their
numbers alternate between dev (1st, 3rd, 5th, ...) and test (2nd, 4th, ...). The language is
the second part of the file name: NNN_<lang>_slug.txt, lang one of en, ur, ps, prs, ar.

Any unknown id, overlap, annotation that cannot be found, or document without annotations
stops the script with a non-zero exit code.

Usage:
    python3 eval/news/make_gold.py             # write dev.jsonl and test.jsonl
    python3 eval/news/make_gold.py --show      # also print every span in context
    python3 eval/news/make_gold.py --audit     # table names found by plain string search in
                                               # the text that no span covers (a grep of the
                                               # alias table, not the resolver)
    python3 eval/news/make_gold.py --root DIR --aliases DIR   # build from another folder
                                               # (DIR/corpus, DIR/annotations*.tsv); writes
                                               # DIR/dev.jsonl and DIR/test.jsonl

The annotations were written by hand, reading the texts; nothing here comes from the
entity-resolver's output.
"""

import glob
import json
import os
import sys
import tomllib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from gold_spans import GoldError, byte_span, find_occurrence, glued  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LANGS = ("en", "ur", "ps", "prs", "ar")
MIN_WORDS, MAX_WORDS = 60, 400


def arg(name, default):
    if name in sys.argv:
        i = sys.argv.index(name)
        if i + 1 >= len(sys.argv):
            raise GoldError(f"{name} needs a value")
        return sys.argv[i + 1]
    return default


def load_table(aliases):
    """Every entity with all its names, extensions merged."""
    ents, extends = {}, []
    for path in sorted(glob.glob(os.path.join(aliases, "*.toml"))):
        with open(path, "rb") as f:
            data = tomllib.load(f)
        for e in data.get("entity", []):
            ents[e["id"]] = dict(e)
        extends += data.get("extend", [])
    for x in extends:
        e = ents.get(x["id"])
        if e is None:
            continue
        for key in ("aliases", "native", "weak", "acronyms"):
            e[key] = e.get(key, []) + x.get(key, [])
    if not ents:
        raise GoldError(f"no entities found in {aliases}")
    return ents


def parse_mention(field):
    """('و[کابل]') -> ('وکابل', 1, 5): the string to find and the span inside it."""
    if "[" not in field:
        return field, 0, len(field)
    a, b = field.index("["), field.index("]")
    if b < a or field.count("[") != 1 or field.count("]") != 1:
        raise GoldError(f"bad brackets in {field!r}")
    whole = field[:a] + field[a + 1:b] + field[b + 1:]
    if a == b - 1:
        raise GoldError(f"empty brackets in {field!r}")
    return whole, a, b - 1


def read_annotations(root):
    rows = []
    paths = sorted(glob.glob(os.path.join(root, "annotations", "*.tsv")) +
                   glob.glob(os.path.join(root, "annotations*.tsv")))
    if not paths:
        raise GoldError(f"no annotation files under {root}")
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.split("\t")
                where = f"{os.path.basename(path)}:{n}"
                if len(cols) < 4 or len(cols) > 5:
                    raise GoldError(f"{where}: expected 4 or 5 tab-separated columns, got {len(cols)}")
                doc, mention, occ, ent = cols[:4]
                also = [a.strip() for a in cols[4].split(",") if a.strip()] if len(cols) == 5 else []
                try:
                    occ = int(occ)
                except ValueError:
                    raise GoldError(f"{where}: occurrence {occ!r} is not a number")
                rows.append((where, doc.strip(), mention, occ, ent.strip(), also))
    return rows


def split_of(docs):
    """dev/test by alternating within each language, in the order of the file names."""
    split, seen = {}, {}
    for d in sorted(docs):
        parts = d.split("_")
        if len(parts) < 3 or parts[1] not in LANGS:
            raise GoldError(f"{d}: file name must be NNN_<lang>_slug with lang in {LANGS}")
        k = seen.get(parts[1], 0)
        split[d] = "dev" if k % 2 == 0 else "test"
        seen[parts[1]] = k + 1
    return split


def build(root, aliases, show=False):
    ents = load_table(aliases)
    corpus = os.path.join(root, "corpus")
    docs = sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(corpus, "*.txt")))
    split = split_of(docs)
    rows = read_annotations(root)
    for where, d, *_ in rows:
        if d not in split:
            raise GoldError(f"{where}: annotation for unknown document {d!r}")
    out = {"dev": [], "test": []}
    stats = {}
    for d in docs:
        with open(os.path.join(corpus, d + ".txt"), encoding="utf-8") as f:
            text = f.read()
        raw = text.encode("utf-8")
        words = len(text.split())
        if not MIN_WORDS <= words <= MAX_WORDS:
            raise GoldError(f"{d}: {words} words, outside {MIN_WORDS}-{MAX_WORDS}")
        mentions, ignore = [], []
        for where, dd, field, occ, ent, also in (r for r in rows if r[1] == d):
            whole, a, b = parse_mention(field)
            i, _ = find_occurrence(text, whole, occ)
            i, j = i + a, i + b
            s, e = byte_span(text, i, j)
            name = text[i:j]
            if raw[s:e].decode("utf-8") != name:
                raise GoldError(f"{where}: byte span {s}:{e} does not decode to {name!r}")
            if ent == "IGNORE":
                if also:
                    raise GoldError(f"{where}: an IGNORE row takes no also ids")
                ignore.append({"start": s, "end": e, "text": name})
                continue
            if ent not in ents:
                raise GoldError(f"{where}: unknown entity id {ent!r} for {field!r}")
            for x in also:
                if x not in ents:
                    raise GoldError(f"{where}: unknown also id {x!r} for {field!r}")
                if x == ent:
                    raise GoldError(f"{where}: also repeats the entity for {field!r}")
            m = {"start": s, "end": e, "text": name, "entity": ent}
            if also:
                m["also"] = also
            mentions.append(m)
        mentions.sort(key=lambda m: (m["start"], m["end"]))
        ignore.sort(key=lambda m: (m["start"], m["end"]))
        for x, y in zip(mentions, mentions[1:]):
            if y["start"] < x["end"]:
                raise GoldError(f"{d}: mentions overlap: {x['text']!r}@{x['start']} and {y['text']!r}@{y['start']}")
        for x, y in zip(ignore, ignore[1:]):
            if y["start"] < x["end"]:
                raise GoldError(f"{d}: ignore spans overlap: {x['text']!r}@{x['start']} and {y['text']!r}@{y['start']}")
        for m in mentions:
            for g in ignore:
                if m["start"] < g["end"] and g["start"] < m["end"]:
                    raise GoldError(f"{d}: mention {m['text']!r}@{m['start']} overlaps ignore {g['text']!r}@{g['start']}")
        if not mentions:
            raise GoldError(f"{d}: no mentions")
        lang = d.split("_")[1]
        key = (split[d], lang)
        c = stats.setdefault(key, [0, 0, 0])
        c[0] += 1
        c[1] += len(mentions)
        c[2] += words
        out[split[d]].append(json.dumps({"doc": d, "mentions": mentions, "ignore": ignore}, ensure_ascii=False))
        if show:
            print(f"== {d} [{split[d]}] ({words} words, {len(mentions)} mentions, {len(ignore)} ignored)")
            spans = [(m["start"], m["end"], m["entity"] + ("|" + ",".join(m["also"]) if "also" in m else "")) for m in mentions]
            spans += [(g["start"], g["end"], "IGNORE") for g in ignore]
            for s, e, lab in sorted(spans):
                left = raw[max(0, s - 25):s].decode("utf-8", "replace").replace("\n", " ")
                right = raw[e:e + 20].decode("utf-8", "replace").replace("\n", " ")
                print(f"  {s:5d}-{e:<5d} {lab:42s} …{left}[{raw[s:e].decode()}]{right}…")
    for name, lines in out.items():
        with open(os.path.join(root, name + ".jsonl"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + ("\n" if lines else ""))
    return ents, stats, out


def audit(root, ents):
    import re
    names = []
    for e in ents.values():
        for n in [e["name"]] + e.get("aliases", []) + e.get("native", []) + e.get("weak", []):
            names.append((n, e["id"], False))
        for a in e.get("acronyms", []):
            names.append((a, e["id"], True))
    for split in ("dev", "test"):
        with open(os.path.join(root, split + ".jsonl"), encoding="utf-8") as f:
            gold = [json.loads(line) for line in f if line.strip()]
        for g in gold:
            with open(os.path.join(root, "corpus", g["doc"] + ".txt"), encoding="utf-8") as f:
                text = f.read()
            raw = text.encode("utf-8")
            covered = [(m["start"], m["end"]) for m in g["mentions"] + g["ignore"]]
            for n, eid, is_acr in names:
                for mt in re.finditer(re.escape(n), text, 0 if is_acr else re.IGNORECASE):
                    i, j = mt.span()
                    if glued(text, i, j):
                        continue
                    s, e = byte_span(text, i, j)
                    if not any(s < ce and cs < e for cs, ce in covered):
                        ctx = raw[max(0, s - 30):e + 20].decode("utf-8", "replace").replace("\n", " ")
                        print(f"{g['doc']}: uncovered {raw[s:e].decode()!r} ({eid}) …{ctx}…")


def main():
    try:
        root = os.path.abspath(arg("--root", HERE))
        aliases = os.path.abspath(arg("--aliases", os.path.join(HERE, "..", "..", "aliases")))
        ents, stats, out = build(root, aliases, show="--show" in sys.argv)
    except GoldError as exc:
        print(f"make_gold.py: ERROR: {exc}", file=sys.stderr)
        sys.exit(1)
    for (split, lang), (n, m, w) in sorted(stats.items()):
        print(f"{split:4s} {lang:3s} {n:3d} documents {m:5d} mentions {w:6d} words")
    print(f"wrote {root}/dev.jsonl ({len(out['dev'])} documents) and test.jsonl ({len(out['test'])})")
    if "--audit" in sys.argv:
        audit(root, ents)


if __name__ == "__main__":
    main()
