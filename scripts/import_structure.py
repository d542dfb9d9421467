"""Print the import structure: modules per package, and import circles between sibling modules.

Usage: ``.venv/bin/python scripts/import_structure.py``. Why: the acyclic-siblings contracts say
*whether* there is a circle; this says where the modules are and which circles exist, so a
refactoring can show its before and after.
"""

from __future__ import annotations

import sys
from collections import defaultdict

import grimp

PACKAGES = ("sfintacct_desktop", "sfintacct_sandbox")


def sibling_cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """Strongly connected groups (size > 1) among the direct children of ``package``."""
    children = sorted(graph.find_children(package))
    index = {c: i for i, c in enumerate(children)}
    edges: dict[str, set[str]] = defaultdict(set)
    for child in children:
        for other in children:
            if child != other and graph.chain_exists(importer=child, imported=other, as_packages=True):
                edges[child].add(other)
    # Kosaraju on the small child graph
    order: list[str] = []
    seen: set[str] = set()

    def visit(node: str) -> None:
        seen.add(node)
        for nxt in sorted(edges[node], key=index.get):
            if nxt not in seen:
                visit(nxt)
        order.append(node)

    for c in children:
        if c not in seen:
            visit(c)
    reverse: dict[str, set[str]] = defaultdict(set)
    for a, bs in edges.items():
        for b in bs:
            reverse[b].add(a)
    groups, assigned = [], set()
    for node in reversed(order):
        if node in assigned:
            continue
        stack, group = [node], []
        while stack:
            n = stack.pop()
            if n in assigned:
                continue
            assigned.add(n)
            group.append(n)
            stack.extend(reverse[n] - assigned)
        if len(group) > 1:
            groups.append(sorted(g.rsplit(".", 1)[1] for g in group))
    return groups


def main() -> int:
    graph = grimp.build_graph(*PACKAGES)
    total = 0
    for top in PACKAGES:
        packages = [top, *sorted(m for m in graph.find_descendants(top) if graph.find_children(m))]
        for package in packages:
            modules = graph.find_children(package)
            cycles = sibling_cycles(graph, package)
            total += len(cycles)
            line = f"{package}: {len(modules)} modules"
            if cycles:
                line += "  CYCLES: " + "; ".join("{" + ", ".join(c) + "}" for c in cycles)
            print(line)
    print(f"sibling import circles: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
