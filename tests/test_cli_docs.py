"""Every command of ``kpi-xl`` and every one of its options is documented in README.md.

A command's documentation is the README section (from its heading to the next heading)
whose code block first shows ``kpi-xl COMMAND``; each option of the command must be
named there, in either of its spellings (``-o`` or ``--output``).  A new command or flag
therefore fails this test until the README says what it does.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kpi_xl.cli import build_parser

README = Path(__file__).resolve().parent.parent / "README.md"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("kpi-xl has no subcommands")


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) for each Markdown heading outside code blocks."""
    sections, heading, body, in_code = [], "", [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and re.match(r"#{1,6} ", line):
            sections.append((heading, "\n".join(body)))
            heading, body = line, []
        else:
            body.append(line)
    sections.append((heading, "\n".join(body)))
    return sections


def _code_lines(body: str) -> list[str]:
    lines, in_code = [], False
    for line in body.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif in_code:
            lines.append(line.strip())
    return lines


def _section_of(command: str) -> tuple[str, str] | None:
    for heading, body in _sections(README.read_text(encoding="utf-8")):
        if any(re.match(rf"(?:.*&&\s*)?kpi-xl {command}\b", line) for line in _code_lines(body)):
            return heading, body
    return None


def _options(sub: argparse.ArgumentParser) -> list[list[str]]:
    return [a.option_strings for a in sub._actions
            if a.option_strings and not isinstance(a, argparse._HelpAction)]


def _mentions(body: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", body) is not None


COMMANDS = sorted(_subcommands())


def test_the_help_lists_the_commands_this_test_checks():
    out = subprocess.run([sys.executable, "-m", "kpi_xl.cli", "--help"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    listed = re.search(r"\{([\w,-]+)\}", out.stdout).group(1).split(",")
    assert sorted(listed) == COMMANDS
    assert {"recalc", "template", "fill", "summary", "demo"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_a_readme_section(command):
    assert _section_of(command) is not None, (
        f"README.md shows no `kpi-xl {command}` in a code block; document the command.")


@pytest.mark.parametrize("command, flags", [
    pytest.param(command, flags, id=f"{command} {flags[-1]}")
    for command in COMMANDS for flags in _options(_subcommands()[command])])
def test_every_option_is_named_in_its_commands_section(command, flags):
    found = _section_of(command)
    assert found is not None
    heading, body = found
    assert any(_mentions(body, f) for f in flags), (
        f"`kpi-xl {command}` option {' / '.join(flags)} is not named in README section {heading!r}.")


def test_the_checker_sees_a_missing_flag():
    """The rule itself must be able to fail: a flag absent from a section is reported."""
    body = "```bash\nkpi-xl recalc a.xlsx -o out/\n```\n"
    assert _mentions(body, "-o")
    assert not _mentions(body, "--in-place")
    assert not _mentions("--in-places", "--in-place")
    assert not _mentions("kpi-xl recalc --jobs", "-j")
