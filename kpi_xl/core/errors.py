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


# Every error value Excel shows in a cell: the one list the reader, the engine, the
# xlwings face and the formula parser use.
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
               "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
               "#BUSY!", "#UNKNOWN!", "#EXTERNAL!", "#PYTHON!")

# ERROR.TYPE's number of each error (Excel's documentation of ERROR.TYPE); an error not
# listed here gives #N/A.
ERROR_TYPE_NUMBERS = {"#NULL!": 1, "#DIV/0!": 2, "#VALUE!": 3, "#REF!": 4, "#NAME?": 5,
                      "#NUM!": 6, "#N/A": 7, "#GETTING_DATA": 8, "#SPILL!": 9,
                      "#CONNECT!": 10, "#BLOCKED!": 11, "#UNKNOWN!": 12, "#FIELD!": 13,
                      "#CALC!": 14}

# How the runtimes name them.  COM (the classic add-in) hands an error cell over as its
# number in Excel's XlCVError enumeration; Office.js (xlwings Server and Lite) names it
# in a rich value's "errorType".
CVERR_NUMBERS = {"#NULL!": 2000, "#DIV/0!": 2007, "#VALUE!": 2015, "#REF!": 2023,
                 "#NAME?": 2029, "#NUM!": 2036, "#N/A": 2042, "#GETTING_DATA": 2043,
                 "#SPILL!": 2045, "#CONNECT!": 2046, "#BLOCKED!": 2047, "#UNKNOWN!": 2048,
                 "#FIELD!": 2049, "#CALC!": 2050}
OFFICE_JS_ERROR_TYPES = {"Null": "#NULL!", "Div0": "#DIV/0!", "Value": "#VALUE!",
                         "Ref": "#REF!", "Name": "#NAME?", "Num": "#NUM!",
                         "NotAvailable": "#N/A", "GettingData": "#GETTING_DATA",
                         "Spill": "#SPILL!", "Calc": "#CALC!"}


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
