"""Excel formula text → syntax tree.

The tree is made of tuples so that it is cheap to build and to hash:

``("lit", value)``                   number, text, logical, error or ``None`` (missing argument)
``("ref", sheet, r1, c1, r2, c2, abs4)``  a rectangle; ``abs4`` = ($r1, $c1, $r2, $c2) flags
``("name", name, sheet)``            a defined name (or LAMBDA parameter)
``("sref", table, spec)``            a structured reference, resolved by the compiler
``("fn", NAME, args)``               a function call, NAME without _xlfn./add-in prefixes
``("call", callee, args)``           calling the value of an expression, e.g. LAMBDA(...)(1)
``("bin", op, a, b)`` / ``("un", op, a)`` / ``("arr", rows)`` / ``("union", items)``
"""
from __future__ import annotations

import re

from ..registry import FUNCTIONS as _KPI_FUNCTIONS
from .a1 import (CELL_TOKEN, COLUMNS_TOKEN, MAX_COL, MAX_ROW, NAME_WORD, ROWS_TOKEN, column_letters,
                 column_number)
from .values import ERROR_CODES, XlErr


def bracket_end(text: str, pos: int) -> int:
    """Index just past the "]" that closes the "[" at ``text[pos]``; -1 when none does.

    Structured references nest brackets and escape special characters with an
    apostrophe (``'[``, ``']``, ``'#``), so a plain search for "]" is not enough.
    """
    depth = 0
    n = len(text)
    i = pos
    while i < n:
        ch = text[i]
        if ch == "'":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


class FormulaSyntaxError(Exception):
    pass


# The names the compilers and functions import from here; the one implementation is a1's.
col_to_num = column_number
num_to_col = column_letters


# Prefixes under which Excel saves calls to add-in and Office.js custom functions.
_FUNC_PREFIX = re.compile(
    r"^(?:_xlfn\.|_xlws\.|_xludf\.|_xll\.|_xldudf_XLWINGS_|XLWINGS\.|_xlfn\._xlws\.)+", re.I)

# Office.js custom functions live under the namespace the add-in declares: xlwings
# Server's is XLWINGS, or XLWINGS_DEV, XLWINGS_QA... outside production, or any name
# its settings give; xlwings Lite's has none.  Excel shows NS.KPI_BAND( and saves
# _xldudf_NS_KPI_BAND(, so the namespace cannot be told from the name by splitting
# at "_": a catalogue name is recognised at the end instead.
_CUSTOM_FUNCTION = re.compile(r"^(?:_XLDUDF_(?P<saved>\w+)|(?P<ns>[A-Z_][\w.]*)\.(?P<shown>\w+))$")
KPI_NAMES = frozenset(entry.name for entry in _KPI_FUNCTIONS)
_KPI_NAMES = sorted(KPI_NAMES, key=len, reverse=True)  # KPI_CHECK_BANDS before KPI_BAND


def function_name(word: str) -> str:
    """The function a call names, upper case, without the prefixes Excel saves with it.

    Any namespaced spelling of a catalogue function (``XLWINGS_DEV.KPI_BAND``,
    ``_xldudf_KPI_BAND``, ``_xldudf_MYNS_KPI_BAND``) is that function.
    """
    upper = word.upper()
    m = _CUSTOM_FUNCTION.match(upper.removeprefix("_XLFN.").removeprefix("_XLUDF."))
    if m:
        if m.group("shown") is not None:
            if m.group("shown") in KPI_NAMES:
                return m.group("shown")
        else:
            saved = m.group("saved")
            for name in _KPI_NAMES:
                if saved == name or saved.endswith("_" + name):
                    return name
    return _FUNC_PREFIX.sub("", upper)

_ERR_RE = "|".join(re.escape(e) for e in sorted(ERROR_CODES, key=len, reverse=True))

_TOKEN = re.compile(r"""
 (?P<ws>[ \t\r\n]+)
|(?P<str>"(?:[^"]|"")*")
|(?P<err>""" + _ERR_RE + r""")
|(?P<prefix>(?:\[[^\]]*\])?(?:'(?:[^']|'')+'|[^\s!'"(),;:{}+\-*/^&=<>%\[\]@#]+)?(?::(?:'(?:[^']|'')+'|[^\s!'"(),;:{}+\-*/^&=<>%\[\]@#]+))?!)
|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
|(?P<op><=|>=|<>|[-+*/^&=<>%:,;(){}@])
|(?P<brk>\[)
|(?P<ident>""" + NAME_WORD + r"""|\$\d+)
""", re.X)

