"""Spreadsheet formula injection guard for every CSV and XLSX the product writes (issue 19).

Texts come from the public internet: a cell beginning with ``=``, ``+``, ``-`` or ``@`` —
also after leading spaces, and in the full-width forms Excel and LibreOffice accept — is
prefixed with an apostrophe; XLSX cells with text are written as strings, never formulas.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# ASCII and full-width (U+FF1D ＝, U+FF0B ＋, U+FF0D －, U+FF20 ＠) formula starters.
STARTERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")


def formula_safe(value: str) -> str:
    if not value:
        return value
    if value[0] in "\t\r\n" or value.lstrip(" \t\r\n\u00a0\u3000")[:1] in STARTERS:
        return "'" + value
    return value


def safe_values(values: Iterable[Any]) -> list[Any]:
    """A row for a write-only sheet (streamed: no cells to fix before saving), texts guarded."""
    return [formula_safe(v) if isinstance(v, str) else v for v in values]


def text_cells_as_strings(workbook: Any) -> None:
    """Before saving: every text cell guarded and typed as a string (openpyxl would make a
    text starting with "=" a formula)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = formula_safe(cell.value)
                    cell.data_type = "s"
