"""The rules that turn chat messages and orders into agent metrics, each a named setting.

A shop writes the settings it differs on into a TOML file (``--rules rules.toml``); every
setting it leaves out keeps the default below.  ``RULE_HELP`` documents each one and is
written into the output workbook beside the values used, so an appeal can be argued
from the sheet alone.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from .errors import RulesError

DEFAULT_AD_PATTERNS = (
    r"https?://", r"www\.", r"加微信", r"加[vV]信?", r"微信号", r"[vV][xX][:：]?\s*\w",
    r"兼职", r"刷单", r"代运营", r"推广合作", r"QQ群",
)


@dataclass(frozen=True)
class Rules:
    attribution_window_hours: float = 48.0
    credit: str = "last"
    credit_time: str = "created"
    refunds: str = "subtract"
    ad_patterns: tuple = DEFAULT_AD_PATTERNS
    block_list: tuple = ()
    response_excluded_hours: tuple = ()
    assists_in_inquiries: bool = False

    def __post_init__(self):
        problems = []
        if not isinstance(self.attribution_window_hours, (int, float)) \
                or isinstance(self.attribution_window_hours, bool) \
                or not 0 < self.attribution_window_hours <= 24 * 31:
            problems.append("attribution_window_hours must be a number of hours above 0 and at "
                            f"most 744 (31 days); it is {self.attribution_window_hours!r}.")
        for name, allowed in (("credit", ("last", "first")),
                              ("credit_time", ("created", "paid")),
                              ("refunds", ("subtract", "ignore"))):
            if getattr(self, name) not in allowed:
                problems.append(f"{name} must be one of {', '.join(map(repr, allowed))}; "
                                f"it is {getattr(self, name)!r}.")
        for pattern in self.ad_patterns:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                problems.append(f"ad_patterns: {pattern!r} is not a regular expression ({exc}).")
        if self.response_excluded_hours:
            try:
                excluded_span(self.response_excluded_hours)
            except ValueError as exc:
                problems.append(f"response_excluded_hours: {exc}")
        if not isinstance(self.assists_in_inquiries, bool):
            problems.append("assists_in_inquiries must be true or false; "
                            f"it is {self.assists_in_inquiries!r}.")
        if problems:
            raise RulesError(problems)

    @property
    def window_seconds(self) -> int:
        return round(self.attribution_window_hours * 3600)

    def as_table(self):
        """(setting, value, meaning) rows, for the output workbook."""
        rows = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = ", ".join(map(str, value)) if value else "(none)"
            rows.append((f.name, value, RULE_HELP[f.name]))
        return rows

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


RULE_HELP = {
    "attribution_window_hours":
        "Attribution window: an order is credited to an agent who received the buyer in the "
        "hours before the order (both ends included). Default 48; 24 is the other common rule.",
    "credit":
        "Which agent of the window is credited (落实): \"last\" (the last to receive the buyer, "
        "default) or \"first\" (the first). The other agents of the window count the order's "
        "buyer as 协助下单.",
    "credit_time":
        "What the window is measured back from: \"created\" (order time, default) or \"paid\" "
        "(payment time; an unpaid order falls back to its order time). The order's month "
        "follows the same time.",
    "refunds":
        "\"subtract\" (default): sales are paid amounts minus refund amounts; \"ignore\": paid "
        "amounts as they are.",
    "ad_patterns":
        "Regular expressions of advertising/spam. A buyer-day whose buyer messages all match "
        "one of them is left out of every metric and listed on the excluded sheet, unless the "
        "buyer placed or paid a paid order of the shop that day (a customer sharing a product "
        "link).",
    "block_list":
        "Buyers whose every buyer-day is left out of every metric (listed too).",
    "response_excluded_hours":
        "[\"23:00\", \"09:00\"] leaves out of the response times every interval whose buyer "
        "message falls between those hours (as JD does); empty (default) keeps all hours. "
        "Reply rate and receptions are not affected.",
    "assists_in_inquiries":
        "false (default): a paying buyer an agent only assisted (credited to another agent) "
        "is left out of that agent's inquiries, so an assist never lowers conversion; true "
        "counts it. A buyer whose order stayed unpaid is no assist and stays an inquiry.",
}


def excluded_span(hours) -> tuple[int, int]:
    """(start, end) in seconds after midnight of an excluded-hours pair; may wrap midnight."""
    if len(hours) != 2:
        raise ValueError(f"give two times, such as [\"23:00\", \"09:00\"]; got {list(hours)!r}.")
    out = []
    for text in hours:
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text).strip())
        if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59:
            raise ValueError(f"{text!r} is not a time of day such as \"23:00\".")
        out.append(int(m.group(1)) * 3600 + int(m.group(2)) * 60)
    if out[0] == out[1]:
        raise ValueError("the start and the end are the same time.")
    return out[0], out[1]


def load_rules(path=None, **overrides) -> Rules:
    """Rules from a TOML file (settings at the top level or under ``[rules]``); defaults else."""
    settings: dict = {}
    if path is not None:
        path = Path(path)
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise RulesError(f"The rules file {path} does not exist.") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RulesError(f"The rules file {path} is not valid TOML: {exc}.") from None
        settings = dict(data.get("rules", data))
        known = {f.name for f in fields(Rules)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise RulesError(f"The rules file {path} has setting(s) we do not know: "
                             f"{', '.join(unknown)} (known: {', '.join(sorted(known))}).")
    settings.update(overrides)
    for key in ("ad_patterns", "block_list", "response_excluded_hours"):
        if key in settings:
            value = settings[key]
            if isinstance(value, str):
                value = [value] if value else []
            settings[key] = tuple(value)
    try:
        return Rules(**settings)
    except RulesError as exc:
        where = f"The rules file {path}" if path is not None else "The rules"
        raise RulesError([f"{where}: {p}" for p in exc.problems]) from None


__all__ = ["DEFAULT_AD_PATTERNS", "RULE_HELP", "Rules", "excluded_span", "load_rules", "replace"]
