"""Only ``kpi_xl/cli.py`` parses arguments, prints and draws progress bars (CONTRIBUTING.md,
"Code").

The library returns results and raises typed errors; the command line turns them into
text.  Progress is reported through a callback or factory the caller gives
(``recalc_many(on_result=…)``, ``fill_template(progress=…)``), so only ``cli.py`` imports
``tqdm``.  Read from the source (the AST), so that a ``print`` on a path no test reaches is
found too.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kpi_xl"
CLI = PACKAGE / "cli.py"
# The names a parsed namespace goes by; a library function taking one reads its options.
NAMESPACE_NAMES = {"args", "ns", "namespace", "opts", "options"}
# Packages that draw on the terminal by themselves.
TERMINAL_PACKAGES = {"tqdm"}


def _library_modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if p != CLI)


def _command_options() -> set[str]:
    """Every option the ``kpi-xl`` commands store (``args.output``, ``args.month``, …)."""
    import argparse

    from kpi_xl.cli import build_parser
    dests = set()
    parsers = [build_parser()]
    while parsers:
        parser = parsers.pop()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                parsers.extend(action.choices.values())
            elif action.dest not in ("help", "version", argparse.SUPPRESS):
                dests.add(action.dest)
    return dests


def findings(source: str, options: set[str]) -> list[str]:
    """``print`` used, a progress bar package imported, and functions that take a namespace,
    in one module's source."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: imports {alias.name}" for alias in node.names
                      if alias.name.split(".")[0] in TERMINAL_PACKAGES]
        if (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                and node.module.split(".")[0] in TERMINAL_PACKAGES):
            found.append(f"line {node.lineno}: imports {node.module}")
        if (isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None))
                in ("__import__", "import_module") and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).split(".")[0] in TERMINAL_PACKAGES):
            found.append(f"line {node.lineno}: imports {node.args[0].value}")
        if isinstance(node, ast.Name) and node.id == "print":
            found.append(f"line {node.lineno}: print")
        if isinstance(node, ast.Attribute) and node.attr == "Namespace":
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.ImportFrom) and node.module == "argparse" and any(
                alias.name == "Namespace" for alias in node.names):
            found.append(f"line {node.lineno}: imports argparse.Namespace")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            suspects = {a.arg for a in params if a.arg in NAMESPACE_NAMES}
            for a in params:
                if a.annotation is not None and "Namespace" in ast.unparse(a.annotation):
                    found.append(f"line {node.lineno}: parameter {a.arg} is a Namespace")
            body = node.body if isinstance(node.body, list) else [node.body]
            for stmt in body:
                for sub in ast.walk(stmt):
                    if (isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name)
                            and sub.value.id in suspects and sub.attr in options):
                        found.append(f"line {sub.lineno}: reads option {sub.value.id}.{sub.attr}")
    return sorted(found, key=lambda text: int(text.split()[1].rstrip(":")))


@pytest.mark.parametrize("path", _library_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_library_module_neither_prints_nor_draws_nor_takes_a_namespace(path):
    assert findings(path.read_text(encoding="utf-8"), _command_options()) == []


def test_the_check_finds_what_it_looks_for():
    options = _command_options()
    assert {"output", "inputs", "month", "rules", "lang", "quiet"} <= options
    old_style = (
        "import sys\n"
        "def run_metrics_command(args) -> int:\n"
        "    out = args.output\n"
        "    print(f'Wrote {out}', file=sys.stderr)\n"
        "    return 0\n")
    assert findings(old_style, options) == ["line 3: reads option args.output", "line 4: print"]
    assert findings("from argparse import Namespace\n", options) == [
        "line 1: imports argparse.Namespace"]
    assert findings("import argparse\ndef f(n: argparse.Namespace): pass\n", options) == [
        "line 2: parameter n is a Namespace", "line 2: argparse.Namespace"]
    assert findings("log = print\n", options) == ["line 1: print"]
    # A progress bar of the library's own, as fill and summary once drew.
    own_bar = ("def collect(paths, progress=False):\n"
               "    from tqdm import tqdm\n"
               "    for p in tqdm(paths, disable=not progress):\n"
               "        yield p\n")
    assert findings(own_bar, options) == ["line 2: imports tqdm"]
    assert findings("import tqdm.auto as bars\nfrom tqdm.contrib import tmap\n", options) == [
        "line 1: imports tqdm.auto", "line 2: imports tqdm.contrib"]
    assert findings("bars = __import__('tqdm')\nimportlib.import_module('tqdm.auto')\n",
                    options) == ["line 1: imports tqdm", "line 2: imports tqdm.auto"]
    # What the library does and may: write a callback's text, take *args, read a list.
    fine = ("from .fill import open_bar\n"
            "def f(*args, on_line=None, progress=None):\n"
            "    bar = open_bar(progress, len(args), 'read', 'row')\n"
            "    on_line(str(len(args)))\n"
            "def g(calc, args):\n"
            "    args.append(calc)\n"
            "    return args.count(calc)\n")
    assert findings(fine, options) == []


def test_the_cli_does_print_and_draw():
    # The check would be empty if the walk found nothing at all.
    found = findings(CLI.read_text(encoding="utf-8"), set())
    assert any(f.endswith(": print") for f in found)
    assert any(f.endswith(": imports tqdm") for f in found)