_AFTER_PREFIX = re.compile(r"(?P<ident>" + NAME_WORD + r")|(?P<num>\$?\d+)")


def _unquote_sheet(s: str) -> str:
    if s.startswith("'") and s.endswith("'"):
        return s[1:-1].replace("''", "'")
    return s


def tokenize(text: str):
    """List of (kind, text) tokens.  Cell references are recognised in the parser."""
    out = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaSyntaxError(f"unexpected character {text[pos]!r} at {pos + 1}")
        kind = m.lastgroup
        tok = m.group(kind)
        if kind == "brk":
            # A structured reference: balanced brackets, possibly nested.
            end = bracket_end(text, pos)
            if end < 0:
                raise FormulaSyntaxError("unbalanced [ in structured reference")
            out.append(("brk", text[pos:end]))
            pos = end
            continue
        if kind == "prefix" and tok.startswith(":"):
            out.append(("op", ":"))   # A1:Sheet!B2: the range operator, then a sheet prefix
            pos += 1
            continue
        if kind == "prefix" and out and out[-1][0] == "prefix":
            # Sheet!A1:Sheet!B2 - what follows a sheet prefix is a cell or a name, never the
            # first sheet of a 3-D span, though "A1:Sheet!" reads like one.
            m = _AFTER_PREFIX.match(text, pos)
            if m:
                out.append((m.lastgroup, m.group(m.lastgroup)))
                pos = m.end()
                continue
        if kind == "ident" and pos + len(tok) < n and text[pos + len(tok)] == "[":
            # Table1[...]: identifier followed by a bracket group.
            out.append(("tbl", tok))
            pos += len(tok)
            continue
        out.append((kind, tok))
        pos = m.end()
    return out


_BIN_PREC = {
    ":": 90, " ": 80, "^": 50, "*": 40, "/": 40, "+": 30, "-": 30, "&": 20,
    "=": 10, "<>": 10, "<": 10, ">": 10, "<=": 10, ">=": 10,
}
_PREFIX_PREC = 60  # unary minus binds tighter than ^ in Excel: -2^2 = 4
_POSTFIX_PREC = 70  # percent


