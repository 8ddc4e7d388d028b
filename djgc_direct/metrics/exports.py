"""Dashboard tables as files: CSV in UTF-8 with a byte-order mark (so Excel reads the Chinese)
and XLSX (openpyxl). Rates are percentages with one decimal; an empty cell means "no data"."""
import csv
import io

from openpyxl import Workbook

# A cell starting with one of these is a formula to a spreadsheet; names come from users.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header, body):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in body:
        writer.writerow(["" if value is None else _safe(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(title, header, body):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit for a sheet name
    sheet.append(header)
    for row in body:
        sheet.append([_safe(value) for value in row])
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
