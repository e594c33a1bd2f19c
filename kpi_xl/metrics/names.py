"""One shop, or one agent of a shop, written in different ways in the files of a run is one.

'S1' and 's1', 'S1' and full-width 'Ｓ１', 'Amy' and 'amy', '旗舰店' with a trailing
zero-width space: names equal under :func:`~kpi_xl.core.values.name_key`, the key ``fill``
and ``summary`` compare names by.  Matched as written, one shop's chats and orders did not
meet (its orders were silent and no agent was credited), an agent's chats split over two
rows (a reply logged under the other spelling left the reception unanswered), an order in
two files was not seen as one, and one agent-day in two platform exports was added up twice.

:func:`unify` rewrites the names of every file of the run under one spelling, the one of
the most rows (then the first file's), and says in one sentence per name which spellings
it met, in which files and rows, so that the run can exit 1 with the numbers right.

:func:`strip_main_accounts` first reads Taobao's sub-account form, '小米旗舰店:小美' (the
main account, the shop, before the colon), as the agent '小美' that other files write
alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.values import name_key
from .errors import MetricsError
from .tables import RowNumbers

SHOWN = 5   # rows named per spelling and file
#: Taobao's sub-account name: the main account (the shop), a colon (or '：'), the agent.
SUB_ACCOUNT = re.compile(r"\s*(?P<main>[^:：]*[^:：\s])\s*[:：]\s*(?P<sub>\S.*?)\s*")


@dataclass
class Part:
    """The rows one input file gave: its canonical frame (rewritten in place), the file's
    row number of each frame row (None: as ``numbers`` gives them from the frame's
    positions, the file's rows under the header row), and which rows took their shop from
    ``--shop``; ``written`` keeps, for a column whose names were rewritten before they
    are compared (a sub-account's main account taken off), the text the file wrote:
    {column: (each row's code, the texts)}."""

    source: str
    frame: pd.DataFrame
    rows: np.ndarray | None = None
    from_option: np.ndarray | None = None
    numbers: RowNumbers = field(default_factory=RowNumbers)
    written: dict = field(default_factory=dict)

    def row_numbers(self, idx):
        return self.numbers(idx) if self.rows is None else np.asarray(self.rows)[idx]


def _spellings(part: Part, column: str, within: str | None):
    """(codes, outer, names): each row's code into the distinct (within, name) pairs."""
    # Factorised as stored (arrow strings stay arrow): ten million rows in a fraction of a
    # second; only the distinct names become Python strings.
    codes, names = pd.factorize(part.frame[column])
    names = np.asarray(names, dtype=object)
    if within is None:
        return codes, np.full(len(names), "", dtype=object), names
    wcodes, outer = pd.factorize(part.frame[within])
    pair = wcodes.astype(np.int64) * max(len(names), 1) + codes
    codes, pairs = pd.factorize(pair)
    pairs = np.asarray(pairs, dtype=np.int64)
    return (codes, np.asarray(outer, dtype=object)[pairs // max(len(names), 1)],
            names[pairs % max(len(names), 1)])


def unify(parts: list[Part], column: str, what: str, within: str | None = None) -> list[str]:
    """Give the names of ``column`` equal under ``name_key`` (with the same ``within``
    value: agents within their shop) one spelling in every part, the spelling of the most
    rows, then the first met; one sentence per name written more than one way, naming each
    spelling with its files and rows.  Parts where every name is written one way are not
    touched."""
    tallies: list = []
    groups: dict = {}   # (within, key) -> {spelling: [rows, order first met]}
    met = 0
    for part in parts:
        if not len(part.frame):
            tallies.append(None)
            continue
        codes, outer, names = _spellings(part, column, within)
        counts = np.bincount(codes, minlength=len(names))
        tallies.append((codes, outer, names))
        for o, n, c in zip(outer, names, counts):
            entry = groups.setdefault((o, name_key(n)), {}).setdefault(n, [0, met])
            entry[0] += int(c)
            met += 1
    merged = {k: v for k, v in groups.items() if len(v) > 1}
    if not merged:
        return []
    shown_as = {k: max(v.items(), key=lambda kv: (kv[1][0], -kv[1][1]))[0]
                for k, v in merged.items()}
    # Each spelling as the files wrote it, with its files and rows, in the order met:
    # (file, first row, text, where) sorted.
    met_at: dict = {k: [] for k in merged}
    for p, (part, tally) in enumerate(zip(parts, tallies)):
        if tally is None:
            continue
        codes, outer, names = tally
        new = names.copy()
        for j, (o, n) in enumerate(zip(outer, names)):
            k = (o, name_key(n))
            if k not in merged:
                continue
            new[j] = shown_as[k]
            for text, idx in _as_written(part, column, n, np.flatnonzero(codes == j)):
                met_at[k].append((p, idx[0], text, _rows_text(part, idx, column == "shop")))
        if any(a != b for a, b in zip(new, names)):
            part.frame[column] = new[codes]
    found = []
    for k, entries in met_at.items():
        spellings: dict = {}
        for *_, text, place in sorted(entries, key=lambda e: e[:2]):
            spellings.setdefault(text, []).append(place)
        ways = "; ".join(f"{n!r} in {', '.join(places)}" for n, places in spellings.items())
        shop = f"shop {k[0]!r}: " if within is not None and k[0] != "" else ""
        subs = any(SUB_ACCOUNT.fullmatch(str(n)) for n in spellings if n not in merged[k])
        found.append(
            f"{shop}one {what} is written {len(spellings)} ways — {ways}. Names are compared "
            "ignoring case, full-width letters"
            + (", spaces and a sub-account's main account (店铺:客服)" if subs else
               " and spaces")
            + f", so these are counted as one {what}, shown as {shown_as[k]!r} (the spelling "
            "of the most rows, then of the first file); write the name one way in every file.")
    return found


def _as_written(part: Part, column: str, name, idx: np.ndarray):
    """[(text, rows)]: the rows ``idx`` of ``part`` (whose ``column`` reads ``name``) by
    the text the file wrote there (see :attr:`Part.written`)."""
    if column not in part.written:
        return [(name, idx)]
    codes, texts = part.written[column]
    return [(texts[c], idx[codes[idx] == c]) for c in np.unique(codes[idx])]


def _rows_text(part: Part, idx: np.ndarray, shop: bool) -> str:
    rows = part.row_numbers(idx[:SHOWN])
    more = f" and {len(idx) - SHOWN:,} more" if len(idx) > SHOWN else ""
    option = (" (the shop --shop names)" if shop and part.from_option is not None
              and part.from_option[idx].any() else "")
    return (f"{part.source} (row{'s' if len(idx) > 1 else ''} "
            f"{', '.join(map(str, rows))}{more}){option}")


def strip_main_accounts(parts: list[Part], column: str = "agent",
                        within: str = "shop") -> None:
    """Write each sub-account name '店铺:客服' (or '店铺：客服') as its agent, '客服', where
    its main account is the only one met with that agent in the shop (of ``within``): then
    '小米旗舰店:小美' in one file and '小美' in another are one agent, not two that split
    her month.  An agent written under two main accounts ('店A:小美', '店B:小美') is two
    people and stays so; one written alone too ('小美') cannot be told to be either, which
    is refused with a sentence naming the spellings, files and rows."""
    subs: dict = {}    # (within, agent key) -> {main key: [(part, name)]}
    alone: dict = {}   # (within, agent key) -> [(part, name)]
    tallies = []
    for n, part in enumerate(parts):
        codes, outer, names = (_spellings(part, column, within) if len(part.frame)
                               else (None, [], []))
        tallies.append((codes, outer, names))
        for o, name in zip(outer, names):
            m = SUB_ACCOUNT.fullmatch(str(name))
            if m:
                subs.setdefault((o, name_key(m["sub"])), {}).setdefault(
                    name_key(m["main"]), []).append((n, name))
            else:
                alone.setdefault((o, name_key(name)), []).append((n, name))
    strip = set()
    for k, mains in subs.items():
        if len(mains) == 1:
            strip.update((k[0], name) for written in mains.values() for _, name in written)
        elif k in alone:
            _refuse_two_main_accounts(parts, tallies, k, mains, alone[k])
    for part, (codes, outer, names) in zip(parts, tallies):
        hit = [j for j, (o, name) in enumerate(zip(outer, names)) if (o, name) in strip]
        if hit:
            new = names.copy()
            for j in hit:
                new[j] = SUB_ACCOUNT.fullmatch(str(names[j]))["sub"]
            part.frame[column] = new[codes]
            part.written[column] = (codes, names)


def _refuse_two_main_accounts(parts, tallies, key, mains, alone) -> None:
    """Refuse an agent written alone beside sub-accounts of two main accounts."""
    def where(written):
        out = []
        for n, name in written:
            codes, outer, names = tallies[n]
            j = next(j for j, (o, x) in enumerate(zip(outer, names)) if (o, x) == (key[0], name))
            out.append(f"{name!r} in {_rows_text(parts[n], np.flatnonzero(codes == j), False)}")
        return "; ".join(out)
    shop = f"shop {key[0]!r}: " if key[0] != "" else ""
    named = "; ".join(where(written) for written in mains.values())
    raise MetricsError(
        f"{shop}the agent {alone[0][1]!r} is written alone ({where(alone)}) and as a "
        f"sub-account of {len(mains)} main accounts ({named}); sub-accounts of two main "
        "accounts are two people, and which of them the name alone is cannot be told. Write "
        "the agent with its main account (店铺:客服) in every file, or give each shop's files "
        "a 店铺 column or a run of their own with --shop.")
