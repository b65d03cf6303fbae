#!/usr/bin/env python3
"""Finds import cycles between the source files of each crate.

A file's module depends on another when it names it (`crate::a::b`,
`super::x`, `use crate::{a, b}`); test modules inside a file are left out.
Prints each cycle and exits 1 when there is one. Usage: cycles.py CRATE_DIR...
"""
import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def modules(src):
    """Module path (tuple) -> file, for every .rs file under src."""
    out = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(root, f), src)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel in (["lib"], ["main"]):
                rel = []
            out[tuple(rel)] = os.path.join(root, f)
    return out


def strip_tests(text):
    """The text without `#[cfg(test)] mod … { … }` blocks and comments."""
    text = re.sub(r"//[^\n]*", "", text)
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub(\([a-z]+\))?\s+)?mod\s+" + IDENT + r"\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i : m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def expand(prefix, body):
    """`a::{b, c::d}` -> [prefix+a::b, prefix+a::c::d] (one level of braces is enough here)."""
    paths = []
    depth, cur = 0, ""
    for ch in body + ",":
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            cur = cur.strip()
            if cur:
                m = re.match(r"(.*?)::\{(.*)\}$", cur, re.S)
                if m:
                    paths += expand(prefix + m.group(1).split("::"), m.group(2))
                else:
                    paths.append(prefix + [p.strip() for p in cur.split("::") if p.strip()])
            cur = ""
        else:
            cur += ch
    return paths


def references(me, text, known):
    """Modules `me` names (resolved to the longest known module prefix)."""
    found = set()
    raw = []
    for m in re.finditer(r"\b(crate|super)::\{", text):
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        raw += expand([m.group(1)], text[m.end() : j - 1])
    for m in re.finditer(r"\b((?:crate|super)(?:::" + IDENT + r")+)", text):
        raw.append(m.group(1).split("::"))
    for parts in raw:
        if parts[0] == "crate":
            path = parts[1:]
        else:
            base = list(me)
            while parts and parts[0] == "super":
                base = base[:-1]
                parts = parts[1:]
            path = base + parts
        path = [p for p in path if p not in ("self", "*")]
        while path and tuple(path) not in known:
            path = path[:-1]
        if path and tuple(path) != me and tuple(path) != me[: len(path)]:
            found.add(tuple(path))
    return found


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def main():
    bad = False
    for crate in sys.argv[1:]:
        src = os.path.join(crate, "src")
        known = modules(src)
        graph = {}
        for mod, path in known.items():
            if not mod:
                continue  # the crate root declares every module
            with open(path, encoding="utf-8") as f:
                text = strip_tests(f.read())
            graph[mod] = {r for r in references(mod, text, known) if r}
        for comp in cycles(graph):
            bad = True
            print(f"{crate}: import cycle: " + " <-> ".join("::".join(m) for m in comp))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
