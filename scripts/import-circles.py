#!/usr/bin/env python3
"""Import circles between the modules of a crate's `src/` (issue 23: "no module imports one that
imports it back"). Reads every `use crate::…` and `crate::…` path outside `#[cfg(test)] mod tests`,
and looks for circles at each depth: top-level modules (`services`, `auth`, …), their children
(`services::backups`, …) and single files. Prints each circle; exits 1 if there is one.

    scripts/import-circles.py server/src [app/src …]
"""
import os
import re
import sys


def modules(root):
    """Module path (`services::backups::runner`) → file, for every .rs file but src/bin."""
    found = {}
    for directory, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(directory, name)
            parts = os.path.relpath(path, root)[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib", "main"):
                parts = parts[:-1]
            if parts and parts[0] == "bin":
                continue
            found["::".join(parts)] = path
    return found


def expand(prefix, text):
    """`a::{b, c::{d}}` → ["a::b", "a::c::d"]."""
    text = text.strip()
    group = re.match(r"^([\w:]*?)(?:::)?\{(.*)\}$", text, re.S)
    if not group:
        return ["::".join(prefix + [text.split(" as ")[0].strip()])]
    head, inner = group.group(1), group.group(2)
    items, depth, current = [], 0, ""
    for ch in inner:
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    out = []
    for item in items:
        if item.strip():
            out += expand(prefix + ([head] if head else []), item)
    return out


def graph(root):
    mods = modules(root)

    def owner(path):
        parts = path.split("::")
        for i in range(len(parts), 0, -1):
            if "::".join(parts[:i]) in mods:
                return "::".join(parts[:i])
        return None

    edges = {m: set() for m in mods}
    for module, path in mods.items():
        source = re.split(r"#\[cfg\(test\)\]\s*mod tests", open(path).read())[0]
        paths = []
        for use in re.finditer(r"\buse\s+crate::([^;]+);", source, re.S):
            paths += expand([], use.group(1))
        paths += re.findall(r"\bcrate::((?:\w+::)*\w+)", source)
        for target in map(owner, paths):
            # A module may name its own ancestors' items (`crate::services::…` from inside it).
            if target and target != module and not module.startswith(target + "::"):
                edges[module].add(target)
    return edges


def collapse(edges, depth):
    cut = lambda m: "::".join(m.split("::")[:depth])
    out = {}
    for module, targets in edges.items():
        out.setdefault(cut(module), set())
        for target in targets:
            if cut(target) != cut(module):
                out[cut(module)].add(cut(target))
    return out


def circles(edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    sys.setrecursionlimit(10_000)

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
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

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def main(roots):
    failed = False
    for root in roots:
        edges = graph(root)
        seen = set()
        for depth in (1, 2, 99):
            for circle in circles(collapse(edges, depth)):
                if tuple(circle) not in seen:
                    seen.add(tuple(circle))
                    failed = True
                    print(f"{root}: import circle: {' ↔ '.join(circle)}")
        if not seen:
            print(f"{root}: no import circles ({len(edges)} modules)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
