"""Every `sfintacct` command line the docs show parses with the real argument parser.

Why: a newcomer copies these lines. A flag renamed in the code but not in the README (it happened: the
README's `profile add` example once used flags that did not exist) fails here, not on their machine.
Usage synopses (with ``[...]``, ``|`` or ``...``) are not command lines and are skipped; everything in a
fenced shell block and every inline code span that starts with ``sfintacct `` is parsed.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from sfintacct_desktop.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "resources").rglob("*.md"))]
SYNOPSIS = re.compile(r"\[|\||\.\.\.|<[A-Za-z]|\bN\b|\bID\b|\bTEXT\b|\bFILE\b|\bURL\b")


def _fenced_lines(text: str) -> list[str]:
    """Logical lines of ```bash / ```sh / ```console blocks, with backslash continuations joined."""
    lines: list[str] = []
    for block in re.findall(r"```(?:bash|sh|shell|console)\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        lines += [ln.strip() for ln in joined.splitlines() if ln.strip()]
    return lines


def _inline_spans(text: str) -> list[str]:
    outside = re.sub(r"```.*?```", "", text, flags=re.S)
    return [s for s in re.findall(r"`([^`\n]+)`", outside) if s.startswith("sfintacct ")]


def _sfintacct_argv(line: str) -> list[str] | None:
    """The argv after `sfintacct` in a shell line, or None when the line runs something else."""
    line = line.split(" # ", 1)[0].strip()
    try:
        words = shlex.split(line)
    except ValueError:
        return None
    for i, word in enumerate(words):
        if Path(word).name == "sfintacct":  # after any VAR=value prefixes or a .venv/bin/ path
            rest = words[i + 1 :]
            for stop in ("&&", "||", ";", "|"):
                if stop in rest:
                    rest = rest[: rest.index(stop)]
            return rest
    return None


def _command_lines() -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for doc in DOCS:
        if not doc.exists():
            continue
        text = doc.read_text(encoding="utf-8")
        candidates = [ln for ln in _fenced_lines(text) if "sfintacct " in ln] + _inline_spans(text)
        for line in candidates:
            for part in re.split(r"\s*(?:&&|;)\s*", line):
                argv = _sfintacct_argv(part)
                if argv is None or SYNOPSIS.search(" ".join(argv)):
                    continue
                found.append((f"{doc.relative_to(ROOT)}: {part}", argv))
    return found


COMMANDS = _command_lines()


def test_the_docs_show_command_lines() -> None:
    names = {argv[0] for _, argv in COMMANDS if argv}
    assert {"profile", "connections", "baseline", "sync", "sandbox"} <= names, names


@pytest.mark.parametrize(("where", "argv"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_command_line_parses(where: str, argv: list[str]) -> None:
    parser = build_parser()
    try:
        parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on a flag that does not exist (0 after --help)
        if exc.code in (0, None):
            return
        pytest.fail(f"{where}\n  does not parse (exit {exc.code})")
