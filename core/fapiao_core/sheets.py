"""Reading a spreadsheet a user uploads: CSV (UTF-8, or GB18030 as saved by Excel on Chinese
Windows) or XLSX, first sheet, cells as stripped text; and finding the header row by column
names given in English or Chinese. Shared by the table imports (tax codes, buyers)."""

import csv
import io

from . import FapiaoError


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def sheet_rows(content, filename, unreadable="tax_table_unreadable"):
    """The rows of the file, each a list of text cells; FapiaoError(unreadable) if it is
    neither."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        import openpyxl  # optional dependency, only for XLSX

        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as err:  # openpyxl raises many types for a broken file
            raise FapiaoError(unreadable, error=str(err)) from err
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell(v) for v in values]
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as err:
            raise FapiaoError(unreadable, error=str(err)) from err
    yield from ([_cell(v) for v in row] for row in csv.reader(io.StringIO(text)))


def find_header(lines, headers, required):
    """Consume ``lines`` (an iterator of (number, cells)) up to the header row: the first row
    holding every ``required`` column under one of its names in ``headers`` ({key: names}).
    Returns {key: column index} (optional columns too, when present), or None."""
    for _number, cells in lines:
        lowered = [c.lower() for c in cells]
        found = {
            key: lowered.index(alias.lower())
            for key, aliases in headers.items()
            for alias in aliases
            if alias.lower() in lowered
        }
        if all(key in found for key in required):
            return found
    return None