class _Parser:
    def __init__(self, tokens, default_sheet):
        # Whitespace matters only as the intersection operator: keep it where it
        # separates two operands, drop it elsewhere.
        toks = []
        for i, (k, t) in enumerate(tokens):
            if k == "ws":
                prev = toks[-1] if toks else None
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if (prev and nxt and _ends_operand(prev) and _starts_operand(nxt)):
                    toks.append(("op", " "))
                continue
            toks.append((k, t))
        self.toks = toks
        self.i = 0
        self.default_sheet = default_sheet

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, text):
        k, t = self.take()
        if t != text:
            raise FormulaSyntaxError(f"expected {text!r}, found {t!r}")

    def parse(self):
        if not self.toks:
            raise FormulaSyntaxError("empty formula")
        node = self.expr(0)
        if self.i != len(self.toks):
            raise FormulaSyntaxError(f"unexpected {self.peek()[1]!r}")
        return node

    def expr(self, min_prec):
        left = self.prefix()
        while True:
            k, t = self.peek()
            if k != "op":
                break
            if t == "%":
                if _POSTFIX_PREC < min_prec:
                    break
                self.take()
                left = ("un", "%", left)
                continue
            prec = _BIN_PREC.get(t)
            if prec is None or prec < min_prec:
                break
            self.take()
            # ^ is left-associative in Excel (2^3^2 = 64).
            right = self.expr(prec + 1)
            left = ("bin", t, left, right)
        return left

    def prefix(self):
        k, t = self.peek()
        if k == "op" and t in ("-", "+"):
            self.take()
            operand = self.expr(_PREFIX_PREC)
            return ("un", t, operand)
        if k == "op" and t == "@":
            self.take()
            return ("fn", "SINGLE", [self.expr(_PREFIX_PREC)])
        return self.primary()

    def primary(self):
        k, t = self.take()
        if k is None:
            raise FormulaSyntaxError("formula ends too early")
        if k == "num":
            if t.isdigit() and self.peek() == ("op", ":"):
                k2, t2 = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else (None, None)
                if t2 is not None and t2.lstrip("$").isdigit():
                    return self.reference(t, None)
            # Every number in Excel is a double, literals too: 10^400 is #NUM!, not 401 digits.
            return ("lit", float(t))
        if k == "str":
            return ("lit", t[1:-1].replace('""', '"'))
        if k == "err":
            return ("lit", XlErr(t))
        if k == "op" and t == "(":
            first = self.arg_expr()
            if self.peek()[1] == ",":
                items = [first]
                while self.peek()[1] == ",":
                    self.take()
                    items.append(self.arg_expr())
                self.expect(")")
                return self.postfix_call(("union", items))
            self.expect(")")
            return self.postfix_call(first)
        if k == "op" and t == "{":
            return self.array_const()
        if k == "prefix":
            return self.after_prefix(t)
        if k == "brk":
            return ("sref", None, t)
        if k == "tbl":
            k2, t2 = self.take()
            return ("sref", t, t2)
        if k == "ident":
            return self.identifier(t, None)
        raise FormulaSyntaxError(f"unexpected {t!r}")

    def postfix_call(self, node):
        # LAMBDA(x, x+1)(2): an expression followed by an argument list.
        if self.peek() == ("op", "("):
            self.take()
            return ("call", node, self.args())
        return node

    def arg_expr(self):
        k, t = self.peek()
        if k == "op" and t in (",", ")"):
            return ("lit", None)
        return self.expr(0)

    def args(self):
        args = []
        if self.peek() == ("op", ")"):
            self.take()
            return args
        while True:
            args.append(self.arg_expr())
            k, t = self.take()
            if t == ")":
                return args
            if t != ",":
                raise FormulaSyntaxError(f"expected , or ) in argument list, found {t!r}")

    def array_const(self):
        rows, row = [], []
        while True:
            k, t = self.peek()
            if k == "op" and t in ("-", "+"):
                self.take()
                k2, t2 = self.take()
                v = float(t2) if k2 == "num" else None
                if v is None:
                    raise FormulaSyntaxError("bad array constant")
                row.append(-v if t == "-" else v)
            else:
                self.take()
                if k == "num":
                    row.append(float(t))
                elif k == "str":
                    row.append(t[1:-1].replace('""', '"'))
                elif k == "err":
                    row.append(XlErr(t))
                elif k == "ident" and t.upper() in ("TRUE", "FALSE"):
                    row.append(t.upper() == "TRUE")
                else:
                    raise FormulaSyntaxError(f"bad array constant element {t!r}")
            k, t = self.take()
            if t == ",":
                continue
            if t == ";":
                rows.append(row)
                row = []
                continue
            if t == "}":
                rows.append(row)
                break
            raise FormulaSyntaxError("bad array constant")
        if len({len(r) for r in rows}) != 1:
            raise FormulaSyntaxError("array constant rows differ in length")
        return ("arr", rows)

    def after_prefix(self, prefix):
        body = prefix[:-1]
        external = None
        if body.startswith("["):
            j = body.index("]")
            external = body[1:j]
            body = body[j + 1:]
            if external == "0":
                # Book index 0 in the file's external-link list is the workbook itself.
                external = None
        if ":" in body and not body.startswith("'"):
            first, last = body.split(":", 1)
            sheet = (_unquote_sheet(first), _unquote_sheet(last))
        elif body.startswith("'") and "':'" in body:
            first, last = body.split("':'", 1)
            sheet = (_unquote_sheet(first + "'"), _unquote_sheet("'" + last))
        else:
            sheet = _unquote_sheet(body) if body else None
            if sheet and body.startswith("'") and ":" in sheet:
                # 'My Sheet:S3'!A1, a span of sheets quoted as one (MS-OI29500 §2.1.863's
                # sheet-range: a colon is never part of a sheet's name)
                first, last = sheet.split(":", 1)
                sheet = (first, last)
        if external is not None:
            sheet = ("[ext]", external, sheet)
        k, t = self.take()
        if k == "err":
            return ("lit", XlErr(t))
        if k == "num":
            # Sheet1!1:1 (row range): the number is the first row.
            return self.reference(t, sheet)
        if k == "ident":
            return self.identifier(t, sheet)
        raise FormulaSyntaxError(f"unexpected {t!r} after {prefix!r}")

    def identifier(self, t, sheet):
        nxt = self.peek()
        if nxt == ("op", "("):
            self.take()
            name = function_name(t)
            args = self.args()
            return self.postfix_call(("fn", name, args))
        up = t.upper()
        if sheet is None and up in ("TRUE", "FALSE") and nxt != ("op", "("):
            return ("lit", up == "TRUE")
        return self.reference(t, sheet)

    def reference(self, t, sheet):
        # Try cell, then cell:cell, col:col, row:row; otherwise a defined name.
        m = CELL_TOKEN.match(t)
        if m and column_number(m.group(2)) <= MAX_COL and 0 < int(m.group(4)) <= MAX_ROW:
            r, c = int(m.group(4)), column_number(m.group(2))
            ra, ca = bool(m.group(3)), bool(m.group(1))
            if self.peek() == ("op", ":"):
                save = self.i
                self.take()
                k2, t2 = self.peek()
                if k2 == "prefix" and self.i + 1 < len(self.toks) and self.toks[self.i + 1][0] == "ident" \
                        and _same_sheet(t2[:-1], sheet or self.default_sheet):
                    # Sheet!A1:'Sheet'!B2, the sheet named again at the end: one range
                    self.take()
                    k2, t2 = self.peek()
                m2 = CELL_TOKEN.match(t2) if k2 == "ident" else None
                if m2:
                    self.take()
                    r2, c2 = int(m2.group(4)), column_number(m2.group(2))
                    return _ref(sheet or self.default_sheet, r, c, r2, c2,
                                (ra, ca, bool(m2.group(3)), bool(m2.group(1))))
                self.i = save
            return _ref(sheet or self.default_sheet, r, c, r, c, (ra, ca, ra, ca))
        if self.peek() == ("op", ":"):
            save = self.i
            self.take()
            k2, t2 = self.take()
            span = f"{t}:{t2}"
            if k2 not in ("ident", "num"):
                self.i = save
            else:
                m = COLUMNS_TOKEN.match(span)
                if m:
                    return _ref(sheet or self.default_sheet, 1, column_number(m.group(2)), MAX_ROW,
                                column_number(m.group(4)), (True, bool(m.group(1)), True, bool(m.group(3))))
                m = ROWS_TOKEN.match(span)
                if m:
                    return _ref(sheet or self.default_sheet, int(m.group(2)), 1, int(m.group(4)), MAX_COL,
                                (bool(m.group(1)), True, bool(m.group(3)), True))
                self.i = save
        if t.startswith("$"):
            raise FormulaSyntaxError(f"bad reference {t!r}")
        return ("name", t, sheet)


