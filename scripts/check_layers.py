#!/usr/bin/env python3
"""Checks the layering the workspace promises (README: Layout), so that it
holds by more than a comment:

- no import cycle between the modules of a crate (root `src/` and
  `crates/core/src/`), at the level of the top-level modules and of the
  files inside each folder module, read from `crate::` and `super::` paths
  outside `#[cfg(test)]` modules;
- the core depends on no async runtime, RPC or protobuf crate (`cargo tree`);
- no hand-written source file over 500 lines before its tests module.

    python3 scripts/check_layers.py

Prints the module graph of each crate; exits 1 on a cycle, a forbidden
dependency or an oversized file. Standard library only.
"""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRATES = {"entity-resolver": ROOT / "src", "entity-resolver-core": ROOT / "crates" / "core" / "src"}
FORBIDDEN_IN_CORE = ("tokio", "tonic", "prost", "hyper", "axum")
MAX_LINES = 500


def code_of(path):
    """The file's text before its tests module."""
    return path.read_text().split("#[cfg(test)]")[0]


def module_of(src, path):
    """('server', 'stream') for src/server/stream.rs; ('reload', None) for src/reload.rs."""
    parts = path.relative_to(src).with_suffix("").parts
    top = parts[0]
    inner = parts[1] if len(parts) > 1 and parts[1] != "mod" else None
    return top, inner


def graphs(src):
    """The top-level module graph, and one graph per folder module of its files."""
    top_graph, folder_graphs = {}, {}
    for path in sorted(src.rglob("*.rs")):
        if path.relative_to(src).parts[0] in ("bin", "lib.rs", "main.rs"):
            continue
        top, inner = module_of(src, path)
        text = code_of(path)
        uses = set(re.findall(r"\bcrate::([a-z_]+)", text)) - {top}
        top_graph.setdefault(top, set()).update(uses)
        if inner is not None:
            siblings = set(re.findall(r"\bsuper::([a-z_]+)", text))
            siblings |= set(re.findall(rf"\bcrate::{top}::([a-z_]+)", text))
            folder_graphs.setdefault(top, {}).setdefault(inner, set()).update(siblings - {inner})
    modules = set(top_graph)
    top_graph = {m: {d for d in deps if d in modules} for m, deps in top_graph.items()}
    for top, graph in folder_graphs.items():
        files = set(graph)
        folder_graphs[top] = {f: {d for d in deps if d in files} for f, deps in graph.items()}
    return top_graph, folder_graphs


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    problems = []
    for crate, src in CRATES.items():
        top_graph, folder_graphs = graphs(src)
        print(f"{crate}:")
        for module, deps in sorted(top_graph.items()):
            print(f"  {module} -> {', '.join(sorted(deps)) or '(nothing)'}")
        for component in cycles(top_graph):
            problems.append(f"{crate}: import cycle between modules {component}")
        for folder, graph in sorted(folder_graphs.items()):
            for component in cycles(graph):
                problems.append(f"{crate}: import cycle inside {folder}/ between {component}")

    tree = subprocess.run(
        ["cargo", "tree", "--locked", "-p", "entity-resolver-core", "-e", "normal", "--prefix", "none"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in tree.splitlines():
        name = line.split(" ")[0]
        if name.startswith(FORBIDDEN_IN_CORE):
            problems.append(f"entity-resolver-core depends on {line.strip()}")

    for folder in ("src", "crates/core/src", "crates/tools/src"):
        for path in sorted((ROOT / folder).rglob("*.rs")):
            lines = code_of(path).count("\n")
            if lines > MAX_LINES:
                problems.append(f"{path.relative_to(ROOT)}: {lines} lines before its tests module (over {MAX_LINES})")

    for problem in problems:
        print(f"layering: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("layers: no import cycle, a core without tokio/tonic/prost/hyper/axum, no source file over 500 lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
