"""Typed errors of the scoring core.

Each error knows the Excel error value it shows as in a cell.  Core functions
raise them; the adapters (xlwings face, recalculation engine) turn them into the
runtime's own error representation.  Anything else that escapes a core function
is a bug and is reported as one, never disguised as ``#VALUE!``.
"""


class CellError(str):
    """An Excel error value travelling as data (``#N/A``, ``#VALUE!`` ...).

    Adapters hand error cells to the core as ``CellError`` so that a function can
    tell the error ``#N/A`` from the text "#N/A".
    """

    __slots__ = ()

    def __repr__(self):
        return f"CellError({str(self)!r})"


ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
               "#SPILL!", "#CALC!", "#GETTING_DATA")


class KpiError(Exception):
    """Base of the errors a KPI function raises on bad input."""

    excel_error = "#VALUE!"

    def as_cell_error(self) -> CellError:
        return CellError(self.excel_error)


class KpiValueError(KpiError):
    """Wrong kind of input: text where a number belongs, ranges of unequal size."""

    excel_error = "#VALUE!"


class KpiNotFoundError(KpiError):
    """The value falls in no band of the table."""

    excel_error = "#N/A"


class KpiNumError(KpiError):
    """Impossible arguments: negative counts, an empty table, a bad option."""

    excel_error = "#NUM!"


class KpiDivZeroError(KpiError):
    """A division by zero the caller did not provide a value for."""

    excel_error = "#DIV/0!"
