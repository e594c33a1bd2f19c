"""Run kpi_xl.udfs the way xlwings Server and xlwings Lite do, and print what they see.

Started by the tests in a fresh interpreter with XLWINGS_ON_SERVER=true (which must
be set before xlwings is imported).  Reads ``{"calls": [[func_name, args], ...]}``
from stdin, where ``args`` are Office.js-shaped (a 2-D list per argument, null for
an omitted one), and writes one JSON object: xlwings' ``custom_functions_meta`` of
the module, and for each call what ``custom_functions_call`` returned, or the
exception it raised.
"""
import asyncio
import json
import sys

import xlwings as xw
from xlwings.server import custom_functions_call, custom_functions_meta

import kpi_xl.udfs


async def _call(func_name, args):
    data = {"func_name": func_name, "args": args, "version": xw.__version__, "client": "Office.js",
            "runtime": "1.4", "caller_address": "Sheet1!B2", "culture_info_name": "zh-CN",
            "date_format": "yyyy/m/d"}
    try:
        return {"result": await custom_functions_call(data, kpi_xl.udfs)}
    except Exception as exc:  # reported to the test, which decides
        return {"raised": f"{type(exc).__name__}: {exc}"}


async def main():
    request = json.load(sys.stdin)
    results = [await _call(name, args) for name, args in request["calls"]]
    out = {"on_server": xw.on_server, "meta": custom_functions_meta(kpi_xl.udfs),
           "results": results}
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    asyncio.run(main())
