"""The project's docs and comments stand alone: no rule is left as a pointer to a document outside it.

Why: a reader of this repository (or of an installed package) has no design notes and no issue tracker
beside it. A comment that says "see contract section 4" or "issue 5" tells them nothing; the rule itself
belongs in ``docs/``. Only the tests' recorded corpus is read from outside, in place, and they say so.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = re.compile(
    r"contract section|the contract\b|\bissues? #?\d+\b|reference section|\.\./shared/(?!corpus)"
    r"|salesforce-api\.md|intacct-xml-api\.md|reliability-anchors|market-anchors|design/architecture\.md",
    re.I,
)
SUFFIXES = {".py", ".md", ".toml", ".txt", ".xml", ".cfg", ".ini", ".json"}


def _project_files() -> list[Path]:
    roots = ["sfintacct_desktop", "sfintacct_sandbox", "docs", "tests", "benchmarks", "resources", "scripts"]
    roots += ["packaging", ".ci"]
    files = [ROOT / "README.md", ROOT / "pyproject.toml"]
    for name in roots:
        base = ROOT / name
        if base.is_dir():
            files += [p for p in base.rglob("*") if p.is_file() and (p.suffix in SUFFIXES or p.parent.name == ".ci")]
    return [f for f in files if f.exists() and f.resolve() != Path(__file__).resolve()]


def test_no_doc_or_comment_points_outside_the_repository() -> None:
    found = []
    for path in _project_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for no, line in enumerate(text.splitlines(), 1):
            if PATTERNS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{no}: {line.strip()[:120]}")
    assert not found, "write the rule itself into docs/ instead of pointing elsewhere:\n" + "\n".join(found)