def _same_sheet(prefix_body, sheet):
    return isinstance(sheet, str) and not prefix_body.startswith("[") and ":" not in prefix_body.strip("'") \
        and _unquote_sheet(prefix_body).upper() == sheet.upper()


def _ref(sheet, r1, c1, r2, c2, abs4):
    if r1 > r2:
        r1, r2 = r2, r1
        abs4 = (abs4[2], abs4[1], abs4[0], abs4[3])
    if c1 > c2:
        c1, c2 = c2, c1
        abs4 = (abs4[0], abs4[3], abs4[2], abs4[1])
    return ("ref", sheet, r1, c1, r2, c2, abs4)


def _ends_operand(tok):
    k, t = tok
    return k in ("num", "str", "err", "ident", "brk") or (k == "op" and t in (")", "}", "%"))


def _starts_operand(tok):
    k, t = tok
    return k in ("num", "str", "err", "ident", "prefix", "brk", "tbl") or (k == "op" and t in ("(", "{"))


#: The operator of an addition or subtraction that is a formula's last operation.
FINAL_OPS = {"+": "+final", "-": "-final"}


def parse(text: str, default_sheet=None):
    """Parse formula text (with or without the leading ``=``) into a tree.

    An addition or subtraction at the root gets its own operator (:data:`FINAL_OPS`):
    Excel sets a result at or very near zero to zero when + or - is the formula's final
    operation (=0.3-0.2-0.1 is 0, =1*(0.3-0.2-0.1) is -2.78E-17)."""
    if text.startswith("="):
        text = text[1:]
    tree = _Parser(tokenize(text), default_sheet).parse()
    if tree[0] == "bin" and tree[1] in FINAL_OPS:
        tree = ("bin", FINAL_OPS[tree[1]], tree[2], tree[3])
    return tree


def calls(tree):
    """Every function call (``("fn", NAME, args)``) of a parsed formula, outermost and
    leftmost first, through operators, arguments, unions, arrays and LAMBDA calls."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, tuple) and node and isinstance(node[0], str):
            if node[0] == "fn":
                yield node
            stack.extend(reversed([x for x in node[1:] if isinstance(x, (tuple, list))]))
